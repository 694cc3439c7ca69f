#!/bin/sh
# Sourced by tracer_checks.sh (its ok/nok/skp, kinds, $T, $BTF, $ATTACH,
# $MODE, $ARCH, $KO, $CTL): pairing in BPF (bpf/pair.bpf.h) gives the same
# findings, and under -m the same totals, as with every event sent, in
# tracepoint mode and in the guest's API mode (fentry, kprobe), on every
# lab arch: amd64 keeps a bit per pfn, i386 and armhf a byte. It must not
# assert what pairing saves (that is the bench's), only that it changes no
# finding, and that it was on (blocks kept), or the comparison proves
# nothing. Expects pagetrack_ref unloaded (each run loads it itself).
# Alone: sh -c '. /tests/lib.sh; MODE=auto ATTACH="--attach auto" T=/tmp/pt;
#   mkdir -p $T; . /tests/pair_checks.sh; summary'
# The start-up list says whether pairing is on; it must be, or the
# comparisons below prove nothing.
pagetrack $BTF $ATTACH -v -j -- true >/dev/null 2>$T/pair_on.err
line=$(grep '^  pairing in BPF: ' $T/pair_on.err)
if echo "$line" | grep -qE '^  pairing in BPF: on \(.* KiB of map, a (bit|byte) per page'; then
	ok "$MODE mode: pairing in BPF on at start-up (${line#  pairing in BPF: })"
else
	nok "$MODE mode: the start-up list should say pairing in BPF is on, says [${line:-nothing}]"
fi
pagetrack $BTF $ATTACH -v -j --record $T/pair_off.rec -- true >/dev/null 2>$T/pair_off.err
if grep -q '^  pairing in BPF: off: --record keeps every event$' $T/pair_off.err; then
	ok "$MODE mode, --record: pairing in BPF off, and the start-up list says why"
else
	nok "$MODE mode, --record: want 'pairing in BPF: off: --record keeps every event', got [$(grep '^  pairing in BPF' $T/pair_off.err)]"
fi

# Tracepoint mode: order-0 blocks are kept in BPF, not events; two of them
# freed as one order-1 block are handed over first, so the order_mismatch is
# found as with every event sent (--record).
for how in paired record; do
	extra=""
	[ $how = record ] && extra="--record $T/pair.rec"
	pagetrack $BTF --attach tracepoint --no-stacks -v -j $extra -- \
		sh -c "insmod $KO && { echo order0_freed_order1 > $CTL; rmmod pagetrack_ref; }" \
		>$T/pair.json 2>$T/pair.err
	rc=$?
	handed=$(sed -n 's/.*, \([0-9]*\) handed over at a larger free$/\1/p' $T/pair.err)
	[ $how = record ] && handed=none
	if grep '"type":"finding"' $T/pair.json | grep '"kind":"order_mismatch"' |
		grep -q '"order":0,"free_order":1' &&
		{ [ $how = record ] || [ "${handed:-0}" -ge 2 ]; }; then
		ok "tracepoint mode, $how: two order-0 pages freed as order 1 found (exit $rc, handed over: $handed)"
	else
		nok "tracepoint mode, $how: no order_mismatch order 0 / free_order 1 (exit $rc, handed over: ${handed:-?})"
		grep '"type":"finding"' $T/pair.json | cut -c1-400 | sed 's/^/#   /'
		grep -v '^  ' $T/pair.err | tail -4 | sed 's/^/#   /'
	fi
done
# -m in tracepoint mode: the allocations it does not unwind for scope are
# paired in BPF (out of scope: in no total); the module's blocks still go as
# events with their stacks, and its bugs are found. Not on armhf, whose
# tracepoint stacks do not unwind (design.md): -m there needs kprobes.
if [ "$ARCH" != armhf ]; then
	pagetrack $BTF --attach tracepoint -v -m pagetrack_ref -j -- \
		sh -c "insmod $KO && { echo order_mismatch > $CTL; echo leak > $CTL; rmmod pagetrack_ref; }" \
		>$T/mtp.json 2>$T/mtp.err
	rc=$?
	got=$(kinds $T/mtp.json)
	kept=$(sed -n 's/^pagetrack: paired in BPF, no event sent: \([0-9]*\) order-0.*/\1/p' $T/mtp.err)
	if [ "$rc" = 1 ] && [ "$got" = "leak:1 order_mismatch:1 " ] && [ "${kept:-0}" -gt 0 ]; then
		ok "tracepoint mode, -m: leak and order_mismatch found, $kept other blocks paired in BPF"
	else
		nok "tracepoint mode, -m: want [leak:1 order_mismatch:1] exit 1 and blocks paired, got [${got% }] exit $rc, paired ${kept:-?}"
		grep -v '^  ' $T/mtp.err | tail -4 | sed 's/^/#   /'
	fi
