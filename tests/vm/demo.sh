#!/usr/bin/env bash
# make demo: boot Debian's i386 686-pae kernel and show pagetrack's findings.
set -u
cd "$(dirname "$0")/../.."
exec tests/vm/run --kernel i386 --timeout 900 -- sh /tests/demo.sh
