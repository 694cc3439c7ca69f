#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# pagetrack benchmarks, side by side in one run (tests/bench/README.md):
#   1. overhead of a page-churn workload (tests/bench/churn.c): bare, under the
#      floor program (tests/bench/floor.bpf.c), pagetrack --no-stacks, pagetrack
#      with stacks, pagetrack -p <an unrelated pid>, and bpftrace
#      (tests/bench/pagetrack.bt), bcc's memleak when given (--memleak or
#      MEMLEAK=path; tests/bench/build-memleak.sh builds it); interleaved rounds,
#      order rotated each round;
#   1b. a realistic workload (tests/bench/realistic.sh: unpack, build and gzip
#      this tree) bare, under the default mode, --stacks all and memleak;
#   2. event capacity: produced = received + lost, with the default buffer and
#      with --buffer-mb 1;
#   3. the analyzer: --replay speed on a synthesized recording
#      (tests/bench/genrec.c), instructions per event under callgrind, and
#      user memory per live tracked allocation.
# Prints a table, the targets met/missed, the same as markdown
# (.output/bench/results.md, for doc/benchmarks.md) and results.json.
#
#   scripts/bench.sh [--quick] [--rounds N] [--keep] [--vm] [--vm-only] [--compare PAGETRACK]
#                    [--analyzer-only] [--memleak PATH] [--no-analyzer]
#
# --vm: also, in the lab's i386 guest (tests/vm/run, make lab refmod), the
# reference module's kmap_churn bare vs under pagetrack (tests/bench/kmap_guest.sh);
# and in the amd64, amd64-bpo and i386 guests (THP off) the churn bare, under
# pagetrack's default attach mode (fentry; i386: kprobe), --attach tracepoint,
# --no-stacks, -m with the module absent and loaded idle, and the floor
# (tests/bench/lean_guest.sh): ratios of medians, events sent per page;
# skipped with the reason when the lab is not there.
# --vm-parts LIST: which guest parts --vm runs (comma list of kmap, klocal,
# lean; default all three). LEAN_GUESTS: the guests of the lean part
# (default "amd64 amd64-bpo i386"); LEAN_REPS, LEAN_CHURN ("MIB ROUNDS");
# VM_RUN: the command used for tests/vm/run in that part (e.g. a wrapper).
# --compare: also measure another pagetrack build (B) in the same interleaved
# rounds, replay and memory runs, e.g. a candidate fix against the tree's (A).
# --vm-only: only the guest parts (--vm without parts 1-3 on the host), e.g.
# one guest's row again: LEAN_GUESTS=i386 scripts/bench.sh --vm-only --vm-parts lean.
# --analyzer-only: only part 3 (replay speed, instructions, memory; ~3 min).
# --no-analyzer: skip part 3 (for reruns of the live parts).
# --memleak PATH (or MEMLEAK=PATH): bcc libbpf-tools memleak, kernel mode,
# beside the others; without it the bench says so and goes on.
# --quick: tiny sizes, < 60 s, for `make test`: checks that every part ran and
# gave sane numbers (no timing assertions) and ends with "N passed, N failed".
# The targets are reported as met or missed, never asserted.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/.output/bench
PT=$ROOT/.output/amd64/pagetrack
QUICK=0 KEEP=0 ROUNDS= PT2= VM=0 VM_ONLY=0 ANALYZER_ONLY=0 NO_ANALYZER=0 VM_PARTS=,kmap,klocal,lean,
MEMLEAK=${MEMLEAK:-}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--vm) VM=1 ;;
	--vm-only) VM=1 VM_ONLY=1 ;;
	--vm-parts) VM_PARTS=",${2:-},"; shift ;;
	--keep) KEEP=1 ;;
	--analyzer-only) ANALYZER_ONLY=1 ;;
	--rounds) ROUNDS=${2:-}; shift ;;
	--compare) PT2=$(readlink -f "${2:-}"); shift
		[ -x "$PT2" ] || { echo "bench: --compare needs an executable pagetrack" >&2; exit 2; } ;;
	--no-analyzer) NO_ANALYZER=1 ;;
	--memleak) MEMLEAK=${2:-}; shift ;;
	-h|--help) sed -n '2,44p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

NPROC=$(nproc)
if [ "$QUICK" = 1 ]; then
	: "${ROUNDS:=3}"
	CHURN=(-t "$NPROC" -m 16 -r 1)		# ~8 k pages: a fraction of a second
	CAP_CHURN=(-t "$NPROC" -m 32 -r 2)
	REPLAY_EVENTS=300000 REPLAY_RUNS=3 CG_EVENTS=30000
	HOLD_SIZES=(200000)
	VM_REPS=1 VM_COUNT=20000
	KL_REPS=1 KL_ROUNDS=1
	LEAN_REPS=1 LEAN_CHURN="8 1"
else
	: "${ROUNDS:=7}"
	CHURN=(-t "$NPROC" -m 64 -r 6)		# 192 k pages: ~1.3 s bare on 2 idle cores
	CAP_CHURN=(-t "$NPROC" -m 64 -r 8)	# 256 k pages
	REPLAY_EVENTS=20000000 REPLAY_RUNS=5 CG_EVENTS=1000000
	# 1677722 and 3355444: just past a doubling of the live-block table (4/5
	# full -> 2/5), the most bytes per block
	HOLD_SIZES=(1000000 1677722 2000000 3000000 3355444 4000000)
	VM_REPS=5 VM_COUNT=200000		# ~0.1 s bare, a few s traced under TCG
	KL_REPS=3 KL_ROUNDS=4
	# 64 MiB x 3 rounds: 49 k pages, one allocation and one free each
	LEAN_REPS=${LEAN_REPS:-5} LEAN_CHURN=${LEAN_CHURN:-"64 3"}
fi
case $ROUNDS in ''|*[!0-9]*|0) echo "bench: --rounds takes a positive number" >&2; exit 2 ;; esac
if [ -n "$MEMLEAK" ]; then
	MEMLEAK=$(readlink -f "$MEMLEAK")
	[ -x "$MEMLEAK" ] || { echo "bench: MEMLEAK/--memleak: not an executable" >&2; exit 2; }
fi
# The realistic workload: full = build pagetrack (~10 s of CPU); rounds of it.
if [ "$QUICK" = 1 ]; then RW_SIZE=tiny RW_ROUNDS=1; else RW_SIZE=full RW_ROUNDS=3; fi
RW_WHAT="unpack this tree, make -j$NPROC of pagetrack, tar -cz"
[ "$RW_SIZE" = tiny ] && RW_WHAT="unpack this tree, gcc -c of one file, tar -cz of src/"
# A module name that is not loaded: -m's cost while it is absent.
ABSENT_MOD=pagetrack_bench_absent

mkdir -p "$OUT"
work=$(mktemp -d "$OUT/run.XXXXXX")
SLEEP_PID=
restore_stats=
cleanup() {
	[ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
	[ -n "$restore_stats" ] && sysctl -q kernel.bpf_stats_enabled="$restore_stats" >/dev/null 2>&1
	[ "$KEEP" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

pass=0 fail=0 skip=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
skp() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }

# ------------------------------------------------------------------ build
build() {
	local B=$OUT
	make -s .output/amd64/pagetrack || return 1
	gcc -O2 -g -Wall -Wextra -pthread tests/bench/churn.c -o "$B/churn" || return 1
	# The core library comes with the binary (the Makefile's one list of core sources).
	gcc -O2 -g -Wall -Wextra -Isrc -Itests/unit tests/bench/genrec.c .output/amd64/libptcore.a \
		-o "$B/genrec" || return 1
	gcc -O2 -g -Wall -Wextra -Wno-unused-parameter -Isrc -Itests/unit tests/bench/sample_error.c \
		.output/amd64/libptcore.a -o "$B/sample_error" -lm || return 1
	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ivmlinux/amd64 -Itests/bench -Wall \
		-c tests/bench/floor.bpf.c -o "$B/floor.bpf.o" || return 1
	llvm-strip -g "$B/floor.bpf.o" || return 1
	bpftool gen skeleton "$B/floor.bpf.o" name floor_bpf >"$B/floor.skel.h" || return 1
	gcc -O2 -g -Wall -Wextra -Wno-unused-parameter -I"$B" -Itests/bench tests/bench/floor.c \
		-o "$B/floor" -lbpf -lelf -lz || return 1
}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg) STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "=== bench ($([ "$QUICK" = 1 ] && echo quick || echo full): $ROUNDS rounds, churn ${CHURN[*]}, $NPROC cpus, load $LOAD0)"
if build; then ok "build: pagetrack, churn, floor (BPF skeleton), genrec"; else nok "build"; finish; fi

# json helpers: one number out of a JSON line, or 0
jnum() { grep -o "\"$2\":[0-9]*" "$1" 2>/dev/null | tail -1 | cut -d: -f2; }
# median / min / max of numbers on stdin
stats() { sort -g | awk '{v[NR]=$1} END {if (!NR) {print "0 0 0"; exit}
	m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; print m, v[1], v[NR]}'; }
cpu_ticks() { # utime + stime of a live process, in clock ticks
	awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0
}
TCK=$(getconf CLK_TCK)

LIVE=1
if [ "$ANALYZER_ONLY" = 1 ]; then
	LIVE=0 why="--analyzer-only" VM=0
elif [ "$VM_ONLY" = 1 ]; then
	LIVE=0 why="--vm-only" NO_ANALYZER=1
elif [ "$(id -u)" -ne 0 ]; then
	LIVE=0 why="not root"
else
	mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	[ -e /sys/kernel/tracing/events/kmem/mm_page_alloc ] || { LIVE=0 why="no kmem tracepoints"; }
fi
HAVE_BT=0
command -v bpftrace >/dev/null && HAVE_BT=1

# ------------------------------------------------------- 1. overhead
# A tracer: start it, wait until attached, run the churn, stop it with SIGINT.
# Writes $work/<cfg>.<round>.{out,err,churn} and appends a line to $work/runs.
wait_for() { # PATTERN PID FILE...: until PATTERN is in a FILE (30 s); 1 if PID died
	local pat=$1 pid=$2 i
	shift 2
	for i in $(seq 1500); do
		grep -qs "$pat" "$@" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}
perf_fds() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'perf_event'; }

