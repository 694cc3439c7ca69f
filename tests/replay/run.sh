#!/usr/bin/env bash
# Replay tests: the real pagetrack binary on generated and damaged recordings.
#   run.sh PAGETRACK GEN_RECORDINGS
set -u
PT=$1 GEN=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

"$GEN" "$dir" || { echo "not ok - gen_recordings failed"; echo "0 passed, 1 failed"; exit 1; }

run() { # run NAME ARGS... -> $out, $err, $rc
	out=$("$PT" "$@" 2>"$dir/err"); rc=$?; err=$(cat "$dir/err")
}
kinds() { printf '%s\n' "$out" | grep -o '"kind":"[a-z_]*"' | sort | uniq -c | awk '{print $2":"$1}' | tr -d '"' | sed 's/kind://' | tr '\n' ' '; }

run --replay "$dir/buggy.ptr" -m drv -j
check "buggy recording exits 1" '[ $rc -eq 1 ]'
want="bad_free:1 double_free:1 kmap_leak:1 leak:2 order_mismatch:1 remap_failed:1 "
got=$(kinds)
check "buggy recording: exact finding kinds ($got)" '[ "$got" = "$want" ]'
check "order_mismatch names orders and leaked pages" \
	'printf "%s\n" "$out" | grep "\"order_mismatch\"" | grep -q "\"pages\":4,\"pfn\":4096,\"order\":3,\"free_order\":2"'
check "caller symbolized from the recording, in the module" \
	'printf "%s\n" "$out" | grep "\"order_mismatch\"" | grep -q "\"caller\":\"drv_probe+0x20 \[drv\]\""'
check "bad_free says struct page pointer" \
	'printf "%s\n" "$out" | grep "\"bad_free\"" | grep -q "looks like a struct page pointer"'
check "remap_failed decodes copy-on-write and SIGBUS" \
	'printf "%s\n" "$out" | grep "\"remap_failed\"" | grep -q "copy-on-write.*" && printf "%s\n" "$out" | grep "\"remap_failed\"" | grep -q "\"sigbus\":true"'
check "summary line last" 'printf "%s\n" "$out" | tail -1 | grep -q "\"type\":\"summary\""'

run --replay "$dir/buggy.ptr" -m drv
check "text report: exit 1 and ERROR lines" '[ $rc -eq 1 ] && printf "%s\n" "$out" | grep -q "^ERROR order_mismatch \[drv\]"'
check "text report ends with a summary" 'printf "%s\n" "$out" | tail -1 | grep -q "finding(s)"'

run --replay "$dir/buggy.ptr" -m drv --folded "$dir/b.folded"
check "folded stacks: a module function by its bare name" \
	'grep -q "^\[unknown\];drv_probe;__alloc_pages [0-9]*$" "$dir/b.folded"'

run --replay "$dir/buggy.ptr" -m otherdrv -j
check "scope to another module: nothing of drv reported" '[ $rc -eq 0 ] && [ -z "$(kinds)" ]'

run --replay "$dir/clean.ptr" -m drv -j
check "clean recording exits 0 with no findings" '[ $rc -eq 0 ] && [ -z "$(kinds)" ]'

run --replay "$dir/long.ptr" -m drv -j
recv=$(printf '%s\n' "$out" | grep -o '"events_received":[0-9]*' | cut -d: -f2)
check "long recording (unaligned records, a 1024-frame stack, many reads): every event read ($recv), the one bug found" \
	'[ $rc -eq 1 ] && [ "$(kinds)" = "order_mismatch:1 " ] && [ "$recv" = 20010 ]'

run --replay "$dir/init.ptr" -m drv -j
check "init text: exact findings ($(kinds))" '[ $rc -eq 1 ] && [ "$(kinds)" = "bad_free:1 leak:1 order_mismatch:1 " ]'
check "init text: the block from init named by the init function" \
	'printf "%s\n" "$out" | grep "\"order_mismatch\"" | grep -q "\"caller\":\"drv_init+0x40 \[drv\]\""'
check "exit tail call: bad_free named by the exit function" \
	'printf "%s\n" "$out" | grep "\"bad_free\"" | grep -q "\"free_caller\":\"drv_exit+0x0 \[drv\]\""'

