#!/bin/sh
# Inside a lab guest (scripts/bench.sh --vm runs it through tests/vm/run with
# --add tests/bench/lean_guest.sh --add CHURN [--add FLOOR]; CHURN, FLOOR
# static builds of tests/bench/churn.c and floor.c): what pagetrack costs
# under page churn in the attach modes of a stock kernel, THP off (every page
# one allocation and one free). Configurations (the guest's default attach
# mode is fentry on amd64, kprobe on i386):
#   bare, default, tracepoint (--attach tracepoint), nostacks (--no-stacks),
#   m_absent (-m pagetrack_ref, module not loaded), m_idle (-m pagetrack_ref,
#   module loaded and idle), floor (the BPF minimum: a count and a 16-byte
#   record per kmem event; only when FLOOR is there)
# REPS interleaved rounds after a warm-up (bare, default), the order of the
# configurations rotated every round. One line per run:
#   lean CONFIG REP elapsed_ns=N events=N lost=N pages=N paired=N
# events: what the tracer sent (events_produced); pages: the churn's pages.
# Then "N passed, N failed". It measures; it asserts only that every run ran.
# $1: REPS; $2: churn MiB; $3: churn rounds; $4: configurations (space list).
REPS=${1:-5}
MIB=${2:-64}
ROUNDS=${3:-3}
CONFIGS=${4:-"bare default tracepoint nostacks m_absent m_idle floor"}
KO=/lib/pagetrack/pagetrack_ref.ko
CHURN= FLOOR=
for f in /add/churn /add/churn.static /add/churn.i386; do [ -x $f ] && { CHURN=$f; break; }; done
for f in /add/floor /add/floor.static; do [ -x $f ] && { FLOOR=$f; break; }; done
[ -n "$CHURN" ] || { echo "no churn binary under /add"; echo "0 passed, 1 failed"; exit 1; }
BTF=""
[ -e /sys/kernel/btf/vmlinux ] || BTF="--btf $PAGETRACK_BTF"
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }

THP=/sys/kernel/mm/transparent_hugepage/enabled
[ -e $THP ] && echo never >$THP
echo "# THP: $(cat $THP 2>/dev/null || echo 'not built'); $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg)"

# wait_for PATTERN PID FILE: until PATTERN is in FILE (600 s); 1 if PID died.
wait_for() {
	i=0
	while ! grep -q "$1" "$3" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 6000 ] || ! kill -0 "$2" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
}

num() { grep -o "\"$2\":[0-9]*" "$1" 2>/dev/null | tail -1 | cut -d: -f2; }

one() { # CONFIG REP
	cfg=$1 rep=$2 ready="attach mode" pid=""
	case $cfg in
	bare) set -- ;;
	default) set -- pagetrack $BTF -j ;;
	tracepoint) set -- pagetrack $BTF -j --attach tracepoint ;;
	nostacks) set -- pagetrack $BTF -j --no-stacks ;;
	m_absent) set -- pagetrack $BTF -j -m pagetrack_ref -- sleep 1000000
		ready="module scope:" ;;
	m_idle) insmod $KO || { echo "lean $cfg $rep insmod failed"; return 1; }
		set -- pagetrack $BTF -j -m pagetrack_ref -- sleep 1000000
		ready="module scope:" ;;
	floor) [ -n "$FLOOR" ] || return 0
		set -- $FLOOR
		ready="floor: attached" ;;
	esac
	rm -f /tmp/lean.out /tmp/lean.err
	if [ $# -gt 0 ]; then
		"$@" >/tmp/lean.out 2>/tmp/lean.err &
		pid=$!
		if ! wait_for "$ready" $pid /tmp/lean.err; then
			echo "lean $cfg $rep noattach"; tail -3 /tmp/lean.err
			kill -9 $pid 2>/dev/null
			[ $cfg = m_idle ] && rmmod pagetrack_ref
			return 1
		fi
	fi
	c=$($CHURN -t 1 -m "$MIB" -r "$ROUNDS")
	if [ -n "$pid" ]; then
		kill -INT $pid
		wait $pid
		rc=$?
	fi
	[ $cfg = m_idle ] && rmmod pagetrack_ref
	e=$(echo "$c" | grep -o 'elapsed_ns=[0-9]*')
	p=$(echo "$c" | grep -o 'pages=[0-9]*')
	[ -n "$e" ] || { echo "lean $cfg $rep churn failed: $c"; return 1; }
	# pagetrack: 0 clean, 1 findings, 4 the absent module not checked
	if [ -n "$pid" ] && ! grep -q '"type":"summary"\|"events_produced"' /tmp/lean.out; then
		echo "lean $cfg $rep no summary (exit $rc)"; tail -3 /tmp/lean.err
		return 1
	fi
	echo "lean $cfg $rep $e events=$(num /tmp/lean.out events_produced) lost=$(num /tmp/lean.out events_lost) $p paired=$(num /tmp/lean.out paired_in_bpf)"
}

rmmod pagetrack_ref 2>/dev/null
bad=0
one bare 0 >/dev/null && one default 0 >/dev/null || bad=1	# warm-up: caches, BTF, the first attach
r=1
while [ $r -le "$REPS" ]; do
	# Rotate: round r starts at configuration r (mod the count).
	set -- $CONFIGS
	n=$#
	k=$(( (r - 1) % n ))
	while [ $k -gt 0 ]; do
		first=$1
		shift
		set -- "$@" "$first"
		k=$((k - 1))
	done
	for c in "$@"; do one "$c" $r || bad=1; done
	r=$((r + 1))
done
if [ $bad -eq 0 ]; then ok "$REPS rounds of: $CONFIGS"; else nok "every run ran (see above)"; fi
[ -n "$FLOOR" ] || echo "# no floor binary in this guest"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
