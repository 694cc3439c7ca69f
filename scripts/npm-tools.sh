#!/usr/bin/env bash
# The npm packages the CI-format tests read pagetrack's files with, installed
# once into the cache: Microsoft's SARIF multitool (validate, offline) and two
# JUnit consumers. Prints the directory (its node_modules holds them), or
# exits 1 with the reason on stderr. Idempotent; `make deps` runs it.
#   npm-tools.sh
set -u
CACHE=${PAGETRACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pagetrack}
dir=$CACHE/npm
PKGS=(@microsoft/sarif-multitool@5.7.0 test-results-parser@0.4.6 junit2json@4.0.0)

# Debian's node and npm only where npm is not on PATH already.
if ! command -v npm >/dev/null; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	if ! command -v apt-get >/dev/null || { [ -n "$SUDO" ] && ! command -v sudo >/dev/null; }; then
		echo "npm-tools: npm is not installed and cannot be (no apt-get, or not root)" >&2
		exit 1
	fi
	echo "npm-tools: installing nodejs npm" >&2
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
		--no-install-recommends nodejs npm >&2 || {
		echo "npm-tools: apt-get install nodejs npm failed" >&2; exit 1; }
fi
stamp=$dir/.pagetrack-pkgs
if [ "$(cat "$stamp" 2>/dev/null)" != "${PKGS[*]}" ] || [ ! -d "$dir/node_modules" ]; then
	mkdir -p "$dir" || exit 1
	echo "npm-tools: installing ${PKGS[*]} into $dir" >&2
	npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "${PKGS[@]}" >&2 || {
		echo "npm-tools: npm install failed (is the npm registry reachable?)" >&2; exit 1; }
	# npm 11 leaves install scripts unrun unless allowed: the multitool's
	# only one makes its binary executable.
	chmod u+x "$dir"/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool 2>/dev/null
	printf '%s' "${PKGS[*]}" > "$stamp"
fi
echo "$dir"