fi

# Pairing in BPF with the API probes (fentry on amd64, kprobe on every
# arch; i386 and armhf learn where struct pages and the direct map live
# from their first allocations): an allocator's
# return of a kept block is not sent and an API free hands kept blocks over
# first, so every reference scenario gives the same findings (kind, orders,
# pages) and, under -m, the same totals as with every event sent (--record,
# which turns pairing off) and with every allocation unwound (--stacks all,
# which pairs nothing).
# sig FILE: one line per finding, "kind count pages order [free_order]", sorted.
sig() {
	grep '^{"type":"finding"' "$1" |
		sed 's/^{"type":"finding","kind":"\([a-z_]*\)","severity":"[a-z]*","count":\([0-9]*\),"pages":\([0-9]*\),"pfn":[0-9]*,"order":\([0-9]*\)\(,"free_order":[0-9]*\)\{0,1\},"gfp".*/\1 \2 \3 \4\5/; s/,"free_order":/ /' |
		sort | tr '\n' ';'
}
# tot FILE: the summary's totals of tracked blocks.
tot() {
	s=$(grep '"type":"summary"' "$1")
	for k in tracked_allocs pages_allocated pages_freed outstanding_pages; do
		printf '%s=%s ' $k "$(echo "$s" | grep -o "\"$k\":[0-9]*" | cut -d: -f2)"
	done
}
API_SCEN="insmod $KO; for s in order_mismatch getfree_order_mismatch order0_freed_order1 alloc_free leak; do echo \$s > $CTL; done; \
	pagetrack_ref_user noncompound_tail_map; pagetrack_ref_user compound_map; pagetrack_ref_user remap_private; rmmod pagetrack_ref"
if [ "$MODE" != tracepoint ]; then
	# A: system-wide, --no-stacks (every order-0 block paired) against --record.
	for how in paired record; do
		extra=""
		[ $how = record ] && extra="--record $T/api.rec"
		pagetrack $BTF $ATTACH --no-stacks -v -j $extra -- sh -c "$API_SCEN" \
			>$T/api_$how.json 2>$T/api_$how.err
		eval "rc_$how=\$?"
	done
	kept=$(sed -n 's/^pagetrack: paired in BPF, no event sent: \([0-9]*\) order-0.*/\1/p' $T/api_paired.err)
	handed=$(sed -n 's/.*, \([0-9]*\) handed over at a larger free$/\1/p' $T/api_paired.err)
	rets=$(sed -n 's/^pagetrack: paired in BPF with the API probes ([a-z]* mode): \([0-9]*\) allocator returns.*/\1/p' $T/api_paired.err)
	# The return probes go once where struct pages and the direct map live
	# is known (attacher_drop_returns): before that, kept blocks' returns
	# are not sent; after, no return is. On amd64 BPF reads both from the
	# kernel and they are never attached.
	dropped=$(sed -n 's/^pagetrack: allocator return probes \(detached\|not attached\).*/\1/p' $T/api_paired.err)
	a=$(sig $T/api_paired.json) b=$(sig $T/api_record.json)
	if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$rc_paired" = "$rc_record" ] &&
		echo "$a" | grep -q "order_mismatch 1 [0-9]* 0 1;" &&
		[ "${kept:-0}" -gt 0 ] && [ "${handed:-0}" -ge 2 ] &&
		{ [ "${rets:-0}" -gt 0 ] || [ -n "$dropped" ]; }; then
		ok "$MODE mode, pairing on (--no-stacks): the same findings as --record [$a] exit $rc_paired; $kept blocks kept, $handed handed over, $rets returns not sent${dropped:+, return probes $dropped}"
	else
		nok "$MODE mode, pairing on (--no-stacks) vs --record: [$a] exit $rc_paired vs [$b] exit $rc_record; kept ${kept:-?}, handed ${handed:-?}, returns not sent ${rets:-?}"
		grep -v '^  ' $T/api_paired.err | tail -4 | sed 's/^/#   /'
	fi
	# B: system-wide, the default (sampled stacks, pairing on) against --stacks all.
	for how in default all; do
		extra=""
		[ $how = all ] && extra="--stacks all"
		pagetrack $BTF $ATTACH -v -j $extra -- sh -c "$API_SCEN" >$T/apis_$how.json 2>$T/apis_$how.err
		eval "rc_$how=\$?"
	done
	kept=$(sed -n 's/^pagetrack: paired in BPF, no event sent: \([0-9]*\) order-0.*/\1/p' $T/apis_default.err)
	a=$(sig $T/apis_default.json) b=$(sig $T/apis_all.json)
	if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$rc_default" = "$rc_all" ] && [ "${kept:-0}" -gt 0 ]; then
		ok "$MODE mode, default (sampled, paired): the same findings as --stacks all [$a] exit $rc_default; $kept blocks kept"
	else
		nok "$MODE mode, default vs --stacks all: [$a] exit $rc_default vs [$b] exit $rc_all; kept ${kept:-?}"
		grep -v '^  ' $T/apis_default.err | tail -4 | sed 's/^/#   /'
	fi
	# C: -m (CI mode), the default (pairing on) inside --record (pairing off):
	# two tracers of the same events, so their totals must agree exactly
	# (separate runs do not: one or two of the module's order-0 blocks more
	# or less from run to run, in every mode). --stacks all: findings only.
	# armhf: not nested. There the allocation stacks are taken by entry
	# kprobes attached after their kretprobes (design.md), and a second
	# tracer's kretprobes, attached later, run before the first tracer's
	# entry probes and hide its return addresses: the outer one would see no
	# module frame. So two separate runs, findings compared, not totals.
	esc=$(echo "$API_SCEN" | sed 's/\$/\\$/g')
	cat >$T/inner.sh <<EOF
