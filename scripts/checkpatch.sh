#!/usr/bin/env bash
# Kernel style check of module sources with the kernel's checkpatch.pl, taken
# from Debian's linux-source package (resolved through its metapackage) and
# cached.  scripts/checkpatch.sh FILE...   Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lab-common.sh"
dir=$CACHE/checkpatch
if [ ! -s "$dir/scripts/checkpatch.pl" ]; then
	pkg=$(apt-cache depends linux-source 2>/dev/null | awk '/Depends: linux-source-[0-9]/{print $2; exit}')
	[ -n "$pkg" ] || { echo "not ok - checkpatch: cannot resolve linux-source"; echo "0 passed, 1 failed"; exit 1; }
	tmp=$(mktemp -d)
	lab_log "downloading $pkg for checkpatch.pl"
	lab_download "$tmp" "$pkg"
	mkdir -p "$dir"
	dpkg-deb --fsys-tarfile "$tmp"/"$pkg"_*.deb | tar -xO --wildcards "./usr/src/$pkg.tar.xz" |
		tar -xJ -C "$tmp" --wildcards "$pkg/scripts/checkpatch.pl" "$pkg/scripts/spelling.txt" \
			"$pkg/scripts/const_structs.checkpatch"
	mkdir -p "$dir/scripts"
	cp "$tmp/$pkg/scripts/"* "$dir/scripts/"
	rm -rf "$tmp"
fi
pass=0 fail=0
for f in "$@"; do
	# kmap() is the subject of the reference module, not an oversight.
	out=$(perl "$dir/scripts/checkpatch.pl" --no-tree --strict --ignore DEPRECATED_API -f "$f" 2>&1)
	if grep -q "total: 0 errors, 0 warnings, 0 checks" <<<"$out"; then
		echo "ok - checkpatch --strict: $f"; pass=$((pass + 1))
	else
		echo "not ok - checkpatch --strict: $f"; grep -E "^(ERROR|WARNING|CHECK)|^#" <<<"$out" | head -20 | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