# WL: the workload command (churn by default); RUNS: the file of run lines;
# PFX: a prefix for the per-run files.
WL=() RUNS= PFX=
run_cfg() {
	local cfg=$1 r=$2 f=$work/$PFX$1.$2 pid= rc=0 cmd=() ready= events=0 lost=0 recv=0 ticks=0 t0=0 paired=0
	case $cfg in
	bare) ;;
	floor) cmd=("$OUT/floor"); ready="floor: attached" ;;
	floor_count) cmd=("$OUT/floor" -c); ready="floor: attached" ;;
	floor_s32) cmd=("$OUT/floor" -s 32); ready="floor: attached" ;;
	pt_nostacks) cmd=("$PT" -j --no-stacks); ready="attach mode" ;;
	pt_stacks) cmd=("$PT" -j); ready="attach mode" ;;
	pt_all) cmd=("$PT" -j --stacks all); ready="attach mode" ;;
	pt_allocstacks) cmd=("$PT" -j --no-free-stacks); ready="attach mode" ;;
	pt_filtered) cmd=("$PT" -j -p "$SLEEP_PID"); ready="attach mode" ;;
	# -m with the module absent: needs a command (here one that never loads it)
	pt_module) cmd=("$PT" -j -m "$ABSENT_MOD" -- sleep 1000000); ready="attach mode" ;;
	# stdout is a file: line-buffer it so that its attached line shows at once
	memleak) cmd=(stdbuf -oL "$MEMLEAK"); ready="Attaching to kernel allocators" ;;
	pt_interval) cmd=("$PT" -j -i 0.5 --metrics-file "$f.prom" --folded "$f.folded"); ready="attach mode" ;;
	pt2_nostacks) cmd=("$PT2" -j --no-stacks); ready="attach mode" ;;
	pt2_stacks) cmd=("$PT2" -j); ready="attach mode" ;;
	pt2_filtered) cmd=("$PT2" -j -p "$SLEEP_PID"); ready="attach mode" ;;
	bpftrace) cmd=(env BPFTRACE_MAP_KEYS_MAX=1048576 bpftrace tests/bench/pagetrack.bt)
		ready="Attaching" ;;
	esac
	if [ ${#cmd[@]} -gt 0 ]; then
		"${cmd[@]}" >"$f.out" 2>"$f.err" &
		pid=$!
		if ! wait_for "$ready" "$pid" "$f.out" "$f.err"; then
			kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
			echo "$cfg $r 0 0 0 0 0 0 noattach" >>"$RUNS"
			return
		fi
		if [ "$cfg" = bpftrace ]; then
			# "Attaching" comes before the attach: wait for the 3 perf events.
			for _ in $(seq 500); do [ "$(perf_fds "$pid")" -ge 3 ] && break; sleep 0.02; done
			sleep 0.1
		fi
	fi
	# The tracer's CPU while the workload runs (not its start-up or report).
	[ -n "$pid" ] && t0=$(cpu_ticks "$pid")
	"${WL[@]}" >"$f.churn" 2>&1 || echo "workload failed" >>"$f.churn"
	if [ -n "$pid" ]; then
		ticks=$(( $(cpu_ticks "$pid") - t0 ))
		kill -INT "$pid"
		for _ in $(seq 1500); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
		kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; echo "killed: no exit on SIGINT" >>"$f.err"; }
		wait "$pid"
		rc=$?
	fi
	case $cfg in
	floor|floor_s32) events=$(jnum "$f.out" events_produced); lost=$(jnum "$f.out" events_lost)
		recv=$(jnum "$f.out" events_received) ;;
	floor_count) events=$(jnum "$f.out" events_produced); recv=$events ;;
	pt*) events=$(jnum "$f.out" events_produced); lost=$(jnum "$f.out" events_lost)
		recv=$(jnum "$f.out" events_received) paired=$(jnum "$f.out" paired_in_bpf)
		# exit 1 = findings on this host, 4 = the absent module was not
		# checked (pt_module: by design); still a clean stop if the
		# summary is there
		{ [ "$rc" -eq 1 ] || { [ "$rc" -eq 4 ] && [ "$cfg" = pt_module ]; }; } &&
			grep -q '"type":"summary"' "$f.out" && rc=0 ;;
	bpftrace) events=$(sed -n 's/^@events: \([0-9]*\)$/\1/p' "$f.out" | tail -1)
		recv=$events ;;
	esac
	local el us ss
	el=$(sed -n 's/.*elapsed_ns=\([0-9]*\).*/\1/p' "$f.churn")
	us=$(sed -n 's/.*user_us=\([0-9]*\).*/\1/p' "$f.churn")
	ss=$(sed -n 's/.*sys_us=\([0-9]*\).*/\1/p' "$f.churn")
	# cfg round elapsed_ns events lost received churn_cpu_us tracer_cpu_us status
	# paired (blocks pagetrack kept in BPF: no event for them)
	echo "$cfg $r ${el:-0} ${events:-0} ${lost:-0} ${recv:-0} $(( ${us:-0} + ${ss:-0} ))" \
		"$(( ticks * 1000000 / TCK ))" "rc$rc" "${paired:-0}" >>"$RUNS"
}

CONFIGS=(bare floor floor_count floor_s32 pt_nostacks pt_stacks pt_all pt_allocstacks pt_filtered pt_module pt_interval)
RW_CONFIGS=(bare pt_stacks pt_all)
declare -A LABEL=([bare]="bare" [floor]="floor (BPF minimum)" [floor_count]="floor -c (count only)"
	[floor_s32]="floor -s 32 (+ 32-frame stack)" [pt_nostacks]="pagetrack --no-stacks"
	[pt_stacks]="pagetrack (default: sampled)" [pt_all]="pagetrack --stacks all" [pt_allocstacks]="pagetrack --no-free-stacks" [pt_filtered]="pagetrack -p <other pid>"
	[pt_module]="pagetrack -m <absent module>" [pt_interval]="pagetrack -i 0.5 + metrics + folded"
	[bpftrace]="bpftrace (map by pfn)" [memleak]="bcc memleak (kernel mode)" [pt2_nostacks]="B: --no-stacks" [pt2_stacks]="B: stacks"
	[pt2_filtered]="B: -p <other pid>")
# rounds NAME N CFG...: N interleaved rounds of the configurations, the order
# rotated by one each round, with WL, RUNS and PFX as set.
rounds() {
	local name=$1 nr=$2 r i c order
	shift 2
	local cf=("$@") n=$#
	echo "--- $name: $nr rounds x $n configurations, order rotated each round"
	for r in $(seq 1 "$nr"); do
		order=()
		for i in $(seq 0 $((n - 1))); do order+=("${cf[$(( (i + r - 1) % n ))]}"); done
		for c in "${order[@]}"; do run_cfg "$c" "$r"; sleep 0.2; done
		echo "round $r/$nr: ${order[*]}"
	done
}
# clean_runs WHAT N CFG...: a check per configuration that each run attached,
# ran the workload and stopped on SIGINT.
clean_runs() {
	local what=$1 nr=$2 c bad why
	shift 2
	for c in "$@"; do
		bad=$(awk -v c="$c" '$1 == c && ($9 != "rc0" || $3 == 0)' "$RUNS" | wc -l)
		# bpftrace and memleak are third-party tools: their own misbehaviour
		# (bpftrace 0.17 hung on SIGINT about once in 15 runs) is reported,
		# not counted against us.
		if { [ "$c" = bpftrace ] || [ "$c" = memleak ]; } && [ "$bad" -gt 0 ]; then
			why=$(awk -v c="$c" '$1 == c && ($9 != "rc0" || $3 == 0) {print $9, $10; exit}' "$RUNS")
			skp "$what $c: $nr runs stopped cleanly" "$c misbehaved in $bad run(s) ($why; $(cat "$work/$PFX$c".*.err 2>/dev/null | grep -m1 -E 'killed|fail'))"
			continue
		fi
		check "$what $c: $nr runs, each attached, ran the workload and stopped cleanly by SIGINT" '[ "$bad" -eq 0 ]'
	done
}
PAGES=0
if [ "$LIVE" = 1 ]; then
	sleep 1000000 &
	SLEEP_PID=$!
	[ "$HAVE_BT" = 1 ] && CONFIGS+=(bpftrace)
	if [ -n "$MEMLEAK" ]; then
		CONFIGS+=(memleak) RW_CONFIGS+=(memleak)
	else
		skp "bcc memleak beside the others" "MEMLEAK not set (make bench-memleak builds it from source; then MEMLEAK=.output/bench/memleak make bench)"
	fi
	[ -n "$PT2" ] && CONFIGS+=(pt2_nostacks pt2_stacks pt2_filtered)
	WL=("$OUT/churn" "${CHURN[@]}") RUNS=$work/runs PFX=
	rounds overhead "$ROUNDS" "${CONFIGS[@]}"
	PAGES=$(sed -n 's/.*pages=\([0-9]*\).*/\1/p' "$work"/bare.1.churn)
	clean_runs churn "$ROUNDS" "${CONFIGS[@]}"
	fl=$(awk '$1 == "floor" {print $4}' "$work/runs" | stats | cut -d' ' -f1)
	check "floor counted the workload's kmem events (median ${fl%.*} >= 2 x $PAGES pages)" \
		'[ "${fl%.*}" -ge $((2 * PAGES)) ]'
	bad=$(awk '($1 == "floor" || $1 ~ /^pt/) && $4 != $5 + $6' "$work/runs" | wc -l)
	check "floor and pagetrack: produced = received + lost in every run" '[ "$bad" -eq 0 ]'
	# A block kept in BPF (pairing) stands for its allocation and its free.
	ptn=$(awk '$1 == "pt_nostacks" {print $4 + 2 * $10}' "$work/runs" | stats | cut -d' ' -f1)
	check "pagetrack counted the workload (median ${ptn%.*} events, two per block paired in BPF, >= 2 x $PAGES pages)" \
		'[ "${ptn%.*}" -ge $((2 * PAGES)) ]'
	ptf=$(awk '$1 == "pt_filtered" {print $4}' "$work/runs" | stats | cut -d' ' -f1)
	check "pagetrack -p: the workload's allocations filtered out (${ptf%.*} < ${ptn%.*} events)" \
		'[ "${ptf%.*}" -lt "${ptn%.*}" ]'
	if [ "$HAVE_BT" = 1 ]; then
		bt=$(awk '$1 == "bpftrace" {print $4}' "$work/runs" | stats | cut -d' ' -f1)
		# third-party, like its SIGINT hangs above: a run where it printed no
		# count (seen once in a 1-round --quick run) is reported, not failed
		if [ "${bt%.*}" -ge $((2 * PAGES)) ]; then
			ok "bpftrace counted the workload (median ${bt%.*} events >= 2 x $PAGES pages)"
		else
			skp "bpftrace counted the workload" "median ${bt%.*} events < 2 x $PAGES pages: its comparison is void in this run"
		fi
	else
		skp "bpftrace comparison" "bpftrace not installed"
	fi

	# ------------------------------------------- 1b. realistic workload
	# This tree (without .output and .git) unpacked, built and packed again.
	tar -cf "$work/tree.tar" --exclude=./.output --exclude=./.git -C "$ROOT" .
	WL=(bash tests/bench/realistic.sh "$work/tree.tar" "$work/rw.tree" "$RW_SIZE") RUNS=$work/rw.runs PFX=rw.
	rounds "realistic workload ($RW_SIZE: unpack, build, gzip)" "$RW_ROUNDS" "${RW_CONFIGS[@]}"
	clean_runs realistic "$RW_ROUNDS" "${RW_CONFIGS[@]}"
	bad=$(awk '$1 ~ /^pt/ && $4 != $5 + $6' "$RUNS" | wc -l)
	check "realistic: pagetrack produced = received + lost in every run" '[ "$bad" -eq 0 ]'
	rm -f "$work/tree.tar"
