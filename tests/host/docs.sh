#!/usr/bin/env bash
# Every CLI option, finding kind, exit status, metric and summary field is
# documented where its content lives; the docs' links resolve; install works.
set -u
cd "$(dirname "$0")/../.."
PT=${1:-.output/amd64/pagetrack}
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
skip=0
skp() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }
# Every option: in README's summary table, in doc/usage.md's full list
# (an entry "- **`... --opt ...`**") and in the man page.
for opt in $("$PT" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	case $opt in --help|--usage|--version) continue ;; esac
	grep -qE -- "^\| .*$opt([^a-z-]|\$).* \| " README.md && sed 's/\\-/-/g' doc/pagetrack.8 | grep -qE -- "$opt([^a-z-]|\$)" \
		&& ok "option $opt documented in README and man page" \
		|| nok "option $opt documented in README and man page"
	grep -qE -- "^- \*\*\`[^\`]*$opt([^a-z-][^\`]*)?\`\*\*: " doc/usage.md \
		&& ok "option $opt has its entry in doc/usage.md" || nok "option $opt has its entry in doc/usage.md"
done
kinds=$(grep -oE '\[PT_K_[A-Z_]+\] = "[a-z_]+"' src/analyzer_findings.c | cut -d'"' -f2)
[ "$(grep -c '^	*PT_K_[A-Z_]*,' src/analyzer.h | awk '{print $1 - 1}')" = "$(echo "$kinds" | grep -c .)" ] \
	&& ok "every finding kind of analyzer.h has its name in analyzer_findings.c ($(echo "$kinds" | grep -c .))" \
	|| nok "every finding kind of analyzer.h has its name in analyzer_findings.c"
for kind in $kinds; do
	grep -q "\`$kind\`" README.md && grep -q "^.B $kind" doc/pagetrack.8 \
		&& ok "finding $kind documented" || nok "finding $kind documented"
	# Its row in README's table, its entry in doc/usage.md, its example.
	grep -qE "^\| \`$kind\` \| (error|warning) \| " README.md && grep -qE "^- \`$kind\` \((error|warning)\): " doc/usage.md \
		&& ok "finding $kind: a row of README's table and an entry in doc/usage.md" \
		|| nok "finding $kind: a row of README's table and an entry in doc/usage.md"
	# doc/examples.md: a section made by a test (scripts/examples.sh), or
	# a line saying why no test can make one.
	if grep -q "^<!-- example $kind: [a-z0-9-]* -->\$" doc/examples.md && grep -q "^<!-- end $kind -->\$" doc/examples.md &&
		sed -n "/^<!-- example $kind: /,/^<!-- end $kind -->/p" doc/examples.md | grep -q '^```json'; then
		ok "finding $kind: its example in doc/examples.md"
	elif grep -qE "^- \`$kind\`: no example: .{20,}" doc/examples.md; then
		ok "finding $kind: doc/examples.md says why it has no example"
	else
		nok "finding $kind: no example in doc/examples.md"
	fi
done
# The severity each kind has in README's table is the code's (pt_kind_is_error).
warn=$(sed -n '/^bool pt_kind_is_error/,/^}/p' src/analyzer_findings.c | grep -oE 'PT_K_[A-Z_]+' | sort -u)
bad=""
for k in $(grep -oE '\[PT_K_[A-Z_]+\] = "[a-z_]+"' src/analyzer_findings.c | sed 's/\[\(PT_K_[A-Z_]*\)\] = "\([a-z_]*\)"/\1=\2/'); do
	sev=error
	grep -qx "${k%%=*}" <<<"$warn" && sev=warning
	grep -qE "^\| \`${k#*=}\` \| $sev \| " README.md || bad="$bad ${k#*=}"
