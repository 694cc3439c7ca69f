#!/bin/sh
# Runs inside a lab guest (busybox sh, root): every reference-module scenario
# under `pagetrack -m pagetrack_ref --json`, asserting the exact findings.
# Env: PAGETRACK_ARCH=i386|amd64|armhf, PAGETRACK_BTF (i386, armhf: kernel BTF file).
# i386 and armhf are the HIGHMEM guests (kmap_high, LAST_PKMAP 512 on both).
. /tests/lib.sh
HIGHMEM=""
case $ARCH in i386 | armhf) HIGHMEM=1 ;; esac
# $1: attach mode to use and expect (fentry, kprobe); default: auto.
MODE=${1:-auto}
ATTACH="--attach $MODE"
T=/tmp/pt
mkdir -p $T

[ -x /bin/pagetrack ] || { nok "pagetrack binary in the guest"; summary; exit 1; }
insmod $KO || { nok "insmod pagetrack_ref"; summary; exit 1; }

# ex_kinds SCENARIO -> the finding kinds whose example (doc/examples.md)
# the scenario gives, on the guest that prints examples (lib.sh).
ex_kinds() {
	[ -n "$EXAMPLES" ] || return 0
	case $1 in
	order_mismatch | free_while_kmapped | pkmap_pressure | kmap_leak | kmap_atomic_sleep) echo "$1" ;;
	leak) echo held_at_exit ;;
	remap_private) echo remap_failed ;;
	noncompound_tail_map) echo "tail_page_mapped partial_free" ;;
	highmem_order3_kmap) echo kmap_partial ;;
	kmap_local_exit) echo kmap_local_leak ;;
	kmap_local_deep) echo kmap_local_depth ;;
	esac
}

# run SCENARIO -> $T/SCENARIO.json, .err, rc in $rc (and $T/SCENARIO.ptr
# where the scenario gives an example: its text form is replayed from it)
run() {
	case $1 in
	remap_*|*_map) cmd="pagetrack_ref_user $1" ;;
	*) cmd="echo $1 > $CTL" ;;
	esac
	rec=""
	[ -n "$(ex_kinds "$1")" ] && rec="--record $T/$1.ptr"
	pagetrack $BTF $ATTACH -v -m pagetrack_ref -j $rec -- sh -c "$cmd" >$T/$1.json 2>$T/$1.err
	rc=$?
}

# expect SCENARIO "kinds" EXIT [grep-pattern-for-each-finding-line]...
expect() {
	scen=$1 want=$2 wantrc=$3
	shift 3
	run "$scen"
	got=$(kinds $T/$scen.json)
	if [ "$got" = "$want" ] && [ "$rc" = "$wantrc" ]; then
		ok "$scen: findings [${want% }] exit $rc"
	else
		nok "$scen: want [${want% }] exit $wantrc, got [${got% }] exit $rc"
		grep -v '^  ' $T/$scen.err | tail -8 | sed 's/^/#   /'
		grep '"type":"finding"' $T/$scen.json | cut -c1-400 | sed 's/^/#   /'
		# The command's own output and the summary, to tell a flake's side.
		grep -v '"type":"finding"' $T/$scen.json | cut -c1-400 | sed 's/^/#   /'
		dmesg | tail -5 | sed 's/^/#   dmesg: /'
		return
	fi
	for pat in "$@"; do
		if grep '"type":"finding"' $T/$scen.json | grep -q "$pat"; then
			ok "$scen: $pat"
		else
			nok "$scen: no finding matches $pat"
			grep '"type":"finding"' $T/$scen.json | cut -c1-400 | sed 's/^/#   /'
		fi
	done
	# Every finding is attributed to the module's own code.
	n=$(grep -c '"type":"finding"' $T/$scen.json)
	m=$(grep '"type":"finding"' $T/$scen.json | grep -c '"caller":"[^"]*\[pagetrack_ref\]"')
	if [ "$n" = "$m" ]; then
		[ "$n" -gt 0 ] && ok "$scen: caller in pagetrack_ref for all $n finding(s)"
	else
		nok "$scen: $m of $n findings name a caller in pagetrack_ref"
	fi
	for k in $(ex_kinds "$scen"); do
		example "$k" $T/$scen.json $T/$scen.ptr "pagetrack -m pagetrack_ref -j -- sh -c '$cmd'"
	done
	rm -f $T/$scen.ptr
}

