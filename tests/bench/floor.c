// SPDX-License-Identifier: GPL-2.0
/*
 * Loader for tests/bench/floor.bpf.c: attach, drain the ring buffer on a
 * timer until SIGINT/SIGTERM, detach, drain the rest, and print one JSON line
 * with what BPF produced and lost and what user space received.
 *
 *   floor [-b BUFFER_MB] [-i DRAIN_MS] [-w WAKEUP_BYTES [-W]] [-f] [-s DEPTH] [-c] [-r]
 *
 * -w and -f turn the floor into pagetrack's ring-buffer policy piece by piece,
 * to attribute its cost: -w wakes the reader (BPF_RB_FORCE_WAKEUP) once that
 * much data is pending and polls instead of sleeping (-W: only the record that
 * crosses the threshold wakes it); -f emits 112-byte records
 * filled like pagetrack's (pid, time, cpu, comm); -s takes a kernel stack of
 * DEPTH frames per event (pagetrack takes 32 on every event); -c only counts
 * (no record: what a program that filters an event out in BPF costs at least);
 * -r attaches raw tracepoints instead of the classic ones.
 * "floor: attached" on stderr says when tracing is live.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "floor.h"
#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

struct received {
	unsigned long long total, by_type[FLOOR_TYPE_MAX];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct received *r = ctx;
	const struct floor_rec *e = data;

	if (size < sizeof(*e))
		return 0;
	r->total++;
	if (e->type < FLOOR_TYPE_MAX)
		r->by_type[e->type]++;
	return 0;
}

static int read_counters(struct floor_bpf *skel, unsigned long long out[FLOOR_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.floor_counts);
	unsigned long long *v;
	__u32 k;
	int i;

	if (ncpu <= 0)
		return -1;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -1;
	for (k = 0; k < FLOOR_CNT_MAX; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, v)) {
			free(v);
			return -1;
		}
		for (i = 0; i < ncpu; i++)
			out[k] += v[i];
	}
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long buffer_mb = 16, drain_ms = 10, wakeup = 0, depth = 0;
	bool fat = false, crossing = false, count_only = false, raw = false, getstack = false;
	bool pair = false;
	unsigned long long cnt[FLOOR_CNT_MAX];
	struct received rcv = { 0 };
	struct ring_buffer *rb = NULL;
	struct floor_bpf *skel;
	struct timespec nap;
	int c, err, ret = 1;

	while ((c = getopt(argc, argv, "b:i:w:Wfs:crgph")) != -1) {
		switch (c) {
		case 'b':
			buffer_mb = strtoul(optarg, NULL, 10);
			if (!buffer_mb || buffer_mb > 1024 || (buffer_mb & (buffer_mb - 1))) {
				fprintf(stderr, "floor: -b takes a power of two from 1 to 1024\n");
				return 2;
			}
			break;
		case 'i':
			drain_ms = strtoul(optarg, NULL, 10);
			if (!drain_ms || drain_ms > 10000) {
				fprintf(stderr, "floor: -i takes 1 to 10000 ms\n");
				return 2;
			}
			break;
		case 'w':
			wakeup = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			fat = true;
			break;
		case 'W':
			crossing = true;
			break;
		case 'c':
			count_only = true;
			break;
		case 'r':
			raw = true;
			break;
		case 'g':
			getstack = true;
			break;
		case 'p':
			pair = true;
			break;
		case 's':
			depth = strtoul(optarg, NULL, 10);
			if (!depth || depth > 127) {
				fprintf(stderr, "floor: -s takes 1 to 127 frames\n");
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: floor [-b BUFFER_MB] [-i DRAIN_MS] [-w WAKEUP_BYTES [-W]] [-f] [-s DEPTH] [-c] [-r] [-p]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	libbpf_set_print(print_libbpf);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "floor: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	bpf_map__set_max_entries(skel->maps.floor_events, (__u32)(buffer_mb << 20));
	skel->rodata->wakeup_bytes = wakeup;
	skel->rodata->fat = fat;
	skel->rodata->wake_on_crossing = crossing;
	skel->rodata->with_stack = depth > 0;
	skel->rodata->count_only = count_only;
	skel->rodata->get_stack = getstack;
	skel->rodata->pair = pair;
	if (!pair)
		bpf_map__set_max_entries(skel->maps.pending, 1);
	/* -r: raw tracepoints instead of the classic ones. */
	bpf_program__set_autoload(skel->progs.floor_page_alloc, !raw);
	bpf_program__set_autoload(skel->progs.floor_page_free, !raw);
	bpf_program__set_autoload(skel->progs.floor_page_free_batched, !raw);
	bpf_program__set_autoload(skel->progs.floor_raw_page_alloc, raw);
	bpf_program__set_autoload(skel->progs.floor_raw_page_free, raw);
	bpf_program__set_autoload(skel->progs.floor_raw_page_free_batched, raw);
	if (depth)
		bpf_map__set_value_size(skel->maps.floor_stacks, (__u32)(depth * sizeof(__u64)));
	err = floor_bpf__load(skel);
	if (!err)
		err = floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "floor: cannot load or attach: %s\n", strerror(-err));
		goto out;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.floor_events), on_event, &rcv, NULL);
	if (!rb) {
		fprintf(stderr, "floor: cannot read the ring buffer: %s\n", strerror(errno));
		goto out;
	}
	fprintf(stderr, "floor: attached (buffer %lu MiB, %s, %s records)\n", buffer_mb,
		wakeup ? (crossing ? "woken on crossing -w" : "woken over -w") : "drained on a timer",
		fat ? "112-byte" : "16-byte");

	nap.tv_sec = (time_t)(drain_ms / 1000);
	nap.tv_nsec = (long)(drain_ms % 1000) * 1000000L;
	while (!stop) {
		/* -w: sleep in epoll like pagetrack (woken by BPF), else on a timer. */
		err = wakeup ? ring_buffer__poll(rb, 100) : 0;
		if (err >= 0)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "floor: reading the ring buffer: %s\n", strerror(-err));
			goto out;
		}
		if (!wakeup)
			nanosleep(&nap, NULL);
	}
	/* Detach first: after this nothing is produced, so the counts add up. */
	floor_bpf__detach(skel);
	ring_buffer__consume(rb);
	if (read_counters(skel, cnt)) {
		fprintf(stderr, "floor: cannot read the counters\n");
		goto out;
	}
	printf("{\"type\":\"floor\",\"events_produced\":%llu,\"events_lost\":%llu,"
	       "\"events_received\":%llu,\"alloc\":%llu,\"free\":%llu,\"free_batched\":%llu,"
	       "\"stack_failures\":%llu,\"paired\":%llu}\n",
	       cnt[FLOOR_CNT_PRODUCED], cnt[FLOOR_CNT_LOST], rcv.total, rcv.by_type[FLOOR_ALLOC],
	       rcv.by_type[FLOOR_FREE], rcv.by_type[FLOOR_FREE_BATCHED], cnt[FLOOR_CNT_STACK_FAIL],
	       cnt[FLOOR_CNT_PAIRED]);
	ret = count_only || cnt[FLOOR_CNT_PRODUCED] == cnt[FLOOR_CNT_LOST] + rcv.total ? 0 : 3;
	if (ret)
		fprintf(stderr, "floor: produced != lost + received\n");
out:
	ring_buffer__free(rb);
	floor_bpf__destroy(skel);
	return ret;
}
