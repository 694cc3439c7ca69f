#!/usr/bin/env bash
# Host side of the tracer VM suite: one boot per arch running
# tests/vm/guest/tracer_checks.sh; sums the results into one line.
set -u
cd "$(dirname "$0")/../.."
P=0 F=0 S=0
# i386 and armhf: kprobes (no BPF trampoline there); amd64: fentry (auto) and
# kprobe. TRACER_RUNS overrides the list.
for run in ${TRACER_RUNS:-i386:auto amd64:auto amd64:kprobe armhf:auto}; do
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
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
