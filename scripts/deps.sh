#!/usr/bin/env bash
# Install every Debian package pagetrack and its lab need. Idempotent.
# apt-get update may exit non-zero on one i386 security index (mirror sync):
# that is tolerated, the packages we need resolve from the other indexes.
set -u
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

HOST_PKGS=(
	make gcc clang llvm libbpf-dev bpftool libelf-dev libdw-dev liblzma-dev libbz2-dev zlib1g-dev libzstd-dev
	libcmocka-dev libclang-rt-dev pkg-config qemu-system-x86 busybox-static dwarves
	gcc-12-multilib libc6-dev-i386 cpio gzip xz-utils kmod file util-linux groff-base
	qemu-system-arm gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	prometheus prometheus-node-exporter curl jq libcap2-bin
)
# prometheus ships promtool; the Prometheus suite runs its own node_exporter on
# 127.0.0.1. On a host with systemd, installing these also enables Debian's
# services (ports 9090 and 9100): disable them there if not wanted.

missing=()
for p in "${HOST_PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! dpkg --print-foreign-architectures | grep -qx i386; then
	$SUDO dpkg --add-architecture i386
	need_update=1
fi
stamp=/var/lib/apt/periodic/pagetrack-update-stamp
if [ ${#missing[@]} -gt 0 ] || [ -n "${need_update:-}" ] || [ ! -e "$stamp" ]; then
	$SUDO apt-get update -q || echo "deps: apt-get update reported errors (tolerated; see README)" >&2
	$SUDO mkdir -p "$(dirname "$stamp")" && $SUDO touch "$stamp"
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	$SUDO apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" || exit 1
fi
# gcc-multilib conflicts with the armhf cross compiler; what the i386 builds
# (gcc -m32) need of it beside gcc-12-multilib is its /usr/include/asm link.
if [ ! -e /usr/include/asm ]; then
	$SUDO ln -s x86_64-linux-gnu/asm /usr/include/asm || exit 1
fi
# The CI-format tests' npm tools (SARIF multitool, JUnit consumers) into the
# cache; node and npm from Debian only where npm is not on PATH already.
if ! command -v npm >/dev/null; then
	echo "deps: installing nodejs npm"
	$SUDO apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends nodejs npm || exit 1
fi
bash "$(dirname "$0")/npm-tools.sh" >/dev/null || echo "deps: npm tools not installed (the replay tests retry, else skip those checks)" >&2
echo "deps: host packages ready"
