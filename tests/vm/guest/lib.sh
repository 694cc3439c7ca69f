#!/bin/sh
# Shared preamble of the guest scripts (tests/vm/run puts this directory at
# /tests): sourced with `. /tests/lib.sh`. It holds the --btf option, the
# reference module's paths, the ok/nok/skp counters, the summary line and
# the finding-kind count. It must not run anything at source time: no
# insmod, no pagetrack, no output.
ARCH=${PAGETRACK_ARCH:-amd64}
KO=${PAGETRACK_REF_KO:-/lib/pagetrack/pagetrack_ref.ko}
CTL=/sys/kernel/debug/pagetrack_ref/run
# i386 and armhf kernels have no /sys/kernel/btf/vmlinux: tests/vm/run
# passes their BTF file in PAGETRACK_BTF.
BTF=""
[ -n "$PAGETRACK_BTF" ] && [ ! -e /sys/kernel/btf/vmlinux ] && BTF="--btf $PAGETRACK_BTF"
pass=0 fail=0 skip=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
skp() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }
# summary: "N passed, N failed[, N skipped]"; status 0 when nothing failed.
summary() {
	if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"
	else echo "$pass passed, $fail failed"; fi
	[ "$fail" -eq 0 ]
}
# kinds FILE -> "kind:count kind:count " of its findings, sorted by kind.
kinds() {
	grep -o '"kind":"[a-z_]*"' "$1" | sed 's/"kind":"//; s/"//' | sort | uniq -c |
		awk '{printf "%s:%s ", $2, $1}'
}
