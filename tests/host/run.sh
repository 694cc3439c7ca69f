#!/usr/bin/env bash
# Live tests on the host kernel: the tracepoint-only environment (no kprobes,
# no modules). Needs root.   run.sh PAGETRACK
set -u
PT=$(readlink -f "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0 skip=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
skp() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

if [ "$(id -u)" -ne 0 ]; then
	skp "host live tests" "not root"
	echo "$pass passed, $fail failed, $skip skipped"; exit 0
fi
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
if [ ! -e /sys/kernel/tracing/events/kmem/mm_page_alloc ]; then
	skp "host live tests" "no kmem tracepoints on this kernel"
	echo "$pass passed, $fail failed, $skip skipped"; exit 0
fi

# A real allocator workload: anonymous memory faulted in and released.
workload() { for i in 1 2 3; do head -c 30000000 /dev/zero | cat > /dev/null; done; }
export -f workload 2>/dev/null

# Programs named pagetrack_* that no process holds open (a leak: pinned, or
# kept by a link nobody owns). Other pagetrack runs on this host hold theirs,
# so they do not count. Freeing is deferred, so allow 2 s for it to settle.
prog_ids() { bpftool prog show 2>/dev/null | awk '/ name pagetrack_/ { sub(":", "", $1); print $1 }' | sort; }
held_ids() { cat /proc/[0-9]*/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print $2 }' | sort -u; }
orphans() {
	local n
	for _ in $(seq 20); do
		n=$(comm -23 <(prog_ids) <(held_ids) | wc -l)
		[ "$n" -eq 0 ] && break
		sleep 0.1
	done
	echo "$n"
}
held_by() { cat /proc/"$1"/fdinfo/* 2>/dev/null | grep -c '^prog_id:'; }

"$PT" -j --record "$dir/rec.ptr" -- bash -c 'for i in 1 2 3; do head -c 30000000 /dev/zero | cat >/dev/null; done' \
	>"$dir/live.json" 2>"$dir/live.err"
rc=$?
check "tracepoint mode: clean workload exits 0" '[ $rc -eq 0 ]'
mode=$(grep -o 'attach mode [a-z]*' "$dir/live.err")
if [ -e /sys/bus/event_source/devices/kprobe ]; then
	check "attach mode chosen ($mode)" '[ -n "$mode" ]'
else
	check "no kprobes here: tracepoint mode ($mode)" '[ "$mode" = "attach mode tracepoint" ]'
fi
check "startup says what is off and why" 'grep -q "partial_free: off: needs kprobes" "$dir/live.err" || [ -e /sys/bus/event_source/devices/kprobe ]'
check "kmap tracking: not applicable on 64-bit" 'grep -q "kmap tracking: not applicable, kernel has no HIGHMEM" "$dir/live.err"'
# The dma: tracepoints (tracepoint mode's DMA API, bpf/dma_tp.bpf.h). This
# host's devices do no DMA through the DMA API (virtio without
# VIRTIO_F_ACCESS_PLATFORM bypasses it), so all this host can check is that
# the raw tracepoint programs load and attach (verifier, arguments placed
# from this kernel's BTF) and that the start-up lines say so; the findings
# are checked in the lab guests (tests/vm/guest/dma_mode_checks.sh).
if [ -e /sys/bus/event_source/devices/kprobe ] || [ ! -d /sys/kernel/tracing/events/dma ]; then
	skp "dma: tracepoints attach in tracepoint mode" "this host has kprobes or no dma: tracepoints"
else
	dmaon=$(grep -c '^  dma.*: on (dma:[a-z_]*, dma:[a-z_]* raw tracepoints' "$dir/live.err")
	check "dma: tracepoints attach, the start-up lines say so ($dmaon lines: $(grep '^  dma' "$dir/live.err" | sed 's/: on (\(dma:[a-z_]*, dma:[a-z_]*\).*/: \1/' | tr '\n' ';'))" \
		'[ "$dmaon" -ge 3 ] && grep -q "dma page mappings.*: on (dma:dma_map_[a-z]*, dma:dma_unmap_[a-z]* raw" "$dir/live.err" && grep -q "dma sg mappings.*: on (dma:dma_map_sg, dma:dma_unmap_sg raw" "$dir/live.err"'
	echo "# DMA here (none expected: no device maps through the DMA API): $(grep -o '"dma":{[^}]*}' "$dir/live.json")"
fi
recv=$(grep '"type":"summary"' "$dir/live.json" | grep -o '"events_received":[0-9]*' | cut -d: -f2)
check "sees the workload (events received: ${recv:-0})" '[ "${recv:-0}" -gt 1000 ]'
check "no finding for a clean workload" '[ "$(grep -c "\"type\":\"finding\"" "$dir/live.json")" -eq 0 ]'
check "no events lost" 'grep "\"type\":\"summary\"" "$dir/live.json" | grep -q "\"events_lost\":0"'
check "detached after exit" '[ "$(orphans)" -eq 0 ]'

# Module scope's CO-RE on this kernel (mem[] since 6.4): the do_init_module
# and delete_module programs relocate and verify, though nothing attaches.
src=$(cd "$(dirname "$0")/../../src" && pwd)
if gcc -O2 -Wall "$src/../tests/host/coreload.c" -o "$dir/coreload" -lbpf 2>"$dir/coreload.err"; then
	"$dir/coreload" "$(dirname "$PT")/pagetrack.bpf.o" >"$dir/coreload.out" 2>&1
	rc=$?
	check "module-scope programs load here ($(grep layout: "$dir/coreload.out"))" \
		'[ $rc -eq 0 ] && ! grep -q "layout: unknown" "$dir/coreload.out"'
else
	nok "build tests/host/coreload.c: $(head -1 "$dir/coreload.err")"
fi

# What BPF attached to each event: recstat prints "type events with_stack".
src=$(cd "$(dirname "$0")/../../src" && pwd)
# The core library beside the binary (make builds both).
gcc -O2 -Wall -I"$src" "$src/../tests/host/recstat.c" "$(dirname "$PT")/libptcore.a" -o "$dir/recstat" 2>"$dir/recstat.err" ||
	nok "build tests/host/recstat.c: $(head -1 "$dir/recstat.err")"
stacked() { # FILE TYPE: "events with_stack sampled" of that event type
	"$dir/recstat" "$1" | awk -v t="$2" '$1 == t {print $2, $3, $4}'
}
# Default: allocations sampled by pages (R 32), only the drawn ones unwind,
# and frees unwind only where a finding could use the stack.
read -r na sa ma < <(stacked "$dir/rec.ptr" 1)
read -r nf sf _ < <(stacked "$dir/rec.ptr" 2)
check "default: only sampled allocations carry a stack ($sa of $na, $ma drawn)" \
	'[ "${na:-0}" -gt 0 ] && [ "$sa" -gt 0 ] && [ "$sa" -le "$ma" ] && [ "$ma" -lt $((na / 8)) ]'
check "default: few frees carry a stack ($sf of $nf)" \
	'[ "${nf:-0}" -gt 0 ] && [ "$sf" -lt $((nf / 8)) ]'
"$PT" -j --stacks all --record "$dir/all.ptr" -- bash -c 'head -c 30000000 /dev/zero | cat >/dev/null' \
	>"$dir/all.json" 2>"$dir/all.err"
read -r na sa ma < <(stacked "$dir/all.ptr" 1)
read -r nf sf _ < <(stacked "$dir/all.ptr" 2)
check "--stacks all: every allocation and free carries a stack ($sa/$na, $sf/$nf), none flagged sampled" \
	'[ "${na:-0}" -gt 0 ] && [ "$sa" = "$na" ] && [ "${nf:-0}" -gt 0 ] && [ "$sf" = "$nf" ] && [ "$ma" = 0 ]'
check "--stacks all: exact per-site pages (no estimate)" \
	'! grep -q "\"estimated\"" "$dir/all.json" && grep -q "\"sample_pages\":0" "$dir/all.json"'
"$PT" -j --stacks all --no-free-stacks --record "$dir/nfs.ptr" -- bash -c 'head -c 30000000 /dev/zero | cat >/dev/null' \
	>"$dir/nfs.json" 2>"$dir/nfs.err"
rc=$?
read -r na sa _ < <(stacked "$dir/nfs.ptr" 1)
read -r nf sf _ < <(stacked "$dir/nfs.ptr" 2)
check "--no-free-stacks: allocations carry stacks ($sa/$na), frees none ($sf/$nf), exit $rc" \
	'[ $rc -eq 0 ] && [ "${na:-0}" -gt 0 ] && [ "$sa" = "$na" ] && [ "${nf:-0}" -gt 0 ] && [ "$sf" = 0 ]'
check "--no-free-stacks: the start-up line says so" 'grep -q "stacks for allocations only" "$dir/nfs.err"'

"$PT" -j --replay "$dir/rec.ptr" >"$dir/replay.json" 2>"$dir/replay.err"
rc=$?
strip() { grep -v '"type":"summary"' "$1" | sort; }
check "replay of the recording: exit 0" '[ $rc -eq 0 ]'
check "replay gives the same report as live" '[ "$(strip "$dir/live.json")" = "$(strip "$dir/replay.json")" ]'
rrecv=$(grep -o '"events_received":[0-9]*' "$dir/replay.json" | cut -d: -f2)
check "replay reads every recorded event ($rrecv = $recv)" '[ "$rrecv" = "$recv" ]'

# Signals: the report is still printed, the status documented, nothing left.
for sig in INT TERM HUP; do
	"$PT" >"$dir/sig.out" 2>"$dir/sig.err" &
	pid=$!
	# Up to 30 s: a loaded machine can take seconds to load and attach.
	for _ in $(seq 300); do grep -q "attach mode" "$dir/sig.err" && break; sleep 0.1; done
	workload
	kill -s "$sig" $pid
	wait $pid
	rc=$?
	check "SIG$sig: report printed, exit 0, detached (exit $rc)" \
		'[ $rc -eq 0 ] && grep -q "finding(s)" "$dir/sig.out" && [ "$(orphans)" -eq 0 ]'
done
# A stop signal while pagetrack still loads and attaches (before its
# "attach mode" line): it ends the trace once attached, reports, detaches.
"$PT" >"$dir/sig.out" 2>"$dir/sig.err" &
pid=$!
# Once it catches SIGTERM (bit 15 of SigCgt), well before it is attached.
for _ in $(seq 100); do
	cgt=$(awk '/^SigCgt/ { print $2 }' /proc/$pid/status 2>/dev/null)
	[ -n "$cgt" ] && (( 0x$cgt & 0x4000 )) && break
	sleep 0.01
done
early=$(grep -c "attach mode" "$dir/sig.err")
kill -s TERM $pid
wait $pid
rc=$?
check "SIGTERM during start-up (attach mode line before it: $early): report printed, exit 0, detached (exit $rc)" \
	'[ "$early" = 0 ] && [ $rc -eq 0 ] && grep -q "finding(s)" "$dir/sig.out" && [ "$(orphans)" -eq 0 ]'
"$PT" >/dev/null 2>"$dir/kill.err" &
pid=$!
for _ in $(seq 50); do grep -q "attach mode" "$dir/kill.err" && break; sleep 0.1; done
check "while tracing, programs are attached" '[ "$(held_by $pid)" -gt 0 ]'
kill -9 $pid; wait $pid 2>/dev/null
sleep 0.5
check "after SIGKILL nothing is left attached" '[ "$(orphans)" -eq 0 ] && [ -z "$(bpftool link show 2>/dev/null | grep -i pagetrack)" ]'

"$PT" -d 0.5 >"$dir/d.out" 2>&1
check "-d duration ends the trace with a report" '[ $? -eq 0 ] && grep -q "finding(s)" "$dir/d.out"'

# CI formats live: written at the end, the report's stdout untouched.
"$PT" -d 0.5 -j --sarif "$dir/live.sarif" --junit "$dir/live.xml" --github-annotations \
	>"$dir/ci.json" 2>"$dir/ci.err"
rc=$?
check "live --sarif and --junit written at the end; -j stdout stays JSON lines (exit $rc)" \
	'[ $rc -eq 0 ] && grep -q "\"version\":\"2.1.0\"" "$dir/live.sarif" && grep -q "<testcase classname=\"pagetrack.run\" name=\"system-wide\"" "$dir/live.xml" && [ -z "$(grep -v "^{.*}$" "$dir/ci.json")" ]'
npm_dir=$(bash "$(dirname "$0")/../../scripts/npm-tools.sh" 2>/dev/null)
if [ -n "$npm_dir" ]; then
	val=$(cd "$npm_dir" && DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 npx --no-install sarif-multitool validate "$dir/live.sarif" 2>&1)
	check "live SARIF validates (SARIF multitool: no error, no warning)" \
		'grep -q "Analysis completed successfully" <<<"$val" && ! grep -qE ": (error|warning) [A-Z]+[0-9]+:" <<<"$val"'
else
	skp "live SARIF validates" "npm tools unavailable (scripts/npm-tools.sh)"
fi
"$PT" -d 0.3 --junit "$dir/cmd.xml" -- sh -c 'exit 3' >/dev/null 2>&1
rc=$?
check "live --junit: a failed COMMAND fails a testcase of its own (exit $rc)" \
	'[ $rc -eq 3 ] && grep -q "<testsuite name=\"pagetrack\" tests=\"2\" failures=\"1\"" "$dir/cmd.xml" && grep -q "<failure type=\"command_failed\" message=\"COMMAND sh exited with status 3\">" "$dir/cmd.xml"'
"$PT" -d 0.5 --sarif "$dir/nodir/x.sarif" >/dev/null 2>"$dir/cibad.err"
rc=$?
check "live --sarif in a missing directory: exit 2 before tracing, one line" \
	'[ $rc -eq 2 ] && [ "$(cat "$dir/cibad.err")" = "pagetrack: cannot write $dir/nodir/x.sarif: No such file or directory" ]'
"$PT" -d 0.5 -j --junit /proc/pt-ci-test.xml >"$dir/cifail.json" 2>"$dir/cifail.err"
rc=$?
check "live --junit that cannot be written at the end: report printed, exit 2" \
	'[ $rc -eq 2 ] && grep -q "\"type\":\"summary\"" "$dir/cifail.json" && grep -q "^pagetrack: cannot write /proc/pt-ci-test.xml: No such file or directory$" "$dir/cifail.err"'

# Loss under stress: a 1 MiB buffer against a parallel page flood, with the
# reader stopped meanwhile (a fast reader alone keeps up with this machine);
# --stacks all, so that every event crosses the ring buffer (by default most
# order-0 blocks are paired in BPF and send nothing).
"$PT" --buffer-mb 1 --stacks all -j >"$dir/flood.json" 2>"$dir/flood.err" &
fpid=$!
for _ in $(seq 100); do grep -q "attach mode" "$dir/flood.err" && break; sleep 0.1; done
kill -STOP $fpid
dds=()
for i in 1 2; do dd if=/dev/zero of=/dev/null bs=512M count=2 2>/dev/null & dds+=($!); done
wait "${dds[@]}"
kill -CONT $fpid
sleep 0.5
kill -INT $fpid
wait $fpid
rc=$?
sum=$(grep '"type":"summary"' "$dir/flood.json")
num() { grep -o "\"$1\":[0-9]*" <<<"$sum" | cut -d: -f2; }
produced=$(num events_produced) received=$(num events_received) lost=$(num events_lost)
if [ "${lost:-0}" -gt 0 ]; then
	check "flood: produced $produced = received $received + lost $lost, exactly" \
		'[ "$produced" -eq $((received + lost)) ]'
	check "flood: events_lost finding with the exact count, report marked incomplete" \
		'grep -q "\"kind\":\"events_lost\".*\"lost\":$lost," "$dir/flood.json" && grep -q "\"incomplete\":true" <<<"$sum"'
	check "flood: loud warning on stderr, tool kept running to the end (exit $rc)" \
		'grep -q "events were lost" "$dir/flood.err" && [ $rc -eq 0 ]'
else
	skp "flood: exact loss accounting" "could not overflow a 1 MiB buffer on this machine (produced $produced)"
fi
"$PT" -j -- sh -c 'for i in 1 2; do dd if=/dev/zero of=/dev/null bs=512M count=2 2>/dev/null & done; wait' \
	>"$dir/noflood.json" 2>/dev/null
sum=$(grep '"type":"summary"' "$dir/noflood.json")
check "full churn through the default 16 MiB buffer: nothing lost ($(num events_produced) events)" \
	'[ "$(num events_lost)" = 0 ] && [ "$(num events_produced)" = "$(num events_received)" ]'

# A batched free fires mm_page_free and then mm_page_free_batched for the same
# page: the twin is counted in BPF, not sent, and no free is lost for it
# (dd's 256 MiB buffer, freed in batches at exit, is seen freed).
"$PT" -v -j -- dd if=/dev/zero of=/dev/null bs=256M count=2 >"$dir/twin.json" 2>"$dir/twin.err"
sum=$(grep '"type":"summary"' "$dir/twin.json")
twins=$(sed -n 's/^pagetrack: \([0-9]*\) mm_page_free_batched events were twins.*/\1/p' "$dir/twin.err")
check "batched-free twins counted, not sent (${twins:-none}); dd's 256 MiB seen freed ($(num pages_freed) of $(num pages_allocated) pages)" \
	'[ "${twins:-0}" -gt 0 ] && [ "$(num pages_freed)" -ge 65536 ]'

# Pairing in BPF: dd's order-0 pages (most of its 65 536) are kept as bits in BPF,
# not events, and the summary's totals still count them and still add up.
# With --record every event is sent (a recording keeps them all).
paired=$(num paired_in_bpf)
check "paired in BPF: $paired order-0 blocks never sent, $(num events_received) events received" \
	'[ "${paired:-0}" -ge 49152 ] && [ "$(num events_received)" -lt $((paired / 4)) ]'
check "paired in BPF ($(num probe_misses) program runs skipped by the kernel): allocated $(num pages_allocated) - freed $(num pages_freed) - dropped $(num pages_dropped) = outstanding $(num outstanding_pages)" \
	'[ "$(num outstanding_pages)" -eq $(( $(num pages_allocated) - $(num pages_freed) - $(num pages_dropped) )) ]'
"$PT" -j --record "$dir/twin.rec" -- dd if=/dev/zero of=/dev/null bs=64M count=2 >"$dir/twinrec.json" 2>/dev/null
sum=$(grep '"type":"summary"' "$dir/twinrec.json")
check "--record: nothing paired in BPF ($(num paired_in_bpf)), every allocation sent ($(num events_received) events)" \
	'[ "$(num paired_in_bpf)" = 0 ] && [ "$(num events_received)" -ge 16384 ]'

# -p: the process's allocations and their frees are seen, frees far from
# anything it allocated are dropped in BPF (other processes churn meanwhile).
# dd starts once pagetrack has attached (its "attach mode" line), not after a
# fixed sleep that a loaded machine can outrun.
( while [ ! -e "$dir/pid.go" ]; do sleep 0.05; done
  exec dd if=/dev/zero of=/dev/null bs=32M count=8 2>/dev/null ) &
ddpid=$!
"$PT" -j -p $ddpid -d 4 >"$dir/pid.json" 2>"$dir/pid.err" &
ptpid=$!
for _ in $(seq 300); do grep -q "attach mode" "$dir/pid.err" && break; sleep 0.1; done
bash -c 'for i in 1 2 3 4 5 6; do head -c 30000000 /dev/zero | cat >/dev/null; sleep 0.2; done' &
noise=$!
touch "$dir/pid.go"
wait $ddpid $noise $ptpid
sum=$(grep '"type":"summary"' "$dir/pid.json")
check "-p: the process's 32 MiB buffer allocated and freed ($(num pages_allocated) / $(num pages_freed) pages)" \
	'[ "$(num pages_allocated)" -ge 8192 ] && [ "$(num pages_freed)" -ge 8192 ]'
check "-p: other processes' events dropped in BPF ($(num events_filtered) filtered, $(num events_received) received)" \
	'[ "$(num events_filtered)" -gt 0 ]'

# A 16-entry stack map collides on nearly every stack: the frames must come
# inline instead, reach the report, and replay the same.
"$PT" -v --stack-entries 16 -j --record "$dir/coll.ptr" -- sh -c \
	'for i in 1 2; do dd if=/dev/zero of=/dev/null bs=16M count=2 2>/dev/null; ls -R /usr/lib >/dev/null; done' \
	>"$dir/coll.json" 2>"$dir/coll.err"
"$PT" --replay "$dir/coll.ptr" -j >"$dir/coll2.json" 2>/dev/null
check "stack map collisions: no stack lost, frames shipped inline" \
	'! grep -q "stacks could not be stored" "$dir/coll.err" && grep -q "\"caller\":\"[a-z_]" "$dir/coll.json"'
check "stack map collisions: replay gives the same call sites" \
	'diff <(grep "type.:.outstanding" "$dir/coll.json") <(grep "type.:.outstanding" "$dir/coll2.json") >/dev/null && grep -q "type.:.outstanding" "$dir/coll.json"'

# Long-running outputs: interval reports, Prometheus textfile, folded stacks.
"$PT" -j -i 0.5 -d 2.2 --top 3 --metrics-file "$dir/m.prom" --folded "$dir/f.folded" \
	-- bash -c 'for i in 1 2 3 4; do head -c 20000000 /dev/zero | cat >/dev/null; sleep 0.4; done' \
	>"$dir/int.json" 2>/dev/null
check "-i: an interval report every 0.5 s" '[ "$(grep -c "\"type\":\"interval\"" "$dir/int.json")" -ge 3 ]'
check "-i: interval reports list at most --top sites" \
	'! grep "\"type\":\"interval\"" "$dir/int.json" | grep -q "\"top_by_pages\":\[\({[^}]*},\)\{3\}{"'
check "metrics file: the documented series" 'for m in pagetrack_outstanding_pages pagetrack_pkmap_slots_in_use pagetrack_kmap_waits_total pagetrack_findings_total pagetrack_events_received_total pagetrack_events_lost_total; do grep -q "^$m" "$dir/m.prom" || exit 1; done'
check "metrics file: every sample is name{labels} value" \
	'! grep -v "^#" "$dir/m.prom" | grep -vE "^[a-z_]+(\{[^}]*\})? [0-9]+$" | grep -q .'
if command -v promtool >/dev/null; then
	check "metrics file: promtool check metrics" 'promtool check metrics <"$dir/m.prom" >/dev/null 2>&1'
else
	skp "metrics file: promtool check metrics" "promtool not installed (make deps)"
fi
check "folded stacks: frame;frame;... pages" '[ -s "$dir/f.folded" ] && ! grep -vE "^[^ ]+ [0-9]+$" "$dir/f.folded" | grep -q .'
check "no temporary files left behind" '[ -z "$(ls -A "$dir" | grep "^\.")" ]'

# Security: private recordings, no link followed, COMMAND as another user.
(umask 000; "$PT" --record "$dir/priv.ptr" -- true >/dev/null 2>&1)
check "umask 000: the recording is created 0600 ($(stat -c %a "$dir/priv.ptr" 2>/dev/null))" \
	'[ "$(stat -c %a "$dir/priv.ptr")" = 600 ]'
printf 'old\n' > "$dir/old.ptr"; chmod 644 "$dir/old.ptr"
(umask 000; "$PT" --record "$dir/old.ptr" -- true >/dev/null 2>&1)
check "an existing recording of ours is overwritten, and made 0600" \
	'[ "$(stat -c %a "$dir/old.ptr")" = 600 ] && [ "$(head -c 8 "$dir/old.ptr")" != old ]'
printf 'victim\n' > "$dir/victim"
ln -s "$dir/victim" "$dir/link.ptr"
"$PT" --record "$dir/link.ptr" -- true >/dev/null 2>"$dir/link.err"; rc=$?
check "a symlink at the recording path is not followed (exit $rc)" \
	'[ $rc -eq 2 ] && [ "$(cat "$dir/victim")" = victim ] && [ -L "$dir/link.ptr" ] && grep -q "symlink" "$dir/link.err"'
ln "$dir/victim" "$dir/hard.ptr"
"$PT" --record "$dir/hard.ptr" -- true >/dev/null 2>&1; rc=$?
check "a hard link at the recording path is not written through (exit $rc)" \
	'[ $rc -eq 2 ] && [ "$(cat "$dir/victim")" = victim ]'
mkfifo "$dir/fifo.ptr"
timeout 60 "$PT" --record "$dir/fifo.ptr" -- true >/dev/null 2>&1; rc=$?
check "a FIFO planted at the recording path neither blocks nor is written (exit $rc)" '[ $rc -eq 2 ]'
printf 'theirs\n' > "$dir/theirs.ptr"; chown 65534 "$dir/theirs.ptr"
"$PT" --record "$dir/theirs.ptr" -- true >/dev/null 2>&1; rc=$?
check "another user's file at the recording path is left alone (exit $rc)" \
	'[ $rc -eq 2 ] && [ "$(cat "$dir/theirs.ptr")" = theirs ]'

# A world-writable directory: links planted at the target and at the
# temporary name older versions used (PATH.tmp.PID) must not be followed.
mkdir -m 1777 "$dir/shared"
printf 'victim\n' > "$dir/victim2"
ln -s "$dir/victim2" "$dir/shared/f.folded"
"$PT" --metrics-file "$dir/shared/m.prom" --folded "$dir/shared/f.folded" >/dev/null 2>"$dir/sh.err" &
pid=$!
ln -s "$dir/victim" "$dir/shared/m.prom.tmp.$pid"
ln -s "$dir/victim2" "$dir/shared/f.folded.tmp.$pid"
for _ in $(seq 50); do grep -q "attach mode" "$dir/sh.err" && break; sleep 0.1; done
workload
kill -INT $pid; wait $pid
check "planted temporary-name links not followed: victims unchanged" \
	'[ "$(cat "$dir/victim")" = victim ] && [ "$(cat "$dir/victim2")" = victim ]'
# (The file may be empty: with sampled stacks nothing sampled may be
# outstanding at the end; what matters is what stands at the path.)
check "a link at the target is replaced by the file, not written through" \
	'[ -f "$dir/shared/f.folded" ] && [ ! -L "$dir/shared/f.folded" ] && [ "$(stat -c %u "$dir/shared/f.folded")" = 0 ]'
check "metrics file 0644 for the collector, no temporary file left" \
	'[ "$(stat -c %a "$dir/shared/m.prom")" = 644 ] && [ -z "$(ls -A "$dir/shared" | grep "^\.")" ]'
check "live metrics and folded stacks: no raw kernel address" \
	'! grep -Eq "0xffff[0-9a-f]{12}" "$dir/shared/m.prom" "$dir/shared/f.folded"'

"$PT" -j --user nobody --record "$dir/user.ptr" -- sh -c \
	'echo "pid $$"; id -u; id -G; exec dd if=/dev/zero of=/dev/null bs=16M count=2 2>/dev/null' \
	>"$dir/user.out" 2>"$dir/user.err"
rc=$?
cuid=$(sed -n 2p "$dir/user.out") cgroups=$(sed -n 3p "$dir/user.out")
cpid=$(awk '$1 == "pid" {print $2}' "$dir/user.out")
read -r nua sua < <("$dir/recstat" "$dir/user.ptr" "${cpid:-1}" | awk '$1 == 1 {print $2, $3}')
check "--user nobody: the command ran as nobody's uid ($cuid), none of root's groups ($cgroups)" \
	'[ $rc -eq 0 ] && [ "$cuid" = "$(id -u nobody)" ] && [ "$cgroups" = "$(id -G nobody)" ]'
check "--user nobody: the trace saw the command's pages ($nua allocations by pid $cpid)" \
	'[ "${nua:-0}" -ge 4096 ]'
"$PT" --user nobody --group daemon -- id -g >"$dir/grp.out" 2>/dev/null
check "--group daemon: the command's gid is daemon's" '[ "$(head -1 "$dir/grp.out")" = "$(getent group daemon | cut -d: -f3)" ]'

# --user: the environment a login as the user gives, nothing of root's.
env -i PATH=/root/evil:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LD_PRELOAD=/nonexistent.so \
	LD_LIBRARY_PATH=/root/lib PYTHONPATH=/root/py PERL5LIB=/root/pl SECRET_TOKEN=42 \
	TERM=xterm-256color LANG=C.UTF-8 LC_MESSAGES=C TZ=UTC \
	"$PT" --user nobody -- env >"$dir/env.out" 2>"$dir/env.err"
rc=$?
pw() { getent passwd nobody | cut -d: -f"$1"; }
envv() { grep "^$1=" "$dir/env.out" | head -1 | cut -d= -f2-; }
check "--user nobody -- env: HOME, SHELL, USER, LOGNAME from passwd ($(envv HOME), $(envv SHELL)), PATH $(envv PATH)" \
	'[ $rc -eq 0 ] && [ "$(envv HOME)" = "$(pw 6)" ] && [ "$(envv SHELL)" = "$(pw 7)" ] && [ "$(envv USER)" = nobody ] && [ "$(envv LOGNAME)" = nobody ] && [ "$(envv PATH)" = /usr/local/bin:/usr/bin:/bin ]'
check "--user nobody -- env: no LD_*, interpreter path or other variable of root's; TERM, LANG, LC_*, TZ kept" \
	'! grep -Eq "^(LD_|PYTHONPATH|PERL5LIB|SECRET_TOKEN)" "$dir/env.out" && [ "$(envv TERM)" = xterm-256color ] && [ "$(envv LANG)" = C.UTF-8 ] && [ "$(envv LC_MESSAGES)" = C ] && [ "$(envv TZ)" = UTC ] && [ "$(grep -c "=" "$dir/env.out")" -le 10 ]'
# On root's terminal the command gets a session of its own: no controlling
# terminal, so it cannot type into root's shell (TIOCSTI). Without a
# terminal (CI) it stays in pagetrack's session, in a process group of its
# own (as every COMMAND: the end of -d stops that group).
if command -v script >/dev/null; then
	script -qec "$PT --user nobody -- sh -c 'echo TTY=\$(ps -o tty= -p \$\$) SID=\$(ps -o sid= -p \$\$) PSID=\$(ps -o sid= -p \$PPID)'" /dev/null \
		2>&1 | tr -d '\r ' | grep '^TTY=' >"$dir/tty.out"
	check "--user on a terminal: the command has no controlling terminal and its own session ($(cat "$dir/tty.out"))" \
		'grep -q "^TTY=?SID=\([0-9]*\)PSID=" "$dir/tty.out" && ! grep -Eq "SID=([0-9]+)PSID=\1$" "$dir/tty.out"'
else
	skp "--user on a terminal" "no script(1)"
fi
"$PT" --user nobody -- sh -c 'echo SID=$(ps -o sid= -p $$) PSID=$(ps -o sid= -p $PPID) PG=$(ps -o pgid= -p $$) ME=$$ PPG=$(ps -o pgid= -p $PPID)' </dev/null 2>/dev/null | tr -d ' ' | grep '^SID=' >"$dir/notty.out"
check "--user without a terminal: the command stays in pagetrack's session, in a process group of its own ($(cat "$dir/notty.out"))" \
	'grep -Eq "^SID=([0-9]+)PSID=\1PG=([0-9]+)ME=\2PPG=[0-9]+$" "$dir/notty.out" && ! grep -Eq "PG=([0-9]+)ME=[0-9]+PPG=\1$" "$dir/notty.out"'

# A full disk: the recording's write failure said at once with its errno
# (recording stopped, tracing goes on), metrics that cannot be written said
# once; exit 2 either way, the report still printed.
mkdir -p "$dir/tiny" "$dir/full"
if mount -t tmpfs -o size=128k none "$dir/tiny" && mount -t tmpfs -o size=64k none "$dir/full"; then
	dd if=/dev/zero of="$dir/full/filler" bs=4k 2>/dev/null
	"$PT" -j -i 0.2 --record "$dir/tiny/r.ptr" --metrics-file "$dir/full/m.prom" -- \
		bash -c 'workload; sleep 1; echo COMMAND-END >&2' >"$dir/full.out" 2>&1
	rc=$?
	fl=$(grep -n "writing the recording $dir/tiny/r.ptr failed: No space left on device; recording stopped" "$dir/full.out" | cut -d: -f1)
	ce=$(grep -n "^COMMAND-END" "$dir/full.out" | cut -d: -f1)
	check "--record on a full tmpfs: exit 2, ENOSPC said once while the command still ran (line ${fl:-none} before line ${ce:-none})" \
		'[ $rc -eq 2 ] && [ "$(grep -c "writing the recording" "$dir/full.out")" = 1 ] && [ -n "$fl" ] && [ -n "$ce" ] && [ "$fl" -lt "$ce" ]'
	check "--record on a full tmpfs: tracing went on, the report came, the recording said incomplete" \
		'grep -q "\"type\":\"summary\"" "$dir/full.out" && grep -q "the recording $dir/tiny/r.ptr is incomplete (No space left on device)" "$dir/full.out"'
	check "--metrics-file on a full tmpfs: said with ENOSPC when failing starts, not at each of ~15 intervals ($(grep -c "m.prom" "$dir/full.out") lines name it, left: $(ls -A "$dir/full" | tr '\n' ' '))" \
		'n=$(grep -c "cannot write $dir/full/m.prom: No space left on device" "$dir/full.out"); [ "$n" -ge 1 ] && [ "$n" -le 2 ] && [ -z "$(ls -A "$dir/full" | grep "^\.")" ]'
	umount "$dir/tiny" "$dir/full"
else
	skp "full disk under --record and --metrics-file" "cannot mount a tmpfs"
fi

# Capabilities instead of root: as nobody with CAP_BPF, CAP_PERFMON, and
# CAP_SYSLOG (kallsyms) and CAP_DAC_READ_SEARCH (tracefs ids) on this host.
if command -v capsh >/dev/null; then
	pub=$(mktemp -d); chmod 755 "$pub"; cp "$PT" "$pub/pt"
	caps=cap_bpf,cap_perfmon,cap_syslog,cap_dac_read_search
	capsh --caps="cap_setpcap,cap_setuid,cap_setgid+ep $caps+eip" --keep=1 --user=nobody \
		--addamb=$caps -- -c "$pub/pt -j --stacks all -- sh -c 'head -c 30000000 /dev/zero | cat >/dev/null'" \
		>"$dir/cap.json" 2>"$dir/cap.err"
	rc=$?
	sum=$(grep '"type":"summary"' "$dir/cap.json")
	check "as nobody with only $caps: traces ($(num events_received) events), names callers, exit $rc" \
		'[ $rc -eq 0 ] && [ "$(num events_received)" -gt 100 ] && grep -q "\"caller\":\"[a-z_]" "$dir/cap.json"'
	rm -rf "$pub"
else
	skp "tracing with capabilities only" "capsh missing (Debian libcap2-bin)"
fi

# The exit-status contract: COMMAND's failure is never a clean verdict (3),
# nor is a watched module that was never loaded (4); one stderr line says so.
verdict() { # name want-rc stderr-regex summary-regex args...
	local name=$1 want=$2 re=$3 sre=$4; shift 4
	"$PT" -j "$@" >"$dir/v.json" 2>"$dir/v.err"; rc=$?
	if [ $rc -eq "$want" ] && grep -qE "$re" "$dir/v.err" &&
	   grep '"type":"summary"' "$dir/v.json" | grep -qE "$sre"; then
		ok "$name: exit $rc"
	else
		nok "$name: exit $rc, want $want ($(grep -v '^  ' "$dir/v.err" | tail -2 | tr '\n' ' '))"
	fi
}
verdict "COMMAND exits 3" 3 "^pagetrack: COMMAND sh exited with status 3$" \
	'"command":\{"name":"sh","status":"exited","exit_code":3,"failed":true\}.*"exit_status":3' -- sh -c 'exit 3'
verdict "COMMAND that does not exist" 3 "^pagetrack: COMMAND /nonexistent could not be started: No such file or directory$" \
	'"status":"not_started","errno":2,"failed":true' -- /nonexistent
verdict "COMMAND killed by a signal" 3 "^pagetrack: COMMAND sh was killed by signal 9 " \
	'"status":"signaled","signal":9,"failed":true' -- sh -c 'kill -9 $$'
verdict "COMMAND that succeeds" 0 "" '"status":"exited","exit_code":0,"failed":false.*"exit_status":0' -- true
verdict "-m of a module never loaded while traced (COMMAND succeeded)" 4 \
	"^pagetrack: nothing was checked for module nosuchmod: it was never loaded while traced$" \
	'"modules":\[\{"name":"nosuchmod","state":"never_loaded","checked":false\}\],"exit_status":4' -m nosuchmod -- true
verdict "-m never loaded and COMMAND failed: the command's status wins" 3 "nothing was checked for module nosuchmod" \
	'"exit_status":3' -m nosuchmod -- sh -c 'exit 1'
# -d ends the trace before COMMAND: SIGTERM to its group, SIGKILL 3 s later.
t0=$(date +%s)
verdict "-d 1 with a COMMAND that ignores SIGTERM: killed, reported, not a failure" 0 \
	"ignored SIGTERM at the end of the trace; its process group was killed after 3 s" \
	'"status":"stopped","signal":9,"killed":true,"failed":false' -d 1 -- sh -c 'trap "" TERM; sleep 600 & wait; sleep 600'
t1=$(date +%s)
# The group's other members were SIGKILLed with it: give the kernel a moment
# to finish their exits (pagetrack reaps only its own child).
for _ in $(seq 50); do pgrep -f "^sleep 600$" >/dev/null || break; sleep 0.1; done
check "... within the grace, and its whole process group is gone ($((t1 - t0)) s)" \
	'[ $((t1 - t0)) -lt 30 ] && ! pgrep -f "^sleep 600$" >/dev/null'
verdict "-d 1 with a COMMAND that obeys SIGTERM: stopped by pagetrack, not a failure" 0 "" \
	'"status":"stopped","signal":15,"killed":false,"failed":false' -d 1 -- sleep 600

# Bad input: one clear line, exit 2.
bad() { # name expected-regex args...
	local name=$1 re=$2; shift 2
	"$PT" "$@" >/dev/null 2>"$dir/bad.err"; rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l < "$dir/bad.err")" -eq 1 ] && grep -qE "$re" "$dir/bad.err"; then
		ok "$name"
	else
		nok "$name (rc=$rc: $(cat "$dir/bad.err"))"
	fi
}
bad "--btf with a file that is not BTF" "not a usable BTF file" --btf /etc/hostname -d 1
bad "--btf with a missing file" "not a usable BTF file" --btf "$dir/none.btf" -d 1
bad "pid that does not exist" "no process with pid" -p 999999 -d 1
bad "unknown module" "module nosuchmod is not loaded" -m nosuchmod
bad "negative duration" "bad duration" -d -3
bad "zero stack entries" "stack-entries" --stack-entries 0
bad "interval too small" "bad interval" -i 0
bad "--top out of range" "top takes" --top 0
bad "--user that does not exist" "no user 'nosuchuser'" --user nosuchuser -- true
bad "--user without a COMMAND" "need a COMMAND" --user nobody
bad "--attach fentry where the kernel cannot" "cannot attach fentry programs" --attach fentry -d 1
if [ -e /sys/bus/event_source/devices/kprobe ]; then
	skp "--attach kprobe without kprobes" "this kernel has kprobes"
else
	bad "--attach kprobe without kprobes" "cannot probe __free_pages" --attach kprobe -d 1
fi
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PT" -d 1 >/dev/null 2>"$dir/bad.err"; rc=$?
	check "not root: exit 2 with a clear line" '[ $rc -eq 2 ] && grep -q "needs root" "$dir/bad.err"'
else
	skp "not root" "setpriv missing"
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
