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
	'! kaddr "$dir/u2.json" "$dir/u2.prom" "$dir/u2.folded" && grep -q "^\[unknown\];\[unknown\];__alloc_pages 8" "$dir/u2.folded"'
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
	'[ -n "$est" ] && [ "$est" -ge 14746 ] && [ "$est" -le 18022 ] && printf "%s" "$site" | grep -q "\"estimated\":true"'
check "sampled recording: summary exact (16384 outstanding) and names R" \
	'printf "%s\n" "$out" | tail -1 | grep -q "\"outstanding_pages\":16384,.*\"sample_pages\":32"'
run --replay "$dir/sampled.ptr"
check "sampled recording, text: says the pages are estimates" \
	'printf "%s\n" "$out" | grep -q "pages are estimates from stacks sampled every 32 pages"'

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
