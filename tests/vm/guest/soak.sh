#!/bin/sh
# Inside the i386 guest: SECONDS of page, kmap and mapping churn under
# pagetrack; samples pagetrack's RSS; checks flat memory and no count drift.
SECS=${1:-600}
. /tests/lib.sh
insmod $KO || exit 2
pagetrack $BTF -j -i 10 -- sh -c "end=\$((\$(date +%s) + $SECS)); while [ \$(date +%s) -lt \$end ]; do
	dd if=/dev/zero of=/dev/null bs=8M count=1 2>/dev/null; echo 'kmap_churn 500' > $CTL
	echo alloc_free > $CTL; echo highmem_per_page > $CTL; pagetrack_ref_user compound_map >/dev/null
	done" > /tmp/soak.json 2>/tmp/soak.err &
pid=$!
sleep 2
: > /tmp/rss
while kill -0 $pid 2>/dev/null; do
	p=$(pidof pagetrack)
	[ -n "$p" ] && awk '/^VmRSS:/ { print $2 }' /proc/$p/status >> /tmp/rss
	sleep 5
done
wait $pid
rc=$?
n=$(wc -l < /tmp/rss)
half=$((n / 2))
first=$(head -n $half /tmp/rss | sort -n | tail -1)
last=$(tail -n +$((half + 1)) /tmp/rss | sort -n | tail -1)
echo "# RSS samples (kB): $(tr '\n' ' ' < /tmp/rss)"
if [ "$n" -ge 4 ] && [ "$last" -le $((first + first / 10 + 1024)) ]; then
	ok "RSS flat over ${SECS}s: first half max $first kB, second half max $last kB"
else nok "RSS flat over ${SECS}s: first half max $first kB, second half max $last kB ($n samples)"; fi
sum=$(grep '"type":"summary"' /tmp/soak.json)
v() { echo "$sum" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
a=$(v pages_allocated) f=$(v pages_freed) d=$(v pages_dropped) o=$(v outstanding_pages)
echo "# events received $(v events_received), lost $(v events_lost); pages allocated $a, freed $f, dropped $d, outstanding $o"
l=$(v events_lost)
# A soak that loses events proves nothing about drift: the load is sized so
# the reader keeps up in this guest (about 60 k events/s under TCG).
[ "${l:-1}" = 0 ] && ok "no events lost ($(v events_received) received)" || nok "events lost: $l"
if [ -n "$a" ] && [ $((a - f - d)) -eq "$o" ]; then ok "no drift: allocated - freed - dropped = outstanding ($o)"
else nok "no drift: $a - $f - $d != $o"; fi
ints=$(grep -c '"type":"interval"' /tmp/soak.json)
[ "$ints" -ge $((SECS / 10 - 1)) ] && ok "interval reports kept coming ($ints)" || nok "interval reports: $ints"
[ $rc -eq 0 ] && ok "pagetrack exit 0 (no error-level finding in clean churn)" || { nok "pagetrack exit $rc"; grep '"type":"finding"' /tmp/soak.json | head -3; }
summary
