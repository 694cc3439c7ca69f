#!/usr/bin/env bash
# pagetrack through the real Prometheus pieces (Debian's prometheus, which
# ships promtool, and prometheus-node-exporter):
#  - promtool check metrics on every metrics file written here: replays with
#    and without findings, live plain, live -i (every version), --no-stacks;
#  - a node_exporter on 127.0.0.1 scraping pagetrack's file while pagetrack
#    rewrites it: the same samples, node_textfile_scrape_error 0;
#  - doc/prometheus: the alert rules (promtool check and test rules, and each
#    alert's test failing when the alert is disabled), the dashboard's JSON,
#    and the metric names both use, against the names pagetrack wrote.
#   run.sh PAGETRACK GEN_RECORDINGS
set -u
cd "$(dirname "$0")/../.."
PT=$(readlink -f "$1") GEN=$(readlink -f "$2")
DOC=doc/prometheus NAMES="perl tests/prometheus/promql_names.pl"
dir=$(mktemp -d)
# Daemons this suite started, stopped by their pid at exit.
pids=()
stop_pid() {
	local p keep=()
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	pids=("${keep[@]}")
}
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
pass=0 fail=0 skip=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
skp() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
have() { command -v "$1" >/dev/null; }
mkdir -p "$dir/prom"

# ---- a metrics file, and what is in it ----
# samples FILE: "name{labels} value" of every pagetrack_ sample, values as numbers.
samples() { awk '/^pagetrack_/ { v = $NF; sub(/ [^ ]*$/, ""); printf "%s %.17g\n", $0, v }' "$1" | sort; }
dups() { samples "$1" | sed 's/ [^ ]*$//' | uniq -d | head -1; }
callers() { grep -o '^pagetrack_outstanding_pages{caller="[^"]*"' "$1" | sort -u | wc -l; }
sample() { samples "$1" | awk -v k="$2" '$0 ~ "^" k " " { print $NF }'; }
promcheck() { # NAME FILE: promtool passes it, no series twice, callers within --top + other
	local out rc d f=$2
	out=$(promtool check metrics <"$2" 2>&1); rc=$?
	check "$1: promtool check metrics${out:+: $out}" '[ $rc -eq 0 ] && [ -z "$out" ] && [ -s "$f" ]'
	d=$(dups "$2")
	check "$1: no series twice${d:+ ($d)}" '[ -z "$d" ]'
}

if ! have promtool; then
	skp "metrics files and alert rules" "promtool not installed (make deps installs Debian's prometheus)"
	echo "$pass passed, $fail failed, $skip skipped"; exit 0
fi

# ---- replays: exact content, with and without findings ----
"$GEN" "$dir" >/dev/null || nok "gen_recordings failed"
for rec in buggy clean long lost; do
	"$PT" --replay "$dir/$rec.ptr" -m drv -j --metrics-file "$dir/prom/$rec.prom" >"$dir/$rec.json" 2>/dev/null
	promcheck "replay $rec" "$dir/prom/$rec.prom"
	sum=$(grep '"type":"summary"' "$dir/$rec.json")
	num() { grep -o "\"$1\":[0-9]*" <<<"$sum" | cut -d: -f2; }
	check "replay $rec: events received and lost as in the report ($(num events_received), $(num events_lost))" \
		'[ "$(sample "$dir/prom/$rec.prom" pagetrack_events_received_total)" = "$(num events_received)" ] &&
		 [ "$(sample "$dir/prom/$rec.prom" pagetrack_events_lost_total)" = "$(num events_lost)" ]'
	# Per kind, the counter is the report's occurrences (JSON count) summed.
	want=$(grep -o '"kind":"[a-z_]*","severity":"[a-z]*","count":[0-9]*' "$dir/$rec.json" |
	       awk -F'"' '{ split($0, c, ":"); n[$4 " " $8] += c[4] } END { for (k in n) print k, n[k] }' | sort)
	got=$(samples "$dir/prom/$rec.prom" | sed -n 's/^pagetrack_findings_total{kind="\([a-z_]*\)",severity="\([a-z]*\)"} \([0-9]*\)$/\1 \2 \3/p' |
	      awk '$3 > 0' | sort)
	check "replay $rec: findings_total per kind and severity = the report's (${got//$'\n'/, })" '[ "$got" = "$want" ]'