else
	skp "overhead, realistic workload and capacity (live tracing)" "$why"
fi

# Summaries: one line per configuration. Ratios: of medians; ranges: per round.
#   cfg wall_med wall_min wall_max ratio rmin rmax events lost +wall_ns/ev +cpu_ns/ev
#   tracer_cpu_s cpu_med cpu_ratio cpu_rmin cpu_rmax
# (lost: the most any run lost.)  summarize RUNS OUT CFG...
summarize() {
	local c bare_med bare_cpu ev wl runs=$1 out=$2
	shift 2
	: >"$out"
	[ -s "$runs" ] || return
	bare_med=$(awk '$1 == "bare" {print $3}' "$runs" | stats | cut -d' ' -f1)
	bare_cpu=$(awk '$1 == "bare" {print $7}' "$runs" | stats | cut -d' ' -f1)
	# The workload's kmem events: the floor's count (every tracepoint hit).
	wl=$(awk '$1 == "floor" {print $4}' "$runs" | stats | cut -d' ' -f1)
	for c in "$@"; do
		read -r med min max < <(awk -v c="$c" '$1 == c {print $3}' "$runs" | stats)
		read -r rmed rmin rmax < <(awk -v c="$c" '
			$1 == "bare" {b[$2] = $3} $1 == c {t[$2] = $3}
			END {for (r in t) if (b[r] > 0) print t[r] / b[r]}' "$runs" | stats)
		read -r crmed crmin crmax < <(awk -v c="$c" '
			$1 == "bare" {b[$2] = $7} $1 == c {t[$2] = $7 + $8}
			END {for (r in t) if (b[r] > 0) print t[r] / b[r]}' "$runs" | stats)
		ev=$(awk -v c="$c" '$1 == c {print $4}' "$runs" | stats | cut -d' ' -f1)
		lost=$(awk -v c="$c" '$1 == c {print $5}' "$runs" | stats | cut -d' ' -f3)
		cpu=$(awk -v c="$c" '$1 == c {print $7 + $8}' "$runs" | stats | cut -d' ' -f1)
		tcpu=$(awk -v c="$c" '$1 == c {print $8}' "$runs" | stats | cut -d' ' -f1)
		# pagetrack -p does not count what it filters: use the workload's events.
		# -p does not count what it filters, and a --compare build may emit fewer
		# events for the same workload: per event of the workload for those.
		case $c in pt_filtered|pt2_*) ev=$wl ;; esac
		# pagetrack sends few events (sampled stacks, pairing in BPF): its cost
		# per event is per kmem event of the workload, as for -p and B.
		per=$ev
		case $c in pt*) per=$wl ;; esac
		awk -v c="$c" -v med="$med" -v min="$min" -v max="$max" -v rmin="$rmin" \
		    -v rmax="$rmax" -v ev="$ev" -v per="$per" -v lost="$lost" -v bm="$bare_med" -v cpu="$cpu" \
		    -v bc="$bare_cpu" -v tcpu="$tcpu" -v crmin="$crmin" -v crmax="$crmax" 'BEGIN {
			wns = per > 0 ? (med - bm) / per : 0; cns = per > 0 ? (cpu - bc) * 1000 / per : 0
			ratio = bm > 0 ? med / bm : 0; cratio = bc > 0 ? cpu / bc : 0
			printf "%s %.0f %.0f %.0f %.4f %.4f %.4f %.0f %.0f %.1f %.1f %.3f %.0f %.4f %.4f %.4f\n",
			       c, med, min, max, ratio, rmin, rmax, ev, lost, wns, cns, tcpu / 1e6,
			       cpu, cratio, crmin, crmax }' \
		    >>"$out"
	done
}

# ------------------------------------------------------- 2. capacity
# capacity TAG STOP [pagetrack options]: pagetrack under the capacity churn;
# STOP=1 stops the reader (SIGSTOP) for the whole churn, so that the ring
# buffer must overflow once the churn makes more than it holds (a stop of
# fixed length overflowed or not by the host's speed). Prints "produced
# received lost".
capacity() {
	local tag=$1 stop=$2 f=$work/cap.$1 pid rc
	shift 2
	"$PT" -j "$@" >"$f.out" 2>"$f.err" &
	pid=$!
	wait_for "attach mode" "$pid" "$f.err" || { kill -KILL "$pid" 2>/dev/null; wait "$pid"; return 1; }
	[ "$stop" = 1 ] && kill -STOP "$pid"
	"$OUT/churn" "${CAP_CHURN[@]}" >"$f.churn" 2>&1
	[ "$stop" = 1 ] && kill -CONT "$pid"
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	# 4: -m of the absent module, which is never checked (by design)
	[ "$rc" -le 1 ] || { [ "$rc" -eq 4 ] && [ "$tag" = module ]; } || return 1
	echo "$(jnum "$f.out" events_produced) $(jnum "$f.out" events_received) $(jnum "$f.out" events_lost)"
}
if [ "$LIVE" = 1 ]; then
	echo "--- capacity: every core churning (${CAP_CHURN[*]})"
	read -r cp1 cr1 cl1 < <(capacity default 0)
	check "default buffer: produced ${cp1:-?} = received ${cr1:-?} + lost ${cl1:-?}" \
		'[ -n "${cp1:-}" ] && [ "$cp1" -gt 0 ] && [ "$cp1" -eq $((cr1 + cl1)) ]'
	# Zero loss is the target in every configuration, not the default only.
	read -r cn1 crn1 cln1 < <(capacity nostacks 0 --no-stacks)
	check "default buffer, --no-stacks: produced ${cn1:-?} = received ${crn1:-?} + lost ${cln1:-?}" \
		'[ -n "${cn1:-}" ] && [ "$cn1" -gt 0 ] && [ "$cn1" -eq $((crn1 + cln1)) ]'
	read -r ca1 cra1 cla1 < <(capacity all 0 --stacks all)
	check "default buffer, --stacks all: produced ${ca1:-?} = received ${cra1:-?} + lost ${cla1:-?}" \
		'[ -n "${ca1:-}" ] && [ "$ca1" -gt 0 ] && [ "$ca1" -eq $((cra1 + cla1)) ]'
	read -r cm1 crm1 clm1 < <(capacity module 0 -m "$ABSENT_MOD" -- sleep 1000000)
	check "default buffer, -m <absent module>: produced ${cm1:-?} = received ${crm1:-?} + lost ${clm1:-?}" \
		'[ -n "${cm1:-}" ] && [ "$cm1" -eq $((crm1 + clm1)) ]'
	read -r cp2 cr2 cl2 < <(capacity mb1 0 --buffer-mb 1)
	check "--buffer-mb 1: lost ${cl2:-?} = produced ${cp2:-?} - received ${cr2:-?} exactly" \
		'[ -n "${cp2:-}" ] && [ "$cp2" -gt 0 ] && [ "$cl2" -eq $((cp2 - cr2)) ]'
	# --stacks all: every event crosses the ring buffer (the default pairs
	# most order-0 blocks in BPF and may never fill it).
	read -r cp3 cr3 cl3 < <(capacity mb1stop 1 --buffer-mb 1 --stacks all)
	check "--buffer-mb 1 --stacks all, reader stopped through the churn: lost ${cl3:-?} > 0 and = produced ${cp3:-?} - received ${cr3:-?}" \
		'[ -n "${cp3:-}" ] && [ "${cl3:-0}" -gt 0 ] && [ "$cl3" -eq $((cp3 - cr3)) ]'
fi

