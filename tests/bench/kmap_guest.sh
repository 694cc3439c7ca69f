#!/bin/sh
# Inside the i386 guest (scripts/bench.sh --vm runs it through tests/vm/run
# with --add tests/bench/kmap_guest.sh --add .output/bench/ctlrun):
# the reference module's "kmap_churn COUNT" bare and under pagetrack
# (system-wide, default options), REPS interleaved pairs after one warm-up
# pair, the order swapped every repetition. One line per run:
#   kmap CONFIG REP elapsed_ns=N events=N lost=N
# then "N passed, N failed". Timing: ctlrun (the write that runs the scenario).
REPS=${1:-5}
COUNT=${2:-200000}
CTL=/sys/kernel/debug/pagetrack_ref/run
T=/add/ctlrun
BTF=""
[ -e /sys/kernel/btf/vmlinux ] || BTF="--btf $PAGETRACK_BTF"
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
insmod /lib/pagetrack/pagetrack_ref.ko || { echo "0 passed, 1 failed"; exit 2; }

bare() {
	e=$($T $CTL "kmap_churn $COUNT") || { echo "kmap bare $1 failed"; return 1; }
	echo "kmap bare $1 $e events=0 lost=0"
}
traced() {
	pagetrack $BTF -j >/tmp/pt.out 2>/tmp/pt.err &
	pid=$!
	i=0
	while ! grep -q "attach mode" /tmp/pt.err 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 $pid 2>/dev/null; then
			echo "kmap traced $1 noattach"; cat /tmp/pt.err; kill -9 $pid 2>/dev/null; return 1
		fi
		sleep 0.1
	done
	e=$($T $CTL "kmap_churn $COUNT") || { kill -INT $pid; wait $pid; echo "kmap traced $1 failed"; return 1; }
	kill -INT $pid
	wait $pid
	rc=$?
	[ $rc -le 1 ] || { echo "kmap traced $1 pagetrack exit $rc"; tail -3 /tmp/pt.err; return 1; }
	s=$(grep '"type":"summary"' /tmp/pt.out)
	v() { echo "$s" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
	echo "kmap traced $1 $e events=$(v events_produced) lost=$(v events_lost)"
}

bad=0
bare 0 >/dev/null && traced 0 >/dev/null || bad=1	# warm-up: caches, BTF, first attach
r=1
while [ $r -le "$REPS" ]; do
	if [ $((r % 2)) -eq 1 ]; then bare $r || bad=1; traced $r || bad=1
	else traced $r || bad=1; bare $r || bad=1; fi
	r=$((r + 1))
done
[ $bad -eq 0 ] && ok "kmap_churn $COUNT: $REPS bare and $REPS traced runs" || nok "kmap_churn runs (see above)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
