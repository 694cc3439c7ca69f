#!/bin/sh
# Inside a lab guest (tests/vm/run --add tests/bench/modscope_guest.sh --add
# CHURN, CHURN a static build of tests/bench/churn.c): what -m costs while the
# watched module is absent and while it is loaded and idle, beside the default
# mode and --stacks all, under page churn. For each configuration REPS runs;
# one line per run:
#   scope CONFIG REP elapsed_ns=N tp_ns=N tp_runs=N unwound=N skipped=N
# tp_ns/tp_runs: BPF run time and runs of the tracepoint programs (the kmem
# events; kernel.bpf_stats_enabled), read from pagetrack's own fdinfo just
# before it stops. unwound/skipped: -m allocations unwound for scope or not.
# $1: attach mode (auto, kprobe); $2: REPS; $3: churn MiB.
ATTACH="--attach ${1:-auto}"
REPS=${2:-3}
MIB=${3:-32}
KO=/lib/pagetrack/pagetrack_ref.ko
CHURN=/add/churn
BTF=""
[ -e /sys/kernel/btf/vmlinux ] || BTF="--btf $PAGETRACK_BTF"
echo 1 >/proc/sys/kernel/bpf_stats_enabled || echo "# no bpf_stats_enabled: no BPF times"

# fdinfo FILE: sum of run_time_ns and run_cnt over tracepoint programs
# (prog_type 5).
tpsum() {
	awk '/^prog_type:/ { t = $2 } /^run_time_ns:/ { if (t == 5) ns += $2 }
	     /^run_cnt:/ { if (t == 5) n += $2; t = 0 }
	     END { printf "tp_ns=%.0f tp_runs=%.0f", ns, n }' "$1"
}

one() { # CONFIG REP OPTIONS...
	cfg=$1 rep=$2
	shift 2
	if [ "$cfg" = bare ]; then
		e=$($CHURN -t 1 -m "$MIB" -r 2 | grep -o 'elapsed_ns=[0-9]*')
		echo "scope bare $rep $e tp_ns=0 tp_runs=0 unwound=0 skipped=0"
		return
	fi
	pagetrack $BTF $ATTACH -v "$@" -- sh -c "$CHURN -t 1 -m $MIB -r 2 >/tmp/ms.churn; \
		cat /proc/\$PPID/fdinfo/* >/tmp/ms.fdinfo 2>/dev/null" >/dev/null 2>/tmp/ms.err
	e=$(grep -o 'elapsed_ns=[0-9]*' /tmp/ms.churn)
	u=$(sed -n 's/.*module scope: \([0-9]*\) allocations unwound.*/\1/p' /tmp/ms.err)
	s=$(sed -n 's/.*unwound ([^)]*), \([0-9]*\) not.*/\1/p' /tmp/ms.err)
	echo "scope $cfg $rep $e $(tpsum /tmp/ms.fdinfo) unwound=${u:-0} skipped=${s:-0}"
}

rmmod pagetrack_ref 2>/dev/null
for rep in $(seq "$REPS"); do
	one bare "$rep"
	one default "$rep"
	one stacks_all "$rep" --stacks all
	one m_absent "$rep" -m pagetrack_ref
	insmod $KO
	one m_idle "$rep" -m pagetrack_ref
	rmmod pagetrack_ref
done
grep 'module scope:' /tmp/ms.err | sed 's/^/# /'
echo "1 passed, 0 failed"
