#!/usr/bin/env bash
# A private i386 sysroot for static 32-bit builds of pagetrack:
#
#   scripts/i386-sysroot.sh [--check]
#
# Multi-Arch :i386 -dev packages cannot be co-installed on this host (they pull
# a libc6-dev:i386 whose linux-libc-dev must equal the amd64 one), so they are
# only downloaded and unpacked into $CACHE/i386/sysroot.  Link with
#   gcc -m32 -static -I$SYSROOT/usr/include ... \
#       $SYSROOT/usr/lib/i386-linux-gnu/{libbpf,libelf,libz,libzstd}.a
# (the 32-bit libc.a comes from the host's gcc-multilib / libc6-dev-i386).
# Also unpacks busybox-static:i386's busybox to $CACHE/i386/busybox for the
# guest: installing that package would replace the host's amd64 /bin/busybox.
# Idempotent ($SYSROOT/.done).  --check also links a probe program against the
# sysroot (this host may not run i386 code: the probe runs in the guest with
# tests/vm/run --kernel i386 --add .output/i386/libbpf-probe -- /add/libbpf-probe).
set -euo pipefail
. "$(dirname "$0")/lab-common.sh"
root=$CACHE/i386/sysroot
libs=(libbpf libelf libz libzstd)
pkgs=(libbpf-dev:i386 libbpf1:i386 libelf-dev:i386 libelf1:i386 zlib1g-dev:i386 zlib1g:i386
	libzstd-dev:i386 libzstd1:i386 busybox-static:i386)

check=""
case ${1:-} in
--check) check=1 ;;
"") ;;
*) echo "usage: scripts/i386-sysroot.sh [--check]" >&2; exit 2 ;;
esac

build() {
	local tmp t0 d a
	mkdir -p "$CACHE/i386"
	exec 9>"$CACHE/i386/.sysroot.lock"
	flock 9
	[ -e "$root/.done" ] && [ -x "$CACHE/i386/busybox" ] && return 0
	t0=$(lab_now)
	tmp=$(mktemp -d "$CACHE/i386/.sysroot.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	lab_log "i386: downloading ${pkgs[*]}"
	lab_download "$tmp" "${pkgs[@]}" || lab_die "i386: apt-get download failed"
	mkdir -p "$tmp/root"
	for d in "$tmp"/*.deb; do
		case $(basename "$d") in
		busybox-static_*) dpkg-deb -x "$d" "$tmp/bb" ;;
		*) dpkg-deb -x "$d" "$tmp/root" ;;
		esac
	done
	for a in "${libs[@]}"; do
		[ -s "$tmp/root/usr/lib/i386-linux-gnu/$a.a" ] || lab_die "i386: no $a.a in the unpacked packages"
	done
	[ -s "$tmp/root/usr/include/bpf/libbpf.h" ] || lab_die "i386: no bpf/libbpf.h in the unpacked packages"
	file -b "$tmp/bb/bin/busybox" | grep -q "32-bit.*statically linked" ||
		lab_die "i386: the unpacked busybox is not a static i386 binary"
	# Record what went in, for reproducibility.
	for d in "$tmp"/*.deb; do dpkg-deb -W --showformat='${Package}:${Architecture} ${Version}\n' "$d"; done \
		>"$tmp/root/.packages"
	rm -rf "$root"
	mv "$tmp/root" "$root"
	install -m 755 "$tmp/bb/bin/busybox" "$CACHE/i386/busybox"
	touch "$root/.done"
	lab_log "i386: sysroot ready in $root ($(du -sm "$root" | cut -f1) MB) in $(lab_since "$t0")"
}

[ -e "$root/.done" ] && [ -x "$CACHE/i386/busybox" ] || build

if [ -n "$check" ]; then
	out=$LAB_TOP/.output/i386
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
	for l in "${libs[@]}"; do a+=("$root/usr/lib/i386-linux-gnu/$l.a"); done
	gcc -m32 -static -O2 -Wall -I"$root/usr/include" "$out/libbpf-probe.c" -o "$out/libbpf-probe" "${a[@]}" ||
		lab_die "i386: linking the probe against the sysroot failed"
	rm -f "$out/libbpf-probe.c"
	file -b "$out/libbpf-probe" | grep -q "32-bit.*statically linked" ||
		lab_die "i386: the probe is not a static i386 binary"
	if ! "$out/libbpf-probe" 2>/dev/null; then
		lab_log "i386: linked $out/libbpf-probe; this host cannot run it (no ia32 emulation?): run it in the guest:"
		lab_log "  tests/vm/run --kernel i386 --add $out/libbpf-probe -- /add/libbpf-probe"
	fi
fi
exit 0
