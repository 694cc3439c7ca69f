#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The realistic workload of scripts/bench.sh: unpack a C source tree, build it,
# pack the result with gzip, as a build host does all day. Page cache, anonymous
# memory of the compilers, fork/exec, pipes.
#
#   realistic.sh TREE_TAR WORKDIR full|tiny
#
# full: make -j$(nproc) of pagetrack (clang for the BPF object, bpftool, gcc);
# tiny: one gcc -O2 -c of one file, pack src/ only (for make bench-smoke). Prints, like churn,
#   realistic size=full elapsed_ns=N user_us=N sys_us=N
# with the CPU time of every process it ran. Exit 1 when a step failed.
set -u
[ $# -eq 3 ] || { echo "usage: realistic.sh TREE_TAR WORKDIR full|tiny" >&2; exit 2; }
tar=$1 dir=$2 size=$3
case $size in full|tiny) ;; *) echo "realistic.sh: size is full or tiny" >&2; exit 2 ;; esac
rm -rf "$dir" "$dir.tgz"
mkdir -p "$dir" || exit 1
steps() {
	tar -xf "$tar" -C "$dir" || return 1
	if [ "$size" = full ]; then
		make -s -C "$dir" -j"$(nproc)" .output/amd64/pagetrack || return 1
	else
		gcc -O2 -c -I"$dir/src" "$dir/src/record.c" -o "$dir/record.o" || return 1
	fi
	if [ "$size" = full ]; then
		tar -czf "$dir.tgz" -C "$dir" . || return 1
	else
		tar -czf "$dir.tgz" -C "$dir" src || return 1
	fi
}
TIMEFORMAT='%3R %3U %3S'
{ time steps >"$dir.log" 2>&1; } 2>"$dir.time"
rc=$?
read -r real user sys <"$dir.time"
rm -rf "$dir" "$dir.tgz"
[ "$rc" -eq 0 ] || { echo "realistic.sh: a step failed (log: $dir.log)" >&2; exit 1; }
awk -v s="$size" -v r="$real" -v u="$user" -v y="$sys" 'BEGIN {
	printf "realistic size=%s elapsed_ns=%.0f user_us=%.0f sys_us=%.0f\n", s, r * 1e9, u * 1e6, y * 1e6 }'
