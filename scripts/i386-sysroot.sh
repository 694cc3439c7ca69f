#!/usr/bin/env bash
# A private i386 sysroot for static 32-bit builds: Multi-Arch :i386 -dev
# packages cannot be co-installed on this host, so they are only unpacked.
# Also unpacks busybox-static:i386 (installing it would replace /bin/busybox).
set -euo pipefail
. "$(dirname "$0")/lab-common.sh"
root=$CACHE/i386/sysroot
[ -e "$root/.done" ] && exit 0
mkdir -p "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lab_log "i386: unpacking static libraries into $root"
lab_download "$tmp" libbpf-dev:i386 libbpf1:i386 libelf-dev:i386 libelf1:i386 \
	zlib1g-dev:i386 zlib1g:i386 libzstd-dev:i386 libzstd1:i386 busybox-static:i386
for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$root"; done
for a in libbpf libelf libz libzstd; do
	[ -s "$root/usr/lib/i386-linux-gnu/$a.a" ] || { lab_log "missing $a.a"; exit 1; }
done
cp "$root/bin/busybox" "$CACHE/i386/busybox"
touch "$root/.done"