done
check "replay buggy: findings present in the file" '[ -n "$(samples "$dir/prom/buggy.prom" | grep "^pagetrack_findings_total.* [1-9]")" ]'
check "replay lost: pagetrack_events_lost_total 17" '[ "$(sample "$dir/prom/lost.prom" pagetrack_events_lost_total)" = 17 ]'
"$PT" --replay "$dir/buggy.ptr" -m drv --top 1 --metrics-file "$dir/prom/top1.prom" >/dev/null 2>&1
promcheck "replay --top 1" "$dir/prom/top1.prom"
total() { samples "$1" | awk '/^pagetrack_outstanding_pages/ { s += $NF } END { print s + 0 }'; }
check "--top 1: one call site and other, pages summed unchanged ($(total "$dir/prom/top1.prom") = $(total "$dir/prom/buggy.prom"))" \
	'[ "$(callers "$dir/prom/top1.prom")" = 2 ] && grep -q "caller=\"other\"" "$dir/prom/top1.prom" &&
	 [ "$(total "$dir/prom/top1.prom")" = "$(total "$dir/prom/buggy.prom")" ] && [ "$(total "$dir/prom/buggy.prom")" -gt 0 ]'

# ---- live, on the host kernel (tracepoint mode) ----
live=1
if [ "$(id -u)" -ne 0 ]; then
	live=
	skp "live metrics files and node_exporter" "not root"
elif [ ! -e /sys/kernel/tracing/events/kmem/mm_page_alloc ] &&
     ! { mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && [ -e /sys/kernel/tracing/events/kmem/mm_page_alloc ]; }; then
	live=
	skp "live metrics files and node_exporter" "no kmem tracepoints on this kernel"
fi
churn() { for _ in 1 2 3 4 5 6; do head -c 20000000 /dev/zero | cat >/dev/null; sleep 0.3; done; }
if [ -n "$live" ]; then
	"$PT" -d 1 --metrics-file "$dir/prom/plain.prom" -- bash -c "$(declare -f churn); churn" >/dev/null 2>&1
	promcheck "live, plain (written at exit)" "$dir/prom/plain.prom"
	"$PT" --no-stacks -d 1 --metrics-file "$dir/prom/nostacks.prom" >/dev/null 2>&1
	promcheck "live, --no-stacks" "$dir/prom/nostacks.prom"
	check "live, --no-stacks: call sites are \"?\" by order" 'grep -q "^pagetrack_outstanding_pages{caller=\"?\",order=\"0\"}" "$dir/prom/nostacks.prom"'
fi

# ---- node_exporter scraping pagetrack's file while pagetrack rewrites it ----
NE=prometheus-node-exporter
# start_daemon LOG URL_PATH CMD... (@PORT@ in CMD): a random loopback port;
# sets $dpid and $url once URL answers, else fails.
start_daemon() {
	local log=$1 path=$2 try port
	shift 2
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 20000))
		"${@//@PORT@/$port}" >"$log" 2>&1 &
		dpid=$! url="http://127.0.0.1:$port$path"
		pids+=("$dpid")
		for _ in $(seq 100); do
			curl -sf --max-time 2 "$url" >/dev/null && return 0
			kill -0 "$dpid" 2>/dev/null || break
			sleep 0.1
		done
		stop_pid "$dpid"
	done
	return 1
}
# As the packaged service runs it: an unprivileged user reads the file.
if id prometheus >/dev/null 2>&1; then as=(setpriv --reuid=prometheus --regid=prometheus --clear-groups)
else as=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
start_exporter() { # TEXTFILE_DIR LOG: sets $nepid and $url
	start_daemon "$2" /metrics "${as[@]}" "$NE" --web.listen-address=127.0.0.1:@PORT@ \
		--collector.disable-defaults --collector.textfile --collector.textfile.directory="$1" &&
		nepid=$dpid
}
if [ -z "$live" ]; then
	:
elif ! have "$NE" || ! have curl; then
	skp "node_exporter scraping pagetrack" "$NE or curl not installed (make deps installs them)"
