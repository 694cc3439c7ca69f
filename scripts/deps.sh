#!/usr/bin/env bash
# Install the Debian packages pagetrack needs, by need. Idempotent.
#   deps.sh [build] [test] [lab] [fleet]     (none: all of them, as make deps)
# apt-get update may exit non-zero on one i386 security index (mirror sync):
# that is tolerated, the packages we need resolve from the other indexes.
set -u
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# build: pagetrack itself (make, make install), its man page check, make deb.
BUILD_PKGS=(
	make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev pkg-config
	libdw-dev liblzma-dev libbz2-dev groff-base file debhelper dpkg-dev lintian
)
# test: the host suites beyond the build (unit tests, fuzz corpus, capabilities).
TEST_PKGS=(libcmocka-dev libclang-rt-dev libcap2-bin util-linux kmod jq curl python3-yaml)
# lab: the QEMU guests, their 32-bit and ARM builds, kernels and BTF.
LAB_PKGS=(
	qemu-system-x86 qemu-system-arm busybox-static dwarves gcc-12-multilib libc6-dev-i386
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross cpio gzip xz-utils kmod file util-linux
)
# fleet: Prometheus (ships promtool) and node_exporter, for the Prometheus
# suite, which runs its own on 127.0.0.1. On a host with systemd, installing
# these also enables Debian's services (ports 9090 and 9100): disable them
# there if not wanted.
FLEET_PKGS=(prometheus prometheus-node-exporter curl jq)

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build test lab fleet)
HOST_PKGS=() lab=
for g in "${groups[@]}"; do
	case $g in
	build) HOST_PKGS+=("${BUILD_PKGS[@]}") ;;
	test) HOST_PKGS+=("${TEST_PKGS[@]}") ;;
	lab) HOST_PKGS+=("${LAB_PKGS[@]}"); lab=1 ;;
	fleet) HOST_PKGS+=("${FLEET_PKGS[@]}") ;;
	*) echo "deps: unknown group '$g' (build, test, lab, fleet)" >&2; exit 2 ;;
	esac
done
mapfile -t HOST_PKGS < <(printf '%s\n' "${HOST_PKGS[@]}" | awk '!seen[$0]++')

missing=()
for p in "${HOST_PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ -n "$lab" ] && ! dpkg --print-foreign-architectures | grep -qx i386; then
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
if [ -n "$lab" ] && [ ! -e /usr/include/asm ]; then
	$SUDO ln -s x86_64-linux-gnu/asm /usr/include/asm || exit 1
fi
# test: the CI-format tests' npm tools (SARIF multitool, JUnit consumers) into
# the cache; node and npm from Debian only where npm is not on PATH already.
if printf '%s\n' "${groups[@]}" | grep -qx test; then
	if ! command -v npm >/dev/null; then
		echo "deps: installing nodejs npm"
		$SUDO apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends nodejs npm || exit 1
	fi
	bash "$(dirname "$0")/npm-tools.sh" >/dev/null ||
		echo "deps: npm tools not installed (the replay tests retry, else skip those checks)" >&2
fi
echo "deps: host packages ready (${groups[*]})"
