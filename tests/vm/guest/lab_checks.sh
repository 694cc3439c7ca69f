#!/bin/sh
# Inside a lab guest: the reference module's kernel-side facts, no pagetrack.
ARCH=${PAGETRACK_ARCH:-amd64}
KO=/lib/pagetrack/pagetrack_ref.ko
CTL=/sys/kernel/debug/pagetrack_ref/run
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

if [ "$ARCH" = i386 ]; then
	high=$(sed -n 's/^HighTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)
	check "HighTotal > 0 ($high kB)" '[ "${high:-0}" -gt 0 ]'
fi
check "insmod pagetrack_ref" 'insmod $KO'
check "debugfs control and device exist" '[ -e $CTL ] && [ -c /dev/pagetrack_ref ]'
n=$(wc -l < $CTL)
check "reading the control lists all 14 scenarios ($n)" '[ "$n" -eq 14 ]'
for s in alloc_free highmem_per_page highmem_order3_kmap order_mismatch getfree_order_mismatch \
	leak kmap_leak free_while_kmapped pkmap_pressure "kmap_churn 500"; do
	check "scenario '$s' runs" 'echo "$s" > $CTL'
done
dmesg -c > /dev/null
out=$(pagetrack_ref_user remap_private)
check "remap_private: the touch gets SIGBUS ($out)" 'echo "$out" | grep -q "remap_private: SIGBUS at page 0"'
check "remap_private: remap_pfn_range returned -22 for each page" \
	'[ "$(dmesg | grep -c "remap_pfn_range page [0-3] returned -22")" -eq 4 ]'
dmesg -c > /dev/null
out=$(pagetrack_ref_user remap_shared)
check "remap_shared: all pages touched ($out)" 'echo "$out" | grep -q "remap_shared: ok, 4 pages touched"'
check "remap_shared: remap_pfn_range returned 0 for each page" \
	'[ "$(dmesg | grep -c "remap_pfn_range page [0-3] returned 0")" -eq 4 ]'
check "noncompound_tail_map: 16 pages touched" 'pagetrack_ref_user noncompound_tail_map | grep -q "ok, 16 pages"'
check "compound_map: 16 pages touched" 'pagetrack_ref_user compound_map | grep -q "ok, 16 pages"'
out=$(pagetrack_ref_user badmap)
check "bad mmap sizes and offsets get EINVAL" '[ $? -eq 0 ] && [ "$(echo "$out" | grep -c ": EINVAL$")" -eq 4 ]'

# Bad control input: -EINVAL, never a crash.
bad() { # name, then the writer command
	err=$(sh -c "$2" 2>&1)
	if echo "$err" | grep -q "Invalid argument"; then ok "$1 -> EINVAL"; else nok "$1 -> EINVAL (got: $err)"; fi
}
bad "unknown scenario" "echo no_such_scenario > $CTL"
bad "garbage bytes with a NUL" "printf 'leak\\000\\001\\377' | dd of=$CTL bs=64 2>&1"
bad "oversized write (64 KiB)" "head -c 65536 /dev/zero | tr '\\0' 'a' > $CTL"
bad "count on a scenario without one" "echo 'leak 5' > $CTL"
bad "zero count" "echo 'kmap_churn 0' > $CTL"
bad "count out of range" "echo 'kmap_churn 99999999999' > $CTL"
bad "count not a number" "echo 'kmap_churn many' > $CTL"
bad "a bare newline" "printf '\\n' | dd of=$CTL bs=64 2>&1"

check "rmmod pagetrack_ref" 'rmmod pagetrack_ref'
check "no oops, BUG or bad page state in dmesg" '! dmesg | grep -qE "Oops|BUG:|Bad page state|general protection|WARNING:"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
