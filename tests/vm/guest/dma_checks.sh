#!/bin/sh
# Sourced by tracer_checks.sh (its ok/nok/skp, kinds, $T, $BTF, $ATTACH, $KO,
# $CTL): the DMA API (issue 26) against pagetrack_ref's platform device
# "pagetrack_ref_dma". Each run loads the module inside its command, so the
# module is watched from its load (an unmap of what it never mapped is
# provable) and its unload makes live mappings leaks; a run covers bugs and
# their correct twins at once, the assertions staying exact. The module is
# left as it was found. Skipped, with the tool's reason, where the DMA API
# is not traced (the start-up detections say why).
D=$T/dma
mkdir -p $D
dma_was_loaded=""
grep -q '^pagetrack_ref ' /proc/modules && dma_was_loaded=1 && rmmod pagetrack_ref

# drun NAME "CTL scenarios" [pagetrack options]: insmod, each scenario, rmmod.
drun() {
	name=$1 scen=$2
	shift 2
	cmd="insmod $KO || exit 9"
	for s in $scen; do cmd="$cmd; echo $s > $CTL || exit 8"; done
	pagetrack $BTF $ATTACH -v -m pagetrack_ref -j "$@" -- sh -c "$cmd; rmmod pagetrack_ref" \
		>$D/$name.json 2>$D/$name.err
	rc=$?
}

# dexpect NAME "kinds" EXIT pattern...: the run's findings, exactly; every
# finding's caller in pagetrack_ref, on device pagetrack_ref_dma.
dexpect() {
	name=$1 want=$2 wantrc=$3
	shift 3
	got=$(kinds $D/$name.json)
	if [ "$got" = "$want" ] && [ "$rc" = "$wantrc" ]; then
		ok "dma $name: findings [${want% }] exit $rc"
	else
		nok "dma $name: want [${want% }] exit $wantrc, got [${got% }] exit $rc"
		grep -v '^  ' $D/$name.err | tail -6 | sed 's/^/#   /'
		grep '"type":"finding"' $D/$name.json | cut -c1-600 | sed 's/^/#   /'
		grep '"type":"summary"' $D/$name.json | grep -o '"dma":{[^}]*}' | sed 's/^/#   /'
		dmesg | grep pagetrack_ref | tail -5 | sed 's/^/#   dmesg: /'
		return
	fi
	for pat in "$@"; do
		[ -n "$dma_anyname" ] && pat=$(echo "$pat" |
			sed 's/caller":"[^+"]*+/caller":"[a-z_.0-9]*+/g')
		if grep '"type":"finding"' $D/$name.json | grep -q "$pat"; then
			ok "dma $name: $pat"
		else
			nok "dma $name: no finding matches $pat"
			grep '"type":"finding"' $D/$name.json | cut -c1-600 | sed 's/^/#   /'
		fi
	done
	n=$(grep -c '"type":"finding"' $D/$name.json)
	m=$(grep '"type":"finding"' $D/$name.json | grep '"device":"pagetrack_ref_dma"' |
		grep -c '"caller":"[^"]*\[pagetrack_ref\]"')
	if [ "$n" = "$m" ]; then
		[ "$n" -gt 0 ] && ok "dma $name: all $n finding(s) on pagetrack_ref_dma, caller in pagetrack_ref"
	else
		nok "dma $name: $m of $n findings on pagetrack_ref_dma with a caller in pagetrack_ref"
	fi
}

# dsum NAME FIELD: a member of the summary's "dma" object.
dsum() {
	grep '"type":"summary"' $D/$1.json | grep -o '"dma":{[^}]*}' | grep -o "\"$2\":[0-9]*" |
		cut -d: -f2
}

# The twins and one leak: the leak alone is found, every twin pairs.
drun twins "dma_map dma_sg dma_coherent dma_leak"
if ! grep -q "dma page mappings" $D/twins.err; then
	nok "dma checks: pagetrack started (no DMA detection line; exit $rc)"
	grep -E "failed|processed|too large|rror" $D/twins.err | tail -8 | sed 's/^/#   /'
elif ! grep -q "dma page mappings.*: on" $D/twins.err; then
	why=$(grep "dma page mappings" $D/twins.err | sed 's/.*: off: //')
	skp "dma checks" "the DMA API is not traced here: ${why:-no detection line}"