# --------------------------------------------------------- 3. analyzer
# analyzer TAG BINARY: replay rate, callgrind instructions per event, memory per
# live allocation. Appends to REPLAY_LINES and MEM_LINES.
REPLAY_LINES=() MEM_LINES=()
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c $((NPROC - 1)))
recordings() {
	echo "--- analyzer: recordings ($REPLAY_EVENTS events for the rate, $CG_EVENTS for callgrind)"
	"$OUT/genrec" -o "$work/replay.ptr" -n "$REPLAY_EVENTS" >"$work/genrec.out"
	gen_events=$(sed -n 's/.*events=\([0-9]*\).*/\1/p' "$work/genrec.out")
	"$OUT/genrec" -o "$work/cg.ptr" -n "$CG_EVENTS" >"$work/cg.gen"
	cg_events=$(sed -n 's/.*events=\([0-9]*\).*/\1/p' "$work/cg.gen")
	"$OUT/genrec" -o "$work/cg0.ptr" -n 1 >/dev/null
	"$OUT/genrec" -o "$work/hold0.ptr" -n 1 -H >/dev/null
}
analyzer() {
	local tag=$1 bin=$2 i ok=1 recv w0 w1 w2 c0 c1 c2 rate rmin rmax wrate ir ir0 per n rss rss0 live bpl
	: >"$work/replay.$tag.times"
	for i in $(seq "$REPLAY_RUNS"); do
		/usr/bin/time -f "%e %U %S %M" -o "$work/replay.time" "${PIN[@]}" "$bin" -j \
			--replay "$work/replay.ptr" >"$work/replay.$tag.out" 2>"$work/replay.$tag.err" || ok=0
		cat "$work/replay.time" >>"$work/replay.$tag.times"
	done
	recv=$(jnum "$work/replay.$tag.out" events_received)
	check "$tag replay: exit 0 and every event analyzed (${recv:-0} of $gen_events)" \
		'[ "$ok" = 1 ] && [ "${recv:-0}" = "$gen_events" ]'
	check "$tag replay: no finding on the clean synthetic churn" \
		'[ "$(jnum "$work/replay.$tag.out" findings)" = 0 ]'
	read -r w0 w1 w2 < <(awk '{print $1}' "$work/replay.$tag.times" | stats)
	read -r c0 c1 c2 < <(awk '{print $2 + $3}' "$work/replay.$tag.times" | stats)
	rate=$(awk -v n="$gen_events" -v t="$c0" 'BEGIN {printf "%.0f", (t > 0 ? n / t : 0)}')
	rmin=$(awk -v n="$gen_events" -v t="$c2" 'BEGIN {printf "%.0f", (t > 0 ? n / t : 0)}')
	rmax=$(awk -v n="$gen_events" -v t="$c1" 'BEGIN {printf "%.0f", (t > 0 ? n / t : 0)}')
	wrate=$(awk -v n="$gen_events" -v t="$w0" 'BEGIN {printf "%.0f", (t > 0 ? n / t : 0)}')
	check "$tag replay rate measured ($rate events/s of CPU)" '[ "$rate" -gt 0 ]'
	per=0
	if command -v valgrind >/dev/null; then
		ir=$(valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.$tag" "$bin" -j \
			--replay "$work/cg.ptr" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
		ir0=$(valgrind --tool=callgrind --callgrind-out-file="$work/callgrind0.$tag" "$bin" -j \
			--replay "$work/cg0.ptr" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
		per=$(awk -v a="${ir:-0}" -v b="${ir0:-0}" -v n="$cg_events" \
			'BEGIN {printf "%.0f", (n ? (a - b) / n : 0)}')
		check "$tag callgrind: $per instructions per event ($cg_events events)" '[ "$per" -gt 0 ]'
	else
		skp "$tag callgrind instruction count" "valgrind not installed"
	fi
	REPLAY_LINES+=("$tag $gen_events $rate $rmin $rmax $wrate $c0 $c1 $c2 $w0 $cg_events $per")
	/usr/bin/time -f "%M" -o "$work/rss0" "$bin" -j --replay "$work/hold0.ptr" >/dev/null 2>&1
	rss0=$(cat "$work/rss0")
	for n in "${HOLD_SIZES[@]}"; do
		[ -e "$work/hold.$n.ptr" ] || "$OUT/genrec" -o "$work/hold.$n.ptr" -n "$n" -H >/dev/null
		/usr/bin/time -f "%M" -o "$work/rss" "$bin" -j --replay "$work/hold.$n.ptr" \
			>"$work/hold.out" 2>&1
		rss=$(cat "$work/rss")
		live=$(jnum "$work/hold.out" outstanding_pages)
		bpl=$(awk -v r="$rss" -v z="$rss0" -v n="$n" 'BEGIN {printf "%.1f", (r - z) * 1024 / n}')
		MEM_LINES+=("$tag $n $rss $rss0 $bpl")
		check "$tag memory: $n live allocations tracked (${live:-0}), max RSS ${rss} KiB: $bpl bytes each" \
			'[ "${live:-0}" = "$n" ]'
	done
}
if [ "$NO_ANALYZER" = 1 ]; then
	skp "analyzer: replay rate, instructions and memory" "--no-analyzer"
elif [ -x /usr/bin/time ]; then
	recordings
	analyzer A "$PT"
	[ -n "$PT2" ] && analyzer B "$PT2"
else
	skp "analyzer: replay rate, instructions and memory" "/usr/bin/time not installed (Debian package time)"
fi
rm -f "$work"/*.ptr

# ------------------------------------------- sampled estimate: error table
SEEDS=200; [ "$QUICK" = 1 ] && SEEDS=3
echo "--- sampled stacks: |relative error| of one site's estimate, median / 95th percentile of $SEEDS seeds"
if "$OUT/sample_error" "$SEEDS" >"$work/sample_error.md"; then
	cat "$work/sample_error.md"
	ok "sample_error: error table over N and R ($SEEDS seeds)"
else
	nok "sample_error failed"
fi

# ------------------------------------------------ BPF cost per program run
# One extra, untimed run per tracer with kernel.bpf_stats_enabled=1:
# run_time_ns / run_cnt of its programs (the stats themselves cost ~20 ns).
BPF_LINES=()
bpf_cost() {
	local cfg=$1 f=$work/bpfstat.$1 pid before
	shift
	before=$(bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .*/\1/p' | sort -n | tr '\n' ' ')
	"$@" >"$f.out" 2>"$f.err" &
	pid=$!
	sleep 0.2
	for _ in $(seq 1500); do
		grep -qE "attach mode|floor: attached" "$f.err" 2>/dev/null && break
		[ "$(perf_fds "$pid")" -ge 3 ] && { sleep 0.2; break; }
		sleep 0.02
	done
	"$OUT/churn" "${CHURN[@]}" >/dev/null 2>&1
	bpftool prog show 2>/dev/null >"$f.progs"
	kill -INT "$pid"; wait "$pid"
	awk -v before=" $before" '
		/^[0-9]+: / {id = $1; sub(":", "", id); skip = index(before, " " id " ") > 0
			     if (!skip && ($2 == "tracepoint" || $2 == "raw_tracepoint")) for (i = 1; i < NF; i++) {
				if ($i == "run_time_ns") t += $(i + 1); if ($i == "run_cnt") n += $(i + 1) } }
		END {printf "%.0f %.0f %.1f\n", t, n, (n ? t / n : 0)}' "$f.progs"
}
if [ "$LIVE" = 1 ] && [ "$QUICK" = 0 ]; then
	echo "--- BPF cost per program run (kernel.bpf_stats_enabled=1, untimed)"
	restore_stats=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q kernel.bpf_stats_enabled=1
	for c in floor floor_count floor_f floor_f_w floor_f_w_W floor_s32 floor_s8 floor_s1 floor_g32 \
		 floor_raw floor_raw_s32 floor_pair pt_nostacks pt_stacks pt_all pt_allocstacks pt_filtered pt_module \
		 bpftrace memleak \
		 ${PT2:+pt2_nostacks pt2_stacks pt2_filtered}; do
		case $c in
		floor) cmd=("$OUT/floor") ;;
		floor_count) cmd=("$OUT/floor" -c) ;;
		floor_s32) cmd=("$OUT/floor" -s 32) ;;
		floor_s8) cmd=("$OUT/floor" -s 8) ;;
		floor_s1) cmd=("$OUT/floor" -s 1) ;;
		floor_g32) cmd=("$OUT/floor" -s 32 -g) ;;
		floor_raw) cmd=("$OUT/floor" -r) ;;
		floor_raw_s32) cmd=("$OUT/floor" -r -s 32) ;;
		floor_pair) cmd=("$OUT/floor" -p) ;;
		floor_f) cmd=("$OUT/floor" -f) ;;
		floor_f_w) cmd=("$OUT/floor" -f -w 262144) ;;
		floor_f_w_W) cmd=("$OUT/floor" -f -w 262144 -W) ;;
		pt_nostacks) cmd=("$PT" -j --no-stacks) ;;
		pt_stacks) cmd=("$PT" -j) ;;
		pt_all) cmd=("$PT" -j --stacks all) ;;
		pt_allocstacks) cmd=("$PT" -j --no-free-stacks) ;;
		pt_filtered) cmd=("$PT" -j -p "$SLEEP_PID") ;;
		pt_module) cmd=("$PT" -j -m "$ABSENT_MOD" -- sleep 1000000) ;;
		memleak) [ -n "$MEMLEAK" ] || continue
			cmd=("$MEMLEAK") ;;
		pt2_nostacks) cmd=("$PT2" -j --no-stacks) ;;
		pt2_stacks) cmd=("$PT2" -j) ;;
		pt2_filtered) cmd=("$PT2" -j -p "$SLEEP_PID") ;;
		bpftrace) [ "$HAVE_BT" = 1 ] || continue
			cmd=(env BPFTRACE_MAP_KEYS_MAX=1048576 bpftrace tests/bench/pagetrack.bt) ;;
		esac
		BPF_LINES+=("$c $(bpf_cost "$c" "${cmd[@]}")")
	done
	sysctl -q kernel.bpf_stats_enabled="$restore_stats"
	restore_stats=
fi

