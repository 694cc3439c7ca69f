#!/bin/sh
# Runs inside a lab guest (busybox sh, root): source lines of a real module.
# The seeded module tests/host/srcmod (/add/drv.ko, built with make kmod)
# allocates in module_init and frees one block with the wrong order in
# module_exit; under `pagetrack -m drv --module-file /add/drv.ko --json` the
# order_mismatch's caller_source must be the allocation's line and its
# free_caller_source the free's: the lines of their marker comments in
# /add/drv.c. A copy without a build-id (/add/drv-nobid.ko) is refused with
# one line, and the finding stays. Alone: sh /tests/srcline_checks.sh;
# init_checks.sh sources it (SRCLINE_SOURCED=1), before its bad_free.
[ -n "$SRCLINE_SOURCED" ] || . /tests/lib.sh
SRCLINE_INIT=$(grep -n "SRCLINE: init alloc" /add/drv.c 2>/dev/null | cut -d: -f1)
SRCLINE_EXIT=$(grep -n "SRCLINE: exit free" /add/drv.c 2>/dev/null | cut -d: -f1)
S=/tmp/srcline
mkdir -p $S
if [ ! -f /add/drv.ko ] || [ -z "$SRCLINE_INIT" ] || [ -z "$SRCLINE_EXIT" ]; then
	skp "source lines in a guest" "no /add/drv.ko or /add/drv.c (tests/vm/init_test.sh adds them)"
else
	pagetrack $BTF -m drv --module-file /add/drv.ko -j -- sh -c "insmod /add/drv.ko; rmmod drv" \
		>$S/drv.json 2>$S/drv.err
	rc=$?
	f=$(grep '"kind":"order_mismatch"' $S/drv.json)
	if [ $rc = 1 ] && [ "$(kinds $S/drv.json)" = "order_mismatch:1 " ] &&
	   echo "$f" | grep -q "\"caller\":\"drv_init+0x[0-9a-f]* \[drv\]\",\"caller_source\":\"drv.c:$SRCLINE_INIT\""; then
		ok "seeded bug in module_init: order_mismatch with caller_source drv.c:$SRCLINE_INIT"
	else
		nok "seeded bug in module_init: want order_mismatch, caller_source drv.c:$SRCLINE_INIT (exit $rc)"
		sed 's/^/#   /' $S/drv.err $S/drv.json | cut -c1-1500
	fi
	if echo "$f" | grep -q "\"free_caller\":\"drv_exit+0x[0-9a-f]* \[drv\]\",\"free_caller_source\":\"drv.c:$SRCLINE_EXIT\""; then
		ok "its free in module_exit: free_caller_source drv.c:$SRCLINE_EXIT"
	else nok "its free in module_exit: free_caller_source drv.c:$SRCLINE_EXIT"; fi
	if [ ! -s $S/drv.err ] || ! grep -q "no source lines\|not the drv" $S/drv.err; then
		ok "no warning about the module file"
	else nok "no warning about the module file"; sed 's/^/#   /' $S/drv.err; fi
	if [ -f /add/drv-nobid.ko ]; then
		pagetrack $BTF -m drv --module-file /add/drv-nobid.ko -j -- sh -c "insmod /add/drv.ko; rmmod drv" \
			>$S/nobid.json 2>$S/nobid.err
		rc=$?
		if [ $rc = 1 ] && [ "$(kinds $S/nobid.json)" = "order_mismatch:1 " ] &&
		   ! grep -q _source $S/nobid.json && [ "$(grep -c "is not the drv that was loaded" $S/nobid.err)" = 1 ]; then
			ok "a .ko of another build (no build-id) is refused with one line; the finding stays"
		else
			nok "a .ko of another build is refused with one line (exit $rc)"
			sed 's/^/#   /' $S/nobid.err $S/nobid.json | cut -c1-1500
		fi
	fi
fi
[ -n "$SRCLINE_SOURCED" ] || summary
