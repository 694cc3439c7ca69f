#!/usr/bin/env bash
# Runs the CI recipe against the reference module: a buggy test must fail
# the job with exactly the expected finding, a clean one must pass it, a test
# that fails without a finding must fail it too. The jobs run two at a time
# (tests/vm/pool.sh), their logs shown in order.
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0
d=$(mktemp -d)
. tests/vm/pool.sh
trap 'rm -rf "$d"; pool_cleanup' EXIT
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
echo 'echo order_mismatch > /sys/kernel/debug/pagetrack_ref/run' > "$d/buggy.sh"
printf '%s\n' 'for s in alloc_free highmem_per_page; do echo $s > /sys/kernel/debug/pagetrack_ref/run || exit 1; done' \
	'pagetrack_ref_user compound_map' > "$d/clean.sh"
printf '%s\n' 'echo alloc_free > /sys/kernel/debug/pagetrack_ref/run' 'exit 8' > "$d/failing.sh"
job() { # NAME [--kernel K] TEST: the recipe's job, its log in the pool
	local name=$1
	shift
	pool_start "$name" env CI_JOB_OUT="$d/$name" bash tests/ci-example/pagetrack-ci-job.sh "${@:1:$#-1}" \
		module pagetrack_ref "${!#}"
}
job buggy "$d/buggy.sh"
job bpo --kernel amd64-bpo "$d/buggy.sh"
job clean "$d/clean.sh"
job failing "$d/failing.sh"
# A module written as drivers are (work in module_init, frees in module_exit)
# with a seeded bug, built by the job with make kmod: the finding names the
# allocation's source line in JSON, SARIF (paths under the repository's
# module directory) and JUnit.
echo true > "$d/seeded.sh"
pool_start seeded env CI_JOB_OUT="$d/seeded" CI_JOB_SRC_PREFIX=tests/host/srcmod \
	bash tests/ci-example/pagetrack-ci-job.sh --kernel amd64 tests/host/srcmod drv "$d/seeded.sh"
pool_wait
log() { grep "^ci-job\|^  " "$(pool_out "$1")"; }

log buggy; rc=$(pool_rc buggy)
if [ "$rc" -eq 1 ] && grep -q "order_mismatch at .*\[pagetrack_ref\]" "$(pool_out buggy)"; then
	ok "CI recipe fails the job on a buggy module test (exit 1, order_mismatch)"
else
	nok "CI recipe fails the job on a buggy module test (exit $rc)"
fi
# The module is loaded right after attach and gone at the report: its
# function must still be named (kallsyms read at its load), not module+0xOFF.
if grep -q "order_mismatch at order_mismatch+0x[0-9a-f]* \[pagetrack_ref\]" "$(pool_out buggy)"; then
	ok "the finding names the module's function (order_mismatch+0x...)"
else
	nok "the finding names the module's function: $(grep -m1 "order_mismatch at" "$(pool_out buggy)")"
fi
# The same on 6.12 (amd64-bpo): the module's text is mem[MOD_TEXT] there,
# which do_init_module's probe must read to name the function.
log bpo; rc=$(pool_rc bpo)
if [ "$rc" -eq 1 ] && grep -q "order_mismatch at order_mismatch+0x[0-9a-f]* \[pagetrack_ref\]" "$(pool_out bpo)"; then
	ok "amd64-bpo (6.12): the job fails, the finding names order_mismatch+0x..."
else
	nok "amd64-bpo (6.12): exit $rc: $(grep -m1 "order_mismatch at\|did not" "$(pool_out bpo)")"
fi
log clean; rc=$(pool_rc clean)
if [ "$rc" -eq 0 ] && grep -q "is clean" "$(pool_out clean)"; then
	ok "CI recipe passes a clean module test"
else
	nok "CI recipe passes a clean module test (exit $rc)"; tail -5 "$(pool_out clean)"
fi
# A test script that fails fails the job even without a finding.
log failing; rc=$(pool_rc failing)
if [ "$rc" -eq 3 ] && grep -q "the test script (or insmod) failed" "$(pool_out failing)" &&
	grep -q "pagetrack: COMMAND sh exited with status 8" "$(pool_out failing)"; then
	ok "CI recipe fails the job when the test script fails without a finding (exit 3)"
else
	nok "CI recipe fails the job when the test script fails (exit $rc)"; tail -5 "$(pool_out failing)"
fi
# The seeded module: its files read by the tools CI would read them with.
log seeded; rc=$(pool_rc seeded)
line=$(grep -n "SRCLINE: init alloc" tests/host/srcmod/drv.c | cut -d: -f1)
f=$(grep '"kind":"order_mismatch"' "$d/seeded/pagetrack-findings.json")
if [ "$rc" -eq 1 ] && grep -q '"caller":"drv_init+0x[0-9a-f]* \[drv\]","caller_source":"drv.c:'"$line"'"' <<<"$f"; then
	ok "seeded bug in module_init (make kmod): order_mismatch, caller_source drv.c:$line, exit 1"
else
	nok "seeded bug in module_init: exit $rc, want caller_source drv.c:$line: $(cut -c1-400 <<<"$f")"
	tail -5 "$(pool_out seeded)"
fi
npm_dir=$(bash scripts/npm-tools.sh 2>"$d/npm.err")
if [ $? -ne 0 ]; then
	echo "ok - the job's SARIF and JUnit read by their consumers # SKIP npm tools: $(tail -1 "$d/npm.err")"
else
	val=$(cd "$npm_dir" && DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 npx --no-install sarif-multitool validate \
		"$d/seeded/pagetrack.sarif" 2>&1)
	sr=$(NPM_TOOLS=$npm_dir node tests/replay/ci_read.mjs sarif "$d/seeded/pagetrack.sarif" 2>&1)
	if grep -q "Analysis completed successfully" <<<"$val" && ! grep -qE ": (error|warning) [A-Z]+[0-9]+:" <<<"$val" &&
		grep -qx "physical_uri tests/host/srcmod/drv.c" <<<"$sr" && grep -qx "physical_line $line" <<<"$sr" &&
		grep -qx "result_ids order_mismatch:1 " <<<"$sr"; then
		ok "the job's SARIF: the multitool validates it, order_mismatch at tests/host/srcmod/drv.c:$line"
	else
		nok "the job's SARIF: $(grep -E ': (error|warning) ' <<<"$val" | head -2) $(grep physical <<<"$sr" | tr '\n' ' ')"
	fi
	jr=$(NPM_TOOLS=$npm_dir node tests/replay/ci_read.mjs junit "$d/seeded/pagetrack.junit.xml" 2>&1)
	if grep -qx "failures 1" <<<"$jr" && grep -qx "failure_types order_mismatch:1 " <<<"$jr" &&
		grep -qx "status FAIL" <<<"$jr"; then
		ok "the job's JUnit: one failure, order_mismatch"
	else
		nok "the job's JUnit: $(tr '\n' ' ' <<<"$jr" | cut -c1-300)"
	fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
