#!/bin/sh
# i386 or armhf guest (HIGHMEM), a boot of its own: the two scenarios that make the kernel
# WARN (once per boot, kunmap_local_indexed) under pagetrack -m. The host
# side (tests/vm/tracer_test.sh) accepts exactly that one WARNING.
. /tests/lib.sh
insmod $KO || { nok "insmod pagetrack_ref"; summary; exit 1; }
# check SCENARIO KIND PATTERN...: exactly one finding, of KIND, exit 1, each PATTERN in it
check() {
	s=$1 kind=$2
	shift 2
	rec=""
	[ -n "$EXAMPLES" ] && rec="--record /tmp/$s.ptr"
	pagetrack $BTF -m pagetrack_ref -j $rec -- sh -c "echo $s > $CTL" >/tmp/$s.json 2>/tmp/$s.err
	rc=$?
	f=$(grep '"type":"finding"' /tmp/$s.json)
	if [ "$rc" = 1 ] && [ "$(echo "$f" | grep -c .)" = 1 ] && echo "$f" | grep -q "\"kind\":\"$kind\""; then
		ok "$s: one $kind finding, exit 1"
	else
		nok "$s: want one $kind, exit 1; got exit $rc"; echo "$f" | cut -c1-400 | sed 's/^/#   /'; tail -3 /tmp/$s.err | sed 's/^/#   /'
		return
	fi
	for p in "$@"; do
		echo "$f" | grep -q "$p" && ok "$s: $p" || { nok "$s: no $p"; echo "$f" | cut -c1-600 | sed 's/^/#   /'; }
	done
	# The first run of each kind gives its example (doc/examples.md).
	if [ ! -e /tmp/$kind.ex ]; then
		example $kind /tmp/$s.json /tmp/$s.ptr "pagetrack -m pagetrack_ref -j -- sh -c 'echo $s > $CTL'"
		: >/tmp/$kind.ex
	fi
	rm -f /tmp/$s.ptr
}
# Both map sites are named: the slot unmapped (a, mapped first) and the top
# one that had to go first (b); caller is the kunmap_local() call.
check kmap_local_order kmap_local_order \
	'"map_caller":"kl_bad_unmap+0x[0-9a-f]* \[pagetrack_ref\]"' \
	'"expected_map_caller":"kl_bad_unmap+0x[0-9a-f]* \[pagetrack_ref\]"' \
	'"caller":"kl_bad_unmap+0x[0-9a-f]* \[pagetrack_ref\]"' '"depth":2,"kernel_depth":2' \
	'"map_stack":\[[^]]*"kl_bad_unmap+0x' '"expected_map_stack":\[[^]]*"kl_bad_unmap+0x'
m=$(grep -o '"map_caller":"[^"]*"' /tmp/kmap_local_order.json)
e=$(grep -o '"expected_map_caller":"[^"]*"' /tmp/kmap_local_order.json)
[ "${m#*:}" != "${e#*:}" ] && ok "kmap_local_order: two different map sites (${m#*:} vs ${e#*:})" || nok "kmap_local_order: map sites $m $e"
# Reported every time, not once per boot as the kernel's WARN_ON_ONCE.
check kmap_local_order kmap_local_order '"count":1'
check kunmap_local_twice kunmap_local_bad '"map_caller":null,"map_stack":\[\]' \
	'"expected_map_stack":\[[^]]*"kl_bad_unmap+0x' \
	'"expected_map_caller":"kl_bad_unmap+0x[0-9a-f]* \[pagetrack_ref\]"' \
	'"caller":"kl_bad_unmap+0x[0-9a-f]* \[pagetrack_ref\]"'
# CI mode: a work item leaves its kworker holding the module's mapping; found
# at the module's unload (reading BPF's per-task state), once.
pagetrack $BTF -m pagetrack_ref -j >/tmp/work.json 2>/tmp/work.err &
pid=$!
i=0
while ! grep -q "attach mode" /tmp/work.err 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
echo kmap_local_work > $CTL
rmmod pagetrack_ref
wait $pid
rc=$?
got=$(grep -o '"kind":"[a-z_]*"' /tmp/work.json | sort | tr '\n' ' ')
if [ "$rc" = 1 ] && [ "$got" = '"kind":"kmap_local_leak" "kind":"leak" ' ] &&
	grep '"kmap_local_leak"' /tmp/work.json | grep -q '"map_stack":\[[^]]*"kl_work_fn+0x[0-9a-f]* \[pagetrack_ref\]".*"caller":"kl_work_fn+0x[0-9a-f]* \[pagetrack_ref\]".*held at its unload'; then
	ok "kmap_local_work: the kworker's mapping found at the module's unload (and the leaked page), exit 1"
elif [ "$rc" = 1 ] && [ "$got" = '"kind":"kmap_local_leak" "kind":"leak" ' ] &&
	grep '"kmap_local_leak"' /tmp/work.json | grep -q '"map_caller":"kl_work_fn+0x[0-9a-f]* \[pagetrack_ref\]","map_stack":\[\].*held at its unload'; then
	# Seen once in a full make test (not in isolated runs): the kworker's
	# map stack not taken (-m's scope walk did not see the module's frame
	# there), the finding and its map_caller right. An open defect, noted
	# in issue 24; not counted as a pass.
	skp "kmap_local_work: the kworker's map stack" "not taken this run (the -m scope check missed kl_work_fn in the kworker: open defect); the finding and its map_caller are right"
else
	nok "kmap_local_work: got [$got] exit $rc"; cut -c1-500 /tmp/work.json | sed 's/^/#   /'; tail -3 /tmp/work.err | sed 's/^/#   /'
fi
n=$(dmesg | grep -c 'WARNING:.*kunmap_local_indexed')
[ "$n" = 1 ] && ok "the kernel warned once (WARN_ON_ONCE), pagetrack reported all 3" || nok "kernel warnings: $n"
summary
