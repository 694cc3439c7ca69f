#!/usr/bin/env bash
# Runs the CI recipe against the reference module: a buggy test must fail
# the job with exactly the expected finding, a clean one must pass it.
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
echo 'echo order_mismatch > /sys/kernel/debug/pagetrack_ref/run' > "$d/buggy.sh"
printf '%s\n' 'for s in alloc_free highmem_per_page; do echo $s > /sys/kernel/debug/pagetrack_ref/run || exit 1; done' \
	'pagetrack_ref_user compound_map' > "$d/clean.sh"
CI_JOB_OUT=$d/buggy bash tests/ci-example/pagetrack-ci-job.sh module pagetrack_ref "$d/buggy.sh" > "$d/buggy.log" 2>&1
rc=$?
cat "$d/buggy.log" | grep "^ci-job\|^  "
if [ $rc -eq 1 ] && grep -q "order_mismatch at .*\[pagetrack_ref\]" "$d/buggy.log"; then
	echo "ok - CI recipe fails the job on a buggy module test (exit 1, order_mismatch)"; pass=$((pass + 1))
else
	echo "not ok - CI recipe fails the job on a buggy module test (exit $rc)"; fail=$((fail + 1))
fi
# The module is loaded right after attach and gone at the report: its
# function must still be named (kallsyms read at its load), not module+0xOFF.
if grep -q "order_mismatch at order_mismatch+0x[0-9a-f]* \[pagetrack_ref\]" "$d/buggy.log"; then
	echo "ok - the finding names the module's function (order_mismatch+0x...)"; pass=$((pass + 1))
else
	echo "not ok - the finding names the module's function: $(grep -m1 "order_mismatch at" "$d/buggy.log")"
	fail=$((fail + 1))
fi
# The same on 6.12 (amd64-bpo): the module's text is mem[MOD_TEXT] there,
# which do_init_module's probe must read to name the function.
CI_JOB_OUT=$d/bpo bash tests/ci-example/pagetrack-ci-job.sh --kernel amd64-bpo module pagetrack_ref "$d/buggy.sh" \
	> "$d/bpo.log" 2>&1
rc=$?
grep "^ci-job\|^  " "$d/bpo.log"
if [ $rc -eq 1 ] && grep -q "order_mismatch at order_mismatch+0x[0-9a-f]* \[pagetrack_ref\]" "$d/bpo.log"; then
	echo "ok - amd64-bpo (6.12): the job fails, the finding names order_mismatch+0x..."; pass=$((pass + 1))
else
	echo "not ok - amd64-bpo (6.12): exit $rc: $(grep -m1 "order_mismatch at\|did not" "$d/bpo.log")"
	fail=$((fail + 1))
fi
CI_JOB_OUT=$d/clean bash tests/ci-example/pagetrack-ci-job.sh module pagetrack_ref "$d/clean.sh" > "$d/clean.log" 2>&1
rc=$?
grep "^ci-job" "$d/clean.log"
if [ $rc -eq 0 ] && grep -q "is clean" "$d/clean.log"; then
	echo "ok - CI recipe passes a clean module test"; pass=$((pass + 1))
else
	echo "not ok - CI recipe passes a clean module test (exit $rc)"; tail -5 "$d/clean.log"; fail=$((fail + 1))
fi
# A test script that fails fails the job even without a finding.
printf '%s\n' 'echo alloc_free > /sys/kernel/debug/pagetrack_ref/run' 'exit 8' > "$d/failing.sh"
CI_JOB_OUT=$d/failing bash tests/ci-example/pagetrack-ci-job.sh module pagetrack_ref "$d/failing.sh" > "$d/failing.log" 2>&1
rc=$?
grep "^ci-job\|^  " "$d/failing.log"
if [ $rc -eq 3 ] && grep -q "the test script (or insmod) failed" "$d/failing.log" &&
	grep -q "pagetrack: COMMAND sh exited with status 8" "$d/failing.log"; then
	echo "ok - CI recipe fails the job when the test script fails without a finding (exit 3)"; pass=$((pass + 1))
else
	echo "not ok - CI recipe fails the job when the test script fails (exit $rc)"; tail -5 "$d/failing.log"; fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