first=1
expect alloc_free "" 0
if [ $first = 1 ]; then
	sed 's/^/# /' $T/alloc_free.err
	first=0
fi
expect highmem_per_page "" 0
expect order_mismatch "order_mismatch:1 " 1 '"pages":4,"pfn":[0-9]*,"order":3,"free_order":2'
expect getfree_order_mismatch "order_mismatch:1 " 1 '"pages":2,"pfn":[0-9]*,"order":2,"free_order":1'
expect order0_freed_order1 "order_mismatch:1 " 1 '"order":0,"free_order":1'
# The module stays loaded: what it still holds is no verdict (held_at_exit,
# a warning); the leak is proven at an unload (CI mode, below).
expect leak "held_at_exit:1 " 0 '"kind":"held_at_exit".*"pages":2,"pfn":[0-9]*,"order":1'
expect remap_private "remap_failed:1 " 1 '"errno":-22' '"sigbus":true' 'copy-on-write'
expect remap_shared "" 0
expect compound_map "" 0
expect noncompound_tail_map "held_at_exit:1 partial_free:1 tail_page_mapped:1 " 1 \
	'"kind":"tail_page_mapped".*"pages":15,"pfn":[0-9]*,"order":4' \
	'"kind":"partial_free".*"order":4'
if [ -n "$HIGHMEM" ]; then
	expect highmem_order3_kmap "kmap_partial:1 " 0 '"kind":"kmap_partial".*"order":3'
	# The kmap stack goes past kmap_high into the module (on ARM32 only when
	# the entry kprobe runs before the kretprobe's trampoline is in lr; i386's
	# unwinder skips the direct caller at a function's entry).
	expect kmap_leak "held_at_exit:1 kmap_leak:1 " 1 '"kind":"kmap_leak".*"stack":\["kmap_high[^]]*\(\[pagetrack_ref\][^]]*\)*"run_write+0x[0-9a-f]* \[pagetrack_ref\]"'
	expect free_while_kmapped "free_while_kmapped:1 " 1
	expect pkmap_pressure "pkmap_pressure:1 " 0 '"slots_in_use":384,"last_pkmap":512'
	# kmap_local (the WARNing scenarios run in a boot of their own,
	# tests/vm/guest/kmap_local_warn.sh); i386 and armhf alike. Every
	# finding carries its mapping's map stack, which reaches the module.
	expect kmap_local_nested "" 0
	expect kmap_local_resched "" 0
	expect kmap_atomic_sleep "kmap_atomic_sleep:1 " 1 \
		'"caller":"kmap_atomic_sleep+0x[0-9a-f]* \[pagetrack_ref\]","stack":\["__kmap_local_sched_out[^]]*"msleep' \
		'"map_caller":"kmap_atomic_sleep+0x[0-9a-f]* \[pagetrack_ref\]","map_stack":\[[^]]*"kmap_atomic_sleep+0x'
	expect kmap_local_exit "kmap_local_leak:1 " 1 '"comm":"pt_kl_exit"' 'still held when its task exited' \
		'"map_caller":"kl_exit_fn+0x[0-9a-f]* \[pagetrack_ref\]","map_stack":\[[^]]*"kl_exit_fn+0x'
	dmesg >$T/dmesg.before
	expect kmap_local_deep "kmap_local_depth:1 " 0 '"kernel_depth":12,"km_max_idx":16'
	# Its map stack. ARM32's unwinder fails now and then on a module
	# address of this deep scenario (sometimes saying "unwind: Index not
	# found" in the kernel log, sometimes not): then the walk that finds the
	# module on the stack under -m sees no module frame and no stack is
	# kept, while map_caller (the return address) still names the function.
	# The map stacks of kmap_atomic_sleep and kmap_local_exit above are
	# checked on armhf without this allowance, so map stacks there are
	# still proven to work.
	if grep '"type":"finding"' $T/kmap_local_deep.json |
		grep -q '"map_caller":"kmap_local_deep+0x[0-9a-f]* \[pagetrack_ref\]","map_stack":\[[^]]*"kmap_local_deep+0x'; then
		ok "kmap_local_deep: map_caller and map_stack name kmap_local_deep"
	elif [ "$ARCH" = armhf ] &&
		grep '"type":"finding"' $T/kmap_local_deep.json | grep -q '"map_caller":"kmap_local_deep+0x[0-9a-f]* \[pagetrack_ref\]","map_stack":\[\]'; then
		why="no frames through the module this run"
		dmesg | grep -vxFf $T/dmesg.before | grep -q "unwind: Index not found" && why="$why (kernel: unwind: Index not found)"
		skp "kmap_local_deep: map_stack names kmap_local_deep" "the ARM32 unwinder gave $why; map_caller still names it"
	else
		nok "kmap_local_deep: map_caller and map_stack name kmap_local_deep"
		grep '"type":"finding"' $T/kmap_local_deep.json | cut -c1-400 | sed 's/^/#   /'
	fi
	# Recorded kmap_local events replay to the same findings. A 16-entry
	# stacks map beside page cache work: allocation stacks collide there all
	# the time, and map stacks, in a map of their own, are still kept.
	pagetrack $BTF $ATTACH -m pagetrack_ref -j --stack-entries 16 --record $T/kl.ptr -- \
		sh -c "dd if=/dev/zero of=$T/kl.fill bs=1M count=8 2>/dev/null; echo kmap_atomic_sleep > $CTL; echo kmap_local_deep > $CTL" \
		>$T/kl_live.json 2>/dev/null
	rm -f $T/kl.fill
	if grep '"kind":"kmap_atomic_sleep"' $T/kl_live.json |
		grep -q '"map_caller":"kmap_atomic_sleep+0x[0-9a-f]* \[pagetrack_ref\]","map_stack":\[[^]]*"kmap_atomic_sleep+0x'; then
		ok "kmap_local: the map stack is kept with a 16-entry stacks map (--stack-entries 16)"
	else
		nok "kmap_local: map stack lost with --stack-entries 16: $(grep -o '"map_stack":\[[^]]*\]' $T/kl_live.json | head -1 | cut -c1-200)"
	fi
	pagetrack --replay $T/kl.ptr -m pagetrack_ref -j >$T/kl_replay.json 2>/dev/null
	rrc=$?
	if [ "$rrc" = 1 ] && [ "$(kinds $T/kl_live.json)" = "kmap_atomic_sleep:1 kmap_local_depth:1 " ] &&
		[ "$(grep '"type":"finding"' $T/kl_live.json)" = "$(grep '"type":"finding"' $T/kl_replay.json)" ]; then
		ok "kmap_local: --record then --replay gives the same findings"
	else
		nok "kmap_local: replay (exit $rrc) differs: [$(kinds $T/kl_live.json)] vs [$(kinds $T/kl_replay.json)]"
	fi
	if grep -q "kmap_local tracking: on (KM_MAX_IDX 16" $T/alloc_free.err; then
		ok "kmap_local tracking on, KM_MAX_IDX 16 from BTF"
	else
		nok "kmap_local tracking on, KM_MAX_IDX 16 from BTF"
	fi
	if grep -q "kmap tracking: on (LAST_PKMAP 512" $T/alloc_free.err; then
		ok "kmap tracking on with LAST_PKMAP 512 ($ARCH)"
	else
		nok "kmap tracking on with LAST_PKMAP 512 ($ARCH)"
	fi
