/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The run's verdict: one exit status from the findings, how COMMAND ended
 * and whether every watched module was checked at all, and the stderr
 * lines that say why it is not 0. It must not print reports (report.c)
 * nor judge events (the analyzer).
 */
#ifndef PT_VERDICT_H
#define PT_VERDICT_H

#include <stdbool.h>
#include <stdio.h>
#include "analyzer.h"

/* How COMMAND ended (live runs given one). */
enum pt_cmd_status {
	PT_CMD_NONE,			/* no COMMAND */
	PT_CMD_EXITED,			/* exited by itself: code */
	PT_CMD_SIGNALED,		/* killed by a signal not ours: code */
	PT_CMD_NOT_STARTED,		/* exec failed: code is the errno */
	PT_CMD_STOPPED,			/* ended by pagetrack (-d, a signal to us) */
	PT_CMD_STUCK,			/* still there after SIGKILL and its grace */
};

struct pt_command_end {
	enum pt_cmd_status status;
	const char *name;		/* argv[0] */
	int code;
	bool killed;			/* PT_CMD_STOPPED: it needed SIGKILL */
};

struct pt_verdict {
	int exit_status;		/* PT_EXIT_* (options.h) */
	unsigned int errors;		/* error-level findings */
	bool command_failed;
	unsigned int unchecked;		/* watched modules never checked */
};

const char *pt_cmd_status_name(enum pt_cmd_status st);
bool pt_command_failed(const struct pt_command_end *cmd);
/* cmd may be NULL (replay). */
void verdict_make(struct pt_verdict *v, const struct analyzer *an,
		  const struct pt_command_end *cmd);
/* One line per reason the status is not 0 (and a note on a command that
 * needed SIGKILL), each starting "pagetrack: ". */
void verdict_explain(FILE *err, const struct analyzer *an, const struct pt_command_end *cmd);

#endif
