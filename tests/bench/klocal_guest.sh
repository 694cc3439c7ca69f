#!/bin/sh
# Inside the i386 guest (scripts/bench.sh --vm): ROUNDS rounds of ordinary
# work (tests/vm/guest/workload.sh: page cache on tmpfs, pipes, fork/exec,
# tar, gzip, sort) bare, under pagetrack --no-kmap-local and under pagetrack
# with kmap_local tracking (system-wide, default options), REPS interleaved
# triples after a warm-up, the order rotated every repetition. One line per
# run:  klocal CONFIG REP elapsed_cs=N maps=N lost=N   then "N passed, N failed".
REPS=${1:-3}
ROUNDS=${2:-4}
. /tests/workload.sh
cs() { sed 's/ .*//; s/\.//' /proc/uptime; }	# centiseconds since boot
rounds() {
	n=0
	while [ $n -lt "$ROUNDS" ]; do work_round || return 1; n=$((n + 1)); done
}
# run CONFIG REP
run() {
	if [ "$1" = bare ]; then
		t0=$(cs); rounds || { echo "klocal $1 $2 failed"; return 1; }; t1=$(cs)
		echo "klocal $1 $2 elapsed_cs=$((t1 - t0)) maps=0 lost=0"
		return 0
	fi
	opt=""; [ "$1" = noklocal ] && opt=--no-kmap-local
	pagetrack $BTF $opt -j >/tmp/b.out 2>/tmp/b.err &
	pid=$!
	i=0
	while ! grep -q "attach mode" /tmp/b.err 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 900 ] || ! kill -0 $pid 2>/dev/null; then
			echo "klocal $1 $2 noattach"; tail -3 /tmp/b.err; kill -9 $pid 2>/dev/null; return 1
		fi
		sleep 0.1
	done
	t0=$(cs); rounds; w=$?; t1=$(cs)
	kill -INT $pid
	wait $pid
	rc=$?
	[ $w -eq 0 ] && [ $rc -le 1 ] || { echo "klocal $1 $2 failed (work $w, pagetrack $rc)"; tail -3 /tmp/b.err; return 1; }
	s=$(grep '"type":"summary"' /tmp/b.out)
	v() { echo "$s" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
	echo "klocal $1 $2 elapsed_cs=$((t1 - t0)) maps=$(v kmap_local_maps) lost=$(v events_lost)"
}
work_setup
bad=0
ROUNDS_SAVE=$ROUNDS ROUNDS=1
run bare 0 >/dev/null && run klocal 0 >/dev/null || bad=1	# warm-up
ROUNDS=$ROUNDS_SAVE
r=1
while [ $r -le "$REPS" ]; do
	case $((r % 3)) in
	1) run bare $r || bad=1; run noklocal $r || bad=1; run klocal $r || bad=1 ;;
	2) run noklocal $r || bad=1; run klocal $r || bad=1; run bare $r || bad=1 ;;
	0) run klocal $r || bad=1; run bare $r || bad=1; run noklocal $r || bad=1 ;;
	esac
	r=$((r + 1))
done
[ $bad -eq 0 ] && ok "$REPS x bare, --no-kmap-local and kmap_local runs of $ROUNDS rounds" || nok "klocal runs (see above)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
