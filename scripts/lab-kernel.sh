#!/usr/bin/env bash
# Fetch a guest kernel for the lab, resolved through Debian's metapackage:
#   scripts/lab-kernel.sh i386|amd64
# Leaves in $CACHE/ARCH/: vmlinuz, config, kver, version, kdir (headers, installed
# with apt-get), and for i386 vmlinux.btf + vmlinux.h built from the -dbg package.
# Idempotent: a complete cache returns at once.
set -euo pipefail
. "$(dirname "$0")/lab-common.sh"
arch=${1:?usage: lab-kernel.sh i386|amd64}
meta=$(lab_meta "$arch")
dir=$CACHE/$arch
mkdir -p "$dir"

complete() {
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/kver" ] && [ -d "$(cat "$dir/kdir" 2>/dev/null)" ] &&
		{ [ "$arch" != i386 ] || [ -s "$dir/vmlinux.btf" ]; }
}
complete && exit 0

pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$pkg" ]; then
	# A bookworm-security i386 index often fails to sync: tolerated.
	apt-get update -q >&2 || lab_log "apt-get update reported errors (tolerated)"
	pkg=$(apt-cache depends "$meta" | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
fi
[ -n "$pkg" ] || { lab_log "cannot resolve $meta"; exit 1; }
kver=${pkg#linux-image-}
kver=${kver%:i386}
pa=$(lab_pkgarch "$arch")
tmp=$(mktemp -d "$dir/.dl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ ! -s "$dir/vmlinuz" ] || [ "$(cat "$dir/kver" 2>/dev/null)" != "$kver" ]; then
	lab_log "$arch: downloading linux-image-$kver$pa"
	lab_download "$tmp" "linux-image-$kver$pa"
	dpkg-deb --fsys-tarfile "$tmp"/linux-image-*.deb | tar -x -C "$tmp" "./boot/vmlinuz-$kver" "./boot/config-$kver"
	mv "$tmp/boot/vmlinuz-$kver" "$dir/vmlinuz"
	mv "$tmp/boot/config-$kver" "$dir/config"
	dpkg-deb -f "$tmp"/linux-image-*.deb Version > "$dir/version"
	echo "$kver" > "$dir/kver"
	rm -f "$dir/vmlinux.btf" "$dir/vmlinux.h"
fi

if [ ! -d "/usr/src/linux-headers-$kver" ]; then
	lab_log "$arch: installing linux-headers-$kver$pa"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"linux-headers-$kver$pa" >&2
fi
echo "/usr/src/linux-headers-$kver" > "$dir/kdir"

if [ "$arch" = i386 ] && [ ! -s "$dir/vmlinux.btf" ]; then
	# No built-in BTF: pahole turns the -dbg vmlinux's DWARF into BTF.
	lab_log "i386: downloading linux-image-$kver-dbg (about 765 MB) for BTF"
	lab_download "$tmp" "linux-image-$kver-dbg$pa"
	dpkg-deb --fsys-tarfile "$tmp"/linux-image-"$kver"-dbg*.deb |
		tar -x -C "$tmp" "./usr/lib/debug/boot/vmlinux-$kver"
	rm -f "$tmp"/linux-image-"$kver"-dbg*.deb
	pahole -j2 --btf_encode_detached="$tmp/vmlinux.btf" "$tmp/usr/lib/debug/boot/vmlinux-$kver" >&2
	bpftool btf dump file "$tmp/vmlinux.btf" format c > "$tmp/vmlinux.h"
	mv "$tmp/vmlinux.btf" "$tmp/vmlinux.h" "$dir/"
	lab_log "i386: BTF $(stat -c %s "$dir/vmlinux.btf") bytes"
fi
complete || { lab_log "$arch: incomplete cache in $dir"; exit 1; }
lab_log "$arch: kernel $kver ($(cat "$dir/version")) ready in $dir"
