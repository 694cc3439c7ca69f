#!/usr/bin/env bash
# Build an out-of-tree kernel module against a lab guest kernel's Debian headers:
#
#   scripts/kmod.sh SRC_DIR i386|amd64|amd64-bpo|armhf
#
# SRC_DIR holds the module's sources and its Kbuild or Makefile (obj-m := ...);
# with neither, each *.c becomes its own module.  The sources are copied to
# .output/KERNEL/kmod/<basename SRC_DIR>/ and built there with
# `make -C <headers> M=<copy> modules`, so builds for different kernels never
# share objects and SRC_DIR stays clean.  As kbuild would see the tree:
# subdirectories are kept, symlinks (to files or directories, inside the tree
# or out of it, as LDD3's scull-shared) are copied as what they point to, and
# make runs with PWD=SRC_DIR, so a Makefile's $(PWD)/../include (LDD3's
# LDDINC) names the real tree's include directory.  Fetches the kernel and its headers
# first (scripts/lab-kernel.sh KERNEL).  Prints the absolute path of each built .ko on
# stdout; everything else goes to stderr.
set -euo pipefail
. "$(dirname "$0")/lab-common.sh"
usage() { echo "usage: scripts/kmod.sh SRC_DIR i386|amd64|amd64-bpo|armhf" >&2; exit 2; }
[ $# -eq 2 ] || usage
src=$1 arch=$2
lab_check_arch "$arch" || usage
[ -d "$src" ] || lab_die "no such module directory: $src"
src=$(cd "$src" && pwd)

bash "$LAB_TOP/scripts/lab-kernel.sh" "$arch"
kdir=$(cat "$CACHE/$arch/kdir")
out=$LAB_TOP/.output/$arch/kmod/$(basename "$src")
case $out/ in
"$src"/*) lab_die "the build copy $out would be inside the source directory $src" ;;
esac
mkdir -p "$out"
exec 9>"$out/.kmod.lock"
flock 9

# Copy the sources (not build products), keeping their mtimes so make stays
# incremental; drop files copied earlier that are gone from SRC_DIR.
is_product() {
	case ${1##*/} in
	*.o | *.ko | *.mod | *.mod.c | .*.cmd | *.a | *.order | Module.symvers | .tmp_* | \
		.kmod.lock | .kmod-sources | *.dwo | *.su | .cache.mk | *.tmp) return 0 ;;
	esac
	return 1
}
new=()
while IFS= read -r -d '' f; do
	rel=${f#"$src"/}
	is_product "$rel" && continue
	new+=("$rel")
	if ! cmp -s "$f" "$out/$rel"; then
		mkdir -p "$(dirname "$out/$rel")"
		rm -f "$out/$rel"
		cp -pL "$f" "$out/$rel"
	fi
# -L: a symlink counts as what it points to (a dangling one is left out).
done < <(find -L "$src" -path "$src/.git" -prune -o -type f -print0 2>/dev/null)
if [ -f "$out/.kmod-sources" ]; then
	while IFS= read -r rel; do
		printf '%s\n' "${new[@]}" | grep -qxF -- "$rel" || rm -f "$out/$rel"
	done <"$out/.kmod-sources"
fi
printf '%s\n' "${new[@]}" >"$out/.kmod-sources"

if [ ! -f "$src/Kbuild" ] && [ ! -f "$src/Makefile" ]; then
	objs=$(printf '%s\n' "${new[@]}" | grep -E '^[^/]+\.c$' | sed 's|\.c$|.o|' | paste -sd' ' || true)
	[ -n "$objs" ] || lab_die "$src has no Kbuild, no Makefile and no .c file"
	if [ "$(cat "$out/Kbuild" 2>/dev/null)" != "obj-m := $objs" ]; then
		echo "obj-m := $objs" >"$out/Kbuild"
	fi
	lab_log "kmod: no Kbuild or Makefile in $src: obj-m := $objs"
fi

lab_log "kmod: building $(basename "$src") for $arch ($(cat "$CACHE/$arch/kver")) in $out"
rm -f "$out/modules.order"
cross=()
# armhf: a cross build against the unpacked headers with the host's kbuild.
[ "$arch" = armhf ] && cross=(ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-)
(cd "$src" && PWD=$src make -C "$kdir" M="$out" "${cross[@]}" -j"$(nproc)" modules) >&2 ||
	lab_die "kmod: the build of $src for $arch failed"

# modules.order names what this build produced (stale .ko files are not listed).
found=0
if [ -f "$out/modules.order" ]; then
	while IFS= read -r m; do
		m=${m#kernel/}
		m=${m%.o}
		m=${m%.ko}.ko
		case $m in /*) ;; *) m=$out/$m ;; esac
		[ -f "$m" ] && { echo "$m"; found=1; }
	done <"$out/modules.order"
fi
[ "$found" = 1 ] || lab_die "kmod: the build of $src produced no module"