else
	grep "dma " $D/twins.err | sed 's/^/# /'
	# Tracepoint mode names a module's functions from /proc/kallsyms, read
	# when it loads (there is no do_init_module probe to read its symbol
	# table): a module loaded, run and unloaded inside one command on a TCG
	# guest is gone before that read, and its frames print as
	# pagetrack_ref+0xOFF. There the callers' function names are not
	# checked (their module still is); the held check, whose module was
	# loaded before the trace, checks one.
	dma_anyname=""
	if grep -q "attach mode tracepoint" $D/twins.err; then
		dma_anyname=1
		skp "dma: callers' function names of a module loaded inside the command" \
			"tracepoint mode reads them from kallsyms after the load, racing the unload (checked by the held run)"
	fi
	dexpect twins "dma_leak:1 " 1 \
		'"kind":"dma_leak".*"dma_api":"page","size":256,"dir":"to_device","mappings":1,"bytes":256' \
		'"kind":"dma_leak".*"caller":"dma_buf_map[.a-z0-9]*+0x[0-9a-f]* \[pagetrack_ref\]"'
	# dma_map: a page and a buffer; dma_sg: one list; dma_leak: one buffer.
	mp=$(dsum twins maps) um=$(dsum twins unmaps) al=$(dsum twins allocs) fr=$(dsum twins frees)
	if [ "${mp:-0}" -ge 4 ] && [ $((mp - um)) = 1 ] && [ "${al:-0}" -ge 1 ] && [ "$al" = "$fr" ]; then
		ok "dma twins: $mp maps, $um unmaps (one left: the leak), $al coherent buffers all freed"
	else
		nok "dma twins: maps [$mp] unmaps [$um] allocs [$al] frees [$fr]"
	fi

	drun bad_unmap "dma_map dma_unmap_twice dma_unmap_unmapped" --record $D/bad_unmap.ptr
	dexpect bad_unmap "dma_bad_unmap:2 " 1 \
		'"kind":"dma_bad_unmap".*"reason":"unmapped_already".*"free_caller":"dma_unmap_twice+' \
		'"kind":"dma_bad_unmap".*"unmap_size":128,"unmap_dir":"to_device","reason":"never_mapped".*"caller":"dma_unmap_unmapped+'
	# Replay of the recording: the same findings.
	pagetrack --replay $D/bad_unmap.ptr -m pagetrack_ref -j >$D/replay.json 2>$D/replay.err
	rc=$?
	if [ "$rc" = 1 ] && [ "$(kinds $D/replay.json)" = "$(kinds $D/bad_unmap.json)" ] &&
		[ "$(grep '"type":"finding"' $D/replay.json | sed 's/"age_ms":[0-9]*//')" = \
		  "$(grep '"type":"finding"' $D/bad_unmap.json | sed 's/"age_ms":[0-9]*//')" ]; then
		ok "dma replay: the recording gives the same findings [$(kinds $D/replay.json)]"
	else
		nok "dma replay: exit $rc, [$(kinds $D/replay.json)] against [$(kinds $D/bad_unmap.json)]"
		head -3 $D/replay.err | sed 's/^/#   /'
	fi

	drun mismatch "dma_unmap_size dma_unmap_dir dma_sg_nents dma_sg"
	dexpect mismatch "dma_unmap_mismatch:3 " 1 \
		'"kind":"dma_unmap_mismatch".*"size":256,"dir":"to_device","unmap_size":128,"unmap_dir":"to_device"' \
		'"kind":"dma_unmap_mismatch".*"size":256,"dir":"to_device","unmap_size":256,"unmap_dir":"from_device"' \
		'"kind":"dma_unmap_mismatch".*"dma_api":"sg","nents":2,"sg_bytes":8192,"dir":"bidirectional","unmap_nents":1'

	# dma_sg_free_while_mapped: a page of a mapped sg list (4096 + 2048
	# bytes) freed before the unmap; its twin dma_sg frees after it. Both
	# are dma_sg_run(), which the compiler inlines, calls or jumps to (a
	# tail call leaves no frame of the scenario): the caller is either, and
	# the direction and bytes (from_device, 6144) tell the bug from its
	# twin (bidirectional, 8192).
	drun frees "dma_free_while_mapped dma_coherent_size dma_coherent dma_map dma_sg_free_while_mapped dma_sg"
	dexpect frees "dma_free_mismatch:1 dma_free_while_mapped:2 " 1 \
		'"kind":"dma_free_while_mapped".*"dma_api":"page","size":4096,"dir":"from_device".*"caller":"dma_free_while_mapped+0x[0-9a-f]* \[pagetrack_ref\]".*"free_caller":"dma_free_while_mapped+' \
		'"kind":"dma_free_while_mapped".*"dma_api":"sg","nents":2,"sg_bytes":6144,"dir":"from_device".*"caller":"dma_sg_[a-z_]*+0x[0-9a-f]* \[pagetrack_ref\]".*"free_caller":"dma_sg_[a-z_]*+' \
		'"kind":"dma_free_mismatch".*"dma_api":"coherent","size":8192,"free_size":6000'

	# dma_alloc_pages() buffers: dma_pages (the twin) and dma_pages_size
	# (freed with another size of the same page count). Traced by the dma:
	# tracepoints only: elsewhere the run must find nothing at all.
	drun pages "dma_pages dma_pages_size"
	if grep -q "dma_alloc_pages buffers.*: on" $D/pages.err; then
		dexpect pages "dma_free_mismatch:1 " 1 \
			'"kind":"dma_free_mismatch".*"dma_api":"alloc_pages","size":8192,"free_size":6000.*"caller":"dma_pages_[a-z_]*+0x[0-9a-f]* \[pagetrack_ref\]"'
	else
		dexpect pages "" 0
		ok "dma pages: dma_alloc_pages() not traced in this mode (no dma_alloc_pages line on)"
	fi

	# Load time: mapped in init (the init text), unmapped in exit; the
	# leak is the init's, the second unmap the exit's (ld_dma_exit, which
	# the compiler may inline into pagetrack_ref_exit).
	pagetrack $BTF $ATTACH -m pagetrack_ref -j -- sh -c \
		"insmod $KO scenarios=dma_map,dma_leak,dma_unmap_twice || exit 9; rmmod pagetrack_ref" \
		>$D/load.json 2>$D/load.err
	rc=$?
	# Tracepoint mode follows a module's init text only once it has read
	# the module's symbols (kallsyms, after the load: no do_init_module
	# probe), which races the init under TCG: the init's leak is found or
	# not, the exit's second unmap always.
	if [ -n "$dma_anyname" ] && [ "$(kinds $D/load.json)" = "dma_bad_unmap:1 " ]; then
		skp "dma load: the init function's leak" "tracepoint mode: the init text was not followed yet (kallsyms read after the load)"
		dexpect load "dma_bad_unmap:1 " 1 \
			'"kind":"dma_bad_unmap".*"reason":"unmapped_already".*"caller":"[a-z_]*exit[.a-z0-9]*+0x[0-9a-f]* \[pagetrack_ref\]".*"free_caller":"ld_dma_unmap_twice+'
	else
	dexpect load "dma_bad_unmap:1 dma_leak:1 " 1 \
		'"kind":"dma_leak".*"caller":"ld_dma_leak+0x[0-9a-f]* \[pagetrack_ref\]"' \
		'"kind":"dma_bad_unmap".*"reason":"unmapped_already".*"caller":"[a-z_]*exit[.a-z0-9]*+0x[0-9a-f]* \[pagetrack_ref\]".*"free_caller":"ld_dma_unmap_twice+'
	fi

	# A probe callback: the module's platform driver bound to its device
	# through sysfs (driver_override, bind), so the probe runs under the
	# driver core with no other frame of the module on its stack. Its probe
	# maps two buffers, the module's exit unmaps one: the other is
	# the module's leak, named by the probe.
	P=/sys/bus/platform
	pagetrack $BTF $ATTACH -m pagetrack_ref -j -- sh -c \
		"insmod $KO || exit 9; echo pagetrack_ref_probe > $P/devices/pagetrack_ref_dma/driver_override &&
		 echo pagetrack_ref_dma > $P/drivers/pagetrack_ref_probe/bind || exit 8; rmmod pagetrack_ref" \
		>$D/probe.json 2>$D/probe.err
	rc=$?
	dexpect probe "dma_leak:1 " 1 \
		'"kind":"dma_leak".*"size":256,"dir":"to_device","mappings":1,"bytes":256,.*"caller":"ref_probe+0x[0-9a-f]* \[pagetrack_ref\]","stack":\[.*"really_probe+'

	# Loaded before the trace and left loaded: held, no verdict; with
	# interval reports (-i 1) while the mapping is live: its device and
	# call site in them.
	insmod $KO
	pagetrack $BTF $ATTACH -m pagetrack_ref -j -i 1 -- sh -c "echo dma_leak > $CTL; sleep 3" \
		>$D/held.json 2>$D/held.err
	rc=$?
	rmmod pagetrack_ref
	if grep '"type":"interval"' $D/held.json | grep -q '"dma_live":1,"dma_live_bytes":256,"dma_by_device":\[{"device":"pagetrack_ref_dma","mappings":1,"bytes":256}\],"dma_by_site":\[{"caller":"dma_buf_map[.a-z0-9]*+0x[0-9a-f]* \[pagetrack_ref\]","mappings":1,"bytes":256}\]'; then
		ok "dma -i: interval reports list the live mapping by device and call site (256 bytes)"
	else
		nok "dma -i: no interval report with the live mapping"
		grep '"type":"interval"' $D/held.json | grep -o '"dma_live.*"new_findings"' | tail -2 | sed 's/^/#   /'
	fi
	dma_anyname_was=$dma_anyname dma_anyname=""
	dexpect held "dma_held_at_exit:1 " 0 '"kind":"dma_held_at_exit".*"severity":"warning".*"caller":"dma_buf_map[.a-z0-9]*+0x[0-9a-f]* \[pagetrack_ref\]"'
	dma_anyname=$dma_anyname_was

	# System-wide (no -m): on amd64 order-0 blocks are paired in BPF, never
	# sent; a page the module maps is handed over at the map, so its free
	# while mapped still comes as an event and is found.
	pagetrack $BTF $ATTACH -v -j -- sh -c "insmod $KO && echo dma_free_while_mapped > $CTL; rmmod pagetrack_ref" \
		>$D/sw.json 2>$D/sw.err
	rc=$?
	if [ "$rc" = 1 ] && [ "$(kinds $D/sw.json)" = "dma_free_while_mapped:1 " ]; then
		ok "dma system-wide: a page freed while mapped is found$(grep -q 'paired in BPF, no event sent' $D/sw.err && echo ', with pairing in BPF on')"
	else
		nok "dma system-wide: want [dma_free_while_mapped:1] exit 1, got [$(kinds $D/sw.json)] exit $rc"
		grep -v '^  ' $D/sw.err | tail -4 | sed 's/^/#   /'
	fi
