#!/usr/bin/env bash
# Host side of the tracer VM suite: one boot per arch running
# tests/vm/guest/tracer_checks.sh; sums the results into one line.
set -u
cd "$(dirname "$0")/../.."
P=0 F=0 S=0
# i386: kprobes (no BPF trampoline there); amd64: fentry (auto) and kprobe.
# PAGETRACK_TRACER_RUNS: the arch:mode boots to run (default all three).
for run in ${PAGETRACK_TRACER_RUNS-i386:auto amd64:auto amd64:kprobe}; do
	arch=${run%%:*} mode=${run#*:}
	echo "--- tracer checks on $arch, --attach $mode"
	out=$(mktemp)
	tests/vm/run --kernel "$arch" --timeout 1500 -- sh /tests/tracer_checks.sh "$mode" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
	s=$(echo "$line" | grep -oE '[0-9]+ skipped' | cut -d' ' -f1)
	P=$((P + ${p:-0})); F=$((F + ${f:-0})); S=$((S + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "not ok - $arch guest run failed (exit $rc: 124 timeout, 125 oops, 126 harness)"
		F=$((F + 1))
	fi
	rm -f "$out"
done
# kmap_local scenarios the kernel WARNs about (once per boot): a boot of
# their own, where exactly that WARNING (exit 125) is accepted, nothing else.
echo "--- kmap_local warning scenarios on i386 (own boot)"
out=$(mktemp)
tests/vm/run --kernel i386 --timeout 900 --keep-log -- sh /tests/kmap_local_warn.sh >"$out" 2>&1
rc=$?
cat "$out"
log=$(grep -o 'console log: .*' "$out" | tail -1 | cut -d' ' -f3)
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
P=$((P + ${p:-0})); F=$((F + ${f:-0}))
if [ -z "$line" ] || grep -q 'timed out' "$out"; then
	echo "not ok - kmap_local warning boot: the guest script did not finish (exit $rc)"; F=$((F + 1))
fi
# The harness's own oops pattern; every match must be that one WARNING.
pat='\[ *[0-9]+\.[0-9]+\] .*(Oops|BUG:|Kernel panic|Bad page state|WARNING:|general protection fault|kernel BUG at|Unable to handle kernel|invalid opcode:|soft lockup|hard LOCKUP|detected stalls?|blocked for more than)'
want='WARNING: CPU: [0-9]+ PID: [0-9]+ at mm/highmem.c:[0-9]+ kunmap_local_indexed'
if [ "$rc" = 125 ] && [ -s "$log" ] && [ "$(grep -a -E "$pat" "$log" | grep -c -E "$want")" = 1 ] &&
	[ "$(grep -a -E "$pat" "$log" | grep -v -c -E "$want")" = 0 ]; then
	echo "ok - i386 kernel: exactly one WARNING, in kunmap_local_indexed (exit 125 expected)"; P=$((P + 1))
else
	echo "not ok - i386 kernel: want only the kunmap_local_indexed WARNING (exit $rc)"
	[ -s "$log" ] && grep -a -E "$pat" "$log" | head -5 | sed 's/^/#   /'
	F=$((F + 1))
fi
[ -s "$log" ] && rm -f "$log"
rm -f "$out"

# No false positives: the whole i386 system traced under mixed work.
if [ "${PAGETRACK_LOAD_SECS:-180}" = 0 ]; then
	echo "ok - i386 system-wide mixed load # SKIP PAGETRACK_LOAD_SECS=0"; S=$((S + 1))
else
echo "--- kmap_local: system-wide mixed load on i386 (${PAGETRACK_LOAD_SECS:-180} s)"
out=$(mktemp)
tests/vm/run --kernel i386 --timeout 1500 -- sh /tests/kmap_local_load.sh "${PAGETRACK_LOAD_SECS:-180}" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
P=$((P + ${p:-0})); F=$((F + ${f:-0}))
if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
	echo "not ok - i386 load run failed (exit $rc: 124 timeout, 125 oops, 126 harness)"; F=$((F + 1))
fi
rm -f "$out"
fi
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
