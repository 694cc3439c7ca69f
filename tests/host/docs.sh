#!/usr/bin/env bash
# Every CLI option, finding kind and exit status is documented; install works.
set -u
cd "$(dirname "$0")/../.."
PT=${1:-.output/amd64/pagetrack}
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
skip=0
skp() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }
for opt in $("$PT" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	case $opt in --help|--usage|--version) continue ;; esac
	grep -qE -- "$opt([^a-z-]|\$)" README.md && sed 's/\\-/-/g' doc/pagetrack.8 | grep -qE -- "$opt([^a-z-]|\$)" \
		&& ok "option $opt documented in README and man page" \
		|| nok "option $opt documented in README and man page"
done
kinds=$(grep -oE '\[PT_K_[A-Z_]+\] = "[a-z_]+"' src/analyzer_findings.c | cut -d'"' -f2)
[ "$(grep -c '^	*PT_K_[A-Z_]*,' src/analyzer.h | awk '{print $1 - 1}')" = "$(echo "$kinds" | grep -c .)" ] \
	&& ok "every finding kind of analyzer.h has its name in analyzer_findings.c ($(echo "$kinds" | grep -c .))" \
	|| nok "every finding kind of analyzer.h has its name in analyzer_findings.c"
for kind in $kinds; do
	grep -q "\`$kind\`" README.md && grep -q "^.B $kind" doc/pagetrack.8 \
		&& ok "finding $kind documented" || nok "finding $kind documented"
done
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
# Every exit status of options.h in README's table, the man page and --help.
help=$("$PT" --help)
for v in $(grep -oE '^#define PT_EXIT_[A-Z]+[[:space:]]+[0-9]+' src/options.h | awk '{print $3}'); do
	grep -qE "^\| $v \| " README.md &&
		sed -n '/^.SH EXIT STATUS/,/^.SH /p' doc/pagetrack.8 | grep -qx ".B $v" &&
		printf '%s\n' "$help" | grep -qE "(^|[ ;.:])$v [a-zA-Z]" \
		&& ok "exit status $v documented in README, man page and --help" \
		|| nok "exit status $v documented in README, man page and --help"
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
