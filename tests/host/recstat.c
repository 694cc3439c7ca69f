// SPDX-License-Identifier: GPL-2.0
/*
 * Counts a recording's events by type, and how many of them carry a kernel
 * stack (a stack map id or inline frames): lets the live tests check what
 * the BPF side attached to each event.   recstat FILE [TGID]
 * Prints "TYPE EVENTS WITH_STACK SAMPLED" per event type seen (SAMPLED: events
 * flagged PT_F_SAMPLED; only process TGID's events when given); exit 2 on a
 * bad file.
 */
#include <stdio.h>
#include <stdlib.h>
#include "record.h"

int main(int argc, char **argv)
{
	unsigned long long n[PT_EV_MAX] = { 0 }, st[PT_EV_MAX] = { 0 }, sm[PT_EV_MAX] = { 0 };
	struct rec_reader r;
	uint32_t type, len;
	void *data;
	FILE *f;
	int got;
	unsigned int t, tgid = argc == 3 ? (unsigned int)atoi(argv[2]) : 0;

	if (argc < 2 || argc > 3 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: recstat FILE [TGID]\n");
		return 2;
	}
	if (rec_open(&r, f, argv[1])) {
		fprintf(stderr, "recstat: %s\n", r.err);
		return 2;
	}
	while ((got = rec_next(&r, &type, &data, &len)) > 0) {
		const struct pt_event *e = data;

		if (type != PT_REC_EVENT || e->type >= PT_EV_MAX || (tgid && e->tgid != tgid))
			continue;
		n[e->type]++;
		/* Inline frames were given an id of their own when recorded. */
		if (e->stack_id >= 0)
			st[e->type]++;
		if (e->flags & PT_F_SAMPLED)
			sm[e->type]++;
	}
	if (got < 0) {
		fprintf(stderr, "recstat: %s\n", r.err);
		return 2;
	}
	for (t = 1; t < PT_EV_MAX; t++)
		if (n[t])
			printf("%u %llu %llu %llu\n", t, n[t], st[t], sm[t]);
	rec_close(&r);
	fclose(f);
	return 0;
}
