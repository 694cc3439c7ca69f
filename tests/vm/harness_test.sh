#!/usr/bin/env bash
# Self-test of the lab harness (tests/vm/run and the lab scripts), on each lab
# kernel that is in the cache (others are skipped, with the reason).
# Two boots per arch, one short time-out boot, then the KVM probe and TCG
# fallback with a stand-in QEMU (tests/vm/fake/qemu), about 8 short boots:
#   boot 1: a guest script reports arguments, /add files, mounts, environment,
#           HighMem (i386), BTF (file on i386, built-in on amd64)... and exits 3;
#   boot 2: the kernel misbehaves while the command succeeds -> 125
#           (i386: a module that WARN()s; amd64: a sysrq crash, i.e. a panic).
# Prints "ok - NAME" / "not ok - NAME" per check, then "N passed, N failed";
# exits non-zero if any check failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
. scripts/lab-common.sh
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; } # NAME SHELL-TEST
skip() { echo "# SKIP $1"; }
has() { grep -qxF -- "$2" <<<"$1"; } # OUTPUT LINE: OUTPUT has exactly that line
val() { sed -n "s/^$2=//p" <<<"$1" | head -n 1; } # OUTPUT KEY
t_start=$(date +%s)

d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
# Drop the console log of a run that was meant to fail (its path is on stderr).
droplog() { sed -n 's/^vm\/run: .*console log: //p' "$1" | xargs -r rm -f; }

# ---- without booting ----
tests/vm/run --kernel sparc -- true >/dev/null 2>"$d/err"
rc=$?
check "an unknown kernel is a harness error (126)" '[ $rc -eq 126 ]'
PAGETRACK_CACHE=$d/empty tests/vm/run --kernel amd64 -- true >/dev/null 2>"$d/err"
rc=$?
check "no kernel in the cache: 126, and the message names scripts/lab-kernel.sh" \
	'[ $rc -eq 126 ] && grep -q "scripts/lab-kernel.sh amd64" "$d/err"'
tests/vm/run --kernel amd64 --add "$d/no such file" -- true >/dev/null 2>"$d/err"
rc=$?
check "--add of a missing file: 126" '[ $rc -eq 126 ]'
tests/vm/run --kernel amd64 --timeout soon -- true >/dev/null 2>"$d/err"
rc=$?
check "a bad --timeout: 126" '[ $rc -eq 126 ]'

# ---- boot 1: the guest reports, the host checks ----
echo "spaces and 'quotes'" >"$d/my file.txt"
cat >"$d/guest-check.sh" <<'EOF'
echo "argc=$#"
i=0
for a in "$@"; do i=$((i + 1)); echo "arg$i=[$a]"; done
echo "add=[$(cat "/add/my file.txt")]"
while read -r dev mnt type rest; do echo "mount $type $mnt"; done </proc/mounts
echo "arch=$PAGETRACK_ARCH"
echo "btf_env=${PAGETRACK_BTF:-}"
[ -n "${PAGETRACK_BTF:-}" ] && echo "btf_size=$(wc -c <"$PAGETRACK_BTF")"
echo "uid=$(id -u)"
echo "cwd=$(pwd)"
if read -r x; then echo "stdin=data"; else echo "stdin=eof"; fi
echo "kernel=$(uname -r)"
echo "high=$(sed -n 's/^HighTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
[ -e /sys/kernel/btf/vmlinux ] && echo "builtin_btf=yes"
for f in /bin/pagetrack /bin/pagetrack_ref_user /lib/pagetrack/pagetrack_ref.ko; do
	[ -e "$f" ] && echo "have $f"
