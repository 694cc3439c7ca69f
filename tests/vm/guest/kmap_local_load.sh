#!/bin/sh
# i386 or armhf guest: pagetrack traces the whole system (kmap_local included) for
# SECONDS of mixed ordinary work (tests/vm/guest/workload.sh): real kernel
# code must give no error-level finding, and kmap_local must really have
# been paired (maps counted, none lost). Ends with "N passed, N failed".
SECS=${1:-60}
# Interval reports every quarter of the run (at least 5 s): several of them
# whatever SECS is, so the interval check below has something to read.
IVL=$((SECS / 4)); [ "$IVL" -ge 5 ] || IVL=5
. /tests/workload.sh
work_setup
pagetrack $BTF -j -i $IVL >/tmp/load.json 2>/tmp/load.err &
pid=$!
i=0
while ! grep -q "attach mode" /tmp/load.err 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 600 ] && break; sleep 0.1
done
grep "kmap_local tracking" /tmp/load.err
end=$(( $(cut -d. -f1 /proc/uptime) + SECS ))
rounds=0 bad=0
while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
	work_round || bad=$((bad + 1))
	rounds=$((rounds + 1))
done
kill -INT $pid
wait $pid
rc=$?
sum=$(grep '"type":"summary"' /tmp/load.json)
v() { echo "$sum" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
echo "# $rounds rounds in ${SECS}s, pagetrack exit $rc: maps $(v kmap_local_maps), depth peak $(v kmap_local_depth_peak), untracked $(v kmap_local_untracked), events $(v events_received), lost $(v events_lost)"
grep '"type":"finding"' /tmp/load.json | cut -c1-300 | sed 's/^/# /'
[ "$bad" -eq 0 ] && [ "$rounds" -gt 0 ] && ok "$rounds rounds of mixed work" || nok "workload failed in $bad of $rounds rounds"
if [ "$rc" = 0 ] && [ "$(v errors)" = 0 ]; then ok "system-wide, ${SECS}s: no error-level finding (exit 0)"
else nok "system-wide, ${SECS}s: $(v errors) error-level finding(s), exit $rc"; fi
if grep -q "kmap_local tracking: on" /tmp/load.err && [ "${sum:+x}" ] && [ "$(v kmap_local_maps)" -gt 10000 ]; then
	ok "kmap_local paired in BPF: $(v kmap_local_maps) maps"
else nok "kmap_local tracked: $(grep 'kmap_local tracking' /tmp/load.err), maps $(v kmap_local_maps)"; fi
[ "$(v events_lost)" = 0 ] && ok "no event lost" || nok "$(v events_lost) events lost"
n=$(grep -c '"type":"interval"' /tmp/load.json)
grep '"type":"interval"' /tmp/load.json | tail -1 | grep -q '"kmap_local_depth_peak":[1-9]' &&
	ok "interval reports carry kmap_local depth ($n reports)" || nok "interval reports without kmap_local depth ($n reports)"
summary
