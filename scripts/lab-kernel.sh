#!/usr/bin/env bash
# Fetch a lab guest kernel: Debian's own stock kernel, resolved through its
# metapackage (the ABI is never written down here).
#
#   scripts/lab-kernel.sh [--refresh] i386|amd64|amd64-bpo|armhf
#
# i386 and amd64 come from bookworm; amd64-bpo is linux-image-amd64 of
# bookworm-backports (the suite is added to apt's sources if missing).
# Leaves in $CACHE/KERNEL/ (CACHE=${PAGETRACK_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pagetrack}):
#   vmlinuz config   from linux-image-<kver> (and System.map if it is a real
#                    one: Debian's is a one-line placeholder)
#   kver      the kernel's uname -r string      version   its Debian package version
#   kdir      path of the linux-headers-<kver> tree: installed with apt-get
#             (i386, amd64); for armhf unpacked into ARCH/headers/, its
#             scripts and tools linked to the host's linux-kbuild of the same
#             version (cross builds: ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-)
#   vmlinux.btf, vmlinux.h      i386 and armhf (no built-in BTF): made by
#                               pahole from the -dbg package's vmlinux (the
#                               -dbg files are deleted)
# armhf packages are resolved and downloaded through private apt lists
# ($CACHE/armhf/apt, lab_apt): dpkg never gets armhf as an architecture.
# A complete cache returns at once without asking apt; --refresh re-resolves
# the metapackage and fetches a newer ABI if there is one.  Progress and a
# one-line summary of the kernel's configuration go to stderr.
set -euo pipefail
. "$(dirname "$0")/lab-common.sh"

refresh=""
if [ "${1:-}" = --refresh ]; then refresh=1; shift; fi
arch=${1:-}
[ $# -eq 1 ] && lab_check_arch "$arch" || { echo "usage: scripts/lab-kernel.sh [--refresh] i386|amd64|amd64-bpo|armhf" >&2; exit 2; }
dir=$CACHE/$arch
pa=$(lab_pkgarch "$arch")
needs_btf=""
case $arch in i386 | armhf) needs_btf=1 ;; esac
[ "$arch" = armhf ] && export LAB_APT_ARCH=armhf

complete() {
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/config" ] && [ -s "$dir/kver" ] && [ -s "$dir/version" ] &&
		[ -s "$dir/kdir" ] && [ -f "$(cat "$dir/kdir")/Makefile" ] &&
		{ [ -z "$needs_btf" ] || { [ -s "$dir/vmlinux.btf" ] && [ -s "$dir/vmlinux.h" ]; }; }
}

# One line: what the lab's tests depend on in this kernel's configuration.
summary() {
	local c=$dir/config model v out=""
	if grep -q '^CONFIG_FLATMEM=y' "$c"; then model=FLATMEM
	elif grep -q '^CONFIG_SPARSEMEM_VMEMMAP=y' "$c"; then model=SPARSEMEM_VMEMMAP
	elif grep -q '^CONFIG_SPARSEMEM=y' "$c"; then model=SPARSEMEM
	else model=unknown; fi
	for v in HIGHMEM HIGHMEM64G ARM_LPAE KPROBES KPROBE_EVENTS BPF_EVENTS DEBUG_INFO_BTF; do
		if grep -q "^CONFIG_$v=y" "$c"; then out+=" $v=y"; else out+=" $v=n"; fi
	done
	lab_log "$arch: $(cat "$dir/kver") ($(cat "$dir/version")): $model$out"
}

if [ -z "$refresh" ] && complete; then summary; exit 0; fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9 # another lab-kernel.sh for this arch finishes first
if [ -z "$refresh" ] && complete; then summary; exit 0; fi

