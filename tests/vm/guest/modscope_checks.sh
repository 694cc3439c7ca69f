#!/bin/sh
# Sourced by tracer_checks.sh (its ok/nok, kinds, $T, $BTF, $ATTACH, $KO, $CTL),
# with pagetrack_ref unloaded: -m unwinds only while a watched module is
# loaded (src/modscope.c). Two sides: the cheap path is taken while the module
# is absent (BPF's own counters), and nothing of the module is lost when it
# loads under a tracer that was not unwinding: init, then calls after it sat
# idle amid churn, then frees after the churn of an absent phase.
M=$T/scope
mkdir -p $M
if grep -q '^pagetrack_ref ' /proc/modules; then
	nok "pagetrack_ref is unloaded before the -m absent checks"
	rmmod pagetrack_ref
fi
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
# Nothing of the module was checked: exit 4, said on stderr.
if [ "$rc" = 4 ] && [ -n "$u" ] && [ "${s:-0}" -ge 4096 ] && [ $((u * 100)) -lt "$s" ] &&
	grep -q "^pagetrack: nothing was checked for module pagetrack_ref" $M/absent.err &&
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
# A module loaded during the trace gets no entry probes (they would race
# with its unload): it unwinds everything while loaded.
if [ "$rc" = 1 ] && [ "$got" = "leak:2 order_mismatch:1 partial_free:1 tail_page_mapped:1 " ] &&
	[ "$n" = "$m" ] && [ "${u:-0}" -gt 0 ] && [ "${s:-0}" -ge 8192 ] &&
	! grep -q "entry probes on [1-9]" $M/late.err; then
	ok "module loaded under a tracer that was not unwinding: all $n findings in pagetrack_ref ($u unwound, $s not)"
else
	nok "module loaded late: got [$got] exit $rc, $m of $n in pagetrack_ref, unwound [$u], not [$s]"
	grep -v '^  ' $M/late.err | tail -5 | sed 's/^/#   /'
fi

# Loaded and idle amid churn: once every function of the module has an
# entry probe, only tasks that may be inside it unwind (each task's first
# allocation checks its own stack); the churn never calls into it. Then a
# call into it is still found. What does unwind is pagetrack's own start-up
# (before it has read /proc/modules and while the probes go on): under 10 %
# of the churn here, where without the probes all of it unwinds. ARM32 has no entry probes (its stacks are
# taken at the allocator's entry, not at the tracepoint): all unwind there.
insmod $KO
pagetrack $BTF $ATTACH -v -m pagetrack_ref -j -- sh -c "$churn; echo leak > $CTL" \
	>$M/idle.json 2>$M/idle.err
rc=$?
rmmod pagetrack_ref
got=$(kinds $M/idle.json)
u=$(unwound $M/idle.err) s=$(skipped $M/idle.err)
c=$(grep '"type":"finding"' $M/idle.json | grep -c '"caller":"leak+0x[0-9a-f]* \[pagetrack_ref\]"')
if [ "$ARCH" = armhf ]; then
	if grep -q "module scope: no entry probes (ARM32" $M/idle.err; then
		skp "module loaded and idle amid churn" "ARM32: no entry probes, every allocation unwinds while the module is loaded ($u unwound)"
	else
		nok "armhf: the tool does not say why the module's entry probes are off"
	fi
elif [ "$rc" = 0 ] && [ "$got" = "held_at_exit:1 " ] && [ "$c" = 1 ] && [ -n "$u" ] &&
	[ "${s:-0}" -ge 4096 ] && [ $((u * 10)) -lt "$s" ] &&
	grep -q "module scope: entry probes on 1 load(s)" $M/idle.err; then
	ok "module loaded and idle amid churn: $u allocations unwound, $s not; the call into it found"
else
	nok "module loaded and idle: got [$got] exit $rc, leak+ caller [$c], unwound [$u], not [$s]"
	grep -v '^  ' $M/idle.err | tail -6 | sed 's/^/#   /'
fi
