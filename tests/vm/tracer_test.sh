#!/usr/bin/env bash
# Host side of the tracer VM suite: one boot per (kernel, attach mode) running
# tests/vm/guest/tracer_checks.sh; times each boot; sums the results into one
# line.  TRACER_RUNS="kernel:mode ..." overrides the set below. Every boot of
# the suite (tracer checks, kmap_local warning boots, load runs) goes through
# one pool (tests/vm/pool.sh: two at a time on 2 cores, TRACER_JOBS or
# PAGETRACK_VM_JOBS to change), their outputs shown one after the other.
set -u
cd "$(dirname "$0")/../.."
P=0 F=0 S=0
# Six boots, not nine (2 cores under TCG: `make test` must stay short):
#   i386:auto        kprobes on 6.1 (32-bit x86 has no BPF trampoline)
#   amd64:auto       fentry on 6.1 (< 6.4 module layout, pre-6.10 allocator names)
#   amd64-bpo:auto   fentry on 6.12 (mem[MOD_TEXT] layout, *_noprof names)
#   amd64-bpo:kprobe kprobes on x86-64, on 6.12: the 6.1 amd64 kprobe boot is
#                    left out, its kprobe path runs on i386 6.1 and its x86-64
#                    registers on 6.12; the newer kernel gets both modes because
#                    only it has the names and layout no host test can reach.
#   armhf:auto       kprobes on ARM32 6.1 LPAE (HIGHMEM, no BPF trampoline)
#   amd64-bpo:dma-tracepoint  the DMA checks alone (dma_mode_checks.sh) in
#                    tracepoint mode, through the dma: tracepoints 6.12 has
# Listed longest first (amd64-bpo:auto with the NIC's real work took 520 s in
# the last full run, armhf 500, i386 450): the boot that starts last should
# be a short one.
runs=${TRACER_RUNS:-amd64-bpo:auto armhf:auto i386:auto amd64:auto amd64-bpo:kprobe amd64-bpo:dma-tracepoint}
if [ -z "${TRACER_RUNS:-}" ]; then
	echo "# tracer runs: $runs; amd64 6.1 --attach kprobe is left out to keep make test" \
		"short on 2 TCG cores: kprobes run on i386 6.1, x86-64 6.12 and armhf 6.1"
else
	echo "# tracer runs (TRACER_RUNS): $runs"
fi
[ -n "${TRACER_JOBS:-}" ] && export PAGETRACK_VM_JOBS=$TRACER_JOBS
. tests/vm/pool.sh
trap pool_cleanup EXIT

t_all=$(date +%s)
n=0
# The DMA real-work check (dma_checks.sh) needs a NIC and its driver: the
# amd64-bpo fentry and DMA tracepoint boots get them (TRACER_NIC_RUN, a list;
# the e1000 module from the kernel's package, scripts/lab-nic.sh), the
# others skip it with that reason.
nic_runs=${TRACER_NIC_RUN-amd64-bpo:auto amd64-bpo:dma-tracepoint}
for run in $runs; do
	n=$((n + 1))
	nic=()
	case " $nic_runs " in *" $run "*)
		ko=$(bash scripts/lab-nic.sh "${run%%:*}" 2>/dev/null) && nic=(--nic e1000 --add "$ko") ;;
	esac
	case ${run#*:} in
	dma-*) guest=(sh /tests/dma_mode_checks.sh "${run#*:dma-}") ;;
	*) guest=(sh /tests/tracer_checks.sh "${run#*:}") ;;
	esac
	pool_start "t$n" tests/vm/run --kernel "${run%%:*}" --timeout 1500 "${nic[@]}" -- "${guest[@]}"
done
# The HIGHMEM kernels' own boots join the same pool (see warn_boot, load_run).
KL_KERNELS=${PAGETRACK_KL_KERNELS:-i386 armhf}
# The load runs' length per kernel: long enough for >10 000 kmap_local maps
# and several interval reports (the armhf TCG guest is slower); longer runs
# are the soak's (make soak), not make test's.
load_secs() { case $1 in armhf) echo "${PAGETRACK_LOAD_SECS:-40}" ;; *) echo "${PAGETRACK_LOAD_SECS:-60}" ;; esac; }
# Longest first, so the pool ends with short boots.
for k in $KL_KERNELS; do
	secs=$(load_secs "$k")
	[ "$secs" = 0 ] && continue
	pool_start "load-$k" tests/vm/run --kernel "$k" --timeout 1500 -- sh /tests/kmap_local_load.sh "$secs"
done
for k in $KL_KERNELS; do
	pool_start "warn-$k" tests/vm/run --kernel "$k" --timeout 900 --keep-log -- sh /tests/kmap_local_warn.sh
done
pool_wait

