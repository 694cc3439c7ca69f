#!/usr/bin/env bash
# Host side of the caller and stack checks of issue 29: builds
# tests/vm/modules/pthelper (kernel helpers compiled out of line into a
# module) for each arch (default: amd64-bpo and amd64, the fentry kernels of
# 6.12 and 6.1; make callers-test adds i386 and armhf) and boots each once
# running tests/vm/guest/helper_checks.sh.
set -u
cd "$(dirname "$0")/../.."
P=0 F=0
# Builds first, then the boots two at a time (tests/vm/pool.sh), shown in order.
. tests/vm/pool.sh
trap pool_cleanup EXIT
booted=()
for arch in ${*:-amd64-bpo amd64}; do
	ko=$(bash scripts/kmod.sh tests/vm/modules/pthelper "$arch" 2>/dev/null | tail -1)
	[ -n "$ko" ] || { echo "--- caller and stack checks on $arch"; echo "not ok - build pthelper for $arch"; F=$((F + 1)); continue; }
	booted+=("$arch")
	pool_start "$arch" tests/vm/run --kernel "$arch" --timeout 1200 --add "$ko" -- sh /tests/helper_checks.sh
done
pool_wait
for arch in "${booted[@]}"; do
	echo "--- caller and stack checks on $arch ($(pool_secs "$arch") s)"
	out=$(pool_out "$arch")
	cat "$out"
	rc=$(pool_rc "$arch")
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
	[ -n "$line" ] || f=1
	[ "$rc" -eq 0 ] || { echo "not ok - $arch: guest exit $rc"; f=$((${f:-0} + 1)); }
	P=$((P + ${p:-0})); F=$((F + ${f:-0}))
done
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
