#!/usr/bin/env bash
# doc/examples.md from real runs: the sections of one SOURCE (the boots or
# suite that print them) are made again from that run's "#ex" lines and
# compared with the committed file; the file must be current.
#
#   scripts/examples.sh SOURCE FILE...
#
# FILE: outputs holding "#ex KIND from|json|text LINE" lines (the guests'
# tests/vm/guest/lib.sh example(), the replay suite's). SOURCE names the
# sections it owns: "<!-- example KIND: SOURCE -->" ... "<!-- end KIND -->".
# Prints one TAP line: ok when every section of SOURCE in doc/examples.md
# equals the one made now and every KIND the run printed has a section.
# EXAMPLES_UPDATE=1 rewrites those sections (and adds missing ones before
# "<!-- examples end -->") instead of failing. EXAMPLES_DOC: another file.
# What changes from run to run is masked (masks below), so the file
# changes only when pagetrack's output does.
set -u
cd "$(dirname "$0")/.."
doc=${EXAMPLES_DOC:-doc/examples.md}
src=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! command -v jq >/dev/null; then
	echo "ok - $doc: examples from $src # SKIP no jq"
	exit 0
fi
# One value per line in the pretty JSON, one finding per block of text.
mask_json() {
	sed -E \
		-e 's/^( *"(pfn|pid|age_ms|addr|vm_start|vm_end|start|end|tgid|lost|probe_misses)": )-?[0-9]+/\1…/' \
		-e 's/0x[0-9a-f]{8,}/0x…/g' \
		-e 's/([A-Za-z0-9_.])\+0x[0-9a-f]+/\1+0x…/g' \
		-e 's/(pfn 0x)[0-9a-f]+/\1…/g' \
		-e 's/[0-9]+ of [0-9]+ events were lost/… of … events were lost/' \
		-e 's/\(pfn [0-9]+\)/(pfn …)/g' \
		-e 's/ [0-9]+ ms/ … ms/g'
}
mask_text() {
	sed -E \
		-e 's/0x[0-9a-f]{8,}/0x…/g' \
		-e 's/([A-Za-z0-9_.])\+0x[0-9a-f]+/\1+0x…/g' \
		-e 's/(pfn 0x)[0-9a-f]+/\1…/g' \
		-e 's/\[[0-9]+\]/[…]/g' \
		-e 's/[0-9]+ of [0-9]+ events were lost/… of … events were lost/' \
		-e 's/\(pfn [0-9]+\)/(pfn …)/g' \
		-e 's/(oldest|age) [0-9.]+ s/\1 … s/g' \
		-e 's/\.\.\. [0-9]+ more frames/... … more frames/' \
		-e 's/ [0-9]+ ms/ … ms/g'
}
# Stacks end in frames that differ from run to run (how deep the task was
# when it called in): JSON stacks keep their first 12 frames, as text prints.
cut_stacks() {
	jq 'with_entries(if (.key | test("stack$")) and (.value | type) == "array" and (.value | length) > 12
		then .value = .value[:12] + ["…"] else . end)'
}
kinds=$(grep -h '^#ex [a-z_]* ' "$@" 2>/dev/null | awk '{ print $2 }' | awk '!seen[$0]++')
for k in $kinds; do
	from=$(grep -h "^#ex $k from " "$@" | head -1 | sed "s/^#ex $k from //")
	sev=warning
	grep -h "^#ex $k json " "$@" | head -1 | grep -q '"severity":"error"' && sev=error
	{
		echo "<!-- example $k: $src -->"
		echo "### \`$k\`"
		echo
		# "CMD   # NOTE": the note follows the command in words.
		case $from in
		*"   # "*) echo "Severity $sev. Run: \`${from%%   # *}\` (${from#*   # })." ;;
		*) echo "Severity $sev. Run: \`$from\`" ;;
		esac
		if grep -q "^#ex $k text " "$@"; then
			echo
			echo '```text'
			grep -h "^#ex $k text " "$@" | sed "s/^#ex $k text //" | mask_text
			echo '```'
		fi
		echo
		echo '```json'
		grep -h "^#ex $k json " "$@" | head -1 | sed "s/^#ex $k json //" | cut_stacks 2>/dev/null | mask_json
		echo '```'
		echo "<!-- end $k -->"
	} >"$tmp/$k.md"
done
# The file with this source's sections made again.
awk -v src="$src" -v dir="$tmp" '
	/^<!-- example [a-z_]+: .* -->$/ {
		k = $3; sub(/:$/, "", k); s = $0; sub(/^<!-- example [a-z_]+: /, "", s); sub(/ -->$/, "", s)
		if (s == src) {
			f = dir "/" k ".md"
			if ((getline line < f) > 0) {
				print line; while ((getline line < f) > 0) print line; close(f)
				done[k] = 1
			} else
				missing = missing " " k
			skip = 1; next
		}
	}
	skip && $0 ~ /^<!-- end [a-z_]+ -->$/ { skip = 0; next }
	skip { next }
	/^<!-- examples end -->$/ { print "@@ADD@@" }
	{ print }
	END { print missing > (dir "/.missing") }' "$doc" >"$tmp/new" || exit 1
missing=$(cat "$tmp/.missing")
added=""
for k in $kinds; do
	grep -q "^<!-- example $k: " "$doc" || added="$added $k"
done
# New kinds go before the end marker.
{ for k in $added; do cat "$tmp/$k.md"; echo; done; } >"$tmp/add"
awk -v f="$tmp/add" '$0 == "@@ADD@@" { while ((getline l < f) > 0) print l; next } { print }' \
	"$tmp/new" >"$tmp/new2"
n=$(echo $kinds | wc -w)
if cmp -s "$doc" "$tmp/new2" && [ -z "$missing" ]; then
	echo "ok - $doc: the $n example(s) from $src are current"
	exit 0
fi
if [ "${EXAMPLES_UPDATE:-}" = 1 ]; then
	cp "$tmp/new2" "$doc"
	echo "ok - $doc: the $n example(s) from $src rewritten (EXAMPLES_UPDATE=1)${missing:+; no output this run for:$missing}"
	exit 0
fi
echo "not ok - $doc: the examples from $src are stale${missing:+ (no output this run for:$missing)}${added:+ (no section yet for:$added)}; EXAMPLES_UPDATE=1 rewrites them"
diff "$doc" "$tmp/new2" | head -40 | sed 's/^/#   /'
exit 1
