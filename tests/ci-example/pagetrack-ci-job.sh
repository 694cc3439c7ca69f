#!/usr/bin/env bash
# A CI job for a third-party kernel module, in one command:
#   tests/ci-example/pagetrack-ci-job.sh [--kernel i386|amd64|amd64-bpo|armhf] MODULE_SRC_DIR MODULE_NAME TEST_SCRIPT
# Builds the module against the lab kernel's Debian headers, boots the lab,
# loads the module under `pagetrack -m MODULE_NAME`, runs TEST_SCRIPT (a
# shell script run in the guest with the module loaded), unloads the module,
# and fails the job on any error-level finding (exit 1), on a TEST_SCRIPT or
# insmod that failed (3), and when the module was never loaded (4): a job
# that checked nothing never passes. Saved next to the job log: the JSON
# findings (pagetrack-findings.json), SARIF for code scanning
# (pagetrack.sarif: source lines from the module's own .ko, paths under
# CI_JOB_SRC_PREFIX, the module's directory in the repository, if set) and
# JUnit XML for other CIs (pagetrack.junit.xml).
# Exit: 0 clean, 1 findings, 3 the test failed, 4 nothing was checked,
# 2 the job could not run, 124/125 time-out/oops.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/lab-common.sh"
kernel=i386
if [ "${1:-}" = --kernel ] && [ $# -ge 2 ]; then kernel=$2; shift 2; fi
usage="usage: $0 [--kernel i386|amd64|amd64-bpo|armhf] MODULE_SRC_DIR MODULE_NAME TEST_SCRIPT"
[ $# -eq 3 ] || { echo "$usage" >&2; exit 2; }
lab_check_arch "$kernel" 2>/dev/null || { echo "ci-job: unknown kernel '$kernel'; $usage" >&2; exit 2; }
src=$1 name=$2 test=$3
[ -f "$test" ] || { echo "ci-job: no test script $test" >&2; exit 2; }
out=${CI_JOB_OUT:-$top/.output/ci-job}
mkdir -p "$out"

# kmod.sh fetches the kernel, its headers (and i386 BTF) first.
make -C "$top" -s "$(lab_cpu "$kernel")" >&2 || exit 2
ko=$(bash "$top/scripts/kmod.sh" "$src" "$kernel" | grep "/$name.ko$") || { echo "ci-job: building $name failed" >&2; exit 2; }
cp "$test" "$out/test.sh"

# In the guest: pagetrack around load, test, unload; JSON to the console
# between markers so the host can keep it.
cat > "$out/job.sh" <<GUEST
#!/bin/sh
BTF=""
[ -e /sys/kernel/btf/vmlinux ] || BTF="--btf \$PAGETRACK_BTF"
pagetrack \$BTF -m $name -j --module-file /add/$name.ko --sarif /tmp/r.sarif --junit /tmp/r.xml \\
	-- sh -c 'insmod /add/$name.ko && sh /add/test.sh; t=\$?; rmmod $name; exit \$t' > /tmp/f.json 2>/tmp/e.txt
rc=\$?
cat /tmp/e.txt >&2
echo "@@FINDINGS@@"; cat /tmp/f.json; echo "@@END@@"
echo "@@SARIF@@"; cat /tmp/r.sarif; echo; echo "@@END@@"
echo "@@JUNIT@@"; cat /tmp/r.xml; echo "@@END@@"
exit \$rc
GUEST
"$top/tests/vm/run" --kernel "$kernel" --timeout "${CI_JOB_TIMEOUT:-900}" --add "$ko" \
	--add "$out/test.sh" --add "$out/job.sh" -- sh /add/job.sh > "$out/console.txt"
rc=$?
# between MARK and the next @@END@@ of the console, as pagetrack wrote it.
section() { sed -n "/@@$1@@/,/@@END@@/p" "$out/console.txt" | sed '1d;$d' | tr -d '\r'; }
section FINDINGS > "$out/pagetrack-findings.json"
section JUNIT > "$out/pagetrack.junit.xml"
# SARIF: source paths are relative to the module's build directory; code
# scanning resolves them from the repository's root.
if [ -n "${CI_JOB_SRC_PREFIX:-}" ] && command -v jq >/dev/null; then
	section SARIF | jq -c --arg p "${CI_JOB_SRC_PREFIX%/}/" \
		'(.runs[].results[].locations[].physicalLocation.artifactLocation.uri | strings) |= $p + .' \
		> "$out/pagetrack.sarif"
else
	section SARIF > "$out/pagetrack.sarif"
fi
n=$(grep -c '"severity":"error"' "$out/pagetrack-findings.json")
case $rc in
0) echo "ci-job: $name is clean on $kernel" ;;
1) echo "ci-job: FAIL: $n error-level finding(s) in $name on $kernel (see $out/pagetrack-findings.json):"
   grep '"type":"finding"' "$out/pagetrack-findings.json" | sed -E 's/.*"kind":"([a-z_]+)".*"caller":"([^"]*)".*/  \1 at \2/' ;;
3) echo "ci-job: FAIL: the test script (or insmod) failed for $name on $kernel:"
   grep "^pagetrack: " "$out/console.txt" | grep -v "attach mode\|^pagetrack: note" | sed 's/^/  /' ;;
4) echo "ci-job: FAIL: nothing was checked: $name was never loaded on $kernel" ;;
*) echo "ci-job: the job did not complete (exit $rc)" ;;
esac
exit "$rc"