done
[ -z "$bad" ] && ok "every finding kind's severity in README is the code's" || nok "severity in README differs from pt_kind_is_error():$bad"
# The GitHub Actions example (doc/ci/github-actions.yml): valid YAML; the make
# targets, scripts, variables and files it names are the ones that exist (its
# job itself runs in the ci-example suite).
wf=doc/ci/github-actions.yml
if python3 -c 'import yaml' 2>/dev/null; then
	steps=$(python3 -c 'import sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
for s in w["jobs"]["page-bugs"]["steps"]:
    print(s.get("run", "") + " " + " ".join(str(v) for v in s.get("with", {}).values()))' "$wf" 2>&1) \
		&& ok "the GitHub Actions example is valid YAML" || nok "the GitHub Actions example is valid YAML: $steps"
	bad=""
	for t in $(grep -oE 'make -C /opt/pagetrack [a-z -]+' <<<"$steps" | sed 's|make -C /opt/pagetrack ||'); do
		grep -qE "^$t:|^\.PHONY:.* $t( |\$)" Makefile || bad="$bad make:$t"
	done
	for f in $(grep -oE '/opt/pagetrack/[a-zA-Z0-9_./-]+' <<<"$steps" | sed 's|/opt/pagetrack/||'); do
		[ -e "$f" ] || bad="$bad file:$f"
	done
	for v in CI_JOB_OUT CI_JOB_SRC_PREFIX; do
		grep -q "$v" <<<"$steps" && grep -q "\${$v" tests/ci-example/pagetrack-ci-job.sh || bad="$bad var:$v"
	done
	for o in pagetrack.sarif pagetrack.junit.xml pagetrack-findings.json console.txt; do
		grep -q "pagetrack-out/$o" <<<"$steps" && grep -q "\$out/$o" tests/ci-example/pagetrack-ci-job.sh || bad="$bad out:$o"
	done
	[ -z "$bad" ] && ok "the GitHub Actions example names only targets, scripts, variables and files that exist" \
		|| nok "the GitHub Actions example names what does not exist:$bad"
else
	skp "the GitHub Actions example" "no python3-yaml"
fi
# Every exit status of options.h in README's table, doc/usage.md, the man page and --help.
help=$("$PT" --help)
for v in $(grep -oE '^#define PT_EXIT_[A-Z]+[[:space:]]+[0-9]+' src/options.h | awk '{print $3}'); do
	grep -qE "^\| $v \| " README.md && grep -qE "^- \*\*$v\*\*: " doc/usage.md &&
		sed -n '/^.SH EXIT STATUS/,/^.SH /p' doc/pagetrack.8 | grep -qx ".B $v" &&
		printf '%s\n' "$help" | grep -qE "(^|[ ;.:])$v [a-zA-Z]" \
		&& ok "exit status $v documented in README, doc/usage.md, man page and --help" \
		|| nok "exit status $v documented in README, doc/usage.md, man page and --help"
done
# -h is --help (exit 0), with an EXAMPLES block and no placeholder bug address.
h=$("$PT" -h 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$h" = "$help" ] && ok "pagetrack -h exits 0 and prints --help" \
	|| nok "pagetrack -h exits 0 and prints --help (exit $rc)"
n=$(printf '%s\n' "$help" | sed -n '/^EXAMPLES:$/,/^$/p' | grep -c '^    pagetrack .* # ')
long=$(printf '%s\n' "$help" | awk 'length > 79' | head -1)
[ "$n" -ge 5 ] && [ -z "$long" ] && ok "--help ends with EXAMPLES: $n commands, each with its comment, no line over 79 columns" \
	|| nok "--help ends with EXAMPLES: $n commands (want >= 5)${long:+; too long: $long}"
printf '%s\n' "$help" | grep -qiE 'report bugs|example\.(invalid|com|org)' \
	&& nok "--help names no placeholder bug address" || ok "--help names no placeholder bug address"
# Options documented "not with -m" refuse -m: one line, exit 2.
"$PT" -m mydrv --sample-pages 8 >/dev/null 2>"$(dirname "$PT")/.docs-err"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$(dirname "$PT")/.docs-err")" -eq 1 ] && grep -q -- "--sample-pages" "$(dirname "$PT")/.docs-err" \
	&& ok "--sample-pages with -m: one-line usage error, exit 2" || nok "--sample-pages with -m: one-line usage error, exit 2 (exit $rc)"
rm -f "$(dirname "$PT")/.docs-err"
# Every series the metrics file can hold (periodic.c, and report_klocal.c's it
# calls): a row of doc/prometheus.md's metrics table and named in the man page.
for m in $(grep -ohE '# TYPE pagetrack_[a-z_]+' src/periodic.c src/report_klocal.c | awk '{ print $3 }' | sort -u); do
	grep -q "^| \`$m\` |" doc/prometheus.md && grep -q "fB$m\\\\fR" doc/pagetrack.8 \
		&& ok "metric $m documented in doc/prometheus.md's table and man page" \
		|| nok "metric $m documented in doc/prometheus.md's table and man page"
done
# The DMA series (report_dma.c): a row of doc/dma.md's metrics table and named in the man page.
for m in $(grep -ohE '(TYPE |")pagetrack_dma_[a-z_]+' src/report_dma.c | sed 's/^TYPE //; s/"//' | sort -u); do
	grep -q "^| \`$m\` |" doc/dma.md && grep -q "fB$m\\\\fR" doc/pagetrack.8 \
		&& ok "metric $m documented in doc/dma.md's table and man page" \
		|| nok "metric $m documented in doc/dma.md's table and man page"
done
# Every field of the JSON summary as src/report.c writes it: a row of the
# table in doc/usage.md's "The JSON summary" and a .B entry of the man page's
# JSON SUMMARY; the fields of "command" and "modules" named in both.
top=$( { sed -n '/"{\\"type\\":\\"summary\\"/,/json_verdict(out, an, o);/p' src/report.c | grep -oE '\\"[a-z_]+\\":' | grep -v type
	sed -n '/^static void json_verdict/,/^}/p' src/report.c | grep -oE '(fputs\(",|"\],)\\"[a-z_]+\\":' ; } | grep -oE '[a-z_]+\\":' | tr -d '\\":')
nested=$(sed -n '/^static void json_verdict/,/^}/p' src/report.c | grep -oE '\\"[a-z_]+\\":' | tr -d '\\":' | sort -u | grep -vxF "$top")
sumsec=$(sed -n '/^## The JSON summary/,/^## /p' doc/usage.md)
mansec=$(sed -n '/^.SH JSON SUMMARY/,/^.SH /p' doc/pagetrack.8)
[ "$(echo "$top" | grep -c .)" -ge 20 ] && [ "$(echo "$nested" | grep -c .)" -ge 5 ] \
	&& ok "the JSON summary's fields read from src/report.c: $(echo "$top" | grep -c .), and $(echo "$nested" | grep -c .) inside command and modules" \
	|| nok "the JSON summary's fields read from src/report.c: top [$(echo $top)] nested [$(echo $nested)]"
for f in $top; do
	grep -q "^| \`$f\` | " <<<"$sumsec" && grep -qx ".B $f" <<<"$mansec" \
		&& ok "summary field $f documented in doc/usage.md's table and the man page" \
		|| nok "summary field $f documented in doc/usage.md's table and the man page"
done
# Their order in the table is the code's.
[ "$(grep -oE '^\| `[a-z_]+` \| ' <<<"$sumsec" | tr -d '|` ')" = "$top" ] \
	&& ok "doc/usage.md lists the summary fields in the order pagetrack writes them" \
	|| nok "doc/usage.md lists the summary fields in another order than src/report.c"
for f in $nested; do
	grep -q "\`$f\`" <<<"$sumsec" && grep -q "fB$f\\\\fR" <<<"$mansec" \
		&& ok "summary field $f (in command or modules) named in doc/usage.md and the man page" \
		|| nok "summary field $f (in command or modules) named in doc/usage.md and the man page"
done
# README, HACKING.md and doc/*.md: every relative link resolves, to a file
# that exists and, with #anchor, to one of its headings (GitHub's slugs).
slugs() { grep -E '^#+ ' "$1" | sed -E 's/^#+ //' | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'; }
bad=""
nlinks=0
for f in README.md HACKING.md doc/*.md; do
	for l in $(grep -oE '\]\([^) ]+\)' "$f" | sed -E 's/^\]\(//; s/\)$//' | grep -vE '^(https?|mailto|man):'); do
		nlinks=$((nlinks + 1))
		path=${l%%#*} anchor=""
		case $l in *'#'*) anchor=${l#*#} ;; esac
		[ -z "$path" ] && target=$f || target=$(dirname "$f")/$path
		if [ ! -e "$target" ]; then bad="$bad $f:$l"; continue; fi
		if [ -n "$anchor" ] && ! slugs "$target" | grep -qxF "$anchor"; then bad="$bad $f:$l"; fi
	done
done
[ -z "$bad" ] && [ "$nlinks" -gt 50 ] && ok "all $nlinks relative links of README.md, HACKING.md and doc/*.md resolve (files and anchors)" \
	|| nok "links that do not resolve ($nlinks links):$bad"
# README links to every doc/*.md page, HACKING.md and the man page.
bad=""
for p in doc/*.md HACKING.md doc/pagetrack.8; do
	grep -qF "]($p)" README.md || bad="$bad $p"
done
[ -z "$bad" ] && ok "README links to every doc/*.md page, HACKING.md and the man page" || nok "README does not link to:$bad"
# The files, scripts and make targets README names exist.
bad=""
for f in $(grep -oE '(^|[ `(])(tests|scripts|doc|module|src|debian)/[A-Za-z0-9_./-]*[A-Za-z0-9_]' README.md | sed -E 's/^[ `(]//' | sort -u); do
	[ -e "$f" ] || bad="$bad $f"
done
for t in $(grep -oE 'make( -s)?( [a-z][a-z0-9-]*)+' README.md | sed -E 's/^make( -s)?//' | tr ' ' '\n' | sort -u); do
	grep -qE "^$t:|^\.PHONY:.* $t( |\$)" Makefile || bad="$bad make:$t"
done
[ -z "$bad" ] && ok "README names only files, scripts and make targets that exist" || nok "README names what does not exist:$bad"
# The finding README shows is the one doc/examples.md holds (made by the tests).
kind=$(sed -n 's/^<!-- the \([a-z_]*\) example of doc\/examples.md .*-->$/\1/p' README.md)
shown=$(sed -n '/^<!-- the [a-z_]* example of doc\/examples.md/,/^```$/p' README.md | sed '1,2d;$d')
made=$(sed -n "/^<!-- example $kind: /,/^<!-- end $kind -->/p" doc/examples.md | sed -n '/^```text$/,/^```$/p' | sed '1d;$d')
[ -n "$kind" ] && [ -n "$shown" ] && [ "$shown" = "$made" ] \
	&& ok "README's finding is doc/examples.md's $kind example" \
	|| nok "README's finding (${kind:-none marked}) differs from doc/examples.md's"
# README stays the front door: at most 300 lines, no table cell over 130
# characters, and the two set-up commands first (what .ci/run runs).
n=$(wc -l <README.md)
long=$(grep '^|' README.md | awk -F' \\| ' '{ for (i = 1; i <= NF; i++) if (length($i) > 130) { print; exit } }' | head -1)
[ "$n" -le 300 ] && [ -z "$long" ] && ok "README: $n lines (at most 300), no table cell over 130 characters" \
	|| nok "README: $n lines (at most 300)${long:+; a long cell: ${long:0:80}...}"
first=$(sed -n '/^```sh$/,/^```$/p' README.md | sed -n '2,3p' | sed 's/ *#.*//')
[ "$first" = "make deps && make demo
make deps && make test" ] && grep -qx 'make deps || { echo "make deps failed"; exit 1; }' .ci/run && grep -qx 'make test' .ci/run \
	&& ok "README starts with the two set-up commands; .ci/run runs the second" \
	|| nok "README's first commands are not make deps && make demo, make deps && make test (or .ci/run differs)"
d=$(mktemp -d)
make -s install DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1
[ -x "$d/usr/sbin/pagetrack" ] && [ -f "$d/usr/share/man/man8/pagetrack.8" ] && [ -f "$d/usr/share/doc/pagetrack/pagetrack.service" ] &&
	[ -f "$d/usr/share/doc/pagetrack/pagetrack.sysusers" ] && [ -f "$d/usr/share/doc/pagetrack/pagetrack.tmpfiles" ] \
	&& ok "make install honours DESTDIR and PREFIX" || nok "make install honours DESTDIR and PREFIX"
if command -v groff >/dev/null; then
	groff -man -Tutf8 -ww doc/pagetrack.8 >/dev/null 2>"$d/groff.err" && [ ! -s "$d/groff.err" ] \
		&& ok "man page renders without warnings" || nok "man page renders without warnings: $(head -3 "$d/groff.err")"
fi
rm -rf "$d"
# The layout HACKING.md's "How the code is laid out" describes: the core library
# holds the Makefile's core sources and needs nothing of libbpf; the live
# stack map reaches session.c only through the binary's stackmap.c.
lib=$(dirname "$PT")/libptcore.a
want=$(make -s --no-print-directory print-core-srcs | tr ' ' '\n' | sed 's|^src/||; s|\.c$|.o|' | sort)
[ -f "$lib" ] && [ "$(ar t "$lib" | sort)" = "$want" ] \
	&& ok "libptcore.a holds the core sources: $(echo $want)" || nok "libptcore.a holds the core sources ($lib)"
so=$(ls /usr/lib/*-linux-gnu/libbpf.so 2>/dev/null | head -1)
undef=$(nm "$lib" 2>/dev/null | awk '$1 == "U" { print $2 }' | sort -u)
bpfsyms=$( (echo "$undef" | grep -E '^(bpf|btf|libbpf|perf_buffer|ring_buffer)_'
	[ -n "$so" ] && comm -12 <(echo "$undef") <(nm -D --defined-only "$so" | awk '{ print $3 }' | sort -u)) | sort -u)
[ -n "$undef" ] && [ -z "$bpfsyms" ] && ok "libptcore.a needs no libbpf symbol" \
	|| nok "libptcore.a needs libbpf: $(echo $bpfsyms)"
dwsyms=$(echo "$undef" | grep -E '^(dwfl|dwarf|elf|gelf)_' | sort -u)
[ -n "$undef" ] && [ -z "$dwsyms" ] && ok "libptcore.a needs no libdw or libelf symbol" \
	|| nok "libptcore.a needs libdw or libelf: $(echo $dwsyms)"
nm "$PT" | grep -q ' T srcline_of$' && ok "the binary links srcline.c (source lines)" \
	|| nok "the binary links srcline.c (source lines)"
nm "$PT" | grep -q ' T session_map_stack$' && ok "the binary links stackmap.c (live stack lookups)" \
	|| nok "the binary links stackmap.c (live stack lookups)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
