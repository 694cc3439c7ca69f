#!/usr/bin/env bash
# Build an out-of-tree module against a lab guest kernel's Debian headers:
#   scripts/kmod.sh SRC_DIR i386|amd64
# Builds in a copy (.output/ARCH/kmod/NAME/) and prints the .ko paths.
set -euo pipefail
. "$(dirname "$0")/lab-common.sh"
src=${1:?usage: kmod.sh SRC_DIR i386|amd64}
arch=${2:?usage: kmod.sh SRC_DIR i386|amd64}
[ -d "$src" ] || { lab_log "no such module directory: $src"; exit 2; }
bash "$(dirname "$0")/lab-kernel.sh" "$arch"
kdir=$(cat "$CACHE/$arch/kdir")
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/.output/$arch/kmod/$(basename "$(cd "$src" && pwd)")
mkdir -p "$out"
# Copy sources only; the build's own files stay in the copy.
find "$src" -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild -o -name Makefile \) \
	-exec cp -p {} "$out/" \;
make -s -C "$kdir" M="$out" modules >&2
ls "$out"/*.ko
