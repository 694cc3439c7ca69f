#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build bcc libbpf-tools' memleak from source, for `MEMLEAK=path make bench`
# (tests/bench/README.md, "memleak"). Nothing prebuilt: bcc's tree at a tag and
# the libbpf commit its submodule pins, from git mirrors (the session's `fetch`
# tool puts them under /work/.mirror; any clone of the two repositories works).
#
#   tests/bench/build-memleak.sh [BCC_GIT_DIR [LIBBPF_GIT_DIR]]
#
# Env: BCC_TAG (default v0.37.0), OUT (default .output/bench). Writes
# $OUT/memleak and prints its path. Exit 0 built, 1 failed, 2 bad usage.
# Skeletons come from Debian's bpftool (apt-get install bpftool) instead of the
# bpftool submodule; blazesym (Rust) is left out: symbols come from kallsyms.
set -eu -o pipefail
cd "$(dirname "$0")/../.."
BCC=${1:-/work/.mirror/iovisor+bcc/repo}
LIBBPF=${2:-/work/.mirror/libbpf+libbpf/repo}
TAG=${BCC_TAG:-v0.37.0}
OUT=$(mkdir -p "${OUT:-.output/bench}" && cd "${OUT:-.output/bench}" && pwd)
for g in "$BCC" "$LIBBPF"; do
	git --git-dir="$g" rev-parse -q --verify HEAD >/dev/null 2>&1 ||
		{ echo "build-memleak: $g is not a git directory (fetch github:iovisor/bcc and github:libbpf/libbpf)" >&2; exit 2; }
done
command -v bpftool >/dev/null || { echo "build-memleak: needs bpftool (apt-get install bpftool)" >&2; exit 1; }
# The libbpf commit bcc pins at that tag (src/cc/libbpf is a gitlink).
PIN=$(git --git-dir="$BCC" ls-tree "$TAG" src/cc/libbpf | awk '$2 == "commit" {print $3}')
[ -n "$PIN" ] || { echo "build-memleak: no tag $TAG or no libbpf submodule in $BCC" >&2; exit 1; }
git --git-dir="$LIBBPF" cat-file -e "$PIN^{commit}" 2>/dev/null ||
	{ echo "build-memleak: libbpf commit $PIN (pinned by bcc $TAG) is not in $LIBBPF" >&2; exit 1; }
SRC=$OUT/memleak-src
rm -rf "$SRC"
mkdir -p "$SRC/src/cc/libbpf"
# Only this architecture's vmlinux.h (a mirror may lack the other large headers).
ARCH=$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
git --git-dir="$BCC" ls-tree -r --name-only "$TAG" libbpf-tools |
	grep -v -e '/vmlinux' -e '^libbpf-tools/bpftool$' -e '^libbpf-tools/blazesym$' >"$SRC/files"
git --git-dir="$BCC" ls-tree -r --name-only "$TAG" "libbpf-tools/$ARCH/" | grep '/vmlinux' >>"$SRC/files"
# A private index: check out only those paths (git archive reads every blob).
GIT_INDEX_FILE=$SRC/index git --git-dir="$BCC" read-tree "$TAG"
GIT_INDEX_FILE=$SRC/index git --git-dir="$BCC" --work-tree="$SRC" checkout-index --stdin <"$SRC/files"
git --git-dir="$LIBBPF" archive "$PIN" | tar -x -C "$SRC/src/cc/libbpf"
echo "build-memleak: bcc $TAG ($(git --git-dir="$BCC" rev-parse --short "$TAG^{commit}")), libbpf ${PIN:0:12}, bpftool $(bpftool version | head -1)"
make -C "$SRC/libbpf-tools" -j"$(nproc)" USE_BLAZESYM=0 BPFTOOL="$(command -v bpftool)" memleak >"$SRC/build.log" 2>&1 ||
	{ tail -20 "$SRC/build.log" >&2; echo "build-memleak: build failed (log: $SRC/build.log)" >&2; exit 1; }
cp "$SRC/libbpf-tools/memleak" "$OUT/memleak"
echo "$OUT/memleak"
