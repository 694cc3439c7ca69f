#!/usr/bin/env bash
# Sourced by the VM suites: their guest boots run as a pool, PAGETRACK_VM_JOBS
# at once (default below: 3 on 2 cores), each boot's output kept in a file
# and shown afterwards in the
# order the boots were started, so a suite's log reads as if run one by one.
# It runs and orders boots only; what a boot checks and how its result counts
# is the suite's.
# Default: one and a half guests per core, at most 3 (3 on 2 cores): a TCG
# guest of these suites keeps its host thread busy only 65-75 % of its
# time (QEMU CPU against wall time per boot, tests/run_all.sh's "guest
# boots" line; the guests' own "guest cpu" lines say the same).
POOL_JOBS=${PAGETRACK_VM_JOBS:-$(( $(nproc) + $(nproc) / 2 ))}
[ "$POOL_JOBS" -ge 1 ] 2>/dev/null || POOL_JOBS=1
[ "$POOL_JOBS" -gt 3 ] && [ -z "${PAGETRACK_VM_JOBS:-}" ] && POOL_JOBS=3
POOL_DIR=$(mktemp -d)
POOL_NAMES=()
# PAGETRACK_VM_SLOTS: a directory shared by suites run side by side
# (tests/run_all.sh): a boot starts only once it holds one of its POOL_JOBS
# slot files, so the machine never runs more guests than that in all.
POOL_SLOTS=${PAGETRACK_VM_SLOTS:-}

# Waits for a free machine-wide slot; holds it (an open, locked fd) until
# the calling subshell exits.
pool_slot() {
	local i fd
	[ -n "$POOL_SLOTS" ] || return 0
	while :; do
		for ((i = 0; i < POOL_JOBS; i++)); do
			exec {fd}>"$POOL_SLOTS/slot$i"
			flock -n "$fd" && return 0
			exec {fd}>&-
		done
		sleep 1
	done
}

# pool_start NAME CMD [ARGS...]: CMD in the background once a slot is free;
# its stdout and stderr go to "$(pool_out NAME)", its status to pool_rc NAME,
# its wall time in seconds to pool_secs NAME.
pool_start() {
	local name=$1
	shift
	while [ "$(jobs -rp | wc -l)" -ge "$POOL_JOBS" ]; do wait -n; done
	POOL_NAMES+=("$name")
	(
		pool_slot
		t0=$(date +%s)
		TIMEFORMAT='%U %S'
		{ time "$@" >"$POOL_DIR/$name.out" 2>&1; } 2>"$POOL_DIR/$name.cpu"
		rc=$? secs=$(($(date +%s) - t0))
		echo "$rc $secs" >"$POOL_DIR/$name.rc"
		pool_log "$name" "$secs" "$(cat "$POOL_DIR/$name.cpu")"
	) &
}

# With shared slots, each boot adds a line to $POOL_SLOTS/boots: wall
# seconds, CPU seconds (QEMU's user + system), suite and boot; run_all.sh
# shows the longest, so the suite's time can be read boot by boot.
pool_log() { # NAME WALL "USER SYS"
	[ -n "$POOL_SLOTS" ] || return 0
	awk -v w="$2" -v n="${0#*tests/}/$1" '{ printf "%5d %6.0f %s\n", w, $1 + $2, n }' \
		<<<"$3" >>"$POOL_SLOTS/boots"
}
pool_wait() { wait; }
pool_out() { echo "$POOL_DIR/$1.out"; }
pool_rc() { local rc secs; read -r rc secs <"$POOL_DIR/$1.rc" 2>/dev/null || rc=126; echo "$rc"; }
pool_secs() { local rc secs; read -r rc secs <"$POOL_DIR/$1.rc" 2>/dev/null || secs=0; echo "${secs:-0}"; }
pool_cleanup() { rm -rf "$POOL_DIR"; }
