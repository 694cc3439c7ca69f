# SPDX-License-Identifier: GPL-2.0
# pagetrack: build per arch into .output/<arch>/ (amd64 = host, i386 = 686-pae guest,
# armhf = armmp-lpae guest).
OUTPUT ?= .output
CACHE ?= $(or $(PAGETRACK_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/pagetrack)
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= gcc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wno-unused-parameter
ARCHES := amd64 i386 armhf
I386_SYSROOT := $(CACHE)/i386/sysroot
ARMHF_SYSROOT := $(CACHE)/armhf/sysroot

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# The core library, libptcore.a: everything without libbpf (analyzer,
# session, replay, reporters). The binary, unit and replay tests, sanitizer
# and fuzz builds and the bench helpers link it; the one list: scripts read
# it with `make -s print-core-srcs`.
CORE_SRCS := analyzer_dispatch.c analyzer_state.c analyzer_scope.c analyzer_findings.c analyzer_blocks.c \
	analyzer_leaks.c analyzer_kmap.c analyzer_umap.c analyzer_dma.c report_dma.c \
	kmap_local.c u64map.c record.c report_sym.c report.c report_klocal.c escape.c ksyms.c stacks.c periodic.c outfile.c \
	session.c replay.c verdict.c ci.c sarif.c junit.c ghannot.c
# The rest of the tool: the CLI, attach and live tracing (libbpf), linked beside it.
USER_SRCS := pagetrack.c live.c attach.c attach_dma.c attach_dma_tp.c links.c modscope.c stackmap.c kinfo.c runas.c srcline.c

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all amd64 i386 armhf deps deps-build deps-test deps-lab deps-fleet lab refmod test unit-test replay-test host-test srcline-test layers-test docs-test prom-test package-test vm-test init-test callers-test lab-test ci-example-test \
	demo kmod clean user-progs deb

# The 32-bit guests' builds need the lab's sysroot script.
all: amd64 $(if $(wildcard scripts/sysroot.sh),i386 armhf)

amd64: $(OUTPUT)/amd64/pagetrack $(if $(wildcard module/pagetrack_ref_user.c),$(OUTPUT)/amd64/pagetrack_ref_user)
i386: $(OUTPUT)/i386/pagetrack $(OUTPUT)/i386/pagetrack_ref_user
armhf: $(OUTPUT)/armhf/pagetrack $(OUTPUT)/armhf/pagetrack_ref_user

# Debian packages by need (scripts/deps.sh); deps: all of them, as make test
# and make demo use. deps-build: build and install pagetrack (make amd64,
# make install, make deb); deps-test: the host suites; deps-lab: the QEMU lab
# (guest builds' sysroots included); deps-fleet: Prometheus and node_exporter.
deps:
	$(Q)bash scripts/deps.sh
	$(Q)bash scripts/sysroot.sh i386
	$(Q)bash scripts/sysroot.sh armhf
deps-build:
	$(Q)bash scripts/deps.sh build
deps-test:
	$(Q)bash scripts/deps.sh build test
deps-lab:
	$(Q)bash scripts/deps.sh build lab
	$(Q)bash scripts/sysroot.sh i386
	$(Q)bash scripts/sysroot.sh armhf
deps-fleet:
	$(Q)bash scripts/deps.sh fleet

# Guest kernels, headers and i386 BTF (downloads on first use, then cached);
# amd64-bpo: bookworm-backports' amd64 kernel (>= 6.10 names, >= 6.4 module layout).
LAB_KERNELS := i386 amd64 amd64-bpo armhf
lab:
	$(Q)bash scripts/lab-kernel.sh amd64
	$(Q)bash scripts/lab-kernel.sh i386
	$(Q)bash scripts/lab-kernel.sh amd64-bpo
	$(Q)bash scripts/lab-kernel.sh armhf

$(OUTPUT)/%/:
	$(Q)mkdir -p $@

# ---- BPF: one source, one object per arch ----
BPF_DEFS_amd64 := -D__TARGET_ARCH_x86
BPF_DEFS_i386 := -D__TARGET_ARCH_x86 -DPT_TARGET_I386
BPF_DEFS_armhf := -D__TARGET_ARCH_arm -DPT_TARGET_ARM
VMLINUX_amd64 := vmlinux/amd64
VMLINUX_i386 := $(if $(wildcard vmlinux/i386/vmlinux.h),vmlinux/i386,vmlinux/amd64)
VMLINUX_armhf := vmlinux/armhf

$(OUTPUT)/%/pagetrack.bpf.o: bpf/pagetrack.bpf.c $(wildcard bpf/*.bpf.h) src/pagetrack.h | $(OUTPUT)/%/
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf $(BPF_DEFS_$*) -I$(VMLINUX_$*) -Wall -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/%/pagetrack.skel.h: $(OUTPUT)/%/pagetrack.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name pagetrack_bpf > $@

# ---- user space ----
LIBS_amd64 := -lbpf -ldw -lelf -lz -llzma -lbz2 -lzstd
USER_CFLAGS_amd64 :=
USER_CFLAGS_i386 := -m32 -DPT_TARGET_I386 -I$(I386_SYSROOT)/usr/include
# The static libraries in link order: libdw (src/srcline.c) before libelf,
# and the compressors libdw reads modules with.
SYSROOT_LIBS := libbpf.a libdw.a libelf.a libz.a liblzma.a libbz2.a libzstd.a
LIBS_i386 := $(addprefix $(I386_SYSROOT)/usr/lib/i386-linux-gnu/,$(SYSROOT_LIBS))
CC_armhf := arm-linux-gnueabihf-gcc
USER_CFLAGS_armhf := -DPT_TARGET_ARM -I$(ARMHF_SYSROOT)/usr/include
LIBS_armhf := $(addprefix $(ARMHF_SYSROOT)/usr/lib/arm-linux-gnueabihf/,$(SYSROOT_LIBS))

$(OUTPUT)/%/pagetrack: $(addprefix src/,$(USER_SRCS)) src/*.h $(OUTPUT)/%/pagetrack.skel.h \
		$(OUTPUT)/%/libptcore.a
	$(call msg,CC,$@)
	$(Q)$(or $(CC_$*),$(CC)) $(CFLAGS) $(WARN) -static $(USER_CFLAGS_$*) -I$(OUTPUT)/$* -Isrc \
		$(addprefix src/,$(USER_SRCS)) $(OUTPUT)/$*/libptcore.a -o $@ $(LIBS_$*)

# ---- the core library: one per build directory ----
# .output/<arch>/ as the binary; .output/asan/ for tests/sanitize.sh,
# .output/fuzz/ and .output/fuzz-plain/ for scripts/fuzz.sh (libFuzzer).
# CORE_SRCDIR: where its sources are (scripts/fuzz.sh's FUZZ_SRC).
CORE_SRCDIR ?= src
CORE_CC_asan := gcc
CORE_CFLAGS_asan := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1
CORE_CC_fuzz := $(CLANG)
CORE_CFLAGS_fuzz := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
CORE_CC_fuzz-plain := $(CLANG)
CORE_CFLAGS_fuzz-plain := -g -O2 -fsanitize=fuzzer-no-link
AR_armhf := arm-linux-gnueabihf-ar
CORE_BUILDS := $(ARCHES) asan fuzz fuzz-plain
# $(1): build directory under $(OUTPUT).
define core_lib
$(OUTPUT)/$(1)/core/%.o: $(CORE_SRCDIR)/%.c $(CORE_SRCDIR)/*.h | $(OUTPUT)/$(1)/core/
	$$(call msg,CC,$$@)
	$(Q)$$(or $$(CORE_CC_$(1)),$$(CC_$(1)),$$(CC)) $$(or $$(CORE_CFLAGS_$(1)),$$(CFLAGS)) $$(WARN) \
		$$(USER_CFLAGS_$(1)) -I$(CORE_SRCDIR) -c $$< -o $$@
$(OUTPUT)/$(1)/libptcore.a: $$(addprefix $(OUTPUT)/$(1)/core/,$$(CORE_SRCS:.c=.o))
	$$(call msg,AR,$$@)
	$(Q)rm -f $$@ && $$(or $$(AR_$(1)),$$(AR)) rcs $$@ $$^
endef
$(foreach b,$(CORE_BUILDS),$(eval $(call core_lib,$(b))))
# libdw.a: a sysroot made before libdw was in its list is made again.
$(OUTPUT)/i386/core/%.o: | $(I386_SYSROOT)/usr/lib/i386-linux-gnu/libdw.a
$(OUTPUT)/armhf/core/%.o: | $(ARMHF_SYSROOT)/usr/lib/arm-linux-gnueabihf/libdw.a

$(OUTPUT)/i386/pagetrack: | $(I386_SYSROOT)/usr/lib/i386-linux-gnu/libdw.a
$(OUTPUT)/armhf/pagetrack: | $(ARMHF_SYSROOT)/usr/lib/arm-linux-gnueabihf/libdw.a
$(I386_SYSROOT)/usr/lib/i386-linux-gnu/libdw.a:
	$(Q)bash scripts/sysroot.sh i386
$(ARMHF_SYSROOT)/usr/lib/arm-linux-gnueabihf/libdw.a:
	$(Q)bash scripts/sysroot.sh armhf

$(OUTPUT)/%/pagetrack_ref_user: module/pagetrack_ref_user.c | $(OUTPUT)/%/
	$(call msg,CC,$@)
	$(Q)$(or $(CC_$*),$(CC)) -O2 $(WARN) -static $(if $(filter i386,$*),-m32) $< -o $@

# The reference module, for every guest kernel (needs `make lab`'s headers).
REFMOD_SRCS := module/pagetrack_ref.c module/Kbuild
$(OUTPUT)/%/kmod/module/pagetrack_ref.ko: $(REFMOD_SRCS)
	$(call msg,KMOD,$@)
	$(Q)bash scripts/kmod.sh module $* >/dev/null
refmod: lab $(foreach k,$(LAB_KERNELS),$(OUTPUT)/$(k)/kmod/module/pagetrack_ref.ko)

# Any out-of-tree module against a guest kernel's headers:
#   make kmod SRC=path/to/module KERNEL=i386|amd64|amd64-bpo|armhf
SRC ?= module
KERNEL ?= i386
kmod:
	$(Q)bash scripts/kmod.sh $(SRC) $(KERNEL)

# ---- tests ----
.PHONY: print-core-srcs print-user-srcs
print-core-srcs:
	@echo $(addprefix src/,$(CORE_SRCS))
print-user-srcs:
	@echo $(addprefix src/,$(USER_SRCS))
# make -s print-VAR: a variable's value, for scripts (CORE_CFLAGS_asan).
print-%:
	@echo $($*)

UNIT_OUT := $(OUTPUT)/host
# Host tests link the amd64 build's core library.
CORE_LIB := $(OUTPUT)/amd64/libptcore.a
$(UNIT_OUT)/test_analyzer: tests/unit/test_analyzer.c tests/unit/events.h $(CORE_LIB) src/*.h | $(UNIT_OUT)/
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Isrc -Itests/unit $< $(CORE_LIB) -o $@ -lcmocka

$(UNIT_OUT)/gen_recordings: tests/replay/gen_recordings.c tests/unit/events.h $(CORE_LIB) src/*.h \
		| $(UNIT_OUT)/
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Isrc -Itests/unit $< $(CORE_LIB) -o $@

$(UNIT_OUT)/ci_source: tests/replay/ci_source.c tests/unit/events.h $(CORE_LIB) src/*.h | $(UNIT_OUT)/
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Isrc -Itests/unit $< $(CORE_LIB) -o $@

$(UNIT_OUT)/test_kmap_local: tests/unit/test_kmap_local.c tests/unit/events.h $(CORE_LIB) src/*.h | $(UNIT_OUT)/
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Isrc -Itests/unit $< $(CORE_LIB) -o $@ -lcmocka

# The source-line resolver alone (src/srcline.c, libdw), for srcline-test.
$(UNIT_OUT)/srcline_probe: tests/host/srcline_probe.c src/srcline.c $(CORE_LIB) src/*.h | $(UNIT_OUT)/
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Isrc $< src/srcline.c $(CORE_LIB) -o $@ -ldw -lelf

$(UNIT_OUT)/test_dma: tests/unit/test_dma.c tests/unit/dma_events.h tests/unit/events.h $(CORE_LIB) src/*.h | $(UNIT_OUT)/
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Isrc -Itests/unit $< $(CORE_LIB) -o $@ -lcmocka

unit-test: $(UNIT_OUT)/test_analyzer $(UNIT_OUT)/test_kmap_local $(UNIT_OUT)/test_dma
	$(Q)$(UNIT_OUT)/test_analyzer
	$(Q)$(UNIT_OUT)/test_kmap_local
	$(Q)$(UNIT_OUT)/test_dma

replay-test: $(OUTPUT)/amd64/pagetrack $(UNIT_OUT)/gen_recordings $(UNIT_OUT)/ci_source
	$(Q)bash tests/replay/run.sh $(OUTPUT)/amd64/pagetrack $(UNIT_OUT)/gen_recordings \
		$(UNIT_OUT)/ci_source

host-test: $(OUTPUT)/amd64/pagetrack
	$(Q)bash tests/host/run.sh $(OUTPUT)/amd64/pagetrack

# Source lines of module frames and `make kmod` trees (amd64 lab headers).
srcline-test: $(OUTPUT)/amd64/pagetrack $(UNIT_OUT)/gen_recordings $(UNIT_OUT)/srcline_probe
	$(Q)bash tests/host/srcline.sh $(OUTPUT)/amd64/pagetrack $(UNIT_OUT)/gen_recordings \
		$(UNIT_OUT)/srcline_probe

# No loop of calls or includes in src/, the analyzer in its layers (issue 24).
layers-test: $(OUTPUT)/amd64/pagetrack
	$(Q)bash tests/host/layers.sh $(OUTPUT)/amd64

docs-test: $(OUTPUT)/amd64/pagetrack
	$(Q)bash tests/host/docs.sh $(OUTPUT)/amd64/pagetrack

# make deb, lintian, the package's files, dpkg -i into a scratch root.
package-test:
	$(Q)bash tests/host/package.sh

# promtool, node_exporter, the alert rules and dashboard of doc/prometheus.
prom-test: $(OUTPUT)/amd64/pagetrack $(UNIT_OUT)/gen_recordings
	$(Q)bash tests/prometheus/run.sh $(OUTPUT)/amd64/pagetrack $(UNIT_OUT)/gen_recordings

lab-test: all lab refmod
	$(Q)bash tests/vm/lab_test.sh

vm-test: all lab refmod
	$(Q)bash tests/vm/tracer_test.sh

# Module scope over a module's whole life: load-time scenarios, a
# driver-style module, and a bad free the kernel oopses on (one boot per arch).
init-test: all lab refmod
	$(Q)bash tests/vm/init_test.sh

# Callers and stacks (issue 29): a module with kernel helpers compiled out of
# line into it, the reference module's stacks and a free in module_exit, one
# boot per kernel (CALLERS_KERNELS).
CALLERS_KERNELS ?= amd64-bpo amd64 i386 armhf
callers-test: all lab refmod
	$(Q)bash tests/vm/helper_test.sh $(CALLERS_KERNELS)

# libFuzzer on the replay path: `make fuzz FUZZ_SECONDS=N` mutates for N s;
# fuzz-corpus replays the committed corpus and regressions once (in make test).
FUZZ_SECONDS ?= 60
.PHONY: fuzz fuzz-corpus
fuzz:
	$(Q)bash scripts/fuzz.sh run $(FUZZ_SECONDS)

fuzz-corpus:
	$(Q)bash scripts/fuzz.sh corpus

ci-example-test: all lab refmod
	$(Q)bash tests/ci-example/run.sh

# The README's test command: everything, ending with one summary line.
test:
	$(Q)bash tests/run_all.sh

demo: all lab refmod
	$(Q)bash tests/vm/demo.sh

clean:
	$(Q)rm -rf $(OUTPUT)

# ---- install (native arch build) ----
PREFIX ?= /usr/local
DESTDIR ?=
NATIVE := $(if $(filter x86_64,$(shell uname -m)),amd64,i386)
.PHONY: install
install: $(OUTPUT)/$(NATIVE)/pagetrack
	install -D -m 0755 $(OUTPUT)/$(NATIVE)/pagetrack $(DESTDIR)$(PREFIX)/sbin/pagetrack
	install -D -m 0644 doc/pagetrack.8 $(DESTDIR)$(PREFIX)/share/man/man8/pagetrack.8
	install -D -m 0644 doc/pagetrack.service $(DESTDIR)$(PREFIX)/share/doc/pagetrack/pagetrack.service
	install -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/pagetrack doc/pagetrack.sysusers doc/pagetrack.tmpfiles
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/pagetrack/prometheus doc/prometheus/*

# ---- Debian package (debian/, debhelper) ----
# Built from a copy of the tree in $(OUTPUT)/deb/ (dpkg-buildpackage writes
# beside the source directory): $(OUTPUT)/deb/pagetrack_VERSION_amd64.deb.
DEB_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version)
DEB_SRC = $(OUTPUT)/deb/pagetrack-$(DEB_VERSION)
.PHONY: deb
deb:
	$(Q)rm -rf $(OUTPUT)/deb && mkdir -p $(DEB_SRC)
	$(Q)tar -c --exclude=./.output --exclude=./.git . | tar -x -C $(DEB_SRC)
	$(Q)cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b $(if $(V),,>../build.log 2>&1) \
		|| { tail -30 ../build.log; exit 1; }
	$(Q)ls $(OUTPUT)/deb/*.deb

# Long churn in the i386 guest under pagetrack (issue: soak); not part of `make test`.
SOAK_SECONDS ?= 600
.PHONY: soak
soak: all lab refmod
	$(Q)tests/vm/run --kernel i386 --timeout $$(( $(SOAK_SECONDS) + 600 )) -- sh /tests/soak.sh $(SOAK_SECONDS)

# Benchmarks (tests/bench/README.md): overhead beside a bare BPF floor and
# bpftrace, event capacity, replay speed and memory; prints targets met/missed.
# bench-smoke: tiny sizes, part of make test (no timing assertions).
BENCH_PKGS := bpftrace valgrind time
.PHONY: bench bench-smoke bench-memleak
bench:
	$(Q)missing=; for p in $(BENCH_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then echo "bench: installing$$missing"; \
		$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $$missing || exit 1; fi
	$(Q)bash scripts/bench.sh $(if $(wildcard tests/vm/run),--vm) $(if $(MEMLEAK),--memleak $(MEMLEAK))

# bcc libbpf-tools memleak from source (git mirrors of bcc and libbpf), for
# MEMLEAK=.output/bench/memleak make bench
bench-memleak:
	$(Q)bash tests/bench/build-memleak.sh $(BCC_GIT) $(LIBBPF_GIT)

bench-smoke:
	$(Q)bash scripts/bench.sh --quick
