#!/bin/sh
# Sourced by tracer_checks.sh (its ok/nok, kinds, $T, $BTF, $ATTACH, $KO, $CTL),
# with pagetrack_ref unloaded: -m unwinds only while a watched module is
# loaded (src/modscope.c). Two sides: the cheap path is taken while the module
# is absent (BPF's own counters), and nothing of the module is lost when it
# loads under a tracer that was not unwinding: init, then calls after it sat
# idle amid churn, then frees after the churn of an absent phase.
M=$T/scope
mkdir -p $M
# Page churn: 16 MiB through tmpfs, allocated and freed.
churn="dd if=/dev/zero of=/tmp/scope_churn bs=1M count=16 2>/dev/null; rm -f /tmp/scope_churn"

# unwound FILE / skipped FILE: BPF's -v counts of allocations unwound for scope.
unwound() { sed -n 's/.*module scope: \([0-9]*\) allocations unwound.*/\1/p' "$1"; }
skipped() { sed -n 's/.*allocations unwound ([^)]*), \([0-9]*\) not.*/\1/p' "$1"; }

pagetrack $BTF $ATTACH -v -m pagetrack_ref -j -- sh -c "$churn" >$M/absent.json 2>$M/absent.err
rc=$?
u=$(unwound $M/absent.err) s=$(skipped $M/absent.err)
# Only allocations made while pagetrack starts (before it has read
# /proc/modules) may unwind: under 1 %.
if [ "$rc" = 0 ] && [ -n "$u" ] && [ "${s:-0}" -ge 4096 ] && [ $((u * 100)) -lt "$s" ] &&
	grep -q "module scope: .*; allocations unwind only while a watched module is loaded" $M/absent.err; then
	ok "module absent amid churn: $u allocations unwound (start-up), $s not"
else
	nok "module absent amid churn: exit $rc, unwound [$u], not [$s]"
	grep -v '^  ' $M/absent.err | tail -5 | sed 's/^/#   /'
	grep 'module scope' $M/absent.err | sed 's/^/#   /'
fi

# Absent (churn), loaded (init), idle amid churn, then called: every
# finding is the module's, and allocations were unwound only once it loaded.
pagetrack $BTF $ATTACH -v -m pagetrack_ref -j -- sh -c "$churn; insmod $KO || exit 9; $churn; sleep 1; \
	echo leak > $CTL; echo order_mismatch > $CTL; pagetrack_ref_user noncompound_tail_map >/dev/null; \
	rmmod pagetrack_ref; $churn" >$M/late.json 2>$M/late.err
rc=$?
got=$(kinds $M/late.json)
n=$(grep -c '"type":"finding"' $M/late.json)
m=$(grep '"type":"finding"' $M/late.json | grep -c '"caller":"[^"]*\[pagetrack_ref\]"')
u=$(unwound $M/late.err) s=$(skipped $M/late.err)
if [ "$rc" = 1 ] && [ "$got" = "leak:2 order_mismatch:1 partial_free:1 tail_page_mapped:1 " ] &&
	[ "$n" = "$m" ] && [ "${u:-0}" -gt 0 ] && [ "${s:-0}" -ge 8192 ]; then
	ok "module loaded under a tracer that was not unwinding: all $n findings in pagetrack_ref ($u unwound, $s not)"
else
	nok "module loaded late: got [$got] exit $rc, $m of $n in pagetrack_ref, unwound [$u], not [$s]"
	grep -v '^  ' $M/late.err | tail -5 | sed 's/^/#   /'
fi
