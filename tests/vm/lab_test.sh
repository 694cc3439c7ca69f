#!/usr/bin/env bash
# The lab suite: the harness's self-test, checkpatch on the reference module,
# then the module's kernel-side facts (tests/vm/guest/lab_checks.sh) in each
# guest, one boot per arch. Builds what the guests need first:
#   .output/ARCH/kmod/module/pagetrack_ref.ko   (scripts/kmod.sh module ARCH)
#   .output/ARCH/pagetrack_ref_user             (make ARCH: -m32 for i386, cross for armhf)
# Relays every suite's output and ends with one "N passed, N failed[, N skipped]"
# line; exits non-zero on any failure, a kernel problem in a guest (tests/vm/run
# exit 125), a time-out (124) or a harness failure (126).
# Env: LAB_ARCHES (default "i386 amd64 amd64-bpo armhf": lab kernels), LAB_SKIP_HARNESS=1 skips the
# harness self-test.
set -u
cd "$(dirname "$0")/../.." || exit 1
. scripts/lab-common.sh
P=0 F=0 S=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

nok() { echo "not ok - $1"; F=$((F + 1)); }
# add OUTPUT_FILE RC: adds the last summary line in the file to the totals.
add() {
	local line p f s
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	p=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
	s=$(grep -oE '[0-9]+ skipped' <<<"$line" | cut -d' ' -f1)
	P=$((P + ${p:-0})) F=$((F + ${f:-0})) S=$((S + ${s:-0}))
	case $2 in
	0) [ -n "$line" ] || nok "no summary line in the output" ;;
	124) nok "time-out (tests/vm/run exit 124)" ;;
	125) nok "the guest kernel reported an Oops, BUG, WARNING or bad page state (exit 125)" ;;
	126) nok "the harness failed (tests/vm/run exit 126)" ;;
	*) [ "${f:-0}" -gt 0 ] || nok "exit $2 without a counted failure" ;;
	esac
}

if [ "${LAB_SKIP_HARNESS:-}" != 1 ]; then
	echo "--- harness self-test"
	bash tests/vm/harness_test.sh 2>&1 | tee "$out"
	add "$out" "${PIPESTATUS[0]}"
fi
echo "--- checkpatch"
bash scripts/checkpatch.sh module/pagetrack_ref.c tests/vm/modules/ptdrv/ptdrv.c tests/vm/modules/ptpoll/ptpoll.c tests/vm/modules/pthelper/pthelper.c 2>&1 | tee "$out"
add "$out" "${PIPESTATUS[0]}"

# Builds first (cached), then the boots two at a time (tests/vm/pool.sh),
# shown in order.
. tests/vm/pool.sh
trap 'rm -f "$out"; pool_cleanup' EXIT
booted=()
for arch in ${LAB_ARCHES:-i386 amd64 amd64-bpo armhf}; do
	cpu=$(lab_cpu "$arch")
	mkdir -p ".output/$cpu"
	if ! bash scripts/kmod.sh module "$arch" >"$out" 2>&1; then
		echo "--- reference module on $arch"
		tail -n 20 "$out" | sed 's/^/#   /'
		nok "$arch: build the module (scripts/kmod.sh module $arch)"
		continue
	fi
	if ! make -s ".output/$cpu/pagetrack_ref_user" >"$out" 2>&1; then
		echo "--- reference module on $arch"
		sed 's/^/#   /' "$out"
		nok "$arch: build pagetrack_ref_user"
		continue
	fi
	booted+=("$arch")
	pool_start "$arch" tests/vm/run --kernel "$arch" --timeout 900 -- sh /tests/lab_checks.sh
done
pool_wait
for arch in "${booted[@]}"; do
	echo "--- reference module on $arch"
	cat "$(pool_out "$arch")"
	rc=$(pool_rc "$arch")
	echo "# $arch: boot and checks took $(pool_secs "$arch") s, exit $rc ($POOL_JOBS boots at once)"
	add "$(pool_out "$arch")" "$rc"
done

if [ "$S" -gt 0 ]; then echo "$P passed, $F failed, $S skipped"
else echo "$P passed, $F failed"; fi
[ "$F" -eq 0 ]
