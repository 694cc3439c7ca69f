#!/usr/bin/env bash
# libFuzzer for the replay path: record reader, analyzer, both reporters.
#
#   scripts/fuzz.sh run SECONDS   build, fuzz for SECONDS with 2 workers; new
#                                 inputs go to .output/fuzz/corpus, crashes to
#                                 .output/fuzz/artifacts; prints executions,
#                                 coverage and whether anything crashed
#   scripts/fuzz.sh corpus        build, run every file of tests/fuzz/corpus
#                                 and tests/fuzz/regressions once (no
#                                 mutation); ends with "N passed, N failed"
#   scripts/fuzz.sh seeds         rewrite tests/fuzz/corpus from the generators
#
# Environment: CLANG (default clang), FUZZ_JOBS (1 or 2, default 2),
# FUZZ_PLAIN=1 (fuzz a build without sanitizers, ~25x faster, then rerun its
# whole corpus under ASan+UBSan),
# FUZZ_SRC (source directory to build from, default src; for fuzzing a
# patched copy: its library goes to .output/fuzz-src/), FUZZ_ARGS (more
# libFuzzer flags).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/.output/fuzz
BIN=$OUT/fuzz_replay
BIN_PLAIN=$OUT/fuzz_replay_plain
SRC=${FUZZ_SRC:-src}
CLANG=${CLANG:-clang}
# The core library (the Makefile's one list of core sources), built by make
# per instrumentation: .output/fuzz/, .output/fuzz-plain/ (.output/amd64/
# for the seed generators).
core_lib() { # BUILD SRCDIR: prints the library's path
	local out=.output how=()
	if [ "$2" != src ]; then out=.output/fuzz-src how=(-B CORE_SRCDIR="$2" OUTPUT="$out"); fi
	make -s --no-print-directory CLANG="$CLANG" "${how[@]}" "$out/$1/libptcore.a" >&2 &&
		echo "$ROOT/$out/$1/libptcore.a"
}
# A slow or huge input is a failure too (a hang of --replay).
LIMITS="-timeout=10 -rss_limit_mb=2048"

# halt_on_error: a UBSan report is a crash, whatever the build flags.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# build [plain]: with ASan+UBSan, or (plain) libFuzzer alone at -O2: about
# 25 times more executions per second; its corpus is then rerun under the
# sanitizers.
build() {
	local san=fuzzer,address,undefined opt=-O1 bin=$BIN lib=fuzz
	[ "${1:-}" = plain ] && san=fuzzer opt=-O2 bin=$BIN_PLAIN lib=fuzz-plain
	mkdir -p "$OUT"
	lib=$(core_lib $lib "$SRC") &&
	"$CLANG" -g $opt -fsanitize=$san -fno-sanitize-recover=all \
		-I"$SRC" tests/fuzz/fuzz_replay.c "$lib" -o "$bin" ||
		{ echo "fuzz: build failed"; return 1; }
}

# Every regular file of the corpus and the regressions, sorted.
inputs() {
	find tests/fuzz/corpus tests/fuzz/regressions -maxdepth 1 -type f 2>/dev/null | sort
}

