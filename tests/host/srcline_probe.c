// SPDX-License-Identifier: GPL-2.0
/*
 * The source-line resolver (src/srcline.c) alone, for tests/host/srcline.sh:
 *   srcline_probe KO MODULE FUNC OFFSET [exact]
 * prints the inline chain of MODULE's FUNC+OFFSET, innermost first, one
 * "FUNC FILE:LINE" a line; the last line is what srcline_of() says. OFFSET
 * is a return address (its call is looked up) unless "exact" follows.
 * Exit 1 when nothing resolves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "srcline.h"

int main(int argc, char **argv)
{
	struct srcline_frame f[16];
	const char *files[1];
	struct srcline *sl;
	int n, i;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: srcline_probe KO MODULE FUNC OFFSET [exact]\n");
		return 2;
	}
	files[0] = argv[1];
	sl = srcline_new(files, 1, NULL, false);
	if (!sl)
		return 2;
	n = srcline_sym_chain(sl, argv[2], argv[3], strtoull(argv[4], NULL, 0),
			      argc == 5 || strcmp(argv[5], "exact"), f, 16);
	for (i = 0; i < n; i++)
		printf("%s %s:%u\n", f[i].func, f[i].file, f[i].line);
	srcline_free(sl);
	return n ? 0 : 1;
}