elif ! { mkdir -p "$dir/tf" && chmod 755 "$dir" "$dir/tf" && start_exporter "$dir/tf" "$dir/ne.log"; }; then
	nok "node_exporter did not start on 127.0.0.1: $(tail -1 "$dir/ne.log")"
else
	ok "node_exporter ($($NE --version 2>&1 | head -1 | awk '{print $3}')) listening on 127.0.0.1 only, pid $nepid, as an unprivileged user"
	mkdir -p "$dir/scr" "$dir/ver"
	tf="$dir/tf/pagetrack.prom"
	"$PT" -i 0.2 -d 7 --top 20 --metrics-file "$tf" >/dev/null 2>"$dir/pt.err" &
	ptpid=$!
	( sleep 1; churn; churn ) &
	wl=$!
	n=0
	while kill -0 $ptpid 2>/dev/null; do
		n=$((n + 1))
		curl -sf --max-time 2 "$url" >"$dir/scr/$n" || echo "scrape failed" >"$dir/scr/$n"
		[ -e "$tf" ] && cp "$tf" "$dir/ver/$n"
		sleep 0.05
	done
	wait $ptpid
	rc=$?
	kill $wl 2>/dev/null; wait $wl 2>/dev/null
	curl -sf --max-time 2 "$url" >"$dir/final"
	stop_pid "$nepid"
	check "traced run under scraping: exit $rc" '[ $rc -eq 0 ]'
	with=$(grep -l '^pagetrack_events_received_total' "$dir"/scr/* | wc -l)
	errs=$(grep -L '^node_textfile_scrape_error 0$' "$dir"/scr/* | wc -l)
	mtimes=$(grep -h '^node_textfile_mtime_seconds' "$dir"/scr/* | sort -u | wc -l)
	check "$n scrapes during the run, $with with pagetrack_* series, $mtimes file mtimes (whole seconds) served" \
		'[ "$n" -ge 8 ] && [ "$with" -ge 5 ] && [ "$mtimes" -ge 3 ]'
	check "node_textfile_scrape_error 0 in every scrape ($errs without)" '[ "$errs" -eq 0 ]'
	check "every scrape with the file has outstanding pages, findings, pkmap and events series" \
		'for f in $(grep -l "^pagetrack_events_received_total" "$dir"/scr/*); do
			for m in pagetrack_outstanding_pages pagetrack_findings_total pagetrack_pkmap_slots_in_use pagetrack_pkmap_slots pagetrack_kmap_waits_total pagetrack_events_lost_total; do
				grep -q "^$m" "$f" || exit 1; done; done'
	seq_rx=$(for i in $(seq "$n"); do awk '/^pagetrack_events_received_total/ { printf "%d\n", $2 }' "$dir/scr/$i"; done)
	check "pagetrack_events_received_total never goes down across scrapes ($(head -1 <<<"$seq_rx") .. $(tail -1 <<<"$seq_rx"))" \
		'[ "$seq_rx" = "$(sort -n <<<"$seq_rx")" ] && [ "$(tail -1 <<<"$seq_rx")" -gt "$(head -1 <<<"$seq_rx")" ]'
	check "node_exporter logged no error" '! grep -q "level=error" "$dir/ne.log"'
	vers=0 bad=
	for f in $(md5sum "$dir"/ver/* | sort -u -k1,1 | awk '{print $2}'); do
		vers=$((vers + 1))
		out=$(promtool check metrics <"$f" 2>&1) || bad="$out"
		[ -n "$out" ] && bad="$out"
		[ -n "$(dups "$f")" ] && bad="series twice: $(dups "$f")"
		[ "$(callers "$f")" -le 21 ] || bad="$(callers "$f") callers with --top 20"
		cp "$f" "$dir/prom/interval.$vers.prom"
	done
	check "live -i: all $vers versions of the file pass promtool, no series twice, at most --top + 1 callers${bad:+: $bad}" \
		'[ "$vers" -ge 4 ] && [ -z "$bad" ]'
	cp "$tf" "$dir/prom/final.prom"
	diffs=$(diff <(samples "$tf") <(samples "$dir/final") | grep -c '^[<>]')
	check "after exit, node_exporter serves the file's $(samples "$tf" | wc -l) pagetrack samples with their values ($diffs differ)" \
		'[ "$diffs" -eq 0 ] && [ "$(samples "$tf" | wc -l)" -gt 20 ] && grep -q "^node_textfile_scrape_error 0$" "$dir/final"'
fi

# ---- doc/prometheus: rules ----
out=$(promtool check rules "$DOC/pagetrack.rules.yml" 2>&1); rc=$?
check "promtool check rules: $(grep -o 'SUCCESS.*' <<<"$out" || echo "$out")" '[ $rc -eq 0 ] && grep -q SUCCESS <<<"$out"'
out=$(cd "$DOC" && promtool test rules pagetrack.rules.test.yml 2>&1); rc=$?
check "promtool test rules on synthetic series" '[ $rc -eq 0 ] && grep -q SUCCESS <<<"$out"'
[ $rc -eq 0 ] || printf '%s\n' "$out" | head -40
# Each alert's test must fail when that alert can no longer fire.
mkdir -p "$dir/mut"
cp "$DOC/pagetrack.rules.test.yml" "$dir/mut/"
mutant() { # NAME PERL-SUBSTITUTION: promtool test rules must fail on the mutant
	perl -0pe "$2" "$DOC/pagetrack.rules.yml" >"$dir/mut/pagetrack.rules.yml"
	if cmp -s "$DOC/pagetrack.rules.yml" "$dir/mut/pagetrack.rules.yml"; then
		nok "$1: the mutation did not apply"
	else
		check "$1" '! (cd "$dir/mut" && promtool test rules pagetrack.rules.test.yml >/dev/null 2>&1)'
	fi
}
alerts=$(grep -o -- '- alert: [A-Za-z]*' "$DOC/pagetrack.rules.yml" | awk '{print $3}')
for a in $alerts; do
	mutant "rules test fails with $a disabled" "s/(- alert: $a\n\s+expr:)(?: >-\n(?: {10}.*\n)+| .*\n)/\$1 vector(0) > 1\n/"
done
mutant "rules test fails when the leak alert drops its steadiness clause" 's/ *and\n *min_over_time.*\n//'
mutant "rules test fails when the leak alert counts core-kernel sites (page cache, anonymous memory)" 's/\{caller=~"[^"]*"\}//g'
mutant "rules test fails when PagetrackErrorFinding reads the counter, not its increase (never clears)" \
	's/increase\((pagetrack_findings_total\{severity="error"\})\[1h\]\)/$1/'
mutant "rules test fails when PagetrackErrorFinding misses a counter born above 0" 's/\n\s+or\n\s+\(pagetrack_findings_total.*\)//'
mutant "rules test fails when PagetrackStalled reads any textfile's mtime" 's/\{file=~"[^"]*"\}//'
mutant "rules test fails when warnings raise PagetrackErrorFinding" 's/\{severity="error"\}//'

# ---- the fleet's Prometheus config and the host's systemd unit ----
out=$(promtool check config "$DOC/prometheus.yml" 2>&1); rc=$?
check "promtool check config doc/prometheus/prometheus.yml (with its rule file)" '[ $rc -eq 0 ] && grep -q "1 rule files found" <<<"$out"'
unit=doc/pagetrack.service
exec_line=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$unit" | tr -d '\\\n\t' | sed 's/^ExecStart=//')
textfile=$(sed -n 's/.*--metrics-file \([^ ]*\).*/\1/p' <<<"$exec_line")
unitval() { sed -n "s/^$1=//p" "$unit" | tail -1; }
statedir=/var/lib/$(unitval StateDirectory)
check "the unit writes its files in its own state directory ($statedir)" \
	'[ "$(unitval StateDirectory)" = pagetrack ] && [ "$(dirname "$textfile")" = "$statedir" ] &&
	 ! grep -oE -- "--(metrics-file|folded) [^ ]*" <<<"$exec_line" | grep -qv " $statedir/"'
# node_exporter reads the file through pagetrack.tmpfiles' link in its directory.
link=$(awk '$1 == "L" { print $2, $7 }' doc/pagetrack.tmpfiles)
check "pagetrack.tmpfiles links ${link% *} to the unit's metrics file" '[ "${link#* }" = "$textfile" ]'
if have prometheus-node-exporter; then
	nedir=$(prometheus-node-exporter --help 2>&1 | sed -n 's/.*--collector.textfile.directory="\([^"]*\)".*/\1/p')
	check "the link is in node_exporter's default textfile directory ($nedir)" '[ "$(dirname "${link% *}")" = "$nedir" ]'
fi
# The user the unit runs as, created by pagetrack.sysusers; the link by tmpfiles.
if have systemd-sysusers && have systemd-tmpfiles; then
	r="$dir/root"
	mkdir -p "$r/etc/sysusers.d" "$r/etc/tmpfiles.d" "$r/var/lib/prometheus/node-exporter"
	cp doc/pagetrack.sysusers "$r/etc/sysusers.d/pagetrack.conf"
	cp doc/pagetrack.tmpfiles "$r/etc/tmpfiles.d/pagetrack.conf"
	systemd-sysusers --root="$r" >/dev/null 2>&1 && systemd-tmpfiles --root="$r" --create >/dev/null 2>&1
	check "pagetrack.sysusers creates the unit's user $(unitval User) (not root), pagetrack.tmpfiles the link" \
		'grep -q "^$(unitval User):x:[1-9][0-9]*:" "$r/etc/passwd" && [ "$(unitval User)" != root ] &&
		 [ "$(readlink "$r${link% *}")" = "$textfile" ]'
fi
caps=$(unitval AmbientCapabilities)
check "the unit's capabilities: ambient = bounding set = $caps" \
	'[ "$caps" = "$(unitval CapabilityBoundingSet)" ] && [ "$(unitval NoNewPrivileges)" = yes ] &&
	 [ "$(tr " " "\n" <<<"$caps" | sort | tr "\n" " ")" = "CAP_BPF CAP_DAC_READ_SEARCH CAP_PERFMON CAP_SYSLOG " ]'
if have systemd-analyze; then
	sed "s|^ExecStart=[^ ]*|ExecStart=$PT|" "$unit" >"$dir/pagetrack.service"
	out=$(cd "$dir" && systemd-analyze verify ./pagetrack.service 2>&1); rc=$?
	check "systemd-analyze verify $unit${out:+: $out}" '[ $rc -eq 0 ] && [ -z "$out" ]'
	out=$(cd "$dir" && systemd-analyze security --offline=true --threshold=50 ./pagetrack.service 2>&1); rc=$?
	exposure=$(sed -n 's/.*Overall exposure level for pagetrack.service: \([0-9.]*\).*/\1/p' <<<"$out")
	check "systemd-analyze security --offline=true: exposure ${exposure:-?} <= 5.0 (rc $rc)" \
		'[ $rc -eq 0 ] && [ -n "$exposure" ] && awk -v e="$exposure" "BEGIN { exit !(e <= 5.0) }"'
else
	skp "systemd-analyze verify and security $unit" "systemd-analyze not installed"
fi
if [ -n "$live" ]; then
	read -r -a args <<<"${exec_line#* }"
	args=("${args[@]/#$statedir\//$dir/state/}")
	mkdir -p "$dir/state" && chmod 755 "$dir" && chown 65534:65534 "$dir/state"
	# As the unit runs it: not root (nobody for user pagetrack), with only the
	# unit's capabilities (ambient and bounding), no new privileges. Stacks
	# are sampled: an idle second may sample no allocation that is still held
	# at exit. A 32 MiB file's page cache is, whatever the rate.
	pcaps=$(tr ' ' '\n' <<<"$caps" | sed 's/^CAP_/+/' | tr 'A-Z\n' 'a-z,'); pcaps=${pcaps%,}
	cp "$PT" "$dir/state/pt"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,"$pcaps" --ambient-caps=-all,"$pcaps" \
		--bounding-set=-all,"$pcaps" --no-new-privs -- "$dir/state/pt" "${args[@]}" -- \
		dd if=/dev/zero of="$dir/state/unit.fill" bs=1M count=32 status=none >/dev/null 2>"$dir/unit.err"; rc=$?
	rm -f "$dir/state/unit.fill"
	cp "$dir/state/pagetrack.prom" "$dir/prom/unit.prom" 2>/dev/null
	check "the unit's command line runs as nobody with only $caps (exit $rc) and writes both files" \
		'[ $rc -eq 0 ] && [ -s "$dir/prom/unit.prom" ] && [ -f "$dir/state/pagetrack.folded" ]'
	[ $rc -eq 0 ] || head -3 "$dir/unit.err"
	promcheck "the unit's command line" "$dir/prom/unit.prom"
	check "the unit's command line: call sites named (allocation stacks on, 32 MiB held in page cache)" \
		'grep -q "^pagetrack_outstanding_pages{caller=\"[a-z_]" "$dir/prom/unit.prom"'
	# node_exporter through the link: the file's samples, the file's own mtime.
	if have "$NE" && have curl && mkdir -p "$dir/tfl" && ln -s "$dir/prom/unit.prom" "$dir/tfl/pagetrack.prom" &&
	   touch -d @1700000000 "$dir/prom/unit.prom" && chmod -R a+rX "$dir" && start_exporter "$dir/tfl" "$dir/nel.log"; then
		curl -sf --max-time 2 "$url" >"$dir/linked"
		stop_pid "$nepid"
		check "node_exporter reads the metrics file through the link: samples and the file's mtime (1700000000)" \
			'[ "$(samples "$dir/linked" | wc -l)" = "$(samples "$dir/prom/unit.prom" | wc -l)" ] &&
			 grep -qE "^node_textfile_mtime_seconds\{file=\"([^\"]*/)?pagetrack.prom\"\} 1.7e\+09$" "$dir/linked"'
	fi
fi

# ---- a fleet in miniature: the shipped config and rules in a real Prometheus ----
# Three "hosts" (node_exporters on loopback serving the replays' files), one
# Prometheus scraping them every second: the alerts that fire are the ones
# the files call for, on the right instance.
firing() { # the firing alerts: "alertname instance kind"
	curl -sfG --max-time 5 "$purl/api/v1/query" --data-urlencode 'query=ALERTS{alertstate="firing"}' |
		jq -r '.data.result[].metric | "\(.alertname) \(.instance) \(.kind // "-")"' | sort
}
if ! have prometheus || ! have "$NE" || ! have curl || ! have jq; then
	skp "fleet: Prometheus with the shipped rules over node_exporters" "prometheus, $NE, curl or jq not installed"
else
	fl="$dir/fleet" want=() cfg_hosts=()
	mkdir -p "$fl/data"
	i=0
	for h in buggy clean lost; do
		i=$((i + 1))
		mkdir -p "$fl/$h" && cp "$dir/prom/$h.prom" "$fl/$h/pagetrack.prom" && chmod -R a+rX "$dir"
		start_exporter "$fl/$h" "$fl/$h.log" || { nok "fleet: node_exporter for $h did not start"; continue; }
		inst=${url#http://} inst=${inst%/metrics}
		cfg_hosts+=("s/host$i\.example\.org:9100/$inst/")
		for k in $(sed -n 's/^pagetrack_findings_total{kind="\([a-z_]*\)",severity="error"} [1-9].*/\1/p' "$fl/$h/pagetrack.prom"); do
			want+=("PagetrackErrorFinding $inst $k")
		done
		grep -q '^pagetrack_events_lost_total [1-9]' "$fl/$h/pagetrack.prom" && want+=("PagetrackEventsLost $inst -")
	done
	want=$(printf '%s\n' "${want[@]}" | sort)
	# The shipped config, at 1 s intervals, with these hosts and no Alertmanager.
	perl -0pe 's/(scrape|evaluation)_interval: 30s/$1_interval: 1s/g; s/\nalerting:\n(?: .*\n|\s*\n)*/\n/; '"$(IFS=';'; echo "${cfg_hosts[*]}")" \
		"$DOC/prometheus.yml" >"$fl/prometheus.yml"
	cp "$DOC/pagetrack.rules.yml" "$fl/"
	if ! start_daemon "$fl/prometheus.log" /-/ready prometheus --config.file="$fl/prometheus.yml" \
		--storage.tsdb.path="$fl/data" --web.listen-address=127.0.0.1:@PORT@; then
		nok "fleet: prometheus did not start: $(tail -1 "$fl/prometheus.log")"
	else
		ppid=$dpid purl=${url%/-/ready}
		for _ in $(seq 60); do [ "$(firing)" = "$want" ] && break; sleep 0.5; done
		got=$(firing)
		up=$(curl -sfG --max-time 5 "$purl/api/v1/query" --data-urlencode 'query=sum(up{job="node"}) * 10 + count(count by (instance) (pagetrack_events_received_total))' |
		     jq -r '.data.result[0].value[1]')
		check "fleet: prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') on 127.0.0.1 scrapes 3 node_exporters, all up, all with pagetrack series ($up = 33)" '[ "$up" = 33 ]'
		check "fleet: the firing alerts are exactly the files' ($(wc -l <<<"$want"): ${want//$'\n'/, })" \
			'[ "$got" = "$want" ] && [ "$(grep -c PagetrackErrorFinding <<<"$got")" -ge 5 ] && grep -q PagetrackEventsLost <<<"$got"'
		[ "$got" = "$want" ] || printf '  firing: %s\n' "${got:-none}"
		stop_pid "$ppid"
	fi
	for p in "${pids[@]}"; do stop_pid "$p"; done
fi

# ---- doc/prometheus: dashboard ----
dash="$DOC/pagetrack.dashboard.json"
if have jq; then
	check "dashboard is valid JSON" 'jq empty "$dash" 2>/dev/null'
	jq -r '(.. | objects | select(has("targets")) | .targets[].expr),
	       (.templating.list[] | select(.type == "query") | (.query | if type == "object" then .query else . end), .definition)
	       | strings' "$dash" >"$dir/dash.exprs" 2>/dev/null
	for want in "outstanding pages by top call site:topk(.*pagetrack_outstanding_pages" "findings by kind:by (kind.*pagetrack_findings_total" \
		    "pkmap occupancy:pagetrack_pkmap_slots_in_use" "events received:pagetrack_events_received_total" "events lost:pagetrack_events_lost_total"; do
		check "dashboard shows ${want%%:*}" 'grep -q -- "${want#*:}" "$dir/dash.exprs"'
	done
else
	skp "dashboard checks" "jq not installed"
fi

# ---- names: the dashboard and the rules use only names pagetrack writes ----
check "name extractor: finds metric names, skips functions, labels, strings, variables" \
	'[ "$(printf "%s\n" "sum by (caller) (rate(a_total{b=~\"\$x\"}[\$__rate_interval])) / on(i) group_left(j) c offset 5m > 1e3" \
		"label_values(d, instance)" "topk(\$n, e{f!=\"g\"}) and min_over_time(deriv(h[5m])[30m:1m]) > 0" | $NAMES | tr "\n" " ")" = "a_total c d e h " ]'
rule_exprs() { # one line per rule expression, folded YAML joined
	awk '/^ *expr: *>-? *$/ { fold = 1; e = ""; next }
	     fold && /^ {10}/ { sub(/^ +/, ""); e = e " " $0; next }
	     fold { print e; fold = 0 }
	     /^ *expr: / { sub(/^ *expr: */, ""); print }
	     END { if (fold) print e }' "$DOC/pagetrack.rules.yml"
}
check "every rule's expression read ($(rule_exprs | wc -l) of $(wc -w <<<"$alerts"))" '[ "$(rule_exprs | wc -l)" -eq "$(wc -w <<<"$alerts")" ]'
written=$(cat "$dir"/prom/*.prom | grep -o '^pagetrack_[a-z_]*' | sort -u)
used=$( { rule_exprs; cat "$dir/dash.exprs" 2>/dev/null; } | $NAMES)
# node_exporter's own series (the textfile's mtime): in its scrapes here.
nescr=$(cat "$dir/final" "$dir/linked" 2>/dev/null | grep -o '^node_[a-z_]*' | sort -u)
[ -n "$nescr" ] || nescr=$(grep '^node_' <<<"$used")
missing=$(comm -23 <(printf '%s\n' "$used") <(printf '%s\n' "$written" "$nescr" | sort))
check "rules and dashboard use $(wc -l <<<"$used") metric names, all written by pagetrack or node_exporter${missing:+; not written: $missing}" \
	'[ -z "$missing" ] && [ "$(wc -l <<<"$used")" -ge 8 ]'
check "the names pagetrack writes are doc/prometheus.md's ($(wc -l <<<"$written"))" \
	'( for m in $written; do grep -q "\`$m" doc/prometheus.md || exit 1; done )'

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
