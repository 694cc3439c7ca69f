#!/bin/sh
# Runs inside a lab guest (busybox sh, root): callers and stacks as issue 29
# wants them, on the kernel's default attach mode (fentry on amd64 and
# amd64-bpo). /add/pthelper.ko has its own out-of-line copies of
# alloc_pages_node(), kmap_local_page() and __kunmap_local(): its findings
# must name its functions, not the copies (on HIGHMEM kernels its kthread's
# kmap_local_leak too, by its map stack). Every stack printed (its
# findings', the reference module's, a system-wide run's) must hold no frame
# of a BPF program or trampoline, no [unknown] trampoline and no function
# twice in a row; the outstanding list one row per call site and order.
# $1: attach mode (default auto).
. /tests/lib.sh
ATTACH="--attach ${1:-auto}"
T=/tmp/pt
mkdir -p $T
H=/add/pthelper.ko
MOD='\[pthelper\]'
# A JSON stack array: its frames hold "]" ("func+0x1c [mod]").
STACK_RE='"[a-z_]*stack":\[\("[^"]*",\{0,1\}\)*\]'

# stacks_clean FILE: no tracing frame, no [unknown], no function twice in a row.
stacks_clean() {
	# Tracing frames: BPF programs and trampolines (their images are named
	# bpf_prog_TAG_NAME, bpf_trampoline_ID, [bpf]), kretprobe and tracepoint
	# iterator frames, unnamed addresses. Not the kernel's own functions that
	# attach them (__bpf_trampoline_link_prog allocating pagetrack's own
	# trampoline, seen system-wide).
	if grep -q 'bpf_prog_[0-9a-f]\{16\}\|\[bpf\]\|bpf_trampoline_[0-9]\|kretprobe_trampoline\|__traceiter_\|\[unknown\]' "$1"; then
		# JSON frames are quoted, folded ones end at ';' or ' '.
		echo "#   tracing frame: $(grep -o '[^";]*\(bpf_prog_\|\[bpf\]\|trampoline\|__traceiter_\|\[unknown\]\)[^";]*' "$1" | head -3 | tr '\n' ' ')"
		grep -m2 'bpf_prog_[0-9a-f]\{16\}\|\[bpf\]\|bpf_trampoline_[0-9]\|kretprobe_trampoline\|__traceiter_\|\[unknown\]' "$1" | cut -c1-600 | sed 's/^/#   in: /'
		return 1
	fi
	grep -o "$STACK_RE" "$1" | sed 's/^[^[]*\[//; s/\]$//' |
		awk -F'","' '{ prev = ""; for (i = 1; i <= NF; i++) { f = $i; gsub(/"/, "", f);
			sub(/[+.].*/, "", f); if (f == prev) { print "#   twice: " f; bad = 1 } prev = f } }
			END { exit bad }'
}

pagetrack $BTF $ATTACH -m pthelper -j -- sh -c "insmod $H && rmmod pthelper" >$T/h.json 2>$T/h.err
rc=$?
got=$(kinds $T/h.json)
want="leak:1 order_mismatch:1 "
case $ARCH in i386 | armhf) want="kmap_local_leak:1 leak:1 order_mismatch:1 " ;; esac
if [ "$got" = "$want" ] && [ "$rc" = 1 ]; then
	ok "pthelper: findings [${want% }] exit 1 ($(grep -o 'attach mode[^,;]*' $T/h.err | head -1))"
else
	nok "pthelper: findings [$got] exit $rc, want [${want% }] exit 1"
	head -c 1500 $T/h.err | sed 's/^/#   /'
fi
# The kthread's mapping, taken through the module's kmap_local_page() copy:
# named by pth_hold from its map stack, which holds the copy's frame unless
# the copy tail-called the kernel (ARM32's does: "b __kmap_local_page_prot").
if [ "$ARCH" = i386 ] || [ "$ARCH" = armhf ]; then
	kl=$(grep '"kind":"kmap_local_leak"' $T/h.json)
	ms=$(echo "$kl" | grep -o '"map_stack":\[\("[^"]*",\{0,1\}\)*\]')
	if echo "$ms" | grep -q "\"kmap_local_page+0x[0-9a-f]* $MOD\",\"pth_hold+0x[0-9a-f]* $MOD\""; then
		how="the copy's frame below pth_hold"
	elif echo "$ms" | grep -q "^\"map_stack\":\[\"__kmap_local_p[a-z_]*+0x[0-9a-f]*\",\"pth_hold+0x[0-9a-f]* $MOD\"" &&
		! echo "$ms" | grep -q kmap_local_page; then
		how="the copy tail-called the kernel: no frame of it, pth_hold next"
	else
		how=""
	fi
	if [ -n "$how" ] && echo "$kl" | grep -q "\"map_caller\":\"pth_hold+0x[0-9a-f]* $MOD\",\"map_stack\"" &&
		echo "$kl" | grep -q "\"caller\":\"pth_hold+0x[0-9a-f]* $MOD\"" &&
		! echo "$kl" | grep -q map_site_in_helper; then
		ok "kmap_local_leak named by pth_hold from its map stack ($how)"
	else
		nok "kmap_local_leak: $(echo "$kl" | grep -o '"\(map_\)\{0,1\}caller":"[^"]*"\|"map_stack":\[[^]]*\]' | tr '\n' ' ' | cut -c1-600)"
	fi
