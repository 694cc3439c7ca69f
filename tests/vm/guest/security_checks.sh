#!/bin/sh
# Sourced by tracer_checks.sh (its ok/nok, $T, $BTF, $ATTACH, $KO, $CTL):
# what pagetrack writes in a guest holds no raw kernel address, recordings
# are private, --user works without /etc/passwd.
S=$T/sec
mkdir -p $S
kaddr='0x[89a-f][0-9a-f]{7}'
[ "$ARCH" = amd64 ] && kaddr='0xffff[0-9a-f]{12}'
(umask 000; pagetrack $BTF $ATTACH -m pagetrack_ref --record $S/r.ptr -j --folded $S/f.folded \
	--metrics-file $S/m.prom -- sh -c "insmod $KO && echo order_mismatch > $CTL && rmmod pagetrack_ref" \
	>$S/live.json 2>$S/live.err)
rc=$?
mode=$(stat -c %a $S/r.ptr)
if [ "$rc" = 1 ] && [ "$mode" = 600 ]; then ok "security: umask 000 gives a 0600 recording"
else nok "security: recording mode $mode, exit $rc"; tail -3 $S/live.err | sed 's/^/#   /'; fi
if grep -Eq "$kaddr" $S/live.json $S/f.folded $S/m.prom; then
	nok "security: raw kernel address in shared outputs: $(grep -Eoh "$kaddr" $S/live.json $S/f.folded $S/m.prom | head -3 | tr '\n' ' ')"
else ok "security: no raw kernel address in JSON, folded stacks, metrics"; fi
pagetrack --replay $S/r.ptr -m pagetrack_ref >$S/rep.txt 2>&1
if grep -Eq "$kaddr" $S/rep.txt; then nok "security: raw kernel address in the replayed text report"
else ok "security: replayed text report has no raw kernel address"; fi
out=$(pagetrack $BTF $ATTACH --user 65534 --group 65534 -- sh -c 'id -u; id -g' 2>$S/u.err | head -2 | tr '\n' ' ')
if [ "$out" = "65534 65534 " ]; then ok "security: --user 65534 --group 65534 (no /etc/passwd needed)"
else nok "security: --user gave [$out]"; tail -3 $S/u.err | sed 's/^/#   /'; fi
