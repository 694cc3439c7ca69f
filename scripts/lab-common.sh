# shellcheck shell=bash
# Sourced by the lab scripts (lab-kernel.sh, sysroot.sh, kmod.sh,
# checkpatch.sh, tests/vm/*): cache location, arch names, apt helpers.

CACHE=${PAGETRACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pagetrack}
LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

lab_log() { echo "lab: $*" >&2; }
lab_die() { echo "lab: $*" >&2; exit 1; }

# Lab kernels: i386 and amd64 are Debian 12's own (bookworm and its security
# updates); amd64-bpo is the newest amd64 kernel in bookworm-backports (6.12 in
# 2026: the >= 6.4 module layout and the >= 6.10 *_noprof allocator names).
LAB_BPO_SUITE=bookworm-backports

lab_check_arch() { # KERNEL
	case ${1:-} in
	i386 | amd64 | amd64-bpo | armhf) ;;
	*) echo "lab: unknown kernel '${1:-}' (i386, amd64, amd64-bpo or armhf)" >&2; return 1 ;;
	esac
}

# The CPU architecture of a lab kernel: which pagetrack build, QEMU and
# busybox it runs with.
lab_cpu() { # KERNEL
	[ "$1" = amd64-bpo ] && echo amd64 || echo "$1"
}

# The Debian metapackage whose Depends names the current kernel ABI.
lab_meta() { # KERNEL
	case ${1:-} in
	i386) echo linux-image-686-pae:i386 ;;
	amd64 | amd64-bpo) echo linux-image-amd64 ;;
	armhf) echo linux-image-armmp-lpae ;;
	*) lab_check_arch "${1:-}"; return 1 ;;
	esac
}

# apt options selecting the kernel's suite (empty: the default, bookworm).
lab_apt_suite() { # KERNEL
	[ "$1" = amd64-bpo ] && echo "-t $LAB_BPO_SUITE" || true
}

# Adds bookworm-backports to apt's sources when no source lists it yet.
# Returns 0 when it added it (an apt-get update is then due), 1 otherwise.
lab_add_backports() {
	local f=/etc/apt/sources.list.d/pagetrack-$LAB_BPO_SUITE.sources sudo=""
	grep -rqsw -- "$LAB_BPO_SUITE" /etc/apt/sources.list /etc/apt/sources.list.d/ && return 1
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	lab_log "adding $LAB_BPO_SUITE to apt's sources ($f)"
	printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" "Suites: $LAB_BPO_SUITE" \
		"Components: main" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" |
		$sudo tee "$f" >/dev/null || lab_die "cannot write $f"
	return 0
}

# Suffix selecting the package's architecture on this amd64 host (armhf
# packages come through a private apt configuration instead: lab_apt).
lab_pkgarch() { [ "$1" = i386 ] && echo ":i386" || true; }

# armhf package lists live in $CACHE/armhf/apt, apart from dpkg's own: the
# host never gets armhf as a foreign architecture. lab_apt ARCH CMD ARGS runs
# apt-get or apt-cache (CMD) for ARCH, through that configuration for armhf.
lab_apt() { # ARCH apt-get|apt-cache ARGS...
	local arch=$1 cmd=$2 c=$CACHE/armhf/apt
	shift 2
	if [ "$arch" != armhf ]; then
		"$cmd" "$@"
		return
	fi
	"$cmd" -o Dir::State::Lists="$c/lists" -o Dir::Cache="$c" -o Dir::Cache::archives="$c/archives" \
		-o Dir::Etc::sourcelist="$c/sources.list" -o Dir::Etc::sourceparts=/nonexistent \
		-o Dir::State::status=/dev/null -o APT::Architecture=armhf -o APT::Architectures::=armhf "$@"
}

# The private armhf lists: written once from the host's Debian mirrors, then
# refreshed like the host's (lab_apt_update armhf).
lab_armhf_sources() {
	local c=$CACHE/armhf/apt k=/usr/share/keyrings/debian-archive-keyring.gpg
	mkdir -p "$c/lists/partial" "$c/archives/partial"
	[ -s "$c/sources.list" ] && return 0
	{
		echo "deb [arch=armhf signed-by=$k] http://deb.debian.org/debian bookworm main"
		echo "deb [arch=armhf signed-by=$k] http://deb.debian.org/debian bookworm-updates main"
		echo "deb [arch=armhf signed-by=$k] http://deb.debian.org/debian-security bookworm-security main"
	} >"$c/sources.list"
}

# apt-get update; one i386 bookworm-security index often fails to sync here
# (exit 100) while everything else resolves: tolerated.
lab_apt_update() { # [ARCH]
	[ "${1:-}" = armhf ] && lab_armhf_sources
	lab_apt "${1:-amd64}" apt-get update -q >&2 || lab_log "apt-get update reported errors (tolerated)"
}

# apt-get download PKG... into DIR; as root apt warns that it cannot drop to
# the _apt user for the download: harmless, filtered out.
lab_download() { # DIR PKG... (LAB_APT_ARCH=armhf: through the private lists)
	local dir=$1 rc
	shift
	(cd "$dir" && lab_apt "${LAB_APT_ARCH:-amd64}" apt-get download -q "$@" 2>&1) |
		{ grep -vE "^W: Download is performed unsandboxed|^$" >&2 || true; }
	rc=${PIPESTATUS[0]}
	return "$rc"
}

# Seconds since the epoch with milliseconds, for progress messages.
lab_now() { date +%s.%N | cut -c1-14; }
lab_since() { # START
	awk -v a="$1" -v b="$(lab_now)" 'BEGIN { printf "%.1f s", b - a }'
}
