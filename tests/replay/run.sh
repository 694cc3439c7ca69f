#!/usr/bin/env bash
# Replay tests: the real pagetrack binary on generated and damaged recordings,
# and the CI formats it writes (SARIF, JUnit, GitHub annotations).
#   run.sh PAGETRACK GEN_RECORDINGS [CI_SOURCE]
set -u
PT=$1 GEN=$2 CISRC=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Annotations only where a test asks for them.
unset GITHUB_ACTIONS
pass=0 fail=0 skip=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
skp() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

"$GEN" "$dir" || { echo "not ok - gen_recordings failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# $err leaves out the note that a watched module has no .ko for source lines
# (these recordings' modules have none); $allerr has every line.
run() { # run NAME ARGS... -> $out, $err, $allerr, $rc
	out=$("$PT" "$@" 2>"$dir/err"); rc=$?; allerr=$(cat "$dir/err")
	err=$(grep -v "^pagetrack: no .ko found for module .*: no source lines for it$" "$dir/err")
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
check "scope to a module the recording never saw: nothing of drv reported, exit 4, one line says nothing was checked" \
	'[ $rc -eq 4 ] && [ -z "$(kinds)" ] && [ "$(printf "%s\n" "$err" | grep -c "nothing was checked for module otherdrv")" = 1 ] &&
	 printf "%s\n" "$out" | tail -1 | grep -q "\"modules\":\[{\"name\":\"otherdrv\",\"state\":\"never_loaded\",\"checked\":false}\],\"exit_status\":4"'
run --replay "$dir/buggy.ptr" -m drv -m otherdrv -j
check "one of two modules never seen: the findings still give exit 1" '[ $rc -eq 1 ] && [ "$(kinds)" = "$want" ]'

run --replay "$dir/held.ptr" -m drv -j
check "module still loaded at the end: held_at_exit, a warning, exit 0" \
	'[ $rc -eq 0 ] && [ "$(kinds)" = "held_at_exit:1 " ] &&
	 printf "%s\n" "$out" | grep "\"held_at_exit\"" | grep -q "\"severity\":\"warning\".*still loaded at exit"'
run --replay "$dir/held.ptr" -m drv
check "module still loaded at the end, text: WARNING held_at_exit and the advice to unload it" \
	'[ $rc -eq 0 ] && printf "%s\n" "$out" | grep -q "^WARNING held_at_exit \[drv\]: .*rmmod it inside COMMAND"'

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
check "helper copies in the module: exact findings ($(kinds))" '[ $rc -eq 1 ] && [ "$(kinds)" = "kmap_leak:1 kmap_local_leak:2 kmap_local_order:1 leak:2 order_mismatch:1 " ]'
check "kmap_local_order: caller skips the module's __kunmap_local() copy, both map callers its kmap_local_page() copy, with their map stacks" \
	'grep "\"kmap_local_order\"" "$dir/fr.json" | grep -q "\"depth\":2,\"kernel_depth\":2,\"map_caller\":\"drv_copy+0x40 \[drv\]\",\"map_stack\":\[\"__kmap_local_pfn_prot+0x0\",\"kmap_local_page+0x20 \[drv\]\",\"drv_copy+0x40 \[drv\]\",\"do_syscall_64+0x40\"\],\"expected_map_caller\":\"drv_copy+0x4c \[drv\]\",\"expected_map_stack\":\[\"__kmap_local_pfn_prot+0x0\",\"kmap_local_page+0x20 \[drv\]\",\"drv_copy+0x4c \[drv\]\",\"do_syscall_64+0x40\"\].*\"caller\":\"drv_copy+0x58 \[drv\]\"" && ! grep "\"kmap_local_order\"" "$dir/fr.json" | grep -q map_site_in_helper'
check "kmap_local_leak with a map stack: named by the module's function that called the kmap_local_page() copy" \
	'grep "\"kmap_local_leak\"" "$dir/fr.json" | grep "\"pid\":4243," | grep -q "\"map_caller\":\"drv_hold+0x10 \[drv\]\",\"map_stack\":\[\"__kmap_local_pfn_prot+0x0\",\"kmap_local_page+0x20 \[drv\]\",\"drv_hold+0x10 \[drv\]\",\"do_syscall_64+0x40\"\],.*\"caller\":\"drv_hold+0x10 \[drv\]\",\"stack\":\[\"__kmap_local_pfn_prot"'
check "kmap_local_leak without a map stack (an older recording): its map site in a helper said in words" \
	'grep "\"kmap_local_leak\"" "$dir/fr.json" | grep "\"pid\":4244," | grep -q "\"map_site_in_helper\":true,\"map_site_note\":\"a map site is in the module.s own copy of a kernel helper.*\"map_caller\":\"kmap_atomic+0x10 \[drv\]\",\"map_stack\":\[\]"'
check "caller skips the module's own alloc_pages() copy" \
	'[ "$(grep -c "\"kind\":\"leak\".*\"caller\":\"drv_setup+0x30 \[drv\]\"" "$dir/fr.json")" = 2 ]'
check "leaks of one call site and order under two stacks: one finding" \
	'grep -q "\"kind\":\"leak\",\"severity\":\"error\",\"count\":2,\"pages\":4,.*\"order\":1,.*\"caller\":\"drv_setup+0x30 \[drv\]\"" "$dir/fr.json" && tail -1 "$dir/fr.json" | grep -q "\"findings\":7,"'
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

# Names others control (issue 30): a module name, comm and symbols with
# newlines, ESC sequences, ';', quotes, a bidi override and invalid UTF-8.
HM=$'d\nv\x1b[31m;\xff'
ctrl() { LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$@"; }	# any control byte but newline
utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; }
run --replay "$dir/hostile.ptr" -m "$HM"
printf '%s\n' "$out" > "$dir/h.txt"
check "hostile names, text: no control byte, valid UTF-8" '[ $rc -eq 1 ] && ! ctrl "$dir/h.txt" && utf8 "$dir/h.txt"'
check "hostile names, text: a newline in comm forges no report line (2 ERROR lines)" \
	'[ "$(grep -c "^ERROR" "$dir/h.txt")" = 2 ] && grep -qF "    by a\x0aERROR \x1b]0;x\x07[4242]" "$dir/h.txt"'
check "hostile names, text: control bytes, bidi and invalid bytes shown as \\xHH, café as it is" \
	'grep -qF "caller: café\x1b]0;pwn\x07\xe2\x80\xaeq\"b\\\\s\xff;x+0x20 [d\x0av\x1b[31m;\xff]" "$dir/h.txt" && grep -qF "ERROR order_mismatch [d\x0av\x1b[31m;\xff]:" "$dir/h.txt"'
run --replay "$dir/hostile.ptr" -m "$HM" -j --folded "$dir/h.folded" --metrics-file "$dir/h.prom"
printf '%s\n' "$out" > "$dir/h.json"
check "hostile names, JSON: every line parses, no raw control byte, valid UTF-8" \
	'[ $rc -eq 1 ] && jq -e . "$dir/h.json" >/dev/null && ! ctrl "$dir/h.json" && utf8 "$dir/h.json" && ! grep -q $'"'"'\xe2\x80\xae'"'"' "$dir/h.json"'
want_caller=$(printf 'caf\303\251\033]0;pwn\007\342\200\256q"b\\s\357\277\275;x+0x20 [d\nv\033[31m;\357\277\275]')
got_caller=$(jq -r 'select(.kind=="order_mismatch") | .caller' "$dir/h.json")
check "hostile names, JSON: café round-trips, controls exact, invalid bytes as U+FFFD" '[ "$got_caller" = "$want_caller" ]'
check "hostile names, JSON: comm and module decode to what the kernel had" \
	'[ "$(jq -r "select(.kind==\"leak\") | .comm" "$dir/h.json")" = "$(printf "a\nERROR \033]0;x\007")" ] && [ "$(jq -r "select(.kind==\"leak\") | .module" "$dir/h.json")" = "$(printf "d\nv\033[31m;\357\277\275")" ]'
check "hostile names, folded: one line per stack, frames without ';', newline or control bytes, valid UTF-8" \
	'[ "$(wc -l < "$dir/h.folded")" = 1 ] && grep -qxE "[^;]+(;[^;]+)* [0-9]+" "$dir/h.folded" && [ "$(tr -cd ";" < "$dir/h.folded")" = ";;" ] && ! ctrl "$dir/h.folded" && utf8 "$dir/h.folded" && ! grep -qx "x 1000000" "$dir/h.folded" && grep -qF "x 1000000\x0aroot\x3bfn;café" "$dir/h.folded"'
check "hostile names, metrics: promtool accepts the file, labels valid UTF-8" \
	'promtool check metrics < "$dir/h.prom" >/dev/null 2>&1 && utf8 "$dir/h.prom" && ! ctrl "$dir/h.prom" && grep -qF "caller=\"café" "$dir/h.prom"'
run --replay "$dir/hostile.ptr"
check "hostile names, unscoped text (outstanding list): no control byte" '! printf "%s\n" "$out" | ctrl && printf "%s\n" "$out" | grep -q "Outstanding at exit"'

# kmap_local findings: every kind, and no mapping address without --raw-addresses.
run --replay "$dir/klocal.ptr" -j
printf '%s\n' "$out" > "$dir/kl.json"
check "kmap_local: every kind ($(kinds))" \
	'[ "$(kinds)" = "kmap_atomic_sleep:1 kmap_local_depth:1 kmap_local_leak:1 kmap_local_order:1 kunmap_local_bad:1 " ]'
check "kmap_local, JSON: no mapping address in any message or field" '! grep -qiE "ff5fb000|ff5fa000|0x[0-9a-f]{12}" "$dir/kl.json"'
run --replay "$dir/klocal.ptr"
check "kmap_local, text: no mapping address in any kind's lines" \
	'[ $rc -eq 1 ] && ! printf "%s\n" "$out" | grep -qiE "ff5fb000|ff5fa000|0x[0-9a-f]{12}" && [ "$(printf "%s\n" "$out" | grep -c "mapping(s) held")" = 5 ]'
run --replay "$dir/klocal.ptr" --raw-addresses
check "kmap_local, --raw-addresses: the addresses come back" \
	'[ "$(printf "%s\n" "$out" | grep -c "address 0xffffffffff5f[ab]000")" = 5 ]'
run --replay "$dir/klocal.ptr" --raw-addresses -j
check "kmap_local, --raw-addresses JSON: addr on every kind" \
	'[ "$(printf "%s\n" "$out" | grep -c "\"addr\":\"0xffffffffff5f[ab]000\"")" = 5 ]'

# Hash flooding: 40 000 pfns that shared one probe run under the old fixed
# hash (4.25 s against 0.03 s for sequential pfns, quadratic) replay like
# sequential ones with the keyed hash. Not a timing assertion: the timeout
# only catches a return to quadratic time (minutes); the unit test
# test_u64map_flood counts the probes.
out=$(timeout 60 "$PT" --replay "$dir/colliding.ptr" -j 2>"$dir/err"); rc=$?
check "colliding pfns replay (rc=$rc): all 40000 allocated and freed, none outstanding" \
	'[ $rc -eq 0 ] && printf "%s\n" "$out" | tail -1 | grep -q "\"pages_allocated\":40000,\"pages_freed\":40000,.*\"outstanding_pages\":0"'

# 20 000 kmaps held at once (a real kernel has 512 slots): the pkmap_pressure
# holders are not ranked again at every new peak (was 16 s, quadratic).
out=$(timeout 60 "$PT" --replay "$dir/kmapflood.ptr" -j 2>"$dir/err"); rc=$?
check "20 000 kmaps held at once replay (rc=$rc); pkmap_pressure says the exact peak" \
	'[ $rc -eq 1 ] && printf "%s\n" "$out" | grep "\"pkmap_pressure\"" | grep -q "\"slots_in_use\":20000,.*\"message\":\"20000 of 512 pkmap slots"'

# Recordings from a pipe: read in order, never seeked.
run --replay "$dir/buggy.ptr" -m drv -j; ref=$out
out=$(cat "$dir/buggy.ptr" | "$PT" --replay /dev/stdin -m drv -j 2>"$dir/err"); rc=$?
check "--replay /dev/stdin from a pipe: the same report as the file" '[ $rc -eq 1 ] && [ "$out" = "$ref" ]'
out=$(cat "$dir/buggy.ptr" | "$PT" --replay - -m drv -j 2>"$dir/err"); rc=$?
check "--replay - (standard input): the same report" '[ $rc -eq 1 ] && [ "$out" = "$ref" ]'
run --replay "$dir/long.ptr" -m drv -j; ref=$out
run --replay <(cat "$dir/long.ptr") -m drv -j
check "--replay <(...) of the long recording (many short pipe reads): the same report" '[ $rc -eq 1 ] && [ "$out" = "$ref" ]'
# A header longer than this version's (a later version's fields) is skipped by reading.
{ head -c 20 "$dir/buggy.ptr"; printf '\xe0\x00\x00\x00'; head -c 208 "$dir/buggy.ptr" | tail -c +25
  head -c 16 /dev/zero; tail -c +209 "$dir/buggy.ptr"; } > "$dir/longhdr.ptr"
run --replay "$dir/buggy.ptr" -m drv -j; ref=$out
run --replay <(cat "$dir/longhdr.ptr") -m drv -j
check "a longer header through a pipe: skipped, the same report" '[ $rc -eq 1 ] && [ "$out" = "$ref" ]'
out=$(head -c 100 "$dir/buggy.ptr" | "$PT" --replay - 2>"$dir/err"); rc=$?
check "a truncated recording from a pipe: exit 2, one line" '[ $rc -eq 2 ] && [ "$(wc -l < "$dir/err")" = 1 ] && grep -q "standard input" "$dir/err"'

# Damaged events inside a good recording: skipped, one line, counted.
run --replay "$dir/damaged.ptr" -j
check "damaged events: one line on stderr, events_damaged 2 in the summary, exit 0" \
	'[ $rc -eq 0 ] && [ "$(printf "%s\n" "$err" | grep -c "damaged")" = 1 ] && printf "%s" "$err" | grep -q "^pagetrack: 2 damaged event(s) skipped" && printf "%s\n" "$out" | tail -1 | grep -q "\"events_damaged\":2,"'
run --replay "$dir/damaged.ptr"
check "damaged events, text summary: counted" 'printf "%s\n" "$out" | tail -1 | grep -q "; 2 damaged event(s) skipped$"'
run --replay "$dir/buggy.ptr" -m drv -j
check "a watched module without a .ko: one note on stderr, no source lines, same findings" \
	'[ "$(printf "%s\n" "$allerr" | grep -c "no .ko found for module drv (give --module-file PATH)")" = 1 ] && [ "$(kinds)" = "$want" ] && ! printf "%s" "$out" | grep -q "_source"'
check "a good recording: no damaged event" '[ -z "$err" ] && printf "%s\n" "$out" | tail -1 | grep -q "\"events_damaged\":0,"'

# Outputs that cannot be written: said with their errno, exit status 2.
out=$("$PT" --replay "$dir/buggy.ptr" -m drv -j 2>"$dir/err" >/dev/full); rc=$?
check "report to a full device (/dev/full): exit 2, the errno said" \
	'[ $rc -eq 2 ] && grep -q "writing the report failed: No space left on device" "$dir/err"'
run --replay "$dir/buggy.ptr" -m drv -j --metrics-file "$dir/nodir/m.prom" --folded "$dir/nodir/f.folded"
check "--metrics-file and --folded that cannot be written: exit 2 (not 1), each said once with its errno" \
	'[ $rc -eq 2 ] && [ "$(printf "%s\n" "$err" | grep -c "cannot write $dir/nodir/m.prom: No such file or directory")" = 1 ] && [ "$(printf "%s\n" "$err" | grep -c "cannot write $dir/nodir/f.folded: No such file or directory")" = 1 ] && printf "%s\n" "$out" | tail -1 | grep -q "\"type\":\"summary\""'

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

# ---- CI formats: SARIF, JUnit, GitHub annotations ----
# The consumers come from npm (scripts/npm-tools.sh installs them into the
# cache, and node and npm from Debian where npm is missing).
npm_dir=$(bash "$here/../../scripts/npm-tools.sh" 2>"$dir/npm.err"); npm_rc=$?
npm_why="npm tools unavailable: $(tail -1 "$dir/npm.err")"
all_kinds=$(grep -oE '\[PT_K_[A-Z_]+\] = "[a-z_]+"' "$here/../../src/analyzer_findings.c" | cut -d'"' -f2 | paste -sd,)
# The multitool exits 0 whatever it finds: its verdict is in its output.
validate() { # FILE -> $val; true when it validated with no error and no warning
	val=$(cd "$npm_dir" && DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 npx --no-install sarif-multitool validate "$1" 2>&1)
	[ $? -eq 0 ] && grep -q "Analysis completed successfully" <<<"$val" &&
		! grep -qE ": (error|warning) [A-Z]+[0-9]+:" <<<"$val"
}
vcheck() { # NAME FILE
	if [ $npm_rc -ne 0 ]; then skp "$1" "$npm_why"
	elif validate "$2"; then ok "$1"
	else nok "$1: $(grep -E ': (error|warning) ' <<<"$val" | head -3)"; fi
}
ci_read() { NPM_TOOLS=$npm_dir node "$here/ci_read.mjs" "$@"; }
field() { sed -n "s/^$1 //p" <<<"$2"; }
nocheck() { if [ $npm_rc -ne 0 ]; then skp "$1" "$npm_why"; else check "$@"; fi; }

run --replay "$dir/buggy.ptr" -m drv -j --sarif "$dir/b.sarif" --junit "$dir/b.xml"
check "--sarif and --junit: exit 1 as without them, report unchanged ($(kinds))" '[ $rc -eq 1 ] && [ "$(kinds)" = "$want" ] && [ -s "$dir/b.sarif" ] && [ -s "$dir/b.xml" ]'
vcheck "SARIF of the buggy recording validates (SARIF multitool: no error, no warning)" "$dir/b.sarif"
[ $npm_rc -eq 0 ] && sr=$(ci_read sarif "$dir/b.sarif")
nocheck "SARIF: one rule per finding kind, in enum order ($(field rules "${sr:-}") rules)" \
	'[ "$(field version "$sr")" = 2.1.0 ] && [ "$(field rule_ids "$sr")" = "$all_kinds" ]'
nocheck "SARIF: one result per finding, ruleIds exact ($(field result_ids "${sr:-}"))" \
	'[ "$(field results "$sr")" = 7 ] && [ "$(field result_ids "$sr")" = "$want" ] && [ "$(field index_ok "$sr")" = true ] && [ "$(field levels "$sr")" = "error:7 " ]'
nocheck "SARIF: logical locations name the function and the module, no physical location without a resolver" \
	'[ "$(field functions "$sr" | tr " " "\n" | sort -u)" = drv_probe ] && [ "$(field modules "$sr" | tr " " "\n" | sort -u)" = drv ] && [ "$(field physical "$sr")" = 0 ]'
run --replay "$dir/buggy.ptr" -m drv --sarif "$dir/b2.sarif"
[ $npm_rc -eq 0 ] && sr2=$(ci_read sarif "$dir/b2.sarif")
nocheck "SARIF fingerprints: kind:module:function, identical across replays, unique in the run" \
	'fp=$(field fingerprints "$sr"); [ -n "$fp" ] && [ "$fp" = "$(field fingerprints "$sr2")" ] && [ "$(tr " " "\n" <<<"$fp" | sort -u | wc -l)" = 7 ] && grep -q "^order_mismatch:drv:drv_probe " <<<"$fp" && grep -q "leak:drv:drv_probe leak:drv:drv_probe:2" <<<"$fp" && ! grep -q "0x" <<<"$fp"'
run --replay "$dir/clean.ptr" -m drv --sarif "$dir/c.sarif" --junit "$dir/c.xml"
vcheck "SARIF of a clean recording validates" "$dir/c.sarif"
nocheck "clean recording: no SARIF result, exit 0" '[ $rc -eq 0 ] && [ "$(field results "$(ci_read sarif "$dir/c.sarif")")" = 0 ]'

# No kernel address in SARIF, even with --raw-addresses (the file leaves the machine).
run --replay "$dir/unsym.ptr" -j --raw-addresses --sarif "$dir/u.sarif" --junit "$dir/u.xml"
check "SARIF: no kernel address with --raw-addresses (the JSON report has them)" \
	'[ -s "$dir/u.sarif" ] && ! kaddr "$dir/u.sarif" && printf "%s\n" "$out" | kaddr && ! grep -q "\"0x" "$dir/u.sarif"'
vcheck "SARIF of an unsymbolized recording validates" "$dir/u.sarif"
run --replay "$dir/unsym.ptr" -m drv --sarif "$dir/u2.sarif" --github-annotations
check "no kernel address in SARIF or annotations by default; unnamed module code fingerprints as [unknown]" \
	'! kaddr "$dir/u2.sarif" && ! printf "%s\n" "$err" | kaddr && grep -q "\"bad_free:drv:\[unknown\]\"" "$dir/u2.sarif"'

# JUnit through real consumers.
[ $npm_rc -eq 0 ] && jr=$(ci_read junit "$dir/b.xml")
nocheck "JUnit (test-results-parser): one testcase for -m drv, failed ($(field cases "${jr:-}"))" \
	'[ "$(field total "$jr")" = 1 ] && [ "$(field failed "$jr")" = 1 ] && [ "$(field status "$jr")" = FAIL ] && [ "$(field cases "$jr")" = drv=FAIL ]'
nocheck "JUnit (junit2json): a failure per error finding, typed by kind ($(field failure_types "${jr:-}"))" \
	'[ "$(field failures "$jr")" = 7 ] && [ "$(field failure_types "$jr")" = "$want" ] && grep -q "^order_mismatch \[drv\]: .*order 3 freed as order 2.*caller drv_probe+0x20 \[drv\]$" <<<"$(field first_message "$jr")"'
[ $npm_rc -eq 0 ] && jr=$(ci_read junit "$dir/c.xml")
nocheck "JUnit of a clean recording: the module's testcase passes, no failure" \
	'[ "$(field total "$jr")" = 1 ] && [ "$(field failed "$jr")" = 0 ] && [ "$(field status "$jr")" = PASS ] && [ "$(field failures "$jr")" = 0 ]'
run --replay "$dir/lost.ptr" -m drv --junit "$dir/l.xml"
[ $npm_rc -eq 0 ] && jr=$(ci_read junit "$dir/l.xml")
nocheck "JUnit: a warning of no module in its own passing testcase's system-out ($(field cases "${jr:-}"))" \
	'[ $rc -eq 0 ] && [ "$(field total "$jr")" = 2 ] && [ "$(field failed "$jr")" = 0 ] && [ "$(field cases "$jr")" = "drv=PASS no module=PASS" ] && [ "$(field system_out "$jr")" = 1 ]'
[ $npm_rc -eq 0 ] && jr=$(ci_read junit "$dir/u.xml")
nocheck "JUnit without -m: one testcase for the whole run ($(field cases "${jr:-}"), $(field failure_types "${jr:-}"))" \
	'[ "$(field total "$jr")" = 1 ] && [ "$(field cases "$jr")" = system-wide=FAIL ] && [ "$(field failure_types "$jr")" = "bad_free:1 " ]'
run --replay "$dir/buggy.ptr" -m drv -m otherdrv --junit "$dir/two.xml"
[ $npm_rc -eq 0 ] && jr=$(ci_read junit "$dir/two.xml")
nocheck "JUnit: a testcase per watched module; one never seen fails as not_checked ($(field cases "${jr:-}"))" \
	'[ "$(field total "$jr")" = 2 ] && [ "$(field failed "$jr")" = 2 ] && [ "$(field passed "$jr")" = 0 ] && [ "$(field cases "$jr")" = "drv=FAIL otherdrv=FAIL" ] && [ "$(field failures "$jr")" = 8 ] && [ "$(field failure_types "$jr")" = "bad_free:1 double_free:1 kmap_leak:1 leak:2 not_checked:1 order_mismatch:1 remap_failed:1 " ]'

# Markup, quotes, control bytes, CR LF and separators in a recorded symbol.
run --replay "$dir/weird.ptr" -m drv --sarif "$dir/w.sarif" --junit "$dir/w.xml" --github-annotations
vcheck "SARIF with markup and control bytes in a symbol validates" "$dir/w.sarif"
[ $npm_rc -eq 0 ] && jr=$(ci_read junit "$dir/w.xml")
nocheck "JUnit with markup and control bytes in a symbol parses: the failure and the warning, the name's markup intact" \
	'[ "$(field failures "$jr")" = 1 ] && [ "$(field failure_types "$jr")" = "order_mismatch:1 " ] && [ "$(field system_out "$jr")" = 1 ] && grep -qF "caller drv_<x>&\"y'"'"'??" <<<"$jr"'
check "annotations: one line per finding, CR LF and % escaped, control bytes gone" \
	'[ "$(printf "%s\n" "$err" | grep -c "^::error ")" = 1 ] && [ "$(printf "%s\n" "$err" | grep -c "^::warning ")" = 1 ] && [ "$(printf "%s\n" "$err" | wc -l)" = 2 ] && printf "%s\n" "$err" | grep -q "y'"'"'??%0D%0A??%25:,+0x10 \[drv\]$" && ! printf "%s" "$err" | LC_ALL=C grep -q "[[:cntrl:]]"'

# GitHub annotations: stderr, so that --json stdout stays JSON lines.
run --replay "$dir/buggy.ptr" -m drv -j --github-annotations
check "--github-annotations: one ::error per finding on stderr, titled by kind" \
	'[ $rc -eq 1 ] && [ "$(printf "%s\n" "$err" | grep -c "^::error title=pagetrack [a-z_]*::[a-z_]* ")" = 7 ] && printf "%s\n" "$err" | grep -q "^::error title=pagetrack order_mismatch::order_mismatch \[drv\]: .*caller drv_probe+0x20 \[drv\]$"'
check "--json stdout stays pure JSON lines with annotations on" \
	'[ -z "$(printf "%s\n" "$out" | grep -v "^{.*}$")" ] && ! printf "%s\n" "$out" | grep -q "::error"'
out=$(GITHUB_ACTIONS=true "$PT" --replay "$dir/buggy.ptr" -m drv 2>&1 >/dev/null)
check "GITHUB_ACTIONS=true turns annotations on by itself" '[ "$(printf "%s\n" "$out" | grep -c "^::error title=pagetrack")" = 7 ]'
out=$(GITHUB_ACTIONS=false "$PT" --replay "$dir/lost.ptr" -m drv 2>&1 >/dev/null)
check "no annotations otherwise; a warning is ::warning" \
	'[ -z "$(printf "%s\n" "$out" | grep "^::")" ] && "$PT" --replay "$dir/lost.ptr" -m drv --github-annotations 2>&1 >/dev/null | grep -q "^::warning title=pagetrack events_lost::events_lost: 17 of 1000"'

# A source resolver (tests/replay/ci_source.c, a fake one): SARIF physical
# locations, annotations with file= and line=, escaped.
if [ -n "$CISRC" ]; then
	err=$("$CISRC" "$dir/buggy.ptr" "$dir/f.sarif" "$dir/f.xml" 2>&1); rc=$?
	check "with a source resolver: exit 1, annotations with file= and line=, properties escaped" \
		'[ $rc -eq 1 ] && [ "$(printf "%s\n" "$err" | grep -c "^::error file=drivers/drv%3Ax%2Cy/drv probe%25.c,line=212,title=pagetrack [a-z_]*::")" = 7 ]'
	vcheck "SARIF with physical locations validates" "$dir/f.sarif"
	[ $npm_rc -eq 0 ] && sr=$(ci_read sarif "$dir/f.sarif")
	nocheck "SARIF physical locations: the resolver's file as a URI reference, its line ($(field physical_uri "${sr:-}"):$(field physical_line "${sr:-}"))" \
		'[ "$(field physical "$sr")" = 7 ] && [ "$(field physical_uri "$sr")" = "drivers/drv%3Ax%2Cy/drv%20probe%25.c" ] && [ "$(field physical_line "$sr")" = 212 ] && [ "$(field fingerprints "$sr")" = "$(field fingerprints "$sr2")" ]'
else
	skp "source resolver: physical locations and annotation lines" "no CI_SOURCE program given"
fi

# The DMA API (dma.ptr): each DMA finding once, the twins silent, the device named.
run --replay "$dir/dma.ptr" -m drv -j
got=$(kinds)
check "DMA recording: exit 1, exact kinds ($got)" \
	'[ $rc -eq 1 ] && [ "$got" = "dma_bad_unmap:2 dma_free_mismatch:1 dma_free_while_mapped:1 dma_leak:1 dma_unmap_mismatch:2 " ]'
check "DMA findings name the device, their API and the module" \
	'[ "$(printf "%s\n" "$out" | grep "\"kind\":\"dma_" | grep -c "\"module\":\"drv\",\"device\":\"pt_dma0\",\"dma_api\":")" = 7 ]'
check "dma_bad_unmap: one unmapped already (first unmap as free_caller), one never mapped" \
	'printf "%s\n" "$out" | grep -q "\"reason\":\"unmapped_already\".*\"free_caller\":\"drv_probe+0x20 \[drv\]\"" &&
	 printf "%s\n" "$out" | grep -q "\"unmap_size\":128,\"unmap_dir\":\"to_device\",\"reason\":\"never_mapped\""'
check "DMA summary pairs the twins: 8 maps, 7 unmaps, 2 coherent buffers both freed" \
	'printf "%s\n" "$out" | tail -1 | grep -q "\"dma\":{\"maps\":8,\"unmaps\":7,\"allocs\":2,\"frees\":2,\"live\":1,\"live_bytes\":256,\"untracked\":1,"'
run --replay "$dir/dma.ptr" -m drv
check "DMA text report: ERROR lines with the device" \
	'[ $rc -eq 1 ] && printf "%s\n" "$out" | grep -q "^ERROR dma_free_while_mapped \[drv\]" && printf "%s\n" "$out" | grep -q "device pt_dma0, page mapping, 4096 bytes, from_device; page pfn 0x1400 freed"'
run --replay "$dir/dma.ptr" -j
check "DMA without -m: the provable kinds only, live mappings listed by device" \
	'[ $rc -eq 1 ] && [ "$(kinds)" = "dma_bad_unmap:1 dma_free_mismatch:1 dma_free_while_mapped:1 dma_unmap_mismatch:2 " ] &&
	 printf "%s\n" "$out" | grep -q "{\"type\":\"dma_outstanding\",\"by\":\"device\",\"device\":\"pt_dma0\",\"mappings\":1,\"bytes\":256}"'

# sg lists with their entries (dma_sg.ptr): a page of a mapped list freed
# before the unmap is found with the list's bytes; its twin is silent; the
# list still held counts its bytes.
run --replay "$dir/dma_sg.ptr" -m drv -j
check "DMA sg recording: the page freed in a mapped list, with the list's bytes; the twin silent" \
	'[ $rc -eq 1 ] && [ "$(kinds)" = "dma_free_while_mapped:1 dma_held_at_exit:1 " ] &&
	 printf "%s\n" "$out" | grep -q "\"kind\":\"dma_free_while_mapped\".*\"pfn\":5632,.*\"dma_api\":\"sg\",\"nents\":2,\"sg_bytes\":6144,\"dir\":\"from_device\"" &&
	 printf "%s\n" "$out" | grep -q "\"kind\":\"dma_held_at_exit\".*\"nents\":2,\"sg_bytes\":8192,.*\"mappings\":1,\"bytes\":8192"'
check "DMA sg recording: live bytes are the held list's entries' lengths" \
	'printf "%s\n" "$out" | tail -1 | grep -q "\"dma\":{\"maps\":3,\"unmaps\":2,\"allocs\":0,\"frees\":0,\"live\":1,\"live_bytes\":8192,"'
run --replay "$dir/dma_sg.ptr" -m drv
check "DMA sg text report: the list's entries and bytes" \
	'printf "%s\n" "$out" | grep -q "device pt_dma0, sg mapping, 2 entries (6144 bytes), from_device; page pfn 0x1600 freed"'

run --replay "$dir/dma.ptr" -m drv --metrics-file "$dir/dma.prom"
check "DMA metrics: counts and the live mapping by device and by call site" \
	'grep -qx "pagetrack_dma_maps_total 8" "$dir/dma.prom" && grep -qx "pagetrack_dma_unmaps_total 7" "$dir/dma.prom" &&
	 grep -qx "pagetrack_dma_coherent_frees_total 2" "$dir/dma.prom" &&
	 grep -qx "pagetrack_dma_live_bytes_by_device{device=\"pt_dma0\"} 256" "$dir/dma.prom" &&
	 grep -qx "pagetrack_dma_live_by_site{caller=\"drv_probe+0x20 \[drv\]\"} 1" "$dir/dma.prom" &&
	 grep -qx "pagetrack_findings_total{kind=\"dma_free_while_mapped\",severity=\"error\"} 1" "$dir/dma.prom"'

# Bad paths fail before anything is read (exit 2, one line); a write that
# fails at the end makes the exit status 2, whatever was found.
run --replay "$dir/buggy.ptr" -m drv --sarif "$dir/nodir/x.sarif"
check "--sarif in a missing directory: exit 2, one line naming the file and errno" \
	'[ $rc -eq 2 ] && [ -z "$out" ] && [ "$err" = "pagetrack: cannot write $dir/nodir/x.sarif: No such file or directory" ]'
run --replay "$dir/buggy.ptr" -m drv --junit "$dir"
check "--junit naming a directory: exit 2, one line" \
	'[ $rc -eq 2 ] && [ "$err" = "pagetrack: cannot write $dir: Is a directory" ]'
run --replay "$dir/buggy.ptr" -m drv -j --sarif /proc/pt-ci-test.sarif
check "a SARIF write that fails at the end: report printed, exit 2, one line with errno" \
	'[ $rc -eq 2 ] && [ "$(kinds)" = "$want" ] && [ "$err" = "pagetrack: cannot write /proc/pt-ci-test.sarif: No such file or directory" ]'
run --replay "$dir/clean.ptr" -m drv --junit /proc/pt-ci-test.xml
check "a JUnit write that fails at the end of a clean run: exit 2, not 0" \
	'[ $rc -eq 2 ] && [ "$err" = "pagetrack: cannot write /proc/pt-ci-test.xml: No such file or directory" ]'
ln -s "$dir/elsewhere.sarif" "$dir/link.sarif"
run --replay "$dir/buggy.ptr" -m drv --sarif "$dir/link.sarif"
check "--sarif replaces a symlink at the path atomically, never writes through it" \
	'[ $rc -eq 1 ] && [ ! -e "$dir/elsewhere.sarif" ] && [ -f "$dir/link.sarif" ] && [ ! -L "$dir/link.sarif" ]'

# doc/examples.md: the kinds no guest scenario can make without breaking its
# kernel come from these recordings (a double free in buggy.ptr, a page
# kunmapped twice in unbalanced.ptr), the text and JSON the binary prints.
ex() { # KIND RECORDING WHAT
	echo "#ex $1 from pagetrack --replay $2 -m drv -j   # $3"
	"$PT" --replay "$dir/$2" -m drv -j 2>/dev/null | grep "\"kind\":\"$1\"" | head -1 | sed "s/^/#ex $1 json /"
	"$PT" --replay "$dir/$2" -m drv 2>/dev/null | awk -v k="$1" '
		inb && !/^ / { exit }
		/^(ERROR|WARNING) / && $2 == k { inb = 1 }
		inb { print "#ex " k " text " $0 }'
}
run --replay "$dir/unbalanced.ptr" -m drv -j
check "unbalanced.ptr: kunmap_unbalanced with its page, exit 1" \
	'[ $rc -eq 1 ] && [ "$(kinds)" = "kunmap_unbalanced:1 " ] && printf "%s\n" "$out" | grep -q "\"kind\":\"kunmap_unbalanced\".*\"pfn\":458752,"'
run --replay "$dir/dma_held.ptr" -m drv -j
check "dma_held.ptr: a mapping the still-loaded module holds at the end is dma_held_at_exit (a warning), exit 0" \
	'[ $rc -eq 0 ] && [ "$(kinds)" = "dma_held_at_exit:1 " ]'
dmawhy="a recording made by tests/replay/gen_recordings.c of the reference module's DMA scenarios (the guests' runs are checked by tests/vm/guest/dma_checks.sh)"
{ for k in dma_leak dma_bad_unmap dma_unmap_mismatch dma_free_while_mapped dma_free_mismatch; do
	ex $k dma.ptr "$dmawhy"
  done
  ex dma_held_at_exit dma_held.ptr "$dmawhy"
  ex double_free buggy.ptr "a recording made by tests/replay/gen_recordings.c: a real double free would corrupt the guest's allocator"
  ex kunmap_unbalanced unbalanced.ptr "a recording made by tests/replay/gen_recordings.c: a second kunmap_high() of a slot is a kernel BUG"
} >"$dir/examples.txt"
line=$(bash "$here/../../scripts/examples.sh" replay "$dir/examples.txt")
echo "$line"
case $line in "not ok"*) fail=$((fail + 1)) ;; *"# SKIP"*) skip=$((skip + 1)) ;; *) pass=$((pass + 1)) ;; esac

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