else
	# No HIGHMEM: kmap is page_address; the tool says so and finds nothing.
	expect highmem_order3_kmap "" 0
	expect kmap_leak "held_at_exit:1 " 0
	expect free_while_kmapped "" 0
	expect pkmap_pressure "" 0
	for s in kmap_local_nested kmap_local_resched kmap_atomic_sleep kmap_local_exit \
		kmap_local_deep kmap_local_order kunmap_local_twice; do
		expect $s "" 0
	done
	if grep -q "kmap_local tracking: not applicable, kernel has no HIGHMEM" $T/alloc_free.err; then
		ok "says kmap_local tracking is not applicable without HIGHMEM"
	else
		nok "says kmap_local tracking is not applicable without HIGHMEM"
	fi
	if grep -q "kmap tracking: not applicable, kernel has no HIGHMEM" $T/alloc_free.err; then
		ok "says kmap tracking is not applicable without HIGHMEM"
	else
		nok "says kmap tracking is not applicable without HIGHMEM"
	fi
fi
want=$MODE
# No BPF trampolines on 32-bit x86 or ARM: kprobes there.
[ "$MODE" = auto ] && { [ -n "$HIGHMEM" ] && want=kprobe || want=fentry; }
if grep -q "attach mode $want " $T/alloc_free.err; then ok "attach mode $want ($MODE)"; else nok "attach mode $want ($MODE)"; fi

