#!/usr/bin/env bash
# Host side of the module-scope VM suite: builds the driver-style test
# modules (tests/vm/modules/ptdrv, ptpoll) and the seeded module of the
# source-line checks (tests/host/srcmod), and boots each arch (default: i386, amd64
# and amd64-bpo, whose 6.12 has the 6.4+ module layout) once running
# tests/vm/guest/init_checks.sh. The guest ends on purpose with a bad free
# the kernel complains about, so the boot must end in 125 (kernel problem)
# and the guest's own checks must all pass.
set -u
cd "$(dirname "$0")/../.."
P=0 F=0 S=0
# Builds first, then the boots two at a time (tests/vm/pool.sh), shown in order.
. tests/vm/pool.sh
trap pool_cleanup EXIT
booted=()
for arch in ${*:-i386 amd64 amd64-bpo}; do
	ko=$(bash scripts/kmod.sh tests/vm/modules/ptdrv "$arch" 2>/dev/null | tail -1)
	[ -n "$ko" ] || { echo "not ok - build ptdrv for $arch"; F=$((F + 1)); continue; }
	poll=$(bash scripts/kmod.sh tests/vm/modules/ptpoll "$arch" 2>/dev/null | tail -1)
	[ -n "$poll" ] || { echo "not ok - build ptpoll for $arch"; F=$((F + 1)); continue; }
	# Source lines (tests/vm/guest/srcline_checks.sh): the seeded module, its
	# source for the marker lines, and a copy of another build (no build-id).
	src=()
	seeded=$(bash scripts/kmod.sh tests/host/srcmod "$arch" 2>/dev/null | tail -1)
	if [ -n "$seeded" ]; then
		mkdir -p ".output/$arch/srcline"
		objcopy --remove-section .note.gnu.build-id "$seeded" ".output/$arch/srcline/drv-nobid.ko" &&
			src=(--add "$seeded" --add tests/host/srcmod/drv.c --add ".output/$arch/srcline/drv-nobid.ko")
	fi
	booted+=("$arch")
	pool_start "$arch" tests/vm/run --kernel "$arch" --timeout 1500 --add "$ko" --add "$poll" "${src[@]}" \
		-- sh /tests/init_checks.sh
done
pool_wait
for arch in "${booted[@]}"; do
	echo "--- module scope checks on $arch"
	out=$(pool_out "$arch")
	cat "$out"
	rc=$(pool_rc "$arch")
	echo "# $arch: boot and checks took $(pool_secs "$arch") s ($POOL_JOBS boots at once)"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
	s=$(echo "$line" | grep -oE '[0-9]+ skipped' | cut -d' ' -f1)
	[ -n "$line" ] || f=1
	P=$((P + ${p:-0})); F=$((F + ${f:-0})); S=$((S + ${s:-0}))
	if [ "$rc" -eq 125 ]; then
		echo "ok - $arch: the guest ended with the kernel's complaint about the deliberate bad free (125)"
		P=$((P + 1))
	else
		echo "not ok - $arch: guest exit $rc, want 125 (the deliberate bad free)"
		F=$((F + 1))
	fi
done
# doc/examples.md: the i386 boot prints bad_free's example (lib.sh, example):
# the one kind no tracer boot can make (the kernel oopses or reports a bad
# page); the committed section must be what it printed now.
case " ${booted[*]} " in
*" i386 "*)
	# Kept, to remake the section without a boot: scripts/examples.sh i386-init FILE
	grep '^#ex ' "$(pool_out i386)" >.output/vm/examples-i386-init.txt 2>/dev/null
	line=$(scripts/examples.sh i386-init "$(pool_out i386)")
	echo "$line"
	case $line in "not ok"*) F=$((F + 1)) ;; *"# SKIP"*) S=$((S + 1)) ;; *) P=$((P + 1)) ;; esac ;;
*) echo "ok - doc/examples.md: bad_free's example # SKIP needs the i386 boot"; S=$((S + 1)) ;;
esac
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
