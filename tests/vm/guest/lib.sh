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
# Each check's time since the one before (centiseconds of uptime) goes to
# a file; summary shows the slowest, to tell where a boot's time goes.
CHECK_TIMES=/tmp/check-times.$$
check_t0=$(tr -d . </proc/uptime | cut -d' ' -f1)
timed() {
	t=$(tr -d . </proc/uptime | cut -d' ' -f1)
	echo "$((t - check_t0)) $1" >>$CHECK_TIMES
	check_t0=$t
}
ok() { echo "ok - $1"; pass=$((pass + 1)); timed "$1"; }
nok() { echo "not ok - $1"; fail=$((fail + 1)); timed "$1"; }
skp() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); timed "$1"; }
# summary: "N passed, N failed[, N skipped]"; status 0 when nothing failed.
summary() {
	# Where the guest's time went (a comment line): busy against idle, from
	# /proc/stat in USER_HZ ticks; what limits how many guests share a core.
	awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8; i = $5 + $6
		printf "# guest cpu: %.0f s busy, %.0f s idle\n", b / 100, i / 100 }' /proc/stat
	[ -s $CHECK_TIMES ] && sort -rn $CHECK_TIMES | head -5 |
		awk '{ t = $1; $1 = ""; printf "# slow check: %.1f s up to%s\n", t / 100, substr($0, 1, 90) }'
	if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"
	else echo "$pass passed, $fail failed"; fi
	[ "$fail" -eq 0 ]
}
# kinds FILE -> "kind:count kind:count " of its findings, sorted by kind.
kinds() {
	grep -o '"kind":"[a-z_]*"' "$1" | sed 's/"kind":"//; s/"//' | sort | uniq -c |
		awk '{printf "%s:%s ", $2, $1}'
}
# Examples for doc/examples.md (scripts/examples.sh reads them on the host):
# the i386 guest (HIGHMEM: every kind the reference module can make) prints
# each kind's first finding as "#ex KIND json LINE", its text form replayed
# from the same run's recording as "#ex KIND text LINE", and where it came
# from as "#ex KIND from TEXT". "#" lines are comments to the TAP counters.
EXAMPLES=""
[ "${PAGETRACK_KERNEL:-}" = i386 ] && EXAMPLES=1
# example KIND JSONFILE RECORDING|- FROM
example() {
	[ -n "$EXAMPLES" ] || return 0
	echo "#ex $1 from $4"
	grep '"type":"finding"' "$2" | grep "\"kind\":\"$1\"" | head -1 | sed "s/^/#ex $1 json /"
	[ "$3" = - ] && return 0
	pagetrack --replay "$3" -m pagetrack_ref 2>/dev/null | awk -v k="$1" '
		inb && !/^ / { exit }
		/^(ERROR|WARNING) / && $2 == k { inb = 1 }
		inb { print "#ex " k " text " $0 }'
}
