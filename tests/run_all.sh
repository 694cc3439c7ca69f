#!/usr/bin/env bash
# The README's test command runs this: every suite, then one summary line.
# Suites: host unit (cmocka), replay, host live (tracepoint mode), source
# lines and make kmod trees (srcline), docs,
# prometheus (promtool, node_exporter, alert rules, dashboard), package
# (make deb, lintian, dpkg into a scratch root), sanitizer
# build of unit+replay, fuzz corpus, bench smoke; then the VM suites (lab,
# tracer, module scope, callers, CI example) side by side, sharing two guest
# slots (tests/vm/pool.sh). PAGETRACK_VM_SUITES="name:target ..." picks VM
# suites (default: all five).
set -u
cd "$(dirname "$0")/.."
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
P=0 F=0 S=0 broken=() times=() took=""

# Runs one suite, relays its output, adds its own summary to the totals.
suite() {
	local name=$1; shift
	local t0=$SECONDS
	echo "=== $name"
	"$@" 2>&1 | tee "$log/$name"
	local rc=${PIPESTATUS[0]}
	times+=("$name ${took:-$((SECONDS - t0))} s")
	local line p=0 f=0 s=0
	line=$(grep -E '^([a-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log/$name" | tail -1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/^([a-z]+: )?([0-9]+) passed.*/\2/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		s=$(grep -oE '[0-9]+ skipped' <<<"$line" | cut -d' ' -f1)
	elif grep -q '^\[==========\] .* test(s) run' "$log/$name"; then
		# One cmocka summary per test program: sum them.
		p=$(grep -oE '^\[  PASSED  \] [0-9]+' "$log/$name" | awk '{s += $NF} END {print s + 0}')
		f=$(grep -oE '^\[  FAILED  \] [0-9]+ test' "$log/$name" | awk '{s += $3} END {print s + 0}')
	fi
	P=$((P + ${p:-0})); F=$((F + ${f:-0})); S=$((S + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		# A suite that died without counting a failure is one failure.
		F=$((F + 1)); broken+=("$name (exit $rc)")
	fi
}

make -s all || { echo "build failed"; echo "total: 0 passed, 1 failed"; exit 1; }
suite unit make -s unit-test
suite replay make -s replay-test
suite host make -s host-test
suite srcline make -s srcline-test
suite layers make -s layers-test
suite docs make -s docs-test
suite prometheus make -s prom-test
suite package make -s package-test
suite sanitizers bash tests/sanitize.sh
suite fuzz-corpus make -s fuzz-corpus
suite bench-smoke make -s bench-smoke
# The VM suites need the lab (tests/vm/run, the reference module).
if [ -x tests/vm/run ] && [ -f module/pagetrack_ref.c ]; then
	# Built once here: the suites below run side by side.
	make -s all lab refmod >"$log/vm-build" 2>&1 || { cat "$log/vm-build"; F=$((F + 1)); broken+=("VM build"); }
	# All VM suites at once, their boots sharing the machine's slots
	# (tests/vm/pool.sh): no core idles while one suite's last boot ends.
	# Each suite's output is shown whole, in this order, when all are done.
	# PAGETRACK_VM_SLOTS set outside: share that directory's slots with
	# other runs on this machine (see tests/vm/pool.sh).
	export PAGETRACK_VM_SLOTS=${PAGETRACK_VM_SLOTS:-$log/bg/slots}
	mkdir -p "$PAGETRACK_VM_SLOTS" "$log/bg"
	: >"$PAGETRACK_VM_SLOTS/boots"
	t_vm=$SECONDS
	vm_suites=${PAGETRACK_VM_SUITES:-tracer:vm-test module-scope:init-test callers:callers-test ci-example:ci-example-test lab:lab-test}
	for s in $vm_suites; do
		(
			t0=$SECONDS
			make -s "${s#*:}" >"$log/bg/${s%%:*}" 2>&1
			rc=$?
			echo "$rc $((SECONDS - t0))" >"$log/bg/${s%%:*}.rc"
			echo "--- ${s%%:*}: done in $((SECONDS - t0)) s (exit $rc); its output follows when all VM suites are done"
		) &
	done
	wait
	t_vm=$((SECONDS - t_vm))
	# replay NAME: a suite's kept output and status, as if run now.
	replay() { cat "$log/bg/$1"; return "$(cut -d' ' -f1 "$log/bg/$1.rc" 2>/dev/null || echo 126)"; }
	for s in $vm_suites; do
		took=$(cut -d' ' -f2 "$log/bg/${s%%:*}.rc" 2>/dev/null)
		suite "${s%%:*}" replay "${s%%:*}"
		took=""
	done
else
	echo "=== lab, tracer: not run: the QEMU lab is not in this tree yet"
fi

# Where the time went: the suite's budget is CI's 90 minutes.
echo "suite times: $(IFS=,; echo "${times[*]}" | sed 's/,/, /g'); all $SECONDS s"
if [ -s "${PAGETRACK_VM_SLOTS:-/nonexistent}/boots" ]; then
	# Guest boots: the slots' use is what bounds the VM suites' time.
	awk -v w="$t_vm" '{ n++; wall += $1; cpu += $2 } END {
		printf "guest boots: %d, %d s in slots, %d s of QEMU CPU, in %d s of wall time\n", n, wall, cpu, w }' \
		"$PAGETRACK_VM_SLOTS/boots"
	echo "longest boots (wall s, CPU s, suite/boot):"
	sort -rn "$PAGETRACK_VM_SLOTS/boots" | head -8 | sed 's/^/  /'
fi
[ ${#broken[@]} -gt 0 ] && echo "suites that failed without a count: ${broken[*]}"
# Repeat each failing check at the end, where a CI log's tail shows it.
if [ "$F" -gt 0 ]; then
	echo "failed checks:"
	grep -HE '^(not ok|\[  FAILED  \] [a-z_])' "$log"/* 2>/dev/null |
		sed -E "s|^$log/||; s|^|  |" | head -40
fi
echo "total: $P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
