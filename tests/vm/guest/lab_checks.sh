#!/bin/sh
# Inside a lab guest (busybox sh, root): the reference module's kernel-side
# facts, without pagetrack. Every scenario runs; kprobe events (tracefs) count
# the allocator, kmap and remap_pfn_range calls each one makes in the kernel.
# Env: PAGETRACK_ARCH=i386|amd64|armhf (amd64 for amd64-bpo too; i386 and armhf have HIGHMEM); PAGETRACK_REF_KO overrides the module path
# (the user program is taken from PATH).
# Prints "ok - ..." / "not ok - ..." lines, then "N passed, N failed[, N skipped]".
. /tests/lib.sh
HIGHMEM=""
case $ARCH in i386 | armhf) HIGHMEM=1 ;; esac
TR=/sys/kernel/tracing
SCENARIOS="alloc_free highmem_per_page highmem_order3_kmap order_mismatch getfree_order_mismatch
order0_freed_order1 leak kmap_leak free_while_kmapped pkmap_pressure kmap_churn leak_pages remap_private remap_shared
noncompound_tail_map compound_map kmap_local_nested kmap_local_resched kmap_local_order
kunmap_local_twice kmap_local_exit kmap_atomic_sleep kmap_local_deep kmap_local_work
dma_map dma_sg dma_coherent dma_leak dma_unmap_twice dma_unmap_unmapped dma_unmap_size
dma_unmap_dir dma_sg_nents dma_free_while_mapped dma_coherent_size dma_sg_free_while_mapped
dma_pages dma_pages_size"
check() { if eval "$2"; then ok "$1"; else nok "$1"; return 1; fi; } # NAME TEST
finish() { summary; exit; }
# Kernel log lines since the last mark (dmesg -c would hide them from the
# harness, which scans the console anyway).
mark() { dmesg > /tmp/dmesg.mark; }
since() { dmesg | tail -n +$(($(wc -l < /tmp/dmesg.mark) + 1)); }