# Stacks as fentry kernels give them, and kernel helpers compiled into the
# module: callers are the module's own code, stacks the kernel's frames only.
run --replay "$dir/frames.ptr" -m drv -j --folded "$dir/fr.folded" --metrics-file "$dir/fr.prom"
printf '%s\n' "$out" > "$dir/fr.json"
check "helper copies in the module: exact findings ($(kinds))" '[ $rc -eq 1 ] && [ "$(kinds)" = "kmap_leak:1 kmap_local_leak:1 kmap_local_order:1 leak:2 order_mismatch:1 " ]'
check "kmap_local_order: caller skips the module's __kunmap_local() copy; map sites in a helper said in words" \
	'grep "\"kmap_local_order\"" "$dir/fr.json" | grep -q "\"map_site_in_helper\":true,.*\"map_caller\":\"kmap_local_page+0x20 \[drv\]\".*\"caller\":\"drv_copy+0x58 \[drv\]\""'
check "kmap_local_leak: a map site in a helper said in words" \
	'grep "\"kmap_local_leak\"" "$dir/fr.json" | grep -q "\"map_site_in_helper\":true,\"map_site_note\":\"a map site is in the module.s own copy of a kernel helper"'
check "caller skips the module's own alloc_pages() copy" \
	'[ "$(grep -c "\"kind\":\"leak\".*\"caller\":\"drv_setup+0x30 \[drv\]\"" "$dir/fr.json")" = 2 ]'
check "leaks of one call site and order under two stacks: one finding" \
	'grep -q "\"kind\":\"leak\",\"severity\":\"error\",\"count\":2,\"pages\":4,.*\"order\":1,.*\"caller\":\"drv_setup+0x30 \[drv\]\"" "$dir/fr.json" && tail -1 "$dir/fr.json" | grep -q "\"findings\":6,"'
check "kmap caller skips the module's kmap.constprop.0 copy" \
	'grep "\"kmap_leak\"" "$dir/fr.json" | grep -q "\"caller\":\"drv_map+0x44 \[drv\]\""'
check "6.12 fentry shape: no BPF frame, no probed-function duplicate" \
	'grep "\"kind\":\"leak\"" "$dir/fr.json" | grep -q "\"stack\":\[\"__alloc_pages_noprof+0x228\",\"alloc_pages+0x1c \[drv\]\",\"drv_setup+0x30 \[drv\]\",\"do_one_initcall+0x50\"\]"'
check "6.1 fentry shape: no unnamed trampolines, __get_free_pages once" \
	'grep -q "\"stack\":\[\"__alloc_pages+0x1a0\",\"__get_free_pages+0x12\",\"drv_getfree+0x22 \[drv\]\",\"do_syscall_64+0x40\"\]" "$dir/fr.json"'
check "free stack: no BPF program frames; free_caller the module's function" \
	'grep -q "\"free_caller\":\"drv_teardown+0x14 \[drv\]\",\"free_stack\":\[\"__free_pages+0x9\",\"drv_teardown+0x14 \[drv\]\",\"do_exit+0x10\"\]" "$dir/fr.json"'
check "no BPF frame, trampoline or [unknown] in JSON, folded or metrics" \
	'! grep -q "bpf_prog\|\[bpf\]\|\[unknown\]" "$dir/fr.json" "$dir/fr.folded" "$dir/fr.prom"'
check "folded: the kernel's frames only" \
	'[ "$(cat "$dir/fr.folded")" = "do_one_initcall;drv_setup;alloc_pages;__alloc_pages_noprof 5" ]'
run --replay "$dir/frames.ptr" -m drv
check "text: no BPF frame, no trampoline, no repeated frame" \
	'! printf "%s\n" "$out" | grep -q "bpf_\|\[unknown\]\|+0x5$\|noprof+0x9" && printf "%s\n" "$out" | grep -q "caller: drv_getfree+0x22 \[drv\]"'

# Outstanding pages: one row per call site and order in every list.
run --replay "$dir/frames.ptr" -j --metrics-file "$dir/fr2.prom"
rows=$(printf '%s\n' "$out" | grep '"type":"outstanding"')
check "outstanding: one row per call site and order, stacks merged (JSON)" \
	'[ "$(printf "%s\n" "$rows" | grep -c .)" = 2 ] && printf "%s\n" "$rows" | grep -q "\"blocks\":2,\"pages\":4,\"order\":1,.*\"stacks\":2,\"caller\":\"drv_setup+0x30 \[drv\]\""'
