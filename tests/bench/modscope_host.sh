#!/usr/bin/env bash
# What `-m MOD` costs on this host while MOD is absent, beside the floor, the
# default mode and --stacks all, under page churn: ROUNDS interleaved rounds,
# one line per run, then medians. Wall: churn's own elapsed time; BPF: run
# time per run of the tracepoint programs (kernel.bpf_stats_enabled), read
# from the tracer's fdinfo before it stops. Needs root and the tools that
# scripts/bench.sh builds (floor, churn) in DIR.
#   tests/bench/modscope_host.sh DIR [ROUNDS] [CHURN ARGS...]
set -u
B=$1 R=${2:-5}
shift 2 || shift $#
CH=("$@")
[ ${#CH[@]} -gt 0 ] || CH=(-t 2 -m 64 -r 3)
P=${PAGETRACK:-$(dirname "$0")/../../.output/amd64/pagetrack}
echo 1 >/proc/sys/kernel/bpf_stats_enabled

# fdinfo of PID -> "ns runs" over tracepoint programs (prog_type 5)
tpsum() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_type:/ { t = $2 }
		/^run_time_ns:/ { if (t == 5) ns += $2 } /^run_cnt:/ { if (t == 5) n += $2; t = 0 }
		END { printf "%.0f %.0f", ns, n }'
}
el() { grep -o 'elapsed_ns=[0-9]*' "$1" | cut -d= -f2; }

run() { # CONFIG
	local f=/tmp/ms_host.$$ pid
	case $1 in
	bare) "$B/churn" "${CH[@]}" >$f.c; echo "$1 $(el $f.c) 0 0"; return ;;
	floor) "$B/floor" >/dev/null 2>$f.e & pid=$!
		until grep -q attached $f.e 2>/dev/null; do sleep 0.1; done
		"$B/churn" "${CH[@]}" >$f.c; s=$(tpsum $pid); kill -INT $pid; wait $pid
		echo "$1 $(el $f.c) $s"; return ;;
	default) opts=() ;;
	m_absent) opts=(-m pt_absent_module) ;;
	stacks_all) opts=(--stacks all) ;;
	esac
	"$P" "${opts[@]}" -- sh -c "$B/churn ${CH[*]} >$f.c; cat /proc/\$PPID/fdinfo/* >$f.fd 2>/dev/null" \
		>/dev/null 2>&1
	s=$(awk '/^prog_type:/ { t = $2 } /^run_time_ns:/ { if (t == 5) ns += $2 }
		/^run_cnt:/ { if (t == 5) n += $2; t = 0 } END { printf "%.0f %.0f", ns, n }' $f.fd)
	echo "$1 $(el $f.c) $s"
	rm -f $f.c $f.fd $f.e
}

out=$(mktemp)
for i in $(seq "$R"); do
	for c in bare floor default m_absent stacks_all; do run $c | tee -a "$out"; done
done
echo "# medians over $R rounds: config, wall ratio to bare, BPF ns per tracepoint run"
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
bare=$(awk '$1 == "bare" { print $2 }' "$out" | med)
for c in floor default m_absent stacks_all; do
	w=$(awk -v c=$c -v b="$bare" '$1 == c { print $2 / b }' "$out" | med)
	r=$(awk -v c=$c '$1 == c && $4 { print $3 / $4 }' "$out" | med)
	printf "%-11s %.2f %.0f\n" $c "$w" "$r"
done
rm -f "$out"