meta=$(lab_meta "$arch")
suite=$(lab_apt_suite "$arch")
[ "$arch" = armhf ] && lab_armhf_sources
# shellcheck disable=SC2086 # $suite: "-t SUITE" or nothing
resolve() { lab_apt "$arch" apt-cache depends $suite "$meta" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'; }
if [ "$arch" = i386 ] && ! dpkg --print-foreign-architectures | grep -qx i386; then
	lab_die "i386 packages need 'dpkg --add-architecture i386' and apt-get update: run scripts/deps.sh"
fi
pkg=$(resolve || true)
if [ "$arch" = amd64-bpo ] && lab_add_backports; then pkg=""; fi
if [ -z "$pkg" ] || [ -n "$refresh" ]; then
	lab_apt_update "$arch"
	pkg=$(resolve || true)
fi
[ -n "$pkg" ] || lab_die "$arch: cannot resolve $meta${suite:+ ($suite)} with apt-cache depends"
kver=${pkg#linux-image-}
kver=${kver%:*}
lab_log "$arch: $meta${suite:+ ($suite)} -> $pkg"

tmp=$(mktemp -d "$dir/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# armhf headers cannot be installed on this host (they would pull armhf's
# linux-kbuild): the arch package is unpacked under ARCH/headers, its common
# part (arch all) and the host's linux-kbuild of the same version installed,
# and its scripts/tools links pointed at the host's kbuild.
armhf_headers() {
	local hdeb common series ver h=$dir/headers/usr/src/linux-headers-$kver t0
	ver=$(cat "$dir/version")
	series=$(echo "$kver" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
	if [ ! -f "$h/Makefile" ] || [ "$(cat "$dir/headers/.version" 2>/dev/null)" != "$ver" ]; then
		t0=$(lab_now)
		lab_download "$tmp" "linux-headers-$kver" || lab_die "armhf: apt-get download linux-headers-$kver failed"
		hdeb=$(echo "$tmp"/linux-headers-"$kver"_*.deb)
		common=$(dpkg-deb -f "$hdeb" Depends | grep -oE 'linux-headers-[^ ,]+-common' | head -n 1)
		[ -n "$common" ] || lab_die "armhf: $(basename "$hdeb") names no -common headers package"
		rm -rf "$dir/headers"
		dpkg-deb -x "$hdeb" "$dir/headers" || lab_die "armhf: cannot unpack $(basename "$hdeb")"
		rm -f "$hdeb"
		echo "$ver" >"$dir/headers/.version"
		lab_log "armhf: installing $common and linux-kbuild-$series $ver on the host"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends \
			"$common=$ver" "linux-kbuild-$series=$ver" >&2 ||
			lab_die "armhf: apt-get install $common=$ver linux-kbuild-$series=$ver failed (the host's kbuild must match the armhf headers' version)"
		lab_log "armhf: headers ready in $(lab_since "$t0")"
	fi
	ln -sfn "/usr/lib/linux-kbuild-$series/scripts" "$h/scripts"
	ln -sfn "/usr/lib/linux-kbuild-$series/tools" "$h/tools"
	[ -f "$h/scripts/Makefile.build" ] || lab_die "armhf: no host kbuild at /usr/lib/linux-kbuild-$series"
	echo "$h" >"$dir/kdir"
}

# 1. The kernel image package: keep vmlinuz, config, System.map.
if [ "$(cat "$dir/kver" 2>/dev/null)" != "$kver" ] || [ ! -s "$dir/vmlinuz" ] || [ ! -s "$dir/config" ] ||
	[ ! -s "$dir/version" ]; then
	t0=$(lab_now)
	lab_download "$tmp" "linux-image-$kver$pa" || lab_die "$arch: apt-get download linux-image-$kver$pa failed"
	deb=$(echo "$tmp"/linux-image-*.deb)
	lab_log "$arch: downloaded $(basename "$deb") ($(($(stat -c %s "$deb") / 1000000)) MB) in $(lab_since "$t0")"
	# /boot comes first in the archive: with --occurrence tar stops there
	# instead of decompressing all the modules (0.8 s instead of 7 s).
	set +o pipefail
	dpkg-deb --fsys-tarfile "$deb" 2>/dev/null |
		tar -x -C "$tmp" --occurrence=1 "./boot/vmlinuz-$kver" "./boot/config-$kver" "./boot/System.map-$kver" \
			2>/dev/null || true
	set -o pipefail
	[ -s "$tmp/boot/vmlinuz-$kver" ] && [ -s "$tmp/boot/config-$kver" ] ||
		lab_die "$arch: no /boot/vmlinuz-$kver or config in $(basename "$deb")"
	rm -f "$dir/vmlinuz" "$dir/config" "$dir/System.map" "$dir/kver" "$dir/vmlinux.btf" "$dir/vmlinux.h"
	mv "$tmp/boot/vmlinuz-$kver" "$dir/vmlinuz"
	mv "$tmp/boot/config-$kver" "$dir/config"
	# Debian ships a one-line placeholder System.map: kept only if real.
	if [ "$(wc -l <"$tmp/boot/System.map-$kver" 2>/dev/null || echo 0)" -gt 1 ]; then
		mv "$tmp/boot/System.map-$kver" "$dir/System.map"
	fi
	dpkg-deb -f "$deb" Version >"$dir/version"
	echo "$kver" >"$dir/kver"
	rm -f "$deb"
fi

# 2. The matching headers, installed (out-of-tree modules build against them).
if [ "$arch" = armhf ]; then
	armhf_headers
else
	hpkg=linux-headers-$kver$pa
	if ! dpkg-query -W -f='${Status}' "$hpkg" 2>/dev/null | grep -q "install ok installed" ||
		[ ! -f "/usr/src/linux-headers-$kver/Makefile" ]; then
		t0=$(lab_now)
		lab_log "$arch: installing $hpkg"
		# Not "-t SUITE": that would make every backports package a candidate
		# and upgrade the host's bpftool, linux-libc-dev and systemd with it.
		# The ABI's packages exist only in their suite; the rest (gcc-12,
		# linux-base) comes from bookworm.
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
			--no-install-recommends "$hpkg" >&2 || lab_die "$arch: apt-get install $hpkg failed"
		lab_log "$arch: $hpkg installed in $(lab_since "$t0")"
	fi
	echo "/usr/src/linux-headers-$kver" >"$dir/kdir"
fi

# 3. i386 and armhf have no built-in BTF: pahole turns the -dbg vmlinux's
#    DWARF into a detached BTF file; only that (and a vmlinux.h dumped from
#    it) is kept.
if [ -n "$needs_btf" ] && { [ ! -s "$dir/vmlinux.btf" ] || [ ! -s "$dir/vmlinux.h" ]; }; then
	dbg=linux-image-$kver-dbg$pa
	t0=$(lab_now)
	lab_log "$arch: downloading $dbg (i386 about 765 MB, armhf 622 MB) for BTF"
	lab_download "$tmp" "$dbg" || lab_die "$arch: apt-get download $dbg failed"
	deb=$(echo "$tmp"/linux-image-"$kver"-dbg_*.deb)
	lab_log "$arch: downloaded $(basename "$deb") ($(($(stat -c %s "$deb") / 1000000)) MB) in $(lab_since "$t0")"
	t0=$(lab_now)
	member=./usr/lib/debug/boot/vmlinux-$kver
	# --occurrence: tar stops reading once it has the one member; the
	# decompressor then gets SIGPIPE, which is expected.
	set +o pipefail
	dpkg-deb --fsys-tarfile "$deb" 2>/dev/null | tar -x -C "$tmp" --occurrence=1 "$member" || true
	set -o pipefail
	[ -s "$tmp/$member" ] || lab_die "$arch: no $member in $(basename "$deb")"
	rm -f "$deb"
	lab_log "$arch: vmlinux ($(($(stat -c %s "$tmp/$member") / 1000000)) MB) unpacked in $(lab_since "$t0")"
	t0=$(lab_now)
	pahole -j2 --btf_encode_detached="$tmp/vmlinux.btf" "$tmp/$member" >&2 || lab_die "$arch: pahole failed"
	rm -f "$tmp/$member"
	lab_log "$arch: pahole made $(stat -c %s "$tmp/vmlinux.btf") bytes of BTF in $(lab_since "$t0")"
	bpftool btf dump file "$tmp/vmlinux.btf" >"$tmp/dump" || lab_die "$arch: bpftool cannot read the BTF"
	grep -q "STRUCT 'page' size=" "$tmp/dump" || lab_die "$arch: the generated BTF has no struct page"
	lab_log "$arch: BTF has $(grep -c '^\[' "$tmp/dump") types, e.g. $(grep -m1 "STRUCT 'page' size=" "$tmp/dump")"
	rm -f "$tmp/dump"
	bpftool btf dump file "$tmp/vmlinux.btf" format c >"$tmp/vmlinux.h"
	chmod 644 "$tmp/vmlinux.btf" "$tmp/vmlinux.h"
	mv "$tmp/vmlinux.h" "$dir/vmlinux.h"
	mv "$tmp/vmlinux.btf" "$dir/vmlinux.btf"
	lab_log "$arch: $dir/vmlinux.btf and vmlinux.h ready ($(lab_since "$t0") with pahole)"
fi

complete || lab_die "$arch: the cache in $dir is still incomplete"
summary