# ------------------------------------------------ 4. i386 guest: kmap_churn
# Bare vs under pagetrack inside the lab's i386 guest (QEMU; under TCG absolute
# times mean nothing, the ratio does): interleaved pairs, ratio of medians.
VM_LINE=
if [ "$VM" = 1 ] && [[ $VM_PARTS == *,kmap,* ]]; then
	KO=.output/i386/kmod/module/pagetrack_ref.ko
	if [ ! -x tests/vm/run ]; then
		skp "i386 guest kmap_churn" "no QEMU lab in this tree (tests/vm/run)"
	elif [ ! -e "$KO" ] || ! make -s .output/i386/pagetrack >/dev/null 2>&1; then
		skp "i386 guest kmap_churn" "lab not built (make lab refmod i386)"
	elif ! gcc -m32 -static -O2 -Wall -Wextra tests/bench/ctlrun.c -o "$OUT/ctlrun"; then
		skp "i386 guest kmap_churn" "cannot build a static i386 binary (gcc-multilib)"
	else
		echo "--- i386 guest: kmap_churn $VM_COUNT, $VM_REPS interleaved pairs (tests/vm/run)"
		tests/vm/run --kernel i386 --timeout 1800 --add tests/bench/kmap_guest.sh \
			--add "$OUT/ctlrun" -- sh /add/kmap_guest.sh "$VM_REPS" "$VM_COUNT" \
			>"$work/vm.out" 2>"$work/vm.err"
		vrc=$?
		grep -E '^(kmap |ok |not ok )' "$work/vm.out"
		if [ "$vrc" -eq 126 ]; then
			skp "i386 guest kmap_churn" "the lab harness could not run ($(tail -1 "$work/vm.err"))"
		else
			vb=$(awk '$1 == "kmap" && $2 == "bare" && $3 > 0 {sub("elapsed_ns=", "", $4); print $4}' "$work/vm.out")
			vt=$(awk '$1 == "kmap" && $2 == "traced" && $3 > 0 {sub("elapsed_ns=", "", $4); print $4}' "$work/vm.out")
			ve=$(awk '$1 == "kmap" && $2 == "traced" && $3 > 0 {sub("events=", "", $5); print $5}' "$work/vm.out" | stats | cut -d' ' -f1)
			vl=$(awk '$1 == "kmap" && $2 == "traced" && $3 > 0 {sub("lost=", "", $6); s += $6} END {print s + 0}' "$work/vm.out")
			read -r bmed bmin bmax <<<"$(stats <<<"$vb")"
			read -r tmed tmin tmax <<<"$(stats <<<"$vt")"
			read -r vr vrmin vrmax <<<"$(awk '$1 == "kmap" && $3 > 0 {sub("elapsed_ns=", "", $4); t[$2, $3] = $4}
				END {for (k in t) {split(k, a, SUBSEP); if (a[1] == "traced" && t["bare", a[2]] > 0)
					print t[k] / t["bare", a[2]]}}' "$work/vm.out" | stats)"
			vr=$(awk -v t="$tmed" -v b="$bmed" 'BEGIN {printf "%.2f", (b > 0 ? t / b : 0)}')
			vns=$(awk -v t="$tmed" -v b="$bmed" -v e="${ve:-0}" 'BEGIN {printf "%.0f", (e > 0 ? (t - b) / e : 0)}')
			check "i386 guest: $VM_REPS bare and $VM_REPS traced kmap_churn runs, guest checks passed (exit $vrc)" \
				'[ "$vrc" -eq 0 ] && [ "$(wc -w <<<"$vb")" -eq "$VM_REPS" ] && [ "$(wc -w <<<"$vt")" -eq "$VM_REPS" ]'
			check "i386 guest: pagetrack counted the kmaps (median ${ve:-0} events >= $VM_COUNT)" \
				'[ "${ve:-0}" -ge "$VM_COUNT" ]'
			VM_LINE="$bmed $bmin $bmax $tmed $tmin $tmax $vr $(printf '%.2f %.2f' "$vrmin" "$vrmax") ${ve:-0} $vl $vns"
		fi
	fi
fi

# ------------------------------ 5. i386 guest: ordinary work, kmap_local on/off
# System-wide pagetrack with and without kmap_local tracking while the guest
# does ordinary work (tests/bench/klocal_guest.sh): ratio of medians.
KL_LINE=
if [ "$VM" = 1 ] && [[ $VM_PARTS == *,klocal,* ]] && [ -x tests/vm/run ] &&
	[ -e .output/i386/kmod/module/pagetrack_ref.ko ]; then
	echo "--- i386 guest: ordinary work, $KL_REPS interleaved triples of $KL_ROUNDS rounds (tests/vm/run)"
	tests/vm/run --kernel i386 --timeout 3000 --add tests/bench/klocal_guest.sh \
		-- sh /add/klocal_guest.sh "$KL_REPS" "$KL_ROUNDS" >"$work/kl.out" 2>"$work/kl.err"
	krc=$?
	grep -E '^(klocal |ok |not ok )' "$work/kl.out"
	kmed() { awk -v c="$1" '$1 == "klocal" && $2 == c && $3 > 0 {sub("elapsed_cs=", "", $4); print $4}' "$work/kl.out" |
		stats | awk '{printf "%.0f", $1}'; }
	kb=$(kmed bare) kn=$(kmed noklocal) kk=$(kmed klocal)
	km=$(awk '$1 == "klocal" && $2 == "klocal" && $3 > 0 {sub("maps=", "", $5); print $5}' "$work/kl.out" |
		stats | awk '{printf "%.0f", $1}')
	check "i386 guest: bare, --no-kmap-local and kmap_local runs of ordinary work (exit $krc)" \
		'[ "$krc" -eq 0 ] && [ "${kb:-0}" -gt 0 ] && [ "${kn:-0}" -gt 0 ] && [ "${kk:-0}" -gt 0 ]'
	check "i386 guest: kmap_local maps counted (median ${km:-0})" '[ "${km:-0}" -gt 0 ]'
	if [ "${kb:-0}" -gt 0 ] && [ "${kn:-0}" -gt 0 ]; then
		KL_LINE="$kb $kn $kk $(awk -v k="$kk" -v n="$kn" -v b="$kb" 'BEGIN {printf "%.3f %.3f %.3f", k / n, n / b, k / b}') ${km:-0}"
	fi
fi