done
for f in /tests/*; do [ -e "$f" ] && echo "tests ${f#/tests/}"; done
if [ -x /add/libbpf-probe ]; then /add/libbpf-probe; echo "probe_rc=$?"; fi
echo "to stderr" >&2
printf 'tail-without-newline'
exit 3
EOF
arg2='it'"'"'s "q" $HOME * \ end'

boot1() { # ARCH
	local arch=$1 out rc kver adds=(--add "$d/my file.txt" --add "$d/guest-check.sh") p
	if [ "$arch" != amd64 ] && [ -e "$CACHE/$arch/sysroot/.done" ] &&
		bash scripts/sysroot.sh --check "$arch" 2>/dev/null; then
		adds+=(--add ".output/$arch/libbpf-probe")
	fi
	tests/vm/run --kernel "$arch" "${adds[@]}" -- sh /add/guest-check.sh "two  words" "$arg2" "" \
		>"$d/out" 2>"$d/err"
	rc=$?
	out=$(cat "$d/out")
	check "$arch: the command's exit status comes back (3, got $rc)" '[ $rc -eq 3 ]'
	[ $rc -eq 3 ] && droplog "$d/err"
	check "$arch: arguments keep spaces, quotes, \$, * and backslashes; empty ones too" \
		'[ "$(val "$out" argc)" = 3 ] && has "$out" "arg1=[two  words]" && has "$out" "arg2=[$arg2]" && has "$out" "arg3=[]"'
	check "$arch: --add files are under /add/ (a name with a space)" \
		'has "$out" "add=[spaces and '"'"'quotes'"'"']"'
	check "$arch: proc, sysfs, devtmpfs mounted" \
		'has "$out" "mount proc /proc" && has "$out" "mount sysfs /sys" && has "$out" "mount devtmpfs /dev"'
	check "$arch: debugfs, tracefs, bpffs mounted" \
		'has "$out" "mount debugfs /sys/kernel/debug" && has "$out" "mount tracefs /sys/kernel/tracing" && has "$out" "mount bpf /sys/fs/bpf"'
	check "$arch: PAGETRACK_ARCH=$arch, root, cwd /, stdin at EOF" \
		'[ "$(val "$out" arch)" = "$arch" ] && [ "$(val "$out" uid)" = 0 ] && [ "$(val "$out" cwd)" = / ] && [ "$(val "$out" stdin)" = eof ]'
	kver=$(cat "$CACHE/$arch/kver")
	check "$arch: the guest runs the cached kernel ($kver)" '[ "$(val "$out" kernel)" = "$kver" ]'
	check "$arch: the command's stderr and an unterminated last line are shown" \
		'has "$out" "to stderr" && has "$out" "tail-without-newline"'
	check "$arch: no boot messages or markers in the output" \
		'! grep -qE "@@PAGETRACK|SeaBIOS|Power down|Linux version" <<<"$out"'
	for p in pagetrack pagetrack_ref_user; do
		if [ -e ".output/$arch/$p" ]; then
			check "$arch: /bin/$p is in the guest" 'has "$out" "have /bin/$p"'
		else
			skip "$arch: /bin/$p: not built"
		fi
	done
	if [ -e ".output/$arch/kmod/module/pagetrack_ref.ko" ]; then
		check "$arch: the reference module is in the guest" 'has "$out" "have /lib/pagetrack/pagetrack_ref.ko"'
	else
		skip "$arch: pagetrack_ref.ko: not built"
	fi
	if [ -n "$(ls tests/vm/guest 2>/dev/null)" ]; then
		p=$(ls tests/vm/guest | head -n 1)
		check "$arch: tests/vm/guest/* is under /tests/ ($p)" 'has "$out" "tests $p"'
	fi
	if [ "$arch" != amd64 ]; then
		check "$arch: HighMem exists (HighTotal $(val "$out" high) kB)" '[ "$(val "$out" high)" -gt 0 ] 2>/dev/null'
		check "$arch: the BTF file is at \$PAGETRACK_BTF=/lib/pagetrack/vmlinux.btf, whole" \
			'[ "$(val "$out" btf_env)" = /lib/pagetrack/vmlinux.btf ] && [ "$(val "$out" btf_size)" = "$(stat -c %s "$CACHE/$arch/vmlinux.btf")" ]'
		if printf '%s\n' "${adds[@]}" | grep -q libbpf-probe; then
			check "$arch: a static program linked against the $arch sysroot's libbpf runs in the guest" \
				'[ "$(val "$out" probe_rc)" = 0 ] && grep -q "^libbpf 1\." <<<"$out"'
		else
			skip "$arch: sysroot probe: no $arch sysroot (scripts/sysroot.sh $arch)"
		fi
	else
		check "amd64: built-in BTF at /sys/kernel/btf/vmlinux" '[ "$(val "$out" builtin_btf)" = yes ]'
		check "amd64: no HighMem" '[ -z "$(val "$out" high)" ] || [ "$(val "$out" high)" = 0 ]'
	fi
}

# ---- boot 2: a kernel problem while the command succeeds ----
boot2_i386() {
	local m=$d/pt_harness_warn ko rc
	mkdir -p "$m"
	cat >"$m/pt_harness_warn.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
/* tests/vm/harness_test.sh: one deliberate WARN() splat when loaded. */
#include <linux/module.h>
#include <linux/bug.h>

static int __init pt_harness_warn_init(void)
{
	WARN(1, "pagetrack harness: deliberate warning\n");
	return 0;
}