check "outstanding: metrics have the same rows" \
	'grep -q "^pagetrack_outstanding_pages{caller=\"drv_setup+0x30 \[drv\]\",order=\"1\"} 4$" "$dir/fr2.prom" && [ "$(grep -c "^pagetrack_outstanding_pages{" "$dir/fr2.prom")" = 2 ]'
run --replay "$dir/frames.ptr"
check "outstanding text: one row per site, plain words" \
	'[ "$(printf "%s\n" "$out" | grep -c ": drv_setup+0x30 \[drv\]$")" = 2 ] && printf "%s\n" "$out" | grep -q " 4 pages in 2 blocks, order 1" && printf "%s\n" "$out" | grep -q " 1 page in 1 block, order 0"'

run --replay "$dir/lost.ptr" -m drv -j
check "lost events reported exactly" 'printf "%s\n" "$out" | grep -q "\"kind\":\"events_lost\".*\"lost\":17" && printf "%s\n" "$out" | tail -1 | grep -q "\"incomplete\":true"'

# Shared outputs carry no kernel address: an unsymbolized frame is
# module+0xOFF [module] in a watched module, else [unknown].
kaddr() { grep -E -q '0x(ffff|c0a0)[0-9a-f]{4}' "$@"; }
run --replay "$dir/unsym.ptr" -m drv -j --metrics-file "$dir/u.prom" --folded "$dir/u.folded"
printf '%s\n' "$out" > "$dir/u.json"
check "unsymbolized frames: no kernel address in JSON, metrics or folded" \
	'[ $rc -eq 1 ] && ! kaddr "$dir/u.json" "$dir/u.prom" "$dir/u.folded"'
check "module frame without a symbol: drv+0x3f0 [drv] in JSON, metrics and folded" \
	'grep -q "\"caller\":\"drv+0x3f0 \[drv\]\"" "$dir/u.json" && grep -q "caller=\"drv+0x3f0 \[drv\]\"" "$dir/u.prom" && grep -q "drv+0x3f0 \[drv\]" "$dir/u.folded"'
check "other unsymbolized frames (and an old recording's 0x... text): [unknown]" \
	'grep -q "\"\[unknown\]\"" "$dir/u.json" && grep -q "^\[unknown\];" "$dir/u.folded"'
run --replay "$dir/unsym.ptr" -m drv
check "text report: no kernel address" '[ $rc -eq 1 ] && ! printf "%s\n" "$out" | kaddr && printf "%s\n" "$out" | grep -q "#2  \[unknown\]"'
run --replay "$dir/unsym.ptr" -j --folded "$dir/u2.folded" --metrics-file "$dir/u2.prom"
printf '%s\n' "$out" > "$dir/u2.json"
check "module not watched: its frame is [unknown] too" \
	'! kaddr "$dir/u2.json" "$dir/u2.prom" "$dir/u2.folded" && grep -q "^\[unknown\];\[unknown\];__alloc_pages 10" "$dir/u2.folded"'
run --replay "$dir/unsym.ptr" -j --raw-addresses --folded "$dir/u3.folded"
check "--raw-addresses brings raw frames and the struct page pointer back" \
	'printf "%s\n" "$out" | grep -q "\"0xffffffffc0a003f0\",\"0xffffffff81200000\"" && printf "%s\n" "$out" | grep -q "\"addr\":\"0xffffea0000100000\"" && grep -q "^0xffffffff81200000;0xffffffffc0a003f0;" "$dir/u3.folded"'
check "the struct page pointer is not in the default report" '! grep -q "\"addr\"" "$dir/u2.json"'

