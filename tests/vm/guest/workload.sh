#!/bin/sh
# Ordinary kernel work for the guests, sourced by kmap_local_load.sh and
# tests/bench/klocal_guest.sh: page cache on tmpfs, pipes, fork/exec, tar,
# gzip, sort; and /tests/lib.sh's helpers (BTF, ok, nok). On i386 tmpfs and pipe
# pages are highmem: every copy in and out of them is a kmap_local_page()
# or kmap_atomic().
W=/tmp/work
. /tests/lib.sh
work_setup() {
	mkdir -p $W/x
	# 2 MiB of text-like data, made once (gzip and sort need real content).
	i=0
	: >$W/seed
	while [ $i -lt 4096 ]; do echo "line $i $((i * 7919 % 10007)) the quick brown fox $i" >>$W/seed; i=$((i + 1)); done
	cat $W/seed $W/seed $W/seed $W/seed $W/seed $W/seed $W/seed $W/seed >$W/f
}
# work_round: one round of each kind of work.
work_round() {
	cp $W/f $W/g && cmp $W/f $W/g || return 1
	gzip -c $W/g | gunzip -c | sort | cat | cat >$W/s || return 1
	tar -cf $W/t.tar -C $W f g s && tar -xf $W/t.tar -C $W/x || return 1
	j=0
	while [ $j -lt 20 ]; do /bin/true; j=$((j + 1)); done
	sync && echo 1 >/proc/sys/vm/drop_caches
	rm -f $W/g $W/s $W/t.tar $W/x/*
}