fi

# Real work, system-wide, no -m: a real driver's DMA (e1000: coherent rings,
# streaming rx and tx buffers) from interface up to down inside the traced
# command, so every mapping it makes is unmapped inside it too. No
# error-level finding, and the mappings pair exactly. Needs a NIC and its
# driver: tests/vm/run --nic e1000 --add e1000.ko (DMA_NIC_KO) with a .ko of
# the guest's kernel (Debian builds e1000 as a module).
NIC_KO=${DMA_NIC_KO:-/add/e1000.ko}
if [ ! -f "$NIC_KO" ]; then
	skp "dma real work (e1000)" "no NIC driver in the guest ($NIC_KO: boot with --nic e1000 --add e1000.ko)"
elif ! grep -q "dma page mappings.*: on" $D/twins.err; then
	skp "dma real work (e1000)" "the DMA API is not traced here"
elif ! insmod "$NIC_KO" || ! ifconfig eth0 >/dev/null 2>&1; then
	nok "dma real work: e1000 loads and makes eth0"
else
	work="ifconfig eth0 up || exit 7; udhcpc -i eth0 -n -q -s /bin/true >/dev/null 2>&1;
		ifconfig eth0 10.0.2.15 netmask 255.255.255.0 || exit 6;
		ping -c 20 -i 0.2 10.0.2.2 >/dev/null 2>&1; wget -q -T 2 -O /dev/null http://10.0.2.2:1/ 2>/dev/null;
		ifconfig eth0 down"
	pagetrack $BTF $ATTACH -j --record $D/real.ptr -- sh -c "$work" >$D/real.json 2>$D/real.err
	rc=$?
	got=$(kinds $D/real.json)
	mp=$(dsum real maps) um=$(dsum real unmaps) al=$(dsum real allocs) fr=$(dsum real frees)
	lv=$(dsum real live) ut=$(dsum real untracked)
	errs=$(grep '"type":"finding"' $D/real.json | grep -c '"severity":"error"')
	if [ "$rc" = 0 ] && [ "$errs" = 0 ] && [ "${mp:-0}" -ge 64 ] && [ "$mp" = "$um" ] &&
		[ "${al:-0}" -ge 2 ] && [ "$al" = "$fr" ] && [ "$lv" = 0 ] && [ "$ut" = 0 ]; then
		ok "dma real work (e1000 up, DHCP, ping, down): exit 0, no error finding, $mp maps = $um unmaps, $al coherent allocs = $fr frees, none live or untracked [${got% }]"
	else
		nok "dma real work: exit $rc, $errs error(s) [${got% }], maps [$mp] unmaps [$um] allocs [$al] frees [$fr] live [$lv] untracked [$ut]"
		grep '"type":"finding"' $D/real.json | cut -c1-500 | sed 's/^/#   /'
		grep '"type":"dma_outstanding"' $D/real.json | head -5 | sed 's/^/#   /'
		grep -v '^  ' $D/real.err | tail -4 | sed 's/^/#   /'
	fi
	pagetrack --replay $D/real.ptr -j >$D/real_replay.json 2>/dev/null
	if [ "$(grep -o '"dma":{[^}]*}' $D/real_replay.json)" = "$(grep -o '"dma":{[^}]*}' $D/real.json)" ] &&
		[ "$(kinds $D/real_replay.json)" = "$got" ]; then
		ok "dma real work: the replay pairs the same ($(grep -o '"dma":{[^}]*}' $D/real_replay.json))"
	else
		nok "dma real work: replay $(grep -o '"dma":{[^}]*}' $D/real_replay.json) against $(grep -o '"dma":{[^}]*}' $D/real.json)"
	fi
	rmmod e1000
fi
[ -n "$dma_was_loaded" ] && insmod $KO
