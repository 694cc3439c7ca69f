#!/bin/sh
# The demo, inside the i386 guest: four driver bugs under pagetrack.
BTF=""
[ -n "$PAGETRACK_BTF" ] && [ ! -e /sys/kernel/btf/vmlinux ] && BTF="--btf $PAGETRACK_BTF"
CTL=/sys/kernel/debug/pagetrack_ref/run
insmod /lib/pagetrack/pagetrack_ref.ko || exit 1
echo "\$ pagetrack -m pagetrack_ref -- (highmem_order3_kmap, order_mismatch, kmap_leak, remap_private)"
pagetrack $BTF -m pagetrack_ref -- sh -c "echo highmem_order3_kmap > $CTL; echo order_mismatch > $CTL; echo kmap_leak > $CTL; pagetrack_ref_user remap_private"
rc=$?
echo "pagetrack exit status: $rc (1 = error-level findings, as a CI job would see)"
[ $rc -eq 1 ]
