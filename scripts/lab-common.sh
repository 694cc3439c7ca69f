# shellcheck shell=bash
# Sourced by the lab scripts (lab-kernel.sh, i386-sysroot.sh, kmod.sh,
# checkpatch.sh, tests/vm/*): cache location, arch names, apt helpers.

CACHE=${PAGETRACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pagetrack}
LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

lab_log() { echo "lab: $*" >&2; }
lab_die() { echo "lab: $*" >&2; exit 1; }

lab_check_arch() { # ARCH
	case ${1:-} in
	i386 | amd64) ;;
	*) echo "lab: unknown arch '${1:-}' (i386 or amd64)" >&2; return 1 ;;
	esac
}

# The Debian metapackage whose Depends names the current kernel ABI.
lab_meta() { # ARCH
	case ${1:-} in
	i386) echo linux-image-686-pae:i386 ;;
	amd64) echo linux-image-amd64 ;;
	*) lab_check_arch "${1:-}"; return 1 ;;
	esac
}

# Suffix selecting the package's architecture on this amd64 host.
lab_pkgarch() { [ "$1" = i386 ] && echo ":i386" || true; }

# apt-get update; one i386 bookworm-security index often fails to sync here
# (exit 100) while everything else resolves: tolerated.
lab_apt_update() {
	apt-get update -q >&2 || lab_log "apt-get update reported errors (tolerated)"
}

# apt-get download PKG... into DIR; as root apt warns that it cannot drop to
# the _apt user for the download: harmless, filtered out.
lab_download() { # DIR PKG...
	local dir=$1 rc
	shift
	(cd "$dir" && apt-get download -q "$@" 2>&1) |
		{ grep -vE "^W: Download is performed unsandboxed|^$" >&2 || true; }
	rc=${PIPESTATUS[0]}
	return "$rc"
}

# Seconds since the epoch with milliseconds, for progress messages.
lab_now() { date +%s.%N | cut -c1-14; }
lab_since() { # START
	awk -v a="$1" -v b="$(lab_now)" 'BEGIN { printf "%.1f s", b - a }'
}