# CI mode: trace until the module is unloaded; load and unload followed.
rmmod pagetrack_ref || nok "rmmod before CI-mode test"
rec=""
[ -n "$EXAMPLES" ] && rec="--record $T/ci.ptr"
pagetrack $BTF $ATTACH -m pagetrack_ref -j $rec -- sh -c "insmod $KO && echo leak > $CTL && echo alloc_free > $CTL && rmmod pagetrack_ref" \
	>$T/ci.json 2>$T/ci.err
rc=$?
got=$(kinds $T/ci.json)
if [ "$rc" = 1 ] && [ "$got" = "leak:1 " ] && grep -q '"caller":"[^"]*\[pagetrack_ref\]"' $T/ci.json; then
	ok "module loaded and unloaded under pagetrack: leak found in pagetrack_ref, exit 1"
	example leak $T/ci.json $T/ci.ptr "pagetrack -m pagetrack_ref -j -- sh -c 'insmod pagetrack_ref.ko && echo leak > $CTL && echo alloc_free > $CTL && rmmod pagetrack_ref'"
	rm -f $T/ci.ptr
else nok "module loaded and unloaded under pagetrack: got [$got] exit $rc"; sed 's/^/#   /' $T/ci.err | tail -5; fi
# The verdict never says clean when nothing was checked: an insmod that fails
# (here: a file that is not there) fails COMMAND (3) and says the module was
# never loaded.
pagetrack $BTF $ATTACH -m pagetrack_ref -j -- insmod /no/such/pagetrack_ref.ko >$T/noload.json 2>$T/noload.err
rc=$?
if [ "$rc" = 3 ] && grep -q "^pagetrack: COMMAND insmod exited with status [1-9]" $T/noload.err &&
	grep -q "^pagetrack: nothing was checked for module pagetrack_ref: it was never loaded while traced" $T/noload.err &&
	grep -q '"modules":\[{"name":"pagetrack_ref","state":"never_loaded","checked":false}\],"exit_status":3' $T/noload.json; then
	ok "insmod fails under -m: exit 3, the command's status and 'nothing was checked' said"
else nok "insmod fails under -m: exit $rc"; grep -v '^  ' $T/noload.err | tail -3 | sed 's/^/#   /'; fi
# -d ends the trace before a COMMAND that ignores SIGTERM: SIGKILL 3 s later.
pagetrack $BTF $ATTACH -j -d 2 -- sh -c 'trap "" TERM; sleep 600' >$T/kill.json 2>$T/kill.err
rc=$?
if [ "$rc" = 0 ] && grep -q '"status":"stopped","signal":9,"killed":true,"failed":false' $T/kill.json &&
	grep -q "ignored SIGTERM at the end of the trace" $T/kill.err && ! ps | grep -q "[s]leep 600"; then
	ok "-d with a COMMAND that ignores SIGTERM: killed after the grace, reported, exit 0"
else nok "-d with a COMMAND that ignores SIGTERM: exit $rc"; grep -v '^  ' $T/kill.err | tail -3 | sed 's/^/#   /'; fi
insmod $KO
# The bug and the unload once pagetrack is attached (its start-up lines are
# printed then; under TCG on a loaded host that can take many seconds).
: >$T/ci2.err
( i=0; while [ $i -lt 300 ] && ! grep -q "module scope:" $T/ci2.err; do sleep 1; i=$((i + 1)); done
  echo order_mismatch > $CTL; rmmod pagetrack_ref ) &
pagetrack $BTF $ATTACH -m pagetrack_ref -j >$T/ci2.json 2>$T/ci2.err
rc=$?
got=$(kinds $T/ci2.json)
if [ "$rc" = 1 ] && [ "$got" = "order_mismatch:1 " ]; then ok "no command: report at module unload, exit 1"
else nok "no command: report at module unload: got [$got] exit $rc"; sed 's/^/#   /' $T/ci2.err | tail -5; fi
wait