# ------------------- 6. guests: the churn in each attach mode (lean events)
# tests/bench/lean_guest.sh in the amd64 (6.1), amd64-bpo (6.12) and i386
# (6.1, kprobe) guests, THP off: bare, default, --attach tracepoint,
# --no-stacks, -m absent / loaded idle, the floor. Each guest's ratios are
# side by side in its own interleaved rounds. LEAN lines per kernel and
# configuration: ratio rmin rmax events_per_page lost events pages.
LEAN_LINES=() LEAN_KERNELS=()
# VM_RUN: the command that boots a guest (default tests/vm/run; a wrapper
# that waits for a free VM slot on a shared machine goes in front of it).
VM_RUN=${VM_RUN:-tests/vm/run}
LEAN_ALL="bare default tracepoint nostacks m_absent m_idle floor"
lean_guest() { # KERNEL ARCH
	local k=$1 arch=$2 cf=$LEAN_ALL adds=() rc c
	if [ ! -e ".output/$k/kmod/module/pagetrack_ref.ko" ] ||
		! make -s ".output/$arch/pagetrack" >/dev/null 2>&1; then
		skp "$k guest: churn in each attach mode" "lab not built (make lab refmod)"
		return
	fi
	if [ "$arch" = i386 ]; then
		gcc -m32 -static -O2 -pthread tests/bench/churn.c -o "$OUT/churn.i386" ||
			{ skp "$k guest: churn in each attach mode" "no static i386 build (gcc-multilib)"; return; }
		adds=(--add "$OUT/churn.i386")
		cf="bare default tracepoint nostacks"	# the floor is built for x86-64 only
	else
		gcc -static -O2 -pthread tests/bench/churn.c -o "$OUT/churn.static" || return
		adds=(--add "$OUT/churn.static")
		if gcc -O2 -static -Wno-unused-parameter -I"$OUT" -Itests/bench tests/bench/floor.c \
			-o "$OUT/floor.static" -lbpf -lelf -lz -lzstd 2>/dev/null; then
			adds+=(--add "$OUT/floor.static")
		else
			cf="bare default tracepoint nostacks m_absent m_idle"
			echo "# $k guest: no static floor (libbpf.a, libelf.a): the floor is left out"
		fi
	fi
	echo "--- $k guest: churn ${LEAN_CHURN% *} MiB x ${LEAN_CHURN#* } rounds, $LEAN_REPS interleaved rounds of: $cf (tests/vm/run)"
	# The guest finds its binaries under fixed names.
	$VM_RUN --kernel "$k" --timeout 3600 --add tests/bench/lean_guest.sh "${adds[@]}" -- \
		sh /add/lean_guest.sh "$LEAN_REPS" ${LEAN_CHURN% *} ${LEAN_CHURN#* } "$cf" \
		>"$work/lean.$k.out" 2>"$work/lean.$k.err"
	rc=$?
	grep -E '^(lean |ok |not ok |# )' "$work/lean.$k.out"
	cp "$work/lean.$k.out" "$OUT/lean.$k.out"
	check "$k guest: every run of: $cf (exit $rc)" '[ "$rc" -eq 0 ]'
	LEAN_KERNELS+=("$k")
	for c in $cf; do
		LEAN_LINES+=("$k $c $(awk -v c="$c" '
			$1 == "lean" && $3 > 0 { sub("elapsed_ns=", "", $4); t[$2, $3] = $4 + 0	# a number: sub() made it a string
				sub("events=", "", $5); sub("lost=", "", $6); sub("pages=", "", $7)
				if ($2 == c) { ev[++n] = $5 + 0; pg[n] = $7 + 0; if ($6 + 0 > lo) lo = $6 + 0 } }
			function med(a, m,   i, j, x) { for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
				return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
			END { for (k in t) { split(k, q, SUBSEP); if (q[1] == c) { x[++nx] = t[k]; if (t["bare", q[2]] > 0) r[++nr] = t[k] / t["bare", q[2]] }
					if (q[1] == "bare") b[++nb] = t[k] }
				if (!nx || !nb) { print "0 0 0 0 0 0 0"; exit }
				tm = med(x, nx); bm = med(b, nb); rm = med(r, nr)
				lo_r = 1e9; hi_r = 0; for (i = 1; i <= nr; i++) { if (r[i] < lo_r) lo_r = r[i]; if (r[i] > hi_r) hi_r = r[i] }
				e = n ? med(ev, n) : 0; p = n ? med(pg, n) : 0
				printf "%.3f %.2f %.2f %.3f %d %d %d\n", tm / bm, lo_r, hi_r, (p > 0 ? e / p : 0), lo, e, p }' \
			"$work/lean.$k.out")")
	done
}
if [ "$VM" = 1 ] && [[ $VM_PARTS == *,lean,* ]]; then
	if [ ! -x tests/vm/run ]; then
		skp "guests: churn in each attach mode" "no QEMU lab in this tree (tests/vm/run)"
	else
		# floor.skel.h comes from the build step above.
		for k in ${LEAN_GUESTS:-amd64 amd64-bpo i386}; do
			case $k in i386) lean_guest i386 i386 ;; *) lean_guest "$k" amd64 ;; esac
		done
	fi
fi
lean() { # KERNEL CONFIG FIELD: field (1 ratio, 2 rmin, 3 rmax, 4 ev/page, 5 lost, 6 events, 7 pages)
	local l a
	for l in "${LEAN_LINES[@]}"; do
		read -r -a a <<<"$l"
		[ "${a[0]}" = "$1" ] && [ "${a[1]}" = "$2" ] && { echo "${a[$(($3 + 1))]}"; return; }
	done
}

# ----------------------------------------------------------- report
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
summarize "$work/runs" "$work/summary" "${CONFIGS[@]}"
summarize "$work/rw.runs" "$work/rw.summary" "${RW_CONFIGS[@]}"
declare -A S RW
while read -r c rest; do S[$c]=$rest; done <"$work/summary"
while read -r c rest; do RW[$c]=$rest; done <"$work/rw.summary"
field() { # CFG N: field N (1-based, after the name) of the summary line
	local a
	read -r -a a <<<"${S[$1]:-}"
	echo "${a[$(($2 - 1))]:-0}"
}
echo
echo "=== results ($([ "$QUICK" = 1 ] && echo "quick: tiny sizes, numbers are noise" || echo full); $(uname -r), $NPROC cpus)"
if [ -s "$work/summary" ]; then
	echo "churn ${CHURN[*]} ($PAGES pages per run), $ROUNDS interleaved rounds; median [min-max]"
	printf '%-26s %-20s %-20s %-20s %8s %5s %8s %8s %7s\n' configuration "wall s" \
		"wall ratio" "CPU ratio" events lost "+wall ns" "+CPU ns" "tracer"
	printf '%-26s %-20s %-20s %-20s %8s %5s %8s %8s %7s\n' "" "" "[per-round range]" \
		"[per-round range]" "" "" "/event" "/event" "CPU s"
	for c in "${CONFIGS[@]}"; do
		read -r med min max ratio rmin rmax ev lost wns cns tcpu cpu cratio crmin crmax <<<"${S[$c]}"
		printf '%-26s %-20s %-20s %-20s %8s %5s %8s %8s %7s\n' "${LABEL[$c]}" \
			"$(awk -v a="$med" -v b="$min" -v c="$max" 'BEGIN {printf "%.2f [%.2f-%.2f]", a/1e9, b/1e9, c/1e9}')" \
			"$(awk -v a="$ratio" -v b="$rmin" -v c="$rmax" 'BEGIN {printf "%.3f [%.2f-%.2f]", a, b, c}')" \
			"$(awk -v a="$cratio" -v b="$crmin" -v c="$crmax" 'BEGIN {printf "%.3f [%.2f-%.2f]", a, b, c}')" \
			"$ev" "$lost" "$wns" "$cns" "$tcpu"
	done
	echo "(wall: the churn's own wall time; CPU: the churn's user+sys (BPF runs there) + the tracer"
	echo " process's CPU while the churn ran; ratios are of medians; +ns/event: (median - bare median)"
	echo " / events, for pagetrack per kmem event of the workload (the floor's count); events:"
	echo " counted in BPF by each tool (pagetrack: those it sent); for -p and B the floor's count;"
	echo " lost: the most in any run)"
fi
if [ -s "$work/rw.summary" ]; then
	echo "realistic workload ($RW_SIZE: $RW_WHAT), $RW_ROUNDS interleaved rounds:"
	for c in "${RW_CONFIGS[@]}"; do
		read -r med min max ratio rmin rmax ev lost wns cns tcpu cpu cratio crmin crmax <<<"${RW[$c]}"
		printf '  %-30s wall %s  ratio %s  CPU ratio %s  events %s  lost %s\n' "${LABEL[$c]}" \
			"$(awk -v a="$med" -v b="$min" -v c="$max" 'BEGIN {printf "%.2f s [%.2f-%.2f]", a/1e9, b/1e9, c/1e9}')" \
			"$(awk -v a="$ratio" -v b="$rmin" -v c="$rmax" 'BEGIN {printf "%.3f [%.2f-%.2f]", a, b, c}')" \
			"$(awk -v a="$cratio" -v b="$crmin" -v c="$crmax" 'BEGIN {printf "%.3f [%.2f-%.2f]", a, b, c}')" \
			"$ev" "$lost"
	done
fi
if [ ${#BPF_LINES[@]} -gt 0 ]; then
	echo "BPF programs, ns per run (kernel.bpf_stats_enabled=1, one untimed run each):"
	for l in "${BPF_LINES[@]}"; do
		read -r c t n per <<<"$l"
		printf '  %-14s %7s ns  %s\n' "$c" "$per" "$(case $c in
			floor) echo "floor: count, 16-byte record, no wake-up" ;;
			floor_count) echo "floor -c: count only, no record (the least a BPF-side filter costs)" ;;
			floor_s32) echo "floor -s 32: + bpf_get_stackid(), 32 frames (pagetrack's depth)" ;;
			floor_s8) echo "floor -s 8: + bpf_get_stackid(), 8 frames" ;;
			floor_s1) echo "floor -s 1: + bpf_get_stackid(), 1 frame (the unwinder's fixed cost)" ;;
			floor_g32) echo "floor -s 32 -g: bpf_get_stack() into a buffer instead (no stack map)" ;;
			floor_raw) echo "floor -r: raw tracepoints instead of the classic ones" ;;
			floor_raw_s32) echo "floor -r -s 32: raw tracepoints + bpf_get_stackid(), 32 frames" ;;
			floor_pair) echo "floor -p: pairing in BPF (hash insert per allocation, lookup and delete per free; only the unpaired sent)" ;;
			floor_f) echo "floor -f: + pagetrack-sized record (112 B, memset, pid, time, cpu, comm)" ;;
			floor_f_w) echo "floor -f -w 262144: + a wake-up forced on every record while >= 256 KiB pending (pagetrack's old policy)" ;;
			floor_f_w_W) echo "floor -f -w 262144 -W: wake-up only on crossing 256 KiB (pagetrack's policy)" ;;
			*) echo "${LABEL[$c]}" ;; esac)"
	done
fi
[ -n "${cp1:-}" ] && echo "capacity, default buffer: produced $cp1, received $cr1, lost $cl1"
[ -n "${cn1:-}" ] && echo "capacity, default buffer, --no-stacks: produced $cn1, received $crn1, lost $cln1"
[ -n "${ca1:-}" ] && echo "capacity, default buffer, --stacks all: produced $ca1, received $cra1, lost $cla1"
[ -n "${cm1:-}" ] && echo "capacity, default buffer, -m <absent module>: produced $cm1, received $crm1, lost $clm1"
[ -n "${cp2:-}" ] && echo "capacity, --buffer-mb 1:  produced $cp2, received $cr2, lost $cl2 (produced - received: $((cp2 - cr2)))"
[ -n "${cp3:-}" ] && echo "capacity, --buffer-mb 1 --stacks all, reader stopped through the churn: produced $cp3, received $cr3, lost $cl3 (produced - received: $((cp3 - cr3)))"
for l in "${REPLAY_LINES[@]}"; do
	read -r tag ev rate rmin rmax wrate c0 c1 c2 w0 cgev per <<<"$l"
	echo "$tag replay: $ev events, $rate events/s of CPU [$rmin-$rmax], $wrate events/s wall; callgrind $per instructions/event"
done
for l in "${MEM_LINES[@]}"; do
	read -r tag n rss rss0 bpl <<<"$l"
	echo "$tag memory: $n live allocations: max RSS $rss KiB (empty replay $rss0 KiB): $bpl bytes per live allocation"
done
if [ -n "$VM_LINE" ]; then
	read -r bmed bmin bmax tmed tmin tmax vr vrmin vrmax ve vl vns <<<"$VM_LINE"
	echo "i386 guest kmap_churn $VM_COUNT ($VM_REPS pairs): bare $(awk -v a="$bmed" -v b="$bmin" -v c="$bmax" 'BEGIN {printf "%.3f s [%.3f-%.3f]", a/1e9, b/1e9, c/1e9}')," \
		"traced $(awk -v a="$tmed" -v b="$tmin" -v c="$tmax" 'BEGIN {printf "%.3f s [%.3f-%.3f]", a/1e9, b/1e9, c/1e9}'):" \
		"ratio $vr [per pair $vrmin-$vrmax], $ve events ($vl lost), +$vns ns/event (TCG)"
fi

if [ -n "$KL_LINE" ]; then
	read -r kb kn kk krat knb kkb km <<<"$KL_LINE"
	echo "i386 guest ordinary work ($KL_REPS triples of $KL_ROUNDS rounds, median s): bare $(awk -v v="$kb" 'BEGIN {print v / 100}')," \
		"pagetrack --no-kmap-local $(awk -v v="$kn" 'BEGIN {print v / 100}') ($knb x bare), with kmap_local $(awk -v v="$kk" 'BEGIN {print v / 100}') ($kkb x bare):" \
		"kmap_local tracking costs x$krat; $km local maps per run (TCG)"
fi

