#!/usr/bin/env bash
# Checks tests/vm/run itself on both lab kernels: status propagation,
# quoting, /add files, mounts, HighMem and BTF, oops and time-out detection.
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0 skip=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
. scripts/lab-common.sh
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
echo "spaces and 'quotes'" > "$d/my file.txt"

for arch in i386 amd64; do
	if [ ! -s "$CACHE/$arch/vmlinuz" ]; then
		echo "ok - $arch harness checks # SKIP no $arch kernel in the cache (make lab)"
		skip=$((skip + 1)); continue
	fi
	out=$(tests/vm/run --kernel $arch --add "$d/my file.txt" -- sh -c '
		echo "arg:$1|$2"
		cat "/add/my file.txt"
		for m in /proc /sys /sys/kernel/debug /sys/kernel/tracing /sys/fs/bpf; do
			grep -q " $m " /proc/mounts && echo "mounted $m"; done
		grep HighTotal /proc/meminfo
		[ -e /sys/kernel/btf/vmlinux ] && echo "builtin btf"
		[ -s "$PAGETRACK_BTF" ] && echo "btf file $PAGETRACK_BTF"
		echo "arch $PAGETRACK_ARCH"
		exit 7' guest "two words" "it's" 2>/dev/null)
	rc=$?
	check "$arch: the command's exit status comes back (7)" '[ $rc -eq 7 ]'
	check "$arch: arguments with spaces and quotes survive" 'grep -qx "arg:two words|it'"'"'s" <<<"$out"'
	check "$arch: --add files under /add/" 'grep -qx "spaces and '"'"'quotes'"'"'" <<<"$out"'
	check "$arch: proc, sys, debugfs, tracefs, bpffs mounted" '[ "$(grep -c "^mounted" <<<"$out")" -eq 5 ]'
	check "$arch: PAGETRACK_ARCH set" 'grep -qx "arch $arch" <<<"$out"'
	if [ $arch = i386 ]; then
		high=$(sed -n 's/^HighTotal: *\([0-9]*\).*/\1/p' <<<"$out")
		check "i386: HighTotal > 0 (${high:-?} kB)" '[ "${high:-0}" -gt 0 ]'
		check "i386: kernel BTF file in the guest" 'grep -q "^btf file /lib/pagetrack/vmlinux.btf" <<<"$out"'
	else
		check "amd64: built-in BTF" 'grep -qx "builtin btf" <<<"$out"'
	fi
done

if [ -s "$CACHE/amd64/vmlinuz" ]; then
	tests/vm/run --kernel amd64 -- sh -c 'echo c > /proc/sysrq-trigger; sleep 5' >/dev/null 2>"$d/oops.err"
	rc=$?
	check "a kernel crash gives exit 125 and keeps the log" '[ $rc -eq 125 ] && grep -q "console log:" "$d/oops.err"'
	tests/vm/run --kernel amd64 --timeout 15 -- sleep 100 >/dev/null 2>"$d/to.err"
	rc=$?
	check "a hung command gives exit 124" '[ $rc -eq 124 ]'
fi
tests/vm/run --kernel sparc -- true >/dev/null 2>&1
check "unknown kernel: harness error 126" '[ $? -eq 126 ]'
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