# A 16-entry stack map: most stacks collide; the module's allocation must
# still be attributed (frames inline), not silently dropped from scope.
pagetrack $BTF $ATTACH --stack-entries 16 -m pagetrack_ref -j -- \
	sh -c "insmod $KO && echo order_mismatch > $CTL && rmmod pagetrack_ref" \
	>$T/coll.json 2>$T/coll.err
rc=$?
got=$(kinds $T/coll.json)
if [ "$rc" = 1 ] && [ "$got" = "order_mismatch:1 " ] && grep -q '"caller":"[^"]*\[pagetrack_ref\]"' $T/coll.json; then
	ok "stack map collisions: module allocation still attributed (16-entry map)"
else nok "stack map collisions: got [$got] exit $rc"; tail -3 $T/coll.err | sed 's/^/#   /'; fi

# --no-free-stacks: frees come without a stack; the module's blocks stay in
# scope by their allocation, so the wrong frees are still found.
pagetrack $BTF $ATTACH --no-free-stacks -m pagetrack_ref -j -- \
	sh -c "insmod $KO && echo order_mismatch > $CTL && pagetrack_ref_user noncompound_tail_map && rmmod pagetrack_ref" \
	>$T/nfs.json 2>$T/nfs.err
rc=$?
got=$(kinds $T/nfs.json)
if [ "$rc" = 1 ] && [ "$got" = "leak:1 order_mismatch:1 partial_free:1 tail_page_mapped:1 " ] &&
	grep -q "stacks for allocations only" $T/nfs.err; then
	ok "--no-free-stacks: order_mismatch, partial_free and tail_page_mapped still found"
else nok "--no-free-stacks: got [$got] exit $rc"; tail -3 $T/nfs.err | sed 's/^/#   /'; fi

# System-wide, default mode: stacks are sampled, and a tail page freed alone
# (an order-0 free inside a live non-compound block) must still unwind: the
# partial_free finding names where it was freed (gates.bpf.h, free_wanted);
# on ARM32 from the stack the freeing function's entry took
# (bpf/freestack.bpf.h: munmap's batch, free_unref_page_list).
pagetrack $BTF $ATTACH -j -- \
	sh -c "insmod $KO && pagetrack_ref_user noncompound_tail_map && rmmod pagetrack_ref" \
	>$T/sw.json 2>$T/sw.err
rc=$?
pf=$(grep '"type":"finding"' $T/sw.json | grep '"kind":"partial_free"' | grep '"order":4')
if echo "$pf" | grep -q '"free_caller":"[a-z_]'; then
	ok "system-wide, sampled stacks: the tail page freed alone is unwound (partial_free names its free_caller: $(echo "$pf" | grep -o '"free_caller":"[^"]*"'))"
else
	nok "system-wide, sampled stacks: no partial_free with a free_caller (exit $rc)"
	grep '"type":"finding"' $T/sw.json | cut -c1-400 | sed 's/^/#   /'
	tail -3 $T/sw.err | sed 's/^/#   /'
fi

# Pairing in BPF: the same findings and totals as with every event sent (pair_checks.sh).
. /tests/pair_checks.sh

# Robustness: 100 load/run/unload cycles of the clean scenarios inside one
# traced command: no finding, no oops.
# Every step must succeed too: a tracer that holds the module (an rmmod that
# fails with EAGAIN) would leave it loaded.
rm -f $T/cycles.done
pagetrack $BTF $ATTACH -m pagetrack_ref -j -- sh -c "for i in \$(seq 100); do insmod $KO || exit 9; \
	for s in alloc_free highmem_per_page 'kmap_churn 20'; do echo \$s > $CTL || exit 8; done; \
	pagetrack_ref_user compound_map >/dev/null || exit 7; rmmod pagetrack_ref || exit 6; done; \
	touch $T/cycles.done" >$T/cycles.json 2>$T/cycles.err
rc=$?
got=$(kinds $T/cycles.json)
allocs=$(grep -o '"tracked_allocs":[0-9]*' $T/cycles.json | cut -d: -f2)
if [ "$rc" = 0 ] && [ -z "$got" ] && [ "${allocs:-0}" -ge 100 ] && [ -f $T/cycles.done ]; then
	ok "100 load/run/unload cycles: no finding, exit 0 ($allocs module blocks tracked)"
else
	nok "100 load/run/unload cycles: got [$got] exit $rc, ${allocs:-0} blocks, all steps done: $([ -f $T/cycles.done ] && echo yes || echo no)"
	tail -3 $T/cycles.err | sed 's/^/#   /'
fi

# -m while the module is absent: cheap, and exact when it loads (unloaded here).
. /tests/modscope_checks.sh

# The DMA API: mappings paired like pages (dma_checks.sh).
. /tests/dma_checks.sh

# Sampled stacks (the default without -m): one site leaking N pages amid pipe
# churn is estimated within 20 % (relative error ~ sqrt(R/N) = 4.4 % at R 32).
N=16384
pagetrack $BTF $ATTACH -j --top 20 -- sh -c "insmod $KO && { head -c 100000000 /dev/zero | cat >/dev/null &
	echo 'leak_pages $N' > $CTL; wait; rmmod pagetrack_ref; }" >$T/sampled.json 2>$T/sampled.err