declare -A LEAN_NAME=([amd64]="amd64 6.1 guest" [amd64-bpo]="amd64-bpo 6.12 guest" [i386]="i386 6.1 guest")
declare -A LEAN_MODE=([amd64]=fentry [amd64-bpo]=fentry [i386]=kprobe)
for k in "${LEAN_KERNELS[@]}"; do
	echo "$k guest (${LEAN_MODE[$k]}), churn ${LEAN_CHURN% *} MiB x ${LEAN_CHURN#* } ($(lean "$k" bare 7) pages), $LEAN_REPS rounds: ratio of medians to bare [per-round range], events sent per page, lost:"
	for c in $LEAN_ALL; do
		[ -n "$(lean "$k" "$c" 1)" ] && [ "$c" != bare ] || continue
		printf '  %-12s %s [%s-%s]  %s events/page  lost %s\n' "$c" "$(lean "$k" "$c" 1)" \
			"$(lean "$k" "$c" 2)" "$(lean "$k" "$c" 3)" "$(lean "$k" "$c" 4)" "$(lean "$k" "$c" 5)"
	done
done

# Targets: reported, never asserted.
TGT=() TMD=()
target() { # name value target met (true, false, or report: no target)
	local v=met
	case $4 in false) v=MISSED ;; report) v=report ;; esac
	TGT+=("{\"name\":\"$1\",\"value\":\"$2\",\"target\":\"$3\",\"met\":$([ "$4" = report ] && echo null || echo "$4")}")
	TMD+=("| $1 | $2 | $3 | $([ $v = MISSED ] && echo "**missed**" || echo $v) |")
	printf 'target %-52s %-10s %-14s %s\n' "$1" "$2" "$3" "$v"
}
tf() { awk "BEGIN {r = ($1); print (r ? \"true\" : \"false\")}" 2>/dev/null || echo false; }
echo
if [ -s "$work/summary" ]; then
	for t in A B; do
		pre=pt; [ $t = B ] && pre=pt2
		[ -n "${S[${pre}_nostacks]:-}" ] || continue
		for m in wall CPU; do
			k=4; [ $m = CPU ] && k=13
			fr=$(field floor $k) fc=$(field floor_count $k) nr=$(field ${pre}_nostacks $k)
			sr=$(field ${pre}_stacks $k) pr=$(field ${pre}_filtered $k)
			target "$t $m: no stacks within 3% of the floor" "$nr" "<= $(awk -v f="$fr" 'BEGIN {printf "%.4f", f * 1.03}')" "$(tf "$nr <= $fr * 1.03")"
			target "$t $m: default (sampled) within 0.10 of the floor" "$sr" "<= $(awk -v f="$fr" 'BEGIN {printf "%.4f", f + 0.10}')" "$(tf "$sr <= $fr + 0.10")"
			if [ -n "${S[pt_module]:-}" ] && [ $t = A ]; then
				mr=$(field pt_module $k)
				target "A $m: -m, module absent, within 0.15 of the floor" "$mr" "<= $(awk -v f="$fr" 'BEGIN {printf "%.4f", f + 0.15}')" "$(tf "$mr <= $fr + 0.15")"
			fi
			target "$t $m: -p filtered, within 0.05 of floor -c" "$pr" "<= $(awk -v f="$fc" 'BEGIN {printf "%.4f", f + 0.05}')" "$(tf "$pr <= $fc + 0.05")"
			[ -n "${S[${pre}_all]:-}" ] && [ -n "${S[floor_s32]:-}" ] &&
				target "$t $m: --stacks all (beside: floor -s 32)" "$(field ${pre}_all $k)" "$(field floor_s32 $k)" report
			for peer in bpftrace memleak; do
				[ -n "${S[$peer]:-}" ] || continue
				br=$(field $peer $k)
				target "$t $m: default below $peer" "$sr" "< $br" "$(tf "$sr < $br")"
			done
		done
	done
	# Zero loss in every configuration, in every run of the overhead churn.
	for c in "${CONFIGS[@]}"; do
		case $c in pt*) ;; *) continue ;; esac
		lo=$(field "$c" 8)
		target "$c: zero loss, every churn run" "$lo" "0" "$(tf "$lo == 0")"
	done
fi
[ -n "${cl1:-}" ] && target "A zero loss at full churn (default buffer)" "$cl1" "0" "$(tf "$cl1 == 0")"
[ -n "${cln1:-}" ] && target "A zero loss at full churn, --no-stacks" "$cln1" "0" "$(tf "$cln1 == 0")"
[ -n "${cla1:-}" ] && target "A zero loss at full churn, --stacks all" "$cla1" "0" "$(tf "$cla1 == 0")"
[ -n "${clm1:-}" ] && target "A zero loss at full churn, -m absent module" "$clm1" "0" "$(tf "$clm1 == 0")"
for k in "${LEAN_KERNELS[@]}"; do
	d=$(lean "$k" default 1) tp=$(lean "$k" tracepoint 1) ma=$(lean "$k" m_absent 1) mi=$(lean "$k" m_idle 1)
	[ -n "$d" ] && [ -n "$tp" ] && [ "$k" != i386 ] &&
		target "$k guest: default (${LEAN_MODE[$k]}) within 0.05 of --attach tracepoint" "$d" "<= $(awk -v f="$tp" 'BEGIN {printf "%.3f", f + 0.05}')" "$(tf "$d <= $tp + 0.05")"
	[ -n "$d" ] && [ -n "$tp" ] && [ "$k" = i386 ] &&
		target "$k guest: default (kprobe) beside --attach tracepoint" "$d" "$tp" report
	[ -n "$ma" ] && [ -n "$mi" ] &&
		target "$k guest: -m, module loaded and idle, within 0.05 of absent" "$mi" "<= $(awk -v f="$ma" 'BEGIN {printf "%.3f", f + 0.05}')" "$(tf "$mi <= $ma + 0.05")"
	lo=0
	for c in $LEAN_ALL; do v=$(lean "$k" "$c" 5); [ "${v:-0}" -gt "$lo" ] && lo=$v; done
	target "$k guest: zero loss, every run" "$lo" "0" "$(tf "$lo == 0")"
done
for l in "${REPLAY_LINES[@]}"; do
	read -r tag ev rate rest <<<"$l"
	target "$tag replay events/s on one core" "$rate" ">= 10000000" "$(tf "$rate >= 10000000")"
done
for l in "${MEM_LINES[@]}"; do
	read -r tag n rss rss0 bpl <<<"$l"
	target "$tag bytes per live allocation ($n live)" "$bpl" "<= 64" "$(tf "$bpl <= 64")"
done