pagetrack $BTF $ATTACH -v -m pagetrack_ref -j -- sh -c "$esc" >$T/apim_default.json 2>$T/apim_default.err
echo \$? >$T/apim_default.rc
EOF
	if [ "$ARCH" = armhf ]; then
		sh $T/inner.sh
		pagetrack $BTF $ATTACH -v -m pagetrack_ref -j --record $T/apim.rec -- sh -c "$API_SCEN" \
			>$T/apim_record.json 2>$T/apim_record.err
	else
		pagetrack $BTF $ATTACH -v -m pagetrack_ref -j --record $T/apim.rec -- sh $T/inner.sh \
			>$T/apim_record.json 2>$T/apim_record.err
	fi
	rc_record=$?
	rc_default=$(cat $T/apim_default.rc 2>/dev/null)
	pagetrack $BTF $ATTACH -v -m pagetrack_ref -j --stacks all -- sh -c "$API_SCEN" \
		>$T/apim_all.json 2>$T/apim_all.err
	rc_all=$?
	kept=$(sed -n 's/^pagetrack: paired in BPF, no event sent: \([0-9]*\) order-0.*/\1/p' $T/apim_default.err)
	a="$(sig $T/apim_default.json) $(tot $T/apim_default.json)"
	b="$(sig $T/apim_record.json) $(tot $T/apim_record.json)"
	c="$(sig $T/apim_all.json)"
	what="findings and totals equal to --record's of the same events"
	if [ "$ARCH" = armhf ]; then
		a=$(sig $T/apim_default.json) b=$(sig $T/apim_record.json)
		what="findings equal to a --record run's (separate runs: totals not compared)"
	fi
	if [ "$a" = "$b" ] && [ "$(sig $T/apim_default.json)" = "$c" ] && [ "$rc_default" = 1 ] &&
		[ "$rc_record" = 1 ] && [ "$rc_all" = 1 ] && echo "$a" | grep -q "^leak " && [ "${kept:-0}" -gt 0 ]; then
		ok "$MODE mode, -m with pairing on: $what, findings to --stacks all's [$a], exit 1; $kept other blocks kept"
	else
		nok "$MODE mode, -m: default [$a] exit $rc_default, --record of the same events [$b] exit $rc_record, --stacks all [$c $(tot $T/apim_all.json)] exit $rc_all; kept ${kept:-?}"
		grep -v '^  ' $T/apim_default.err | tail -4 | sed 's/^/#   /'
	fi
fi