line=$(grep '"type":"outstanding"' $T/sampled.json | grep '"caller":"leak_pages+' | head -1)
est=$(echo "$line" | grep -o '"pages":[0-9]*' | cut -d: -f2)
smp=$(echo "$line" | grep -o '"samples":[0-9]*' | cut -d: -f2)
if [ -n "$est" ] && echo "$line" | grep -q '"estimated":true' &&
	[ "$est" -ge $((N * 8 / 10)) ] && [ "$est" -le $((N * 12 / 10)) ]; then
	ok "sampled stacks: $N leaked pages estimated as $est from $smp samples (within 20 %)"
else
	nok "sampled stacks: $N leaked pages estimated as ${est:-nothing} from ${smp:-no} samples (want within 20 %)"
	grep '"type":"outstanding"' $T/sampled.json | head -5 | cut -c1-300 | sed 's/^/#   /'
	tail -3 $T/sampled.err | sed 's/^/#   /'
fi

# Loss in the guest: a 1 MiB buffer against a flood; counts must add up.
if [ -n "$HIGHMEM" ]; then flood="insmod $KO; echo 'kmap_churn 200000' > $CTL; rmmod pagetrack_ref"
else
	# The reader keeps up with any flood on one amd64 CPU: stop it (the
	# command's parent) while 128 MiB go through tmpfs, as a stalled reader.
	flood="kill -STOP \$PPID; dd if=/dev/zero of=/tmp/flood bs=1M count=128 2>/dev/null; kill -CONT \$PPID; rm -f /tmp/flood"
fi
# --stacks all: every block is sent (none paired in BPF), so the flood fills the buffer.
pagetrack $BTF $ATTACH --stacks all --buffer-mb 1 -j -- sh -c "$flood" >$T/flood.json 2>/dev/null
sum=$(grep '"type":"summary"' $T/flood.json)
p=$(echo "$sum" | grep -o '"events_produced":[0-9]*' | cut -d: -f2)
r=$(echo "$sum" | grep -o '"events_received":[0-9]*' | cut -d: -f2)
l=$(echo "$sum" | grep -o '"events_lost":[0-9]*' | cut -d: -f2)
if [ "${l:-0}" -gt 0 ]; then
	if [ "$p" -eq $((r + l)) ] && grep -q "\"lost\":$l," $T/flood.json; then
		ok "guest flood: produced $p = received $r + lost $l, reported"
		example events_lost $T/flood.json - "pagetrack --buffer-mb 1 -j -- sh -c \"$flood\""
	else nok "guest flood: produced $p, received $r, lost $l"; fi
else
	skp "guest flood: exact loss accounting" "a 1 MiB buffer did not overflow (produced $p)"
fi

if [ -n "$HIGHMEM" ]; then
	pagetrack -d 1 >/dev/null 2>$T/nobtf.err
	rc=$?
	if [ $rc = 2 ] && grep -q "has no BTF.*--btf" $T/nobtf.err && [ "$(wc -l < $T/nobtf.err)" = 1 ]; then
		ok "no BTF and no --btf: one clear line, exit 2"
	else nok "no BTF and no --btf: exit $rc: $(cat $T/nobtf.err)"; fi
fi

. /tests/security_checks.sh

if dmesg | grep -E "Oops|BUG:|general protection|Kernel panic" >/dev/null; then
	nok "no oops in dmesg"; dmesg | grep -E -A5 "Oops|BUG:" | head -20 | sed 's/^/#   /'
else ok "no oops in dmesg"; fi
summary
