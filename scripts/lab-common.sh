# shellcheck shell=bash
# Shared by the lab scripts: cache location and per-arch package names.
CACHE=${PAGETRACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pagetrack}

lab_meta() { # ARCH -> metapackage that names the current kernel ABI
	case $1 in
	i386) echo linux-image-686-pae:i386 ;;
	amd64) echo linux-image-amd64 ;;
	*) echo "lab: unknown arch '$1' (i386 or amd64)" >&2; return 1 ;;
	esac
}

lab_pkgarch() { [ "$1" = i386 ] && echo ":i386" || true; }

lab_log() { echo "lab: $*" >&2; }

# apt-get download into DIR (as root apt warns about its sandbox: harmless).
lab_download() { # DIR PKG...
	local dir=$1; shift
	(cd "$dir" && apt-get download -q "$@" 2>&1 | grep -vE "^W: Download is performed unsandboxed" >&2) || return 1
}
