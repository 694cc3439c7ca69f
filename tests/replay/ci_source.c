// SPDX-License-Identifier: GPL-2.0
/*
 * Replays a recording through replay_stream() with a fake source resolver,
 * so the tests reach what the CLI cannot yet: SARIF physical locations and
 * annotations with file= and line=. The resolver names one line for the
 * buggy driver's site (MOD_IP), with a path that needs escaping everywhere.
 *   ci_source RECORDING SARIF JUNIT    (-m drv, annotations on stderr)
 */
#include <stdio.h>
#include <string.h>
#include "session.h"
#include "events.h"

#define FAKE_FILE	"drivers/drv:x,y/drv probe%.c"
#define FAKE_LINE	"212"

static unsigned int calls;

static const char *fake_source(void *ctx, uint64_t ip, char *buf, size_t len)
{
	(void)ctx;
	calls++;
	if (ip != MOD_IP)
		return NULL;
	snprintf(buf, len, "%s:%s", FAKE_FILE, FAKE_LINE);
	return buf;
}

int main(int argc, char **argv)
{
	static struct pt_options opt = { .pkmap_pct = 50, .top = 10, .nmodules = 1,
					 .modules = { "drv" }, .gh_annotations = true };
	const struct ci_source src = { fake_source, NULL };
	FILE *f, *devnull;
	int ret;

	if (argc != 4) {
		fprintf(stderr, "usage: %s RECORDING SARIF JUNIT\n", argv[0]);
		return 2;
	}
	opt.sarif_path = argv[2];
	opt.junit_path = argv[3];
	opt.ci_source = &src;
	f = fopen(argv[1], "rb");
	devnull = fopen("/dev/null", "w");
	if (!f || !devnull) {
		perror(argv[1]);
		return 2;
	}
	ret = replay_stream(f, argv[1], &opt, devnull);
	fclose(f);
	fclose(devnull);
	if (!calls) {
		fprintf(stderr, "ci_source: the resolver was never asked\n");
		return 3;
	}
	return ret;
}