if [ -n "$HIGHMEM" ]; then
	high=$(sed -n 's/^HighTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)
	check "HighTotal > 0 (${high:-none} kB)" '[ "${high:-0}" -gt 0 ]'
else
	skp "HighTotal > 0" "no HIGHMEM on $ARCH"
fi
check "insmod pagetrack_ref" 'insmod $KO' || finish
check "debugfs control file and /dev/pagetrack_ref exist" '[ -f $CTL ] && [ -c /dev/pagetrack_ref ]'
got=$(cat $CTL | tr '\n' ' ')
want=$(echo $SCENARIOS)
check "reading the control file lists the $(echo $SCENARIOS | wc -w) scenarios, one per line" '[ "$got" = "$want " ]'
[ "$got" = "$want " ] || echo "#   got: $got"
got=$(pagetrack_ref_user list | tr '\n' ' ')
check "pagetrack_ref_user list: the 4 mapping scenarios" \
	'[ "$got" = "remap_private remap_shared noncompound_tail_map compound_map " ]'

# ---- kprobe events: which kernel functions each scenario runs ----
# The shell's own writes are filtered by pid, the user program by comm.
PROBES="pt_alloc pt_free pt_getfree pt_free_pages pt_remap"
kp() { echo "$1" >> $TR/kprobe_events 2>/dev/null; }
# The second argument: ARM32 kprobe events have no $argN (no function
# argument API there): it is register r1.
ARG2='$arg2'
[ "$ARCH" = armhf ] && ARG2='%r1'
# sym NAME...: the first of these functions the kernel has (6.10 renamed
# the allocator's entry points *_noprof).
sym() {
	awk -v want="$*" 'BEGIN { n = split(want, w, " ") }
		$2 ~ /^[tT]$/ { for (i = 1; i <= n; i++) if ($3 == w[i]) f[i] = 1 }
		END { for (i = 1; i <= n; i++) if (f[i]) { print w[i]; exit } }' /proc/kallsyms
}
ALLOC=$(sym __alloc_pages __alloc_pages_noprof)
GETFREE=$(sym __get_free_pages get_free_pages_noprof __get_free_pages_noprof)
echo "# allocator entry points: ${ALLOC:-none} ${GETFREE:-none}"
tracing=0
if [ -w $TR/kprobe_events ] && [ -n "$ALLOC" ] && [ -n "$GETFREE" ] &&
	kp "p:ptref/pt_alloc $ALLOC order=$ARG2:u32" &&
	kp "p:ptref/pt_free __free_pages order=$ARG2:u32" &&
	kp "p:ptref/pt_getfree $GETFREE order=$ARG2:u32" &&
	kp "p:ptref/pt_free_pages free_pages order=$ARG2:u32" &&
	kp 'r:ptref/pt_remap remap_pfn_range ret=$retval:s32'; then
	tracing=1
	if [ -n "$HIGHMEM" ]; then
		PROBES="$PROBES pt_kmap pt_kunmap"
		kp 'p:ptref/pt_kmap kmap_high' && kp 'p:ptref/pt_kunmap kunmap_high' || tracing=0
	fi
fi
if [ $tracing = 1 ]; then
	ok "kprobe events on $(echo $PROBES | sed 's/pt_//g')"
	echo 4096 > $TR/buffer_size_kb
else
	skp "kernel function counts" "no kprobe events here"
fi
# trace_on FILTER: start recording; trace_off: stop and keep the events.
trace_on() {
	[ $tracing = 1 ] || return 0
	for p in $PROBES; do echo "$1" > $TR/events/ptref/$p/filter; done
	echo > $TR/trace
	echo 1 > $TR/events/ptref/enable
}
trace_off() {
	[ $tracing = 1 ] || return 0
	echo 0 > $TR/events/ptref/enable
	cat $TR/trace > /tmp/trace
}
# n EVENT [ARGS]: events recorded, e.g. n pt_free order=3
n() {
	if [ -n "$2" ]; then grep -cE " $1: \(.*\) $2\$" /tmp/trace
	else grep -c " $1: (" /tmp/trace; fi
}
# expect_calls WHAT "EVENT[:ARGS]=N|>=N ...", e.g. pt_free:order=3=1
expect_calls() {
	[ $tracing = 1 ] && [ -n "$(echo $2)" ] || return 0
	bad="" all=""
	for e in $2; do
		want=${e##*=} ev=${e%=*} op="="
		case $ev in *">") op=">=" ev=${ev%">"} ;; esac
		args=""
		case $ev in *:*) args=${ev#*:} ev=${ev%%:*} ;; esac
		c=$(n "$ev" "$args")
		what="${ev#pt_}${args:+($args)}=$c"
		all="$all $what"
		if [ "$op" = "=" ]; then [ "$c" -eq "$want" ]; else [ "$c" -ge "$want" ]; fi ||
			bad="$bad $what (want $op$want)"
	done
	if [ -z "$bad" ]; then ok "$1: kernel calls:$all"
	else nok "$1: kernel calls:$bad"; fi
}
if [ -n "$HIGHMEM" ]; then hi() { echo "$1"; }; else hi() { :; }; fi

# ---- the scenarios written to the control file ----
# run "SCENARIO [COUNT]" "expected kernel calls"
run() {
	mark
	trace_on "common_pid == $$"
	echo "$1" > $CTL
	rc=$?
	trace_off
	name=${1%% *}
	logged=$(since | grep -cE "pagetrack_ref: $name( [0-9]+)?: 0\$")
	if [ $rc -eq 0 ] && [ "$logged" -eq 1 ]; then ok "scenario '$1': the write succeeded, logged as 0"
	else nok "scenario '$1': write status $rc, $logged success lines in dmesg"; fi
	expect_calls "$1" "$2"
}
run alloc_free "pt_alloc:order=3=1 pt_free:order=3=1"
run highmem_per_page "pt_alloc:order=0>=8 pt_free:order=0=8 $(hi 'pt_kmap=8 pt_kunmap=8')"
run highmem_order3_kmap "pt_alloc:order=3=1 pt_free:order=3=1 $(hi 'pt_kmap=1 pt_kunmap=1')"
run order_mismatch "pt_alloc:order=3=1 pt_free:order=2=1 pt_free:order=3=0"
run getfree_order_mismatch \
	"pt_getfree:order=2=1 pt_alloc:order=2=1 pt_free_pages:order=1=1 pt_free:order=1=1 pt_free:order=2=0"
run order0_freed_order1 "pt_alloc:order=0>=2 pt_free:order=1=1"
run leak "pt_alloc:order=1=1 pt_free=0"
run kmap_leak "pt_alloc:order=0>=1 pt_free=0 $(hi 'pt_kmap=1 pt_kunmap=0')"
run free_while_kmapped "pt_alloc:order=0>=1 pt_free:order=0=1 $(hi 'pt_kmap=1 pt_kunmap=0')"
run pkmap_pressure "pt_alloc:order=0>=384 pt_free:order=0=384 $(hi 'pt_kmap=384 pt_kunmap=384')"
check "pkmap_pressure held 384 kmaps (3/4 of LAST_PKMAP 512 on i386 PAE and armhf; 384 without HIGHMEM)" \
	'since | grep -q "pagetrack_ref: holding 384 kmaps"'
if [ -n "$HIGHMEM" ]; then
	check "pkmap_pressure: no 'no LAST_PKMAP' note with HIGHMEM" '! since | grep -q "no LAST_PKMAP"'
else
	check "pkmap_pressure says it used 384 for lack of LAST_PKMAP" \
		'since | grep -q "no HIGHMEM: no LAST_PKMAP, holding 384 kmaps instead"'
fi
run "kmap_churn 1000" "pt_alloc:order=0>=1 pt_free:order=0=1 $(hi 'pt_kmap=1000 pt_kunmap=1000')"
run kmap_churn "$(hi 'pt_kmap=1000 pt_kunmap=1000')"
run "leak_pages 100" "pt_alloc:order=0>=100 pt_free=0"
notes=$(dmesg | grep -c "no HIGHMEM: kmap is page_address here")
if [ -n "$HIGHMEM" ]; then
	check "HIGHMEM: no 'kmap is page_address' note" '[ "$notes" -eq 0 ]'
else
	check "no HIGHMEM: 'kmap is page_address here' logged exactly once ($notes)" '[ "$notes" -eq 1 ]'
fi

# ---- the mapping scenarios, through the user program ----
# map SCENARIO "expected output" "expected kernel calls"
map() {
	mark
	trace_on 'comm == "pagetrack_ref_u"'
	out=$(pagetrack_ref_user "$1" 2>&1)
	rc=$?
	trace_off
	if [ $rc -eq 0 ] && [ "$out" = "$2" ]; then ok "pagetrack_ref_user $1: $out"
	else nok "pagetrack_ref_user $1: want '$2', got '$out', exit $rc"; fi
	expect_calls "$1" "$3"
}
map remap_private "remap_private: SIGBUS at page 0" "pt_remap:ret=-22=4 pt_remap:ret=0=0"
check "remap_private: the module logged remap_pfn_range returning -22 for pages 0-3" \
	'[ "$(since | grep -c "pagetrack_ref: remap_pfn_range page [0-3] returned -22$")" -eq 4 ]'
map remap_shared "remap_shared: ok, 4 pages touched" "pt_remap:ret=0=4 pt_remap:ret=-22=0"
check "remap_shared: the module logged remap_pfn_range returning 0 for pages 0-3" \
	'[ "$(since | grep -c "pagetrack_ref: remap_pfn_range page [0-3] returned 0$")" -eq 4 ]'
# The non-compound block is leaked on purpose (its tail pages went back to
# the buddy allocator at munmap); the compound one is freed at munmap.
map noncompound_tail_map "noncompound_tail_map: ok, 16 pages touched" \
	"pt_getfree:order=4=1 pt_free:order=4=0 pt_free_pages:order=4=0"
map compound_map "compound_map: ok, 16 pages touched" \
	"pt_getfree:order=4=1 pt_free_pages:order=4=1 pt_free:order=4=1"
out=$(pagetrack_ref_user badmap 2>&1)
rc=$?
check "bad mmap sizes and offsets: EINVAL for all 8 (exit $rc)" \
	'[ $rc -eq 0 ] && [ "$(echo "$out" | grep -c ": EINVAL$")" -eq 8 ]'
[ $rc -eq 0 ] || echo "$out" | sed 's/^/#   /'

# ---- bad control input: -EINVAL, never a crash ----
bad() { # NAME WRITER-COMMAND
	err=$(sh -c "$2" 2>&1)
	if echo "$err" | grep -q "Invalid argument"; then ok "$1: EINVAL"
	else nok "$1: EINVAL (got: $(echo $err | cut -c1-100))"; fi
}
bad "unknown scenario" "echo no_such_scenario > $CTL"
bad "leak_pages above its 65536 pages" "echo 'leak_pages 65537' > $CTL"
bad "scenario name with a suffix" "echo alloc_freeX > $CTL"
bad "garbage bytes with a NUL" "printf 'leak\\000\\001\\377' | dd of=$CTL bs=64 2>&1"
bad "garbage bytes" "printf '\\377\\376\\001\\033[2J' | dd of=$CTL bs=64 2>&1"
bad "oversized write (64 KiB)" "head -c 65536 /dev/zero | tr '\\0' 'a' | dd of=$CTL bs=65536 2>&1"
bad "64-byte write" "printf '%064d' 0 | dd of=$CTL bs=64 2>&1"
bad "count on a scenario without one" "echo 'leak 5' > $CTL"
bad "zero count" "echo 'kmap_churn 0' > $CTL"
bad "count above 10000000" "echo 'kmap_churn 10000001' > $CTL"
bad "count out of range" "echo 'kmap_churn 99999999999999999999' > $CTL"
bad "negative count" "echo 'kmap_churn -5' > $CTL"
bad "count not a number" "echo 'kmap_churn many' > $CTL"
bad "two counts" "echo 'kmap_churn 5 6' > $CTL"
bad "a bare newline" "printf '\\n' | dd of=$CTL bs=64 2>&1"
check "the smallest count is accepted (kmap_churn 1)" 'echo "kmap_churn 1" > $CTL'

# ---- the pkmap slot guard (HIGHMEM only) ----
if [ -n "$HIGHMEM" ]; then
	# kmap_leak and free_while_kmapped above lost 2 slots; 62 more are allowed.
	i=0
	while [ $i -lt 70 ] && echo kmap_leak > $CTL 2>/dev/null; do i=$((i + 1)); done
	err=$(echo kmap_leak 2>&1 > $CTL)
	check "kmap_leak refused after 64 lost pkmap slots ($i more ran): $err" \
		'[ $i -eq 62 ] && echo "$err" | grep -q "No space left"'
else
	skp "kmap_leak refused after 64 lost pkmap slots" "no pkmap slots on $ARCH"
fi

if [ $tracing = 1 ]; then
	for p in $PROBES; do echo "-:ptref/$p" >> $TR/kprobe_events; done
fi
check "rmmod pagetrack_ref" 'rmmod pagetrack_ref'
check "insmod again" 'insmod $KO'
out=$(pagetrack_ref_user unselected 2>&1)
check "mmap before any mapping scenario was selected: EINVAL ($out)" \
	'[ "$out" = "unselected: 4 pages: EINVAL" ]'
check "rmmod again" 'rmmod pagetrack_ref'
problems=$(dmesg | grep -E "Oops|BUG:|Bad page state|general protection|WARNING:|Call Trace|refcount_t")
check "no Oops, BUG, bad page state or WARNING in dmesg" '[ -z "$problems" ]'
[ -z "$problems" ] || echo "$problems" | head -10 | sed 's/^/#   /'
finish