fi
if grep '"kind":"leak"' $T/h.json | grep -q "\"caller\":\"pth_leak+0x[0-9a-f]* $MOD\""; then
	ok "leak named by pth_leak, not by the module's alloc_pages_node copy"
else
	nok "leak caller: $(grep '"kind":"leak"' $T/h.json | grep -o '"caller":"[^"]*"')"
fi
# The copy's frame stays in the stack, below pth_leak, unless the copy
# tail-called the allocator (6.12's alloc_pages_node_noprof does).
st=$(grep '"kind":"leak"' $T/h.json | grep -o "$STACK_RE")
if echo "$st" | grep -q "\"alloc_pages_node[a-z_]*+0x[0-9a-f]* $MOD\",\"pth_leak+"; then
	ok "the copy's frame is in the stack, below pth_leak"
elif echo "$st" | grep -q "\"pth_leak+" && ! echo "$st" | grep -q "alloc_pages_node"; then
	ok "the copy tail-called the allocator: no frame of it, pth_leak next"
else
	nok "the copy's frame in the leak stack: $st"
fi
om=$(grep '"kind":"order_mismatch"' $T/h.json)
if echo "$om" | grep -q "\"caller\":\"pth_alloc+0x[0-9a-f]* $MOD\"" &&
	echo "$om" | grep -q "\"free_caller\":\"pth_free+0x[0-9a-f]* $MOD\""; then
	ok "order_mismatch: caller pth_alloc, free_caller pth_free"
else
	nok "order_mismatch: $(echo "$om" | grep -o '"\(free_\)\{0,1\}caller":"[^"]*"' | tr '\n' ' ')"
fi
if stacks_clean $T/h.json; then
	ok "pthelper: stacks hold the kernel's frames only"
else
	nok "pthelper: stacks hold tracing frames or a function twice"
fi

# The reference module: allocation and free stacks of every side.
insmod $KO
pagetrack $BTF $ATTACH -m pagetrack_ref -j -- sh -c \
	"echo order_mismatch > $CTL; echo getfree_order_mismatch > $CTL; echo leak > $CTL" >$T/r.json 2>/dev/null
rc=$?
rmmod pagetrack_ref
got=$(kinds $T/r.json)
if [ "$got" = "held_at_exit:1 order_mismatch:2 " ] && stacks_clean $T/r.json &&
	[ "$(grep -c '"free_stack":\["' $T/r.json)" = 2 ]; then
	ok "pagetrack_ref: [$got] exit $rc, allocation and free stacks the kernel's frames only"
else
	nok "pagetrack_ref: [$got] exit $rc, stacks:"
	grep -o "$STACK_RE" $T/r.json | head -4 | cut -c1-700 | sed 's/^/#   /'
fi

# A free made in module_exit is named by the exit function: a page freed
# while kmapped on HIGHMEM kernels (on armhf the page free's own stack is
# unusable: the API entry probe's is taken), an order mismatch elsewhere.
case $ARCH in i386 | armhf) sc=free_while_kmapped want="free_while_kmapped:1 " ;;
*) sc=order_mismatch want="order_mismatch:1 " ;; esac
pagetrack $BTF $ATTACH -m pagetrack_ref -j -- sh -c "insmod $KO scenarios=$sc && rmmod pagetrack_ref" \
	>$T/x.json 2>/dev/null
rc=$?
got=$(kinds $T/x.json)
if [ "$got" = "$want" ] && grep "\"kind\":\"$sc\"" $T/x.json |
	grep -q '"free_caller":"pagetrack_ref_exit+0x[0-9a-f]* \[pagetrack_ref\]"' && stacks_clean $T/x.json; then
	ok "$sc freed in module_exit: free_caller pagetrack_ref_exit"
else
	nok "$sc freed in module_exit: [$got] exit $rc, $(grep -o '"free_caller":"[^"]*","free_stack":\[[^]]*\]' $T/x.json | cut -c1-300)"
fi

# System-wide, sampled: the outstanding list, one row per call site and order.
pagetrack $BTF $ATTACH -j --top 50 --folded $T/s.folded -- sh -c \
	'dd if=/dev/zero of=/tmp/pt/f bs=1M count=16 2>/dev/null; cat /tmp/pt/f >/dev/null; sleep 1' \
	>$T/s.json 2>/dev/null
rows=$(grep -c '"type":"outstanding"' $T/s.json)
uniq=$(grep '"type":"outstanding"' $T/s.json | sed 's/.*"order":\([0-9]*\).*"caller":\(.*\)}/\1 \2/' | sort -u | wc -l)
if [ "$rows" -gt 0 ] && [ "$rows" = "$uniq" ] && ! grep '"type":"outstanding"' $T/s.json | grep -q '"blocks"' &&
	stacks_clean $T/s.folded; then
	ok "system-wide: $rows outstanding rows, one per call site and order, sampled fields; folded stacks clean"
else
	nok "system-wide: $rows rows, $uniq distinct; folded: $(grep -c 'bpf\|unknown' $T/s.folded) tracing lines"
	grep '"type":"outstanding"' $T/s.json | head -5 | cut -c1-300 | sed 's/^/#   /'
fi
summary