# results.md: the same figures as markdown tables, for doc/benchmarks.md.
bpf_ns() { local l c t n per; for l in "${BPF_LINES[@]}"; do read -r c t n per <<<"$l"; [ "$c" = "$1" ] && echo "$per"; done; }
markdown() {
	local c med min max ratio rmin rmax ev lost wns cns tcpu cpu cratio crmin crmax
	if [ -s "$work/summary" ]; then
		echo "Measured $STARTED by \`scripts/bench.sh$([ "$QUICK" = 1 ] && echo " --quick")\`: $(uname -r), $NPROC CPUs," \
			"load average $LOAD0 at the start, $LOAD1 at the end; churn \`${CHURN[*]}\` ($PAGES pages per run)," \
			"bare median $(awk -v v="$(field bare 1)" 'BEGIN {printf "%.2f", v / 1e9}') s; $ROUNDS interleaved rounds." \
			"Ratios to bare: of medians, [per-round range]; lost: the most in any run."
	else
		echo "Measured $STARTED by \`scripts/bench.sh --vm-only\`: the guests only (no host rounds), on" \
			"$(uname -r), $NPROC CPUs, load average $LOAD0 at the start, $LOAD1 at the end."
	fi
	echo
	if [ -s "$work/summary" ]; then
		echo "| configuration | wall ratio | CPU ratio | BPF ns per run | events | lost |"
		echo "|---|---|---|---|---|---|"
		for c in "${CONFIGS[@]}"; do
			read -r med min max ratio rmin rmax ev lost wns cns tcpu cpu cratio crmin crmax <<<"${S[$c]}"
			awk -v l="${LABEL[$c]}" -v r="$ratio" -v a="$rmin" -v b="$rmax" -v cr="$cratio" -v ca="$crmin" \
			    -v cb="$crmax" -v ns="$(bpf_ns "$c")" -v ev="$ev" -v lo="$lost" -v c="$c" 'BEGIN {
				if (c == "bare") {printf "| %s | 1 | 1 | | | |\n", l; exit}
				printf "| %s | %.3f [%.2f–%.2f] | %.3f [%.2f–%.2f] | %s | %s | %s |\n", l, r, a, b, cr, ca, cb,
				       ns, (c ~ /^(pt_filtered|memleak)$/ ? "" : ev), (c ~ /^(pt|floor$|floor_s32)/ ? lo : "") }'
		done
		echo
	fi
	if [ -s "$work/rw.summary" ]; then
		echo "Realistic workload ($RW_SIZE: $RW_WHAT), $RW_ROUNDS interleaved rounds:"
		echo
		echo "| configuration | wall s | wall ratio | CPU ratio | events | lost |"
		echo "|---|---|---|---|---|---|"
		for c in "${RW_CONFIGS[@]}"; do
			read -r med min max ratio rmin rmax ev lost wns cns tcpu cpu cratio crmin crmax <<<"${RW[$c]}"
			awk -v l="${LABEL[$c]}" -v m="$med" -v n="$min" -v x="$max" -v r="$ratio" -v a="$rmin" -v b="$rmax" \
			    -v cr="$cratio" -v ca="$crmin" -v cb="$crmax" -v ev="$ev" -v lo="$lost" -v c="$c" 'BEGIN {
				printf "| %s | %.1f [%.1f–%.1f] | %.3f [%.2f–%.2f] | %.3f [%.2f–%.2f] | %s | %s |\n", l,
				       m / 1e9, n / 1e9, x / 1e9, r, a, b, cr, ca, cb, (c ~ /^pt/ ? ev : ""), (c ~ /^pt/ ? lo : "") }'
		done
		echo
	fi
	if [ ${#LEAN_KERNELS[@]} -gt 0 ]; then
		# One table: the host (tracepoint mode only) beside the guests.
		local hdr="| configuration | host $(uname -r | cut -d- -f1) (tracepoint)" sep="|---|---" k cell
		for k in "${LEAN_KERNELS[@]}"; do
			hdr="$hdr | ${LEAN_NAME[$k]} (${LEAN_MODE[$k]})"
			sep="$sep|---"
		done
		echo "Wall ratio to bare (of medians) [per-round range]; events sent per page of churn; host: churn \`${CHURN[*]}\`, $ROUNDS rounds; guests (QEMU TCG, 1 vCPU, THP off): churn \`-t 1 -m ${LEAN_CHURN% *} -r ${LEAN_CHURN#* }\`, $LEAN_REPS rounds each, every guest's rounds side by side."
		echo
		echo "$hdr |"
		echo "$sep|"
		for c in floor default tracepoint nostacks m_absent m_idle; do
			case $c in
			floor) row="| floor (count + 16-byte record)" hc=floor ;;
			default) row="| pagetrack (default)" hc=pt_stacks ;;
			tracepoint) row="| pagetrack \`--attach tracepoint\`" hc=pt_stacks ;;
			nostacks) row="| pagetrack \`--no-stacks\`" hc=pt_nostacks ;;
			m_absent) row="| pagetrack \`-m\`, module absent" hc=pt_module ;;
			m_idle) row="| pagetrack \`-m\`, module loaded, idle" hc= ;;
			esac
			if [ -n "$hc" ] && [ -n "${S[$hc]:-}" ]; then
				read -r med min max ratio rmin rmax ev lost rest <<<"${S[$hc]}"
				row="$row | $(awk -v r="$ratio" -v a="$rmin" -v b="$rmax" -v e="$ev" -v p="${PAGES:-0}" -v c="$hc" 'BEGIN {
					printf "%.3f [%.2f–%.2f]", r, a, b; if (p > 0 && c != "floor") printf ", %.3f ev/page", e / p }')"
				[ $c = tracepoint ] && row="$row (the default is tracepoint mode here)"
			else
				row="$row | $([ $c = m_idle ] && echo "(no modules on the host)" || echo "")"
			fi
			for k in "${LEAN_KERNELS[@]}"; do
				cell=""
				[ -n "$(lean "$k" "$c" 1)" ] && cell="$(lean "$k" "$c" 1) [$(lean "$k" "$c" 2)–$(lean "$k" "$c" 3)]$([ $c != floor ] && echo ", $(lean "$k" "$c" 4) ev/page")"
				row="$row | $cell"
			done
			echo "$row |"
		done
		echo
	fi
	if [ ${#TMD[@]} -gt 0 ]; then
		echo "| target | measured | target | |"
		echo "|---|---|---|---|"
		printf '%s\n' "${TMD[@]}"
	fi
}
markdown >"$OUT/results.md"
echo
echo "--- markdown ($OUT/results.md)"
cat "$OUT/results.md"

# results.json
{
	printf '{"mode":"%s","kernel":"%s","cpus":%s,"rounds":%s,"churn_args":"%s","pages_per_run":%s,\n' \
		"$([ "$QUICK" = 1 ] && echo quick || echo full)" "$(uname -r)" "$NPROC" "$ROUNDS" \
		"${CHURN[*]}" "${PAGES:-0}"
	printf ' "overhead":{'
	sep=
	for c in "${CONFIGS[@]}"; do
		[ -n "${S[$c]:-}" ] || continue
		read -r med min max ratio rmin rmax ev lost wns cns tcpu cpu cratio crmin crmax <<<"${S[$c]}"
		runs=$(awk -v c="$c" '$1 == c {printf "%s%s", n++ ? "," : "", $3 / 1e9}' "$work/runs")
		cpus=$(awk -v c="$c" '$1 == c {printf "%s%s", n++ ? "," : "", ($7 + $8) / 1e6}' "$work/runs")
		evs=$(awk -v c="$c" '$1 == c {printf "%s%s", n++ ? "," : "", $4}' "$work/runs")
		printf '%s\n  "%s":{"label":"%s","wall_s_median":%s,"wall_s_min":%s,"wall_s_max":%s,"ratio":%s,"ratio_round_min":%s,"ratio_round_max":%s,"cpu_s_median":%s,"cpu_ratio":%s,"cpu_ratio_round_min":%s,"cpu_ratio_round_max":%s,"events":%s,"lost":%s,"added_wall_ns_per_event":%s,"added_cpu_ns_per_event":%s,"tracer_cpu_s":%s,"wall_s_runs":[%s],"cpu_s_runs":[%s],"events_runs":[%s]}' \
			"$sep" "$c" "${LABEL[$c]}" "$(awk -v v="$med" 'BEGIN {print v / 1e9}')" \
			"$(awk -v v="$min" 'BEGIN {print v / 1e9}')" "$(awk -v v="$max" 'BEGIN {print v / 1e9}')" \
			"$ratio" "$rmin" "$rmax" "$(awk -v v="$cpu" 'BEGIN {print v / 1e6}')" "$cratio" \
			"$crmin" "$crmax" "$ev" "$lost" "$wns" "$cns" "$tcpu" "$runs" "$cpus" "$evs"
		sep=,
	done
	printf '},\n "bpf_ns_per_run":{'
	sep=
	for l in "${BPF_LINES[@]}"; do
		read -r c t n per <<<"$l"
		printf '%s"%s":{"run_time_ns":%s,"run_cnt":%s,"ns_per_run":%s}' "$sep" "$c" "$t" "$n" "$per"
		sep=,
	done
	printf '},\n "capacity":{"default":{"produced":%s,"received":%s,"lost":%s},"buffer_mb_1":{"produced":%s,"received":%s,"lost":%s},"buffer_mb_1_reader_stopped":{"produced":%s,"received":%s,"lost":%s}},\n' \
		"${cp1:-null}" "${cr1:-null}" "${cl1:-null}" "${cp2:-null}" "${cr2:-null}" "${cl2:-null}" \
		"${cp3:-null}" "${cr3:-null}" "${cl3:-null}"
	printf ' "binaries":{"A":"%s","B":"%s"},\n "replay":{' "$PT" "$PT2"
	sep=
	for l in "${REPLAY_LINES[@]}"; do
		read -r tag ev rate rmin rmax wrate c0 c1 c2 w0 cgev per <<<"$l"
		printf '%s"%s":{"events":%s,"runs":%s,"cpu_s_median":%s,"cpu_s_min":%s,"cpu_s_max":%s,"wall_s_median":%s,"events_per_cpu_s":%s,"events_per_cpu_s_min":%s,"events_per_cpu_s_max":%s,"events_per_wall_s":%s,"callgrind_events":%s,"instructions_per_event":%s}' \
			"$sep" "$tag" "$ev" "$REPLAY_RUNS" "$c0" "$c1" "$c2" "$w0" "$rate" "$rmin" "$rmax" \
			"$wrate" "$cgev" "$per"
		sep=,
	done
	printf '},\n "memory":['
	sep=
	for l in "${MEM_LINES[@]}"; do
		read -r tag n rss rss0 bpl <<<"$l"
		printf '%s{"binary":"%s","live_allocations":%s,"max_rss_kib":%s,"empty_rss_kib":%s,"bytes_per_live_allocation":%s}' \
			"$sep" "$tag" "$n" "$rss" "$rss0" "$bpl"
		sep=,
	done
	printf '],\n "vm_kmap_churn":'
	if [ -n "$VM_LINE" ]; then
		read -r bmed bmin bmax tmed tmin tmax vr vrmin vrmax ve vl vns <<<"$VM_LINE"
		printf '{"count":%s,"pairs":%s,"bare_ns_median":%s,"bare_ns_min":%s,"bare_ns_max":%s,"traced_ns_median":%s,"traced_ns_min":%s,"traced_ns_max":%s,"ratio":%s,"ratio_pair_min":%s,"ratio_pair_max":%s,"events":%s,"lost":%s,"added_ns_per_event":%s}' \
			"$VM_COUNT" "$VM_REPS" "$bmed" "$bmin" "$bmax" "$tmed" "$tmin" "$tmax" "$vr" "$vrmin" "$vrmax" "$ve" "$vl" "$vns"
	else printf 'null'; fi
	printf ',\n "vm_kmap_local_work":'
	if [ -n "$KL_LINE" ]; then
		read -r kb kn kk krat knb kkb km <<<"$KL_LINE"
		printf '{"triples":%s,"rounds":%s,"bare_cs_median":%s,"no_kmap_local_cs_median":%s,"kmap_local_cs_median":%s,"ratio_kmap_local_to_without":%s,"ratio_without_to_bare":%s,"ratio_kmap_local_to_bare":%s,"kmap_local_maps":%s}' \
			"$KL_REPS" "$KL_ROUNDS" "$kb" "$kn" "$kk" "$krat" "$knb" "$kkb" "$km"
	else printf 'null'; fi
	printf ',\n "vm_lean":{'
	sep=
	for l in "${LEAN_LINES[@]}"; do
		read -r k c ratio rmin rmax epp lo ev pg <<<"$l"
		printf '%s"%s/%s":{"ratio":%s,"ratio_round_min":%s,"ratio_round_max":%s,"events_per_page":%s,"lost":%s,"events":%s,"pages":%s}' \
			"$sep" "$k" "$c" "$ratio" "$rmin" "$rmax" "$epp" "$lo" "$ev" "$pg"
		sep=,
	done
	printf '}'
	printf ',\n "targets":[%s],\n' "$(IFS=,; echo "${TGT[*]}")"
	printf ' "checks":{"passed":%s,"failed":%s,"skipped":%s}}\n' "$pass" "$fail" "$skip"
} >"$OUT/results.json"
if command -v jq >/dev/null; then
	check "results.json is valid JSON" 'jq -e .overhead "$OUT/results.json" >/dev/null'
fi
echo "results: $OUT/results.json$([ "$KEEP" = 1 ] && echo "; raw runs: $work")"
finish
