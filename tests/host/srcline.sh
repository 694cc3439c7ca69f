#!/usr/bin/env bash
# Source lines of module frames (src/srcline.c) and `make kmod` trees, on the
# host against the amd64 lab kernel's headers (nothing is loaded):
#   srcline.sh PAGETRACK GEN_RECORDINGS SRCLINE_PROBE
# - make kmod builds trees with a symlinked .c and header, a subdirectory, and
#   LDD3's layout ($(PWD)/../include, a directory symlink);
# - the seeded module tests/host/srcmod (module "drv"): the return address of
#   each allocation call, taken from the .ko's relocations with objdump, maps
#   to the line of its marker comment, an inlined one with its chain;
# - replay of gen_recordings' drv recordings with --module-file: caller_source
#   and free_caller_source in JSON (as binutils' addr2line says), text, the
#   existing fields unchanged; ./drv.ko found alone; one stderr line and no
#   source without a .ko or without DWARF.
set -u
PT=$(realpath "$1") GEN=$(realpath "$2") PROBE=$(realpath "$3")
cd "$(dirname "$0")/../.."
. scripts/lab-common.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0 skip=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
skp() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
done_() { echo "srcline: $pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit; }

kdir=$(cat "$CACHE/amd64/kdir" 2>/dev/null)
if [ -z "$kdir" ] || [ ! -d "$kdir" ]; then
	skp "source lines and make kmod" "no amd64 lab headers yet (make lab)"
	done_
fi

# ---- make kmod: trees as kbuild would build them ----
kmod() { make -s --no-print-directory kmod SRC="$1" KERNEL=amd64 2>"$dir/kmod.err"; }
ko=$(kmod tests/host/kmodtree/mod)
check "make kmod: symlinked .c and header, a subdirectory ($ko)" \
	'[ -f "$ko" ] && nm "$ko" | grep -q " T kt_helper" && nm "$ko" | grep -q " T kt_extra"'
[ -f "$ko" ] || tail -5 "$dir/kmod.err"
ko=$(kmod tests/host/kmodtree/ldd)
check "make kmod: LDD3's layout, -I\$(PWD)/../include and a linked directory ($ko)" \
	'[ -f "$ko" ] && nm "$ko" | grep -q " T kt_shared"'
[ -f "$ko" ] || tail -5 "$dir/kmod.err"

# ---- the seeded module ----
KO=$(kmod tests/host/srcmod)
if [ ! -f "$KO" ]; then
	nok "make kmod SRC=tests/host/srcmod KERNEL=amd64"; tail -5 "$dir/kmod.err"; done_
fi
check "seeded module built with DWARF" 'readelf -S "$KO" | grep -q "\.debug_info"'
src=tests/host/srcmod/drv.c
marker() { grep -n "SRCLINE: $1" "$src" | cut -d: -f1; }
# FUNC's section name, start and size (readelf; aliases share them).
func_at() { # FUNC -> "SECTION START SIZE"
	local ndx start size
	read -r start size ndx < <(readelf -sW "$KO" |
		awk -v f="$1" '$8 == f && $4 == "FUNC" { print $2, $3, $7 }')
	[ -n "$ndx" ] || return
	echo "$(readelf -SW "$KO" | sed -n "s/^ *\[ *$ndx\] \([^ ]*\) .*/\1/p") $start $size"
}
# Return offsets into FUNC of its calls to CALLEE: each rel32 relocation's
# offset + 4 (the call's end), less the function's start.
calls() { # FUNC CALLEE
	local sec start size r
	read -r sec start size < <(func_at "$1")
	[ -n "$sec" ] || return
	objdump -r -j "$sec" "$KO" |
		sed -n "s/^\([0-9a-f]*\) R_X86_64_\(PLT\|PC\)32 *$2-0x0*4$/\1/p" |
		while read -r r; do
			r=$((0x$r + 4 - 0x$start))
			[ $r -gt 0 ] && [ $r -le $((size)) ] && printf '0x%x\n' $r
		done
}
probe() { "$PROBE" "$KO" drv "$@" 2>>"$dir/probe.err"; }
mapfile -t init_calls < <(calls drv_init alloc_pages)
mapfile -t probe_calls < <(calls drv_probe alloc_pages)
mapfile -t exit_calls < <(calls drv_exit __free_pages)
check "objdump finds the allocation calls (drv_init ${init_calls[*]}, drv_probe ${probe_calls[*]}, drv_exit ${exit_calls[*]})" \
	'[ ${#init_calls[@]} -eq 2 ] && [ ${#probe_calls[@]} -eq 1 ] && [ ${#exit_calls[@]} -ge 1 ]'
got=$(probe drv_init "${init_calls[0]:-0}")
check "drv_init+${init_calls[0]:-?} (module_init, .init.text) is the allocation's line: $got" \
	'[ "$got" = "drv_init drv.c:$(marker "init alloc")" ]'
got=$(probe drv_probe "${probe_calls[0]:-0}")
check "drv_probe+${probe_calls[0]:-?} is the allocation's line: $got" \
	'[ "$got" = "drv_probe drv.c:$(marker "probe alloc")" ]'
got=$(probe drv_init "${init_calls[1]:-0}" | paste -sd'|')
check "an inlined allocation: its line in drv_grab, then the call's line in drv_init: $got" \
	'[ "$got" = "drv_grab drv.c:$(marker "inlined alloc")|drv_init drv.c:$(marker "inline call")" ]'
got=$(probe drv_exit "${exit_calls[0]:-0}")
check "drv_exit+${exit_calls[0]:-?} (module_exit) is the free's line: $got" \
	'[ "$got" = "drv_exit drv.c:$(marker "exit free")" ]'
got=$(probe drv_init "${init_calls[0]:-0}" exact)
check "the same offset as an exact address (not a return address) is past the call: $got" \
	'[ -n "$got" ] && [ "$got" != "drv_init drv.c:$(marker "init alloc")" ]'
check "an unknown function resolves to nothing" '! probe no_such_function 0x10 >/dev/null'

# ---- replay with --module-file ----
"$GEN" "$dir" || { nok "gen_recordings"; done_; }
# What binutils says for FUNC+OFF (a return address: OFF - 1; 0: exact).
a2l() { # FUNC OFF
	local sec start size
	read -r sec start size < <(func_at "$1")
	addr2line -e "$KO" -j "$sec" "$(printf '0x%x' $((0x$start + $2 - ($2 > 0 ? 1 : 0))))" |
		sed 's|.*/||'
}
run() { # ARGS... -> $out $err $rc
	out=$("$PT" "$@" 2>"$dir/err"); rc=$?; err=$(cat "$dir/err")
}
field() { printf '%s\n' "$out" | grep "\"kind\":\"$1\"" | grep -o "\"$2\":\"[^\"]*\"" | head -1 | cut -d'"' -f4; }
run --replay "$dir/buggy.ptr" -m drv --module-file "$KO" -j
want=$(a2l drv_probe 0x20)
check "replay: caller_source of drv_probe+0x20 is the call's line, as addr2line says ($want)" \
	'[ $rc -eq 1 ] && [ "$(field order_mismatch caller_source)" = "$want" ]'
check "replay: free_caller_source beside free_caller" \
	'[ "$(field order_mismatch free_caller_source)" = "$want" ]'
check "replay: every JSON line parses" \
	'printf "%s\n" "$out" | python3 -c "import json,sys; [json.loads(l) for l in sys.stdin]"'
with=$out
# The CI formats take the same resolver: SARIF physical locations, annotation
# file= and line=.
run --replay "$dir/buggy.ptr" -m drv --module-file "$KO" --sarif "$dir/src.sarif" --github-annotations
sloc=$(python3 -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["runs"][0]["results"] if x["ruleId"]=="order_mismatch"][0]
p=[l["physicalLocation"] for l in r["locations"] if "physicalLocation" in l][0]
print("%s:%d" % (p["artifactLocation"]["uri"], p["region"]["startLine"]))' "$dir/src.sarif" 2>/dev/null)
check "replay --sarif: the order_mismatch result's physical location is the call's line ($sloc)" \
	'[ -n "$want" ] && [ "$sloc" = "$want" ]'
check "replay --github-annotations: file= and line= of the call" \
	'printf "%s\n" "$err" | grep "^::error " | grep -q "file=${want%%:*},line=${want##*:}"'
run --replay "$dir/buggy.ptr" -m drv -j
check "replay without a .ko: no _source field, the same findings otherwise, exit 1" \
	'[ $rc -eq 1 ] && ! printf "%s\n" "$out" | grep -q _source &&
	 [ "$(printf "%s\n" "$with" | python3 -c "
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    print(json.dumps({k: v for k, v in o.items() if not k.endswith((\"_source\", \"_inlined\"))}))")" = "$(printf "%s\n" "$out" | python3 -c "
import json, sys
for l in sys.stdin:
    print(json.dumps(json.loads(l)))")" ]'
check "replay without a .ko: one stderr line says so" \
	'[ "$(printf "%s\n" "$err" | grep -c "no .ko found for module drv")" = 1 ]'
run --replay "$dir/buggy.ptr" -m drv --module-file "$KO"
check "text: caller and stack frames with (FILE:LINE)" \
	'printf "%s\n" "$out" | grep -q "^    caller: drv_probe+0x20 \[drv\] ($want)$" &&
	 printf "%s\n" "$out" | grep -q "^        #1  drv_probe+0x20 \[drv\] ($want)$"'

run --replay "$dir/init.ptr" -m drv --module-file "$KO" -j
want=$(a2l drv_init 0x40) want2=$(a2l drv_exit 0)
check "replay: init text: caller_source of drv_init+0x40 ($want)" \
	'[ "$(field order_mismatch caller_source)" = "$want" ]'
check "replay: drv_exit+0x0, a function's own address, resolved exactly ($want2)" \
	'[ "$(field bad_free free_caller_source)" = "$want2" ]'

# Found alone: ./NAME.ko in the current directory; any file name by .modinfo.
mkdir -p "$dir/cwd" && cp "$KO" "$dir/cwd/drv.ko" && cp "$KO" "$dir/renamed-copy.ko"
out=$(cd "$dir/cwd" && "$PT" --replay "$dir/buggy.ptr" -m drv -j 2>"$dir/err")
check "./drv.ko in the current directory is found" \
	'printf "%s\n" "$out" | grep -q "\"caller_source\":\"drv.c:" && [ ! -s "$dir/err" ]'
run --replay "$dir/buggy.ptr" -m drv --module-file "$dir/renamed-copy.ko" -j
check "--module-file names its module by .modinfo name=, not by the file name" \
	'printf "%s\n" "$out" | grep -q "\"caller_source\":\"drv.c:"'
objcopy --strip-debug "$KO" "$dir/nodwarf.ko"
run --replay "$dir/buggy.ptr" -m drv --module-file "$dir/nodwarf.ko" -j
check "a .ko without DWARF: one stderr line, no source, same exit" \
	'[ $rc -eq 1 ] && ! printf "%s\n" "$out" | grep -q _source &&
	 [ "$(printf "%s\n" "$err" | grep -c "has no DWARF")" = 1 ]'
run --replay "$dir/buggy.ptr" -m drv --module-file "$dir/missing.ko" -j
check "a missing --module-file: a warning, no source, same exit" \
	'[ $rc -eq 1 ] && printf "%s\n" "$err" | grep -q "missing.ko" && ! printf "%s\n" "$out" | grep -q _source'
done_
