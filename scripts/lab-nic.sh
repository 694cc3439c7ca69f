#!/usr/bin/env bash
# The e1000 NIC driver of a lab kernel, for guests booted with `tests/vm/run
# --nic e1000` (Debian builds it as a module; the lab's initramfs has none).
#   scripts/lab-nic.sh i386|amd64|amd64-bpo   prints the .ko's path
# Taken from the kernel's image package: apt's cached one, else downloaded
# (apt-get download, once); kept as $CACHE/KERNEL/e1000.ko, decompressed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lab-common.sh"
arch=${1:-}
case $arch in i386 | amd64 | amd64-bpo) ;; *) echo "usage: scripts/lab-nic.sh i386|amd64|amd64-bpo" >&2; exit 2 ;; esac
dir=$CACHE/$arch
kver=$(cat "$dir/kver" 2>/dev/null) || lab_die "$arch: no lab kernel yet (make lab)"
out=$dir/e1000.ko
if [ -s "$out" ] && [ "$(cat "$dir/e1000.kver" 2>/dev/null)" = "$kver" ]; then
	echo "$out"
	exit 0
fi
tmp=$(mktemp -d "$dir/.nic.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pkg=linux-image-$kver
deb=$(ls /var/cache/apt/archives/"$pkg"_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	lab_download "$tmp" "$pkg$(lab_pkgarch "$arch")" || lab_die "$arch: apt-get download $pkg failed"
	deb=$(echo "$tmp"/"$pkg"_*.deb)
fi
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*/intel/e1000/e1000.ko*'
ko=$(find "$tmp" -name 'e1000.ko*' | head -n 1)
[ -n "$ko" ] || lab_die "$arch: no e1000.ko in $(basename "$deb")"
case $ko in *.xz) xz -d "$ko"; ko=${ko%.xz} ;; *.zst) zstd -q -d --rm "$ko"; ko=${ko%.zst} ;; esac
mv "$ko" "$out"
echo "$kver" >"$dir/e1000.kver"
echo "$out"