cmd_corpus() {
	local files=() f n bad=()
	if ! build; then echo "0 passed, 1 failed"; return 1; fi
	mapfile -t files < <(inputs)
	n=${#files[@]}
	if [ "$n" -eq 0 ]; then
		echo "not ok - fuzz corpus: no inputs in tests/fuzz/corpus"
		echo "0 passed, 1 failed"
		return 1
	fi
	# One process over all files; a crash stops it, so then find every culprit.
	if "$BIN" $LIMITS "${files[@]}" >"$OUT/corpus.log" 2>&1; then
		echo "ok - fuzz corpus: $n inputs, no sanitizer report"
		echo "1 passed, 0 failed"
		return 0
	fi
	for f in "${files[@]}"; do
		if ! "$BIN" $LIMITS "$f" >"$OUT/one.log" 2>&1; then
			bad+=("$f")
			echo "  $f: $(grep -m1 -E 'runtime error|ERROR: (Address|Leak)Sanitizer|ERROR: libFuzzer|SUMMARY' "$OUT/one.log")"
		fi
	done
	echo "not ok - fuzz corpus: ${#bad[@]} of $n inputs crash (log: $OUT/corpus.log)"
	echo "0 passed, 1 failed"
	return 1
}

cmd_run() {
	local secs=${1:-} jobs=${FUZZ_JOBS:-2} dirs=() runs=0 cov=0 crashes=() log d start rc=0
	case $secs in
	'' | *[!0-9]* | 0) echo "usage: scripts/fuzz.sh run SECONDS" >&2; return 2 ;;
	esac
	local plain=${FUZZ_PLAIN:-0} bin=$BIN
	[ "$jobs" -ge 1 ] 2>/dev/null && [ "$jobs" -le 2 ] || jobs=2
	build || return 1
	if [ "$plain" = 1 ]; then build plain || return 1; bin=$BIN_PLAIN; fi
	mkdir -p "$OUT/corpus" "$OUT/artifacts" "$OUT/logs"
	rm -f "$OUT"/logs/fuzz-*.log
	# The first directory takes new inputs; the seeds are only read.
	dirs=("$OUT/corpus" "$ROOT/tests/fuzz/corpus")
	[ -d tests/fuzz/regressions ] && [ -n "$(ls -A tests/fuzz/regressions)" ] &&
		dirs+=("$ROOT/tests/fuzz/regressions")
	ls "$OUT"/artifacts >"$OUT/artifacts.before"
	start=$(date +%s)
	echo "fuzz: $jobs worker(s) for $secs s; corpus $OUT/corpus, logs $OUT/logs"
	# libFuzzer writes fuzz-N.log in the working directory.
	(cd "$OUT/logs" && "$bin" -jobs="$jobs" -workers="$jobs" -max_total_time="$secs" \
		$LIMITS -print_final_stats=1 \
		-dict="$ROOT/tests/fuzz/replay.dict" -artifact_prefix="$OUT/artifacts/" \
		${FUZZ_ARGS:-} "${dirs[@]}" >"$OUT/logs/main.log" 2>&1) || rc=$?
	for log in "$OUT"/logs/fuzz-*.log; do
		[ -f "$log" ] || continue
		# Executions: the final stats, else the last status line.
		d=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
		[ -n "$d" ] || d=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
		runs=$((runs + ${d:-0}))
		d=$(grep -oE ' cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
		[ "${d:-0}" -gt "$cov" ] && cov=$d
	done
	# crash-, leak-, timeout-, oom- files (slow-unit- ones are no failure).
	mapfile -t crashes < <(comm -13 "$OUT/artifacts.before" <(ls "$OUT"/artifacts) |
		grep -E '^(crash|leak|timeout|oom)-' | sed "s|^|$OUT/artifacts/|")
	echo "fuzz: $runs executions in $(( $(date +%s) - start )) s, cov: $cov"
	if [ ${#crashes[@]} -gt 0 ] || grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error|ERROR: libFuzzer' "$OUT"/logs/fuzz-*.log; then
		echo "fuzz: CRASH: ${crashes[*]:-see $OUT/logs}"
		grep -hE -m3 'SUMMARY|runtime error' "$OUT"/logs/fuzz-*.log
		return 1
	fi
	[ "$rc" -eq 0 ] || { echo "fuzz: libFuzzer exited $rc (see $OUT/logs/main.log)"; return 1; }
	if [ "$plain" = 1 ]; then
		# Every input the plain run kept, once, under ASan+UBSan.
		echo "fuzz: rerunning $(ls "$OUT/corpus" | wc -l) corpus inputs under ASan+UBSan"
		if ! (cd "$OUT/logs" && "$BIN" $LIMITS -runs=0 "$OUT/corpus" >"$OUT/logs/sanitized.log" 2>&1) ||
			grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error' "$OUT/logs/sanitized.log"; then
			echo "fuzz: CRASH under the sanitizers: see $OUT/logs/sanitized.log"
			grep -hE -m3 'SUMMARY|runtime error' "$OUT/logs/sanitized.log"
			return 1
		fi
	fi
	echo "fuzz: no crash"
}

cmd_seeds() {
	local tmp c=tests/fuzz/corpus
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	local lib
	lib=$(core_lib amd64 src) &&
	gcc -Isrc -Itests/unit tests/replay/gen_recordings.c "$lib" -o "$tmp/gen" &&
	gcc -Isrc -Itests/unit tests/fuzz/gen_seeds.c "$lib" -o "$tmp/gen_seeds" || return 1
	rm -rf "$c" && mkdir -p "$c" "$tmp/r" || return 1
	"$tmp/gen" "$tmp/r" && "$tmp/gen_seeds" "$c" || return 1
	cp "$tmp/r/buggy.ptr" "$tmp/r/clean.ptr" "$tmp/r/lost.ptr" "$tmp/r/hostile.ptr" \
		"$tmp/r/klocal.ptr" "$tmp/r/dma.ptr" "$c/"
	# Odd length: the same recording unscoped (a byte after END is not read).
	{ cat "$tmp/r/buggy.ptr"; printf '\n'; } >"$c/buggy-odd.ptr"
	{ cat "$tmp/r/clean.ptr"; printf '\n'; } >"$c/clean-odd.ptr"
	# Header flags (offset 44) cleared: tracepoint-only judging.
	cp "$tmp/r/buggy.ptr" "$c/buggy-tp.ptr"
	printf '\0' | dd of="$c/buggy-tp.ptr" bs=1 seek=44 conv=notrunc status=none
	# Damaged: the END record (48 bytes) cut off; cut inside a record.
	head -c $(( $(stat -c %s "$tmp/r/buggy.ptr") - 48 )) "$tmp/r/buggy.ptr" >"$c/buggy-noend.ptr"
	head -c 300 "$tmp/r/buggy.ptr" >"$c/buggy-cut.ptr"
	ls -l "$c"
	echo "seeds: $(ls "$c" | wc -l) files, $(du -cb "$c"/* | tail -1 | cut -f1) bytes"
}

case ${1:-} in
run) shift; cmd_run "$@" ;;
corpus) cmd_corpus ;;
seeds) cmd_seeds ;;
*) echo "usage: scripts/fuzz.sh run SECONDS | corpus | seeds" >&2; exit 2 ;;
esac
