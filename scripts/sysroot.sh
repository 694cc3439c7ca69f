#!/usr/bin/env bash
# A private sysroot for static 32-bit builds of pagetrack for a lab guest:
#
#   scripts/sysroot.sh [--check] i386|armhf
#
# i386: Multi-Arch :i386 -dev packages cannot be co-installed on this host
# (they pull a libc6-dev:i386 whose linux-libc-dev must equal the amd64 one);
# armhf: dpkg never gets armhf as an architecture (its lists are private,
# lab_apt). Either way the packages are only downloaded and unpacked into
# $CACHE/ARCH/sysroot. Link with
#   gcc -m32 -static -I$SYSROOT/usr/include ... \
#       $SYSROOT/usr/lib/i386-linux-gnu/{libbpf,libdw,libelf,libz,liblzma,libbz2,libzstd}.a
#   arm-linux-gnueabihf-gcc -static -I$SYSROOT/usr/include ... \
#       $SYSROOT/usr/lib/arm-linux-gnueabihf/{libbpf,libdw,libelf,libz,liblzma,libbz2,libzstd}.a
# (libdw and the compressors it reads .ko.xz/.bz2/.zst with: src/srcline.c.)
# (libc.a comes from the host's gcc-multilib / libc6-dev-i386, or the armhf
# cross compiler's libc6-dev-armhf-cross).
# Also unpacks busybox-static's busybox to $CACHE/ARCH/busybox for the guest:
# installing busybox-static:i386 would replace the host's amd64 /bin/busybox.
# Idempotent ($SYSROOT/.done).  --check also links a probe program against the
# sysroot (this host may not run it: the probe runs in the guest with
# tests/vm/run --kernel ARCH --add .output/ARCH/libbpf-probe -- /add/libbpf-probe).
set -euo pipefail
. "$(dirname "$0")/lab-common.sh"
usage() { echo "usage: scripts/sysroot.sh [--check] i386|armhf" >&2; exit 2; }
check=""
[ "${1:-}" = --check ] && { check=1; shift; }
[ $# -eq 1 ] || usage
arch=$1
case $arch in
i386) triplet=i386-linux-gnu cc=(gcc -m32) kind="Intel 80386" pa=":i386" ;;
armhf) triplet=arm-linux-gnueabihf cc=(arm-linux-gnueabihf-gcc) kind="ARM" pa="" ;;
*) usage ;;
esac
[ "$arch" = armhf ] && export LAB_APT_ARCH=armhf
root=$CACHE/$arch/sysroot
libs=(libbpf libdw libelf libz liblzma libbz2 libzstd)
pkgs=()
for p in libbpf-dev libbpf1 libdw-dev libdw1 libelf-dev libelf1 zlib1g-dev zlib1g libzstd-dev libzstd1 \
	liblzma-dev liblzma5 libbz2-dev libbz2-1.0 busybox-static; do
	pkgs+=("$p$pa")
done

# Built, and with every library of the current list (an older sysroot
# without libdw is built again).
ready() {
	local a
	[ -e "$root/.done" ] && [ -x "$CACHE/$arch/busybox" ] || return 1
	for a in "${libs[@]}"; do [ -s "$root/usr/lib/$triplet/$a.a" ] || return 1; done
	[ -s "$root/usr/include/elfutils/libdwfl.h" ]
}

build() {
	local tmp t0 d a
	mkdir -p "$CACHE/$arch"
	exec 9>"$CACHE/$arch/.sysroot.lock"
	flock 9
	ready && return 0
	t0=$(lab_now)
	if [ "$arch" = armhf ] && [ -z "$(ls "$CACHE/armhf/apt/lists/" 2>/dev/null | grep _Packages)" ]; then
		lab_apt_update armhf
	fi
	tmp=$(mktemp -d "$CACHE/$arch/.sysroot.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	lab_log "$arch: downloading ${pkgs[*]}"
	lab_download "$tmp" "${pkgs[@]}" || lab_die "$arch: apt-get download failed"
	mkdir -p "$tmp/root"
	for d in "$tmp"/*.deb; do
		case $(basename "$d") in
		busybox-static_*) dpkg-deb -x "$d" "$tmp/bb" ;;
		*) dpkg-deb -x "$d" "$tmp/root" ;;
		esac
	done
	for a in "${libs[@]}"; do
		[ -s "$tmp/root/usr/lib/$triplet/$a.a" ] || lab_die "$arch: no $a.a in the unpacked packages"
	done
	[ -s "$tmp/root/usr/include/bpf/libbpf.h" ] || lab_die "$arch: no bpf/libbpf.h in the unpacked packages"
	file -b "$tmp/bb/bin/busybox" | grep -q "32-bit.*$kind.*statically linked" ||
		lab_die "$arch: the unpacked busybox is not a static $arch binary"
	# Record what went in, for reproducibility.
	for d in "$tmp"/*.deb; do dpkg-deb -W --showformat='${Package}:${Architecture} ${Version}\n' "$d"; done \
		>"$tmp/root/.packages"
	rm -rf "$root"
	mv "$tmp/root" "$root"
	install -m 755 "$tmp/bb/bin/busybox" "$CACHE/$arch/busybox"
	touch "$root/.done"
	lab_log "$arch: sysroot ready in $root ($(du -sm "$root" | cut -f1) MB) in $(lab_since "$t0")"
}

ready || build

if [ -n "$check" ]; then
	out=$LAB_TOP/.output/$arch
	mkdir -p "$out"
	cat >"$out/libbpf-probe.c" <<'EOF'
#include <stdio.h>
#include <bpf/libbpf.h>
#include <zlib.h>
#include <zstd.h>

int main(void)
{
	/* libelf and libz come in through libbpf itself. */
	printf("libbpf %u.%u (%s), zlib %s, zstd %s, sizeof(long) %zu\n",
	       libbpf_major_version(), libbpf_minor_version(), libbpf_version_string(),
	       zlibVersion(), ZSTD_versionString(), sizeof(long));
	return libbpf_major_version() == 1 && sizeof(long) == 4 ? 0 : 1;
}
EOF
	a=()
	for l in "${libs[@]}"; do a+=("$root/usr/lib/$triplet/$l.a"); done
	"${cc[@]}" -static -O2 -Wall -I"$root/usr/include" -I"$root/usr/include/$triplet" "$out/libbpf-probe.c" \
		-o "$out/libbpf-probe" "${a[@]}" || lab_die "$arch: linking the probe against the sysroot failed"
	rm -f "$out/libbpf-probe.c"
	file -b "$out/libbpf-probe" | grep -q "32-bit.*$kind.*statically linked" ||
		lab_die "$arch: the probe is not a static $arch binary"
	if ! "$out/libbpf-probe" 2>/dev/null; then
		lab_log "$arch: linked $out/libbpf-probe; this host cannot run it: run it in the guest:"
		lab_log "  tests/vm/run --kernel $arch --add $out/libbpf-probe -- /add/libbpf-probe"
	fi
fi
exit 0