static void __exit pt_harness_warn_exit(void)
{
}

module_init(pt_harness_warn_init);
module_exit(pt_harness_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lab harness self-test: WARN() on load");
EOF
	if ! ko=$(bash scripts/kmod.sh "$m" i386 2>"$d/kmod.err" | grep '/pt_harness_warn\.ko$'); then
		nok "i386: kmod.sh builds a test module"
		sed 's/^/#   /' "$d/kmod.err" | tail -n 5
		return
	fi
	ok "i386: kmod.sh builds a test module"
	tests/vm/run --kernel i386 --add "$ko" -- \
		sh -c 'insmod /add/pt_harness_warn.ko && rmmod pt_harness_warn && echo module-done' >"$d/out" 2>"$d/err"
	rc=$?
	check "i386: a WARN() while the command succeeds gives 125 (got $rc)" \
		'[ $rc -eq 125 ] && grep -q "WARNING:" "$d/err" && grep -q "command itself exited 0" "$d/err"'
	check "i386: the warning's text and the call trace reach the output" \
		'grep -q "pagetrack harness: deliberate warning" "$d/out" && grep -q "Call Trace" "$d/out" && grep -q module-done "$d/out"'
	check "i386: the console log path is printed and the log kept" \
		'f=$(sed -n "s/^vm\/run: .*console log: //p" "$d/err"); [ -s "$f" ]'
	[ $rc -eq 125 ] && droplog "$d/err"
}

boot2_panic() { # ARCH
	local rc
	tests/vm/run --kernel "$1" -- sh -c 'echo c > /proc/sysrq-trigger; sleep 10' >"$d/out" 2>"$d/err"
	rc=$?
	check "$1: a kernel panic gives 125 (got $rc)" '[ $rc -eq 125 ] && grep -q "Kernel panic" "$d/err"'
	[ $rc -eq 125 ] && droplog "$d/err"
}
boot2_amd64() { boot2_panic amd64; }
boot2_armhf() { boot2_panic armhf; }

booted=""
for arch in i386 amd64 armhf; do
	if [ ! -s "$CACHE/$arch/vmlinuz" ]; then
		skip "$arch: no $arch kernel in $CACHE/$arch (scripts/lab-kernel.sh $arch)"
		continue
	fi
	if [ "$arch" != amd64 ] && [ ! -x "$CACHE/$arch/busybox" ]; then
		skip "$arch: no $arch busybox (scripts/sysroot.sh $arch)"
		continue
	fi
	t0=$(date +%s.%N)
	boot1 "$arch"
	echo "# $arch: boot 1 took $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
	"boot2_$arch"
	t0=$(date +%s)
	bash scripts/lab-kernel.sh "$arch" 2>/dev/null
	rc=$?
	check "$arch: scripts/lab-kernel.sh on a complete cache returns at once" '[ $rc -eq 0 ] && [ $(($(date +%s) - t0)) -le 1 ]'
	booted=$arch
done

if [ -n "$booted" ]; then
	t0=$(date +%s)
	tests/vm/run --kernel "$booted" --timeout 3 -- sleep 100 >/dev/null 2>"$d/err"
	rc=$?
	check "$booted: a run that outlives --timeout gives 124 and stops ($rc, $(($(date +%s) - t0)) s)" \
		'[ $rc -eq 124 ] && [ $(($(date +%s) - t0)) -lt 15 ]'
	[ $rc -eq 124 ] && droplog "$d/err"
fi

# ---- KVM probe and TCG fallback, with a stand-in QEMU ----
# The stand-in (tests/vm/fake/qemu) misbehaves under KVM the ways real hosts
# do (its "KVM" boots that work are TCG boots, hence the long limits); a plain file stands in for /dev/kvm so this runs on hosts without one.
# Every case must still end in a TCG boot whose command passes.
kvm_case() { # NAME FAKE_KVM PROBE_TIMEOUT [ACCEL]: runs, sets rc, out, err, calls
	: >"$d/fake.log"
	PAGETRACK_QEMU=$top_dir/tests/vm/fake/qemu FAKE_KVM=$2 FAKE_LOG=$d/fake.log \
		PAGETRACK_KVM_DEV=$d/fake-kvm PAGETRACK_KVM_CACHE=$d/kvm-cache \
		PAGETRACK_KVM_PROBE_TIMEOUT=$3 PAGETRACK_KVM_START_TIMEOUT=${start_limit:-120} PAGETRACK_ACCEL=${4:-auto} \
		tests/vm/run --kernel "$kvm_arch" -- echo "guest-ran-$1" >"$d/out" 2>"$d/err"
	rc=$?
	out=$(cat "$d/out") err=$(cat "$d/err") calls=$(tr '\n' , <"$d/fake.log")
}
top_dir=$(pwd)
kvm_arch=""
for a in amd64 i386; do [ -s "$CACHE/$a/vmlinuz" ] && { kvm_arch=$a; break; }; done
if [ -z "$kvm_arch" ]; then
	skip "KVM fallback: no lab kernel in the cache to boot"
