#!/bin/sh
# The demo, inside the i386 guest: four driver bugs under pagetrack.
. /tests/lib.sh
insmod $KO || exit 1
echo "\$ pagetrack -m pagetrack_ref -- (highmem_order3_kmap, order_mismatch, kmap_leak, remap_private)"
pagetrack $BTF -m pagetrack_ref -- sh -c "echo highmem_order3_kmap > $CTL; echo order_mismatch > $CTL; echo kmap_leak > $CTL; pagetrack_ref_user remap_private"
rc=$?
echo "pagetrack exit status: $rc (1 = error-level findings, as a CI job would see)"
[ $rc -eq 1 ]
