#!/bin/sh
# Inside a lab guest: the DMA checks alone (dma_checks.sh: every finding and
# its twin, load time, held, system-wide, replay, and the e1000 real work
# when booted with --nic e1000 --add e1000.ko) in one attach mode ($1:
# auto, fentry, kprobe or tracepoint; default tracepoint). In tracepoint
# mode it first lists the kernel's dma: tracepoints (what this kernel has,
# not what we assume) and checks that the start-up lines name them.
. /tests/lib.sh
MODE=${1:-tracepoint}
ATTACH="--attach $MODE"
T=/tmp/pt
mkdir -p $T
[ -x /bin/pagetrack ] || { nok "pagetrack binary in the guest"; summary; exit 1; }
TR=/sys/kernel/tracing
echo "# $(uname -r): dma: tracepoints: $(ls $TR/events/dma 2>/dev/null | grep -v '^enable$\|^filter$' | tr '\n' ' ')"
for e in dma_map_phys dma_map_page dma_map_sg dma_alloc; do
	[ -f $TR/events/dma/$e/format ] &&
		echo "# $e: $(grep 'field:' $TR/events/dma/$e/format | grep -v common_ | sed 's/.*field://; s/;.*//' | tr '\n' ',')"
done
. /tests/dma_checks.sh
if [ "$MODE" = tracepoint ]; then
	if ls $TR/events/dma >/dev/null 2>&1; then
		m=dma_map_page
		[ -d $TR/events/dma/dma_map_phys ] && m=dma_map_phys
		if grep -q "dma page mappings.*: on (dma:$m, dma:dma_unmap_[a-z]* raw tracepoints" $D/twins.err &&
			grep -q "dma sg mappings.*: on (dma:dma_map_sg, dma:dma_unmap_sg raw tracepoints" $D/twins.err &&
			grep -q "dma coherent buffers.*: on (dma:dma_alloc, dma:dma_free raw tracepoints" $D/twins.err; then
			ok "tracepoint mode: the start-up lines name this kernel's dma: tracepoints ($m)"
		else
			nok "tracepoint mode: start-up lines: $(grep '  dma' $D/twins.err | tr '\n' '|')"
		fi
	else
		skp "tracepoint mode: start-up lines" "this kernel has no dma: tracepoints"
	fi
fi
summary