times=""
n=0
for run in $runs; do
	n=$((n + 1))
	kernel=${run%%:*} mode=${run#*:}
	echo "--- tracer checks on $kernel, --attach $mode"
	cat "$(pool_out "t$n")"
	rc=$(pool_rc "t$n") secs=$(pool_secs "t$n")
	times="$times $kernel:$mode ${secs}s,"
	echo "# $kernel --attach $mode: boot and checks took $secs s, exit $rc"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$(pool_out "t$n")" | tail -1)
	p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
	s=$(echo "$line" | grep -oE '[0-9]+ skipped' | cut -d' ' -f1)
	P=$((P + ${p:-0})); F=$((F + ${f:-0})); S=$((S + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "not ok - $kernel guest run failed (exit $rc: 124 timeout, 125 oops, 126 harness)"
		F=$((F + 1))
	fi
done
echo "# tracer times:${times%,}; all $(($(date +%s) - t_all)) s for every boot of the suite, $POOL_JOBS at once"
# kmap_local scenarios the kernel WARNs about (once per boot): a boot of
# their own per HIGHMEM kernel, where exactly that WARNING (exit 125) is
# accepted, nothing else.
warn_boot() { # KERNEL
	local k=$1 out log rc line p f
	echo "--- kmap_local warning scenarios on $k (own boot, $(pool_secs "warn-$k") s)"
	out=$(pool_out "warn-$k")
	rc=$(pool_rc "warn-$k")
	cat "$out"
	log=$(grep -o 'console log: .*' "$out" | tail -1 | cut -d' ' -f3)
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
	P=$((P + ${p:-0})); F=$((F + ${f:-0}))
	if [ -z "$line" ] || grep -q 'timed out' "$out"; then
		echo "not ok - $k kmap_local warning boot: the guest script did not finish (exit $rc)"; F=$((F + 1))
	fi
	# The harness's own oops pattern; every match must be that one WARNING.
	pat='\[ *[0-9]+\.[0-9]+\] .*(Oops|BUG:|Kernel panic|Bad page state|WARNING:|general protection fault|kernel BUG at|Unable to handle kernel|invalid opcode:|soft lockup|hard LOCKUP|detected stalls?|blocked for more than)'
	want='WARNING: CPU: [0-9]+ PID: [0-9]+ at mm/highmem.c:[0-9]+ kunmap_local_indexed'
	if [ "$rc" = 125 ] && [ -s "$log" ] && [ "$(grep -a -E "$pat" "$log" | grep -c -E "$want")" = 1 ] &&
		[ "$(grep -a -E "$pat" "$log" | grep -v -c -E "$want")" = 0 ]; then
		echo "ok - $k kernel: exactly one WARNING, in kunmap_local_indexed (exit 125 expected)"; P=$((P + 1))
	else
		echo "not ok - $k kernel: want only the kunmap_local_indexed WARNING (exit $rc)"
		[ -s "$log" ] && grep -a -E "$pat" "$log" | head -5 | sed 's/^/#   /'
		F=$((F + 1))
	fi
	[ -s "$log" ] && rm -f "$log"
}
for k in $KL_KERNELS; do
	warn_boot "$k"
done

# No false positives: the whole system traced under mixed work, per HIGHMEM
# kernel (load_secs).
load_run() { # KERNEL SECONDS
	local k=$1 secs=$2 out rc line p f
	if [ "$secs" = 0 ]; then
		echo "ok - $k system-wide mixed load # SKIP PAGETRACK_LOAD_SECS=0"; S=$((S + 1))
		return
	fi
	echo "--- kmap_local: system-wide mixed load on $k ($secs s; boot $(pool_secs "load-$k") s)"
	out=$(pool_out "load-$k")
	rc=$(pool_rc "load-$k")
	cat "$out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
	P=$((P + ${p:-0})); F=$((F + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "not ok - $k load run failed (exit $rc: 124 timeout, 125 oops, 126 harness)"; F=$((F + 1))
	fi
}
for k in $KL_KERNELS; do
	load_run "$k" "$(load_secs "$k")"
done

# doc/examples.md: the i386 tracer boot and its warning boot print every kind
# the reference module makes (tests/vm/guest/lib.sh, example); the committed
# file must hold exactly what they printed now (EXAMPLES_UPDATE=1 rewrites it).
exfiles=""
n=0
for run in $runs; do
	n=$((n + 1))
	[ "$run" = i386:auto ] && exfiles="$(pool_out "t$n")"
done
case " $KL_KERNELS " in *" i386 "*) [ -n "$exfiles" ] && exfiles="$exfiles $(pool_out warn-i386)" ;; *) exfiles="" ;; esac
if [ -n "$exfiles" ]; then
	# Kept, to remake the examples without a boot: scripts/examples.sh i386 FILE
	# shellcheck disable=SC2086
	grep -h '^#ex ' $exfiles >.output/vm/examples-i386.txt 2>/dev/null
	# shellcheck disable=SC2086
	line=$(scripts/examples.sh i386 $exfiles)
	echo "$line"
	case $line in "not ok"*) F=$((F + 1)) ;; *"# SKIP"*) S=$((S + 1)) ;; *) P=$((P + 1)) ;; esac
else
	echo "ok - doc/examples.md is current # SKIP needs the i386:auto tracer boot and the i386 warning boot"
	S=$((S + 1))
fi
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