else
	: >"$d/fake-kvm"
	rm -rf "$d/kvm-cache"
	kvm_case abort abort 30
	check "KVM aborting (MSR assertion): one line says why, the boot passes under TCG ($rc; $calls)" \
		'[ $rc -eq 0 ] && [ "$out" = guest-ran-abort ] && [ "$calls" = "kvm probe,tcg," ] &&
		[ "$(grep -c "KVM unusable here" <<<"$err")" = 1 ] && grep -q "KVM unusable here: .*exit 134.*MSR 0x10a.*; using TCG" <<<"$err"'
	kvm_case cached abort 30
	check "the verdict is cached for the host boot: no second probe ($rc; $calls)" \
		'[ $rc -eq 0 ] && [ "$calls" = "tcg," ] && grep -q "KVM unusable here: .*cached for this host boot.*; using TCG" <<<"$err"'
	kvm_case forced abort 30 kvm
	check "PAGETRACK_ACCEL=kvm where KVM cannot work: 126 and a clear message ($rc)" \
		'[ $rc -eq 126 ] && grep -q "PAGETRACK_ACCEL=kvm, but KVM cannot run guests here" <<<"$err" && [ -z "$out" ]'
	rm -rf "$d/kvm-cache"
	kvm_case hang hang 5
	check "KVM hanging without output: the probe gives up, the boot passes under TCG ($rc; $calls)" \
		'[ $rc -eq 0 ] && [ "$out" = guest-ran-hang ] && [ "$calls" = "kvm probe,tcg," ] &&
		grep -q "KVM unusable here: a probe guest printed no init marker within 5s; using TCG" <<<"$err"'
	rm -rf "$d/kvm-cache"
	kvm_case works works 120
	check "KVM that works is used, silently ($rc; $calls)" \
		'[ $rc -eq 0 ] && [ "$out" = guest-ran-works ] && [ "$calls" = "kvm probe,kvm," ] && ! grep -q "TCG" <<<"$err"'
	rm -rf "$d/kvm-cache"
	kvm_case probe-only probe-only 120
	check "a good probe, then a boot that aborts under KVM: booted once more under TCG ($rc; $calls)" \
		'[ $rc -eq 0 ] && [ "$out" = guest-ran-probe-only ] && [ "$calls" = "kvm probe,kvm,tcg," ] &&
		grep -q "did not start under KVM (qemu exit 134.*); booting it once more under TCG" <<<"$err"'
	kvm_case after-bad-boot probe-only 120
	check "a KVM boot that failed is remembered: the next run goes straight to TCG ($rc; $calls)" \
		'[ $rc -eq 0 ] && [ "$calls" = "tcg," ] && grep -q "KVM unusable here: a guest did not start under KVM" <<<"$err"'
	rm -rf "$d/kvm-cache"
	start_limit=5 kvm_case probe-hang probe-hang 120
	check "a good probe, then a boot silent under KVM: stopped after 5 s, booted under TCG ($rc; $calls)" \
		'[ $rc -eq 0 ] && [ "$out" = guest-ran-probe-hang ] && [ "$calls" = "kvm probe,kvm,tcg," ] &&
		grep -q "did not start under KVM (no output from /init within 5s); booting it once more under TCG" <<<"$err"'
	PAGETRACK_ACCEL=kvm PAGETRACK_KVM_DEV=$d/no-such-kvm tests/vm/run --kernel "$kvm_arch" -- true >/dev/null 2>"$d/err"
	rc=$?
	check "PAGETRACK_ACCEL=kvm without a KVM device: 126 ($rc)" \
		'[ $rc -eq 126 ] && grep -q "not there or not read-writable" "$d/err"'
	PAGETRACK_ACCEL=fast tests/vm/run --kernel "$kvm_arch" -- true >/dev/null 2>"$d/err"
	rc=$?
	check "an unknown PAGETRACK_ACCEL: 126 ($rc)" '[ $rc -eq 126 ] && grep -q "kvm, tcg or auto" "$d/err"'
fi

echo "# harness_test: $(($(date +%s) - t_start)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
