// SPDX-License-Identifier: GPL-2.0
/*
 * The run's verdict (verdict.h): error findings 1, then a COMMAND that
 * failed 3, then a watched module nothing was checked for 4, else 0. A run
 * that checked nothing must never read as clean. Core library: it reads
 * the analyzer's public API and prints only the reasons to stderr.
 */
#include <signal.h>
#include <string.h>
#include "options.h"
#include "verdict.h"

const char *pt_cmd_status_name(enum pt_cmd_status st)
{
	static const char *const names[] = {
		[PT_CMD_NONE] = "none", [PT_CMD_EXITED] = "exited",
		[PT_CMD_SIGNALED] = "signaled", [PT_CMD_NOT_STARTED] = "not_started",
		[PT_CMD_STOPPED] = "stopped", [PT_CMD_STUCK] = "stuck",
	};

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

bool pt_command_failed(const struct pt_command_end *cmd)
{
	if (!cmd)
		return false;
	switch (cmd->status) {
	case PT_CMD_EXITED:
		return cmd->code != 0;
	case PT_CMD_SIGNALED:
	case PT_CMD_NOT_STARTED:
	case PT_CMD_STUCK:
		return true;
	default:
		return false;	/* none, or ended by us: not the command's failure */
	}
}

void verdict_make(struct pt_verdict *v, const struct analyzer *an,
		  const struct pt_command_end *cmd)
{
	unsigned int i;

	memset(v, 0, sizeof(*v));
	v->errors = an_errors(an);
	v->command_failed = pt_command_failed(cmd);
	for (i = 0; i < an_config(an)->nmodules; i++)
		if (!pt_module_checked(an_module(an, i)))
			v->unchecked++;
	v->exit_status = v->errors ? PT_EXIT_FINDINGS :
			 v->command_failed ? PT_EXIT_COMMAND :
			 v->unchecked ? PT_EXIT_UNCHECKED : PT_EXIT_OK;
}

static void explain_command(FILE *err, const struct pt_command_end *cmd)
{
	const char *name = cmd->name ? cmd->name : "COMMAND";

	switch (cmd->status) {
	case PT_CMD_EXITED:
		if (cmd->code)
			fprintf(err, "pagetrack: COMMAND %s exited with status %d\n", name, cmd->code);
		break;
	case PT_CMD_SIGNALED:
		fprintf(err, "pagetrack: COMMAND %s was killed by signal %d (%s)\n", name,
			cmd->code, strsignal(cmd->code));
		break;
	case PT_CMD_NOT_STARTED:
		fprintf(err, "pagetrack: COMMAND %s could not be started: %s\n", name,
			strerror(cmd->code));
		break;
	case PT_CMD_STUCK:
		fprintf(err, "pagetrack: COMMAND %s did not exit even after SIGKILL (stuck in the kernel?): the report is of the trace so far\n",
			name);
		break;
	case PT_CMD_STOPPED:
		if (cmd->killed)
			fprintf(err, "pagetrack: note: COMMAND %s ignored SIGTERM at the end of the trace; its process group was killed after %d s\n",
				name, PT_KILL_GRACE_S);
		break;
	default:
		break;
	}
}

void verdict_explain(FILE *err, const struct analyzer *an, const struct pt_command_end *cmd)
{
	unsigned int i;

	if (cmd)
		explain_command(err, cmd);
	for (i = 0; i < an_config(an)->nmodules; i++) {
		const struct pt_module_range *m = an_module(an, i);

		switch (pt_module_state(m)) {
		case PT_MOD_NEVER_LOADED:
			fprintf(err, "pagetrack: nothing was checked for module %s: it was never loaded while traced\n",
				m->name);
			break;
		case PT_MOD_INIT_FAILED:
			if (m->init_ret)
				fprintf(err, "pagetrack: module %s failed its init (error %d): its driver code never ran, nothing but its init was checked\n",
					m->name, m->init_ret);
			else
				fprintf(err, "pagetrack: module %s failed its init: its driver code never ran, nothing but its init was checked\n",
					m->name);
			break;
		default:
			break;
		}
	}
}
