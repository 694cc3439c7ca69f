#!/usr/bin/env bash
# The code's layers hold (issue 24): no loop of calls or includes between
# the files of src/, the analyzer's files call only downwards (state, scope,
# findings table, blocks, the other judges, the dispatcher), the judges never
# call each other, and nothing of the analyzer includes report.h or ksyms.h
# or writes to a FILE*. Calls are read from the objects' symbols (nm), includes
# from the preprocessor (gcc -MM): what the compiler sees, not a guess.
#   tests/host/layers.sh [BUILD_DIR]   (BUILD_DIR: .output/amd64, for the skeleton)
set -u
cd "$(dirname "$0")/../.."
B=${1:-.output/amd64}
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

# Every source of src/, compiled alone (the binary's files are not objects
# of the build).
built=1
for c in src/*.c; do
	gcc -O2 -c -Isrc -I"$B" "$c" -o "$d/$(basename "$c" .c).o" 2>"$d/cc.err" ||
		{ built=0; nok "compile $c alone: $(head -1 "$d/cc.err")"; }
done
[ $built = 1 ] && ok "every file of src/ compiles alone ($(ls src/*.c | wc -l) files)"

# file -> file edges by symbol: F calls (or reads) a name G alone defines.
declare -A def
for o in "$d"/*.o; do
	f=$(basename "$o" .o)
	for s in $(nm --defined-only "$o" | awk '$2 ~ /^[TDBR]$/ { print $3 }'); do def[$s]=$f; done
done
: >"$d/calls"
for o in "$d"/*.o; do
	f=$(basename "$o" .o)
	for s in $(nm -u "$o" | awk '{ print $2 }'); do
		t=${def[$s]:-}
		[ -n "$t" ] && [ "$t" != "$f" ] && echo "$f $t $s" >>"$d/calls"
	done
done
loops() { # EDGES-FILE -> the files of a loop, or nothing
	awk '{ print $1, $2 }' "$1" | sort -u | tsort 2>&1 >/dev/null | grep -v 'input contains a loop' |
		sed 's/^tsort: //' | tr '\n' ' '
}
l=$(loops "$d/calls")
[ -z "$l" ] && ok "no loop of calls between the files of src/ ($(awk '{ print $1, $2 }' "$d/calls" | sort -u | wc -l) file-to-file edges)" \
	|| nok "a loop of calls between files: $l"

# Includes, as the preprocessor follows them: header -> header edges.
: >"$d/incs"
for h in src/*.h; do
	for i in $(grep -oE '^#include "[a-z_0-9.]+"' "$h" | cut -d'"' -f2); do
		[ -f "src/$i" ] && echo "$(basename "$h") $i" >>"$d/incs"
	done
done
l=$(loops "$d/incs")
[ -z "$l" ] && ok "no loop of includes between the headers of src/" || nok "a loop of includes: $l"

# The analyzer's layers, bottom first; a file may call only files of lower
# layers (the judges of one layer never each other).
layer() {
	case $1 in
	analyzer_state) echo 0 ;;
	analyzer_scope) echo 1 ;;
	analyzer_findings) echo 2 ;;
	analyzer_blocks) echo 3 ;;
	analyzer_leaks | analyzer_kmap | analyzer_umap | kmap_local | analyzer_dma) echo 4 ;;
	analyzer_dispatch) echo 5 ;;
	*) echo "" ;;
	esac
}
bad=""
while read -r f t s; do
	lf=$(layer "$f") lt=$(layer "$t")
	[ -n "$lf" ] && [ -n "$lt" ] && [ "$lt" -ge "$lf" ] && bad="$bad $f->$t($s)"
	# Below the analyzer only its own lower layers and plain helpers.
	[ -n "$lf" ] && [ -z "$lt" ] && case $t in u64map | pagetrack) ;; *) bad="$bad $f->$t($s)" ;; esac
done <"$d/calls"
[ -z "$bad" ] && ok "the analyzer's files call only downwards: state, scope, findings, blocks, judges, dispatcher" \
	|| nok "analyzer calls against its layers:$bad"

# Nothing of the analyzer includes report.h or ksyms.h, even through another
# header, nor writes to a FILE* (it builds notes with snprintf; reporters print).
an=(src/analyzer*.c src/kmap_local.c)
inc=$(for c in "${an[@]}"; do gcc -MM -Isrc -I"$B" "$c" | tr ' \\' '\n\n' | grep -E '(^|/)(report|ksyms)\.h$' |
	sed "s|^|$(basename "$c"): |"; done)
[ -z "$inc" ] && ok "no analyzer file includes report.h or ksyms.h (directly or not)" || nok "analyzer includes: $inc"
io=$(for c in "${an[@]}"; do
	nm -u "$d/$(basename "$c" .c).o" | awk '{ print $2 }' |
		grep -xE '(fprintf|printf|vfprintf|fputs|fputc|putc|putchar|puts|fwrite|fflush|_IO_putc|__fprintf_chk|__printf_chk|__vfprintf_chk)' |
		sed "s|^|$(basename "$c"): |"
done)
[ -z "$io" ] && ok "no analyzer file writes to a FILE*" || nok "analyzer files that print: $(echo $io)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
