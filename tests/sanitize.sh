#!/usr/bin/env bash
# Unit and replay tests again, built with ASan+UBSan; any report fails.
set -u
cd "$(dirname "$0")/.."
out=.output/asan
mkdir -p "$out"
# The core library built with ASan+UBSan by make (.output/asan/libptcore.a,
# from the Makefile's one list); the tool's other sources beside it.
SAN=$(make -s --no-print-directory print-CORE_CFLAGS_asan)
LIB=$out/libptcore.a
set -e
make -s --no-print-directory $LIB .output/amd64/pagetrack.skel.h
gcc $SAN -Isrc -Itests/unit tests/unit/test_analyzer.c $LIB -o $out/test_analyzer -lcmocka
gcc $SAN -Isrc -Itests/unit tests/unit/test_kmap_local.c $LIB -o $out/test_kmap_local -lcmocka
gcc $SAN -Isrc -Itests/unit tests/replay/gen_recordings.c $LIB -o $out/gen_recordings
gcc $SAN -Isrc -Itests/unit tests/replay/ci_source.c $LIB -o $out/ci_source
gcc $SAN -Isrc -I.output/amd64 $(make -s --no-print-directory print-user-srcs) $LIB \
	-o $out/pagetrack -lbpf -ldw -lelf -lz
set +e
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1
$out/test_analyzer 2>&1 | tail -3
a=${PIPESTATUS[0]}
$out/test_kmap_local 2>&1 | tail -3
[ "${PIPESTATUS[0]}" -eq 0 ] || a=1
bash tests/replay/run.sh $out/pagetrack $out/gen_recordings $out/ci_source > $out/replay.log 2>&1
b=$?
tail -1 $out/replay.log
pass=0 fail=0
if [ $a -eq 0 ]; then echo "ok - unit tests under ASan+UBSan"; pass=$((pass+1)); else echo "not ok - unit tests under ASan+UBSan"; fail=$((fail+1)); fi
if [ $b -eq 0 ] && ! grep -qE "runtime error|AddressSanitizer|LeakSanitizer" $out/replay.log; then
	echo "ok - replay tests under ASan+UBSan"; pass=$((pass+1))
else
	grep -E "runtime error|Sanitizer|not ok" $out/replay.log | head; echo "not ok - replay tests under ASan+UBSan"; fail=$((fail+1))
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
