#!/usr/bin/env bash
# The lab suite: the harness's own checks, then the reference module's
# kernel-side facts in each guest (one boot per arch); one summary line.
set -u
cd "$(dirname "$0")/../.."
P=0 F=0 S=0
add() { # OUTPUT_FILE RC
	local line p f s
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
	s=$(echo "$line" | grep -oE '[0-9]+ skipped' | cut -d' ' -f1)
	P=$((P + ${p:-0})); F=$((F + ${f:-0})); S=$((S + ${s:-0}))
	if [ "$2" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "not ok - run failed with exit $2 (124 time-out, 125 oops, 126 harness)"
		F=$((F + 1))
	fi
}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bash scripts/checkpatch.sh module/pagetrack_ref.c 2>&1 | tee "$out"
add "$out" "${PIPESTATUS[0]}"
bash tests/vm/harness_test.sh 2>&1 | tee "$out"
add "$out" "${PIPESTATUS[0]}"
for arch in i386 amd64; do
	echo "--- reference module on $arch"
	tests/vm/run --kernel "$arch" --timeout 900 -- sh /tests/lab_checks.sh 2>&1 | tee "$out"
	add "$out" "${PIPESTATUS[0]}"
done
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