# Damaged files: one clear line, exit 2, never a crash.
bad() { # name file expected-message
	run --replay "$2"
	if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && printf '%s' "$err" | grep -q "$3"; then
		ok "$1"
	else
		nok "$1 (rc=$rc err=$err)"
	fi
}
size=$(stat -c %s "$dir/buggy.ptr")
head -c $((size - 5)) "$dir/buggy.ptr" > "$dir/trunc.ptr"
bad "truncated recording" "$dir/trunc.ptr" "truncated"
head -c 300 "$dir/buggy.ptr" > "$dir/trunc2.ptr"
bad "recording cut inside a record" "$dir/trunc2.ptr" "truncated"
printf 'hello world, not a recording at all, but long enough for a header....................................................................' > "$dir/magic.ptr"
bad "not a recording" "$dir/magic.ptr" "not a pagetrack recording"
cp "$dir/buggy.ptr" "$dir/ver.ptr"; printf '\x09' | dd of="$dir/ver.ptr" bs=1 seek=16 conv=notrunc 2>/dev/null
bad "wrong version" "$dir/ver.ptr" "version 9"
# The first record follows the 208-byte version 2 header.
cp "$dir/buggy.ptr" "$dir/len.ptr"; printf '\xff\xff\xff\x7f' | dd of="$dir/len.ptr" bs=1 seek=212 conv=notrunc 2>/dev/null
bad "corrupted record length" "$dir/len.ptr" "corrupted record"
cp "$dir/buggy.ptr" "$dir/type.ptr"; printf '\x63' | dd of="$dir/type.ptr" bs=1 seek=208 conv=notrunc 2>/dev/null
bad "unknown record type" "$dir/type.ptr" "corrupted record"
cp "$dir/sampled.ptr" "$dir/thr.ptr"; printf '\x00\x00\x00\x00\x00' | dd of="$dir/thr.ptr" bs=1 seek=120 conv=notrunc 2>/dev/null
bad "zero sampling threshold" "$dir/thr.ptr" "bad sampling thresholds"
: > "$dir/empty.ptr"
bad "empty file" "$dir/empty.ptr" "too short"
bad "missing file" "$dir/nope.ptr" "cannot open"

# Sampled stacks: the leaking site estimated from the recording's thresholds.
run --replay "$dir/sampled.ptr" -j
site=$(printf '%s\n' "$out" | grep '"type":"outstanding"' | grep '"caller":"drv_probe+0x20 \[drv\]"')
est=$(printf '%s\n' "$site" | grep -o '"pages":[0-9]*' | cut -d: -f2)
smp=$(printf '%s\n' "$site" | grep -o '"samples":[0-9]*' | cut -d: -f2)
check "sampled recording: 16384 leaked pages estimated within 10 % (${est:-none} from ${smp:-0} samples)" \
	'[ -n "$est" ] && [ "$est" -ge 14746 ] && [ "$est" -le 18022 ] && printf "%s" "$site" | grep -q "\"estimated\":true" && printf "%s" "$site" | grep -q "\"estimated_pages\":$est,\"samples\":$smp," && ! printf "%s" "$site" | grep -q "\"blocks\""'
check "sampled recording: summary exact (16384 outstanding) and names R" \
	'printf "%s\n" "$out" | tail -1 | grep -q "\"outstanding_pages\":16384,.*\"sample_pages\":32"'
run --replay "$dir/sampled.ptr"
check "sampled recording, text: says the pages are estimates, plainly" \
	'printf "%s\n" "$out" | grep -q "pages are estimates from stacks sampled every 32 pages" && printf "%s\n" "$out" | grep -q "about *[0-9]* pages (from [0-9]* sampled blocks), order 0" && ! printf "%s\n" "$out" | grep -q "Σ\|2^k\|1 samples"'

# Version 1 recordings (no sampling fields) still replay, exactly.
{ head -c 16 "$dir/buggy.ptr"; printf '\x01\x00\x00\x00\x70\x00\x00\x00'; head -c 112 "$dir/buggy.ptr" | tail -c +25
  tail -c +209 "$dir/buggy.ptr"; } > "$dir/v1.ptr"
run --replay "$dir/v1.ptr" -m drv -j
check "version 1 recording replays: same findings, not sampled" \
	'[ $rc -eq 1 ] && [ "$(kinds)" = "$want" ] && printf "%s\n" "$out" | tail -1 | grep -q "\"sample_pages\":0"'

run --replay "$dir/buggy.ptr" --pkmap-threshold 0
check "out-of-range option: exit 2, one line" '[ $rc -eq 2 ]'
run --replay "$dir/buggy.ptr" --buffer-mb 3
check "buffer size not a power of two: exit 2" '[ $rc -eq 2 ]'
run --replay "$dir/buggy.ptr" --attach sideways
check "bad attach mode: exit 2" '[ $rc -eq 2 ]'
run --replay "$dir/buggy.ptr" -- true
check "--replay with a command: exit 2" '[ $rc -eq 2 ] && printf "%s" "$err" | grep -q "takes no COMMAND"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
