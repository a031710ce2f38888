# SPDX-License-Identifier: GPL-2.0
#
# allocprof: `make` builds the modules against KDIR (default: the cached
# test kernel); `make demo`, `make check` and `make bench` build what they
# need and run in the test VM.  See README.

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
FRAGMENT := $(ROOT)/tools/testing/selftests/allocprof/config
export PATH := $(HOME)/.cargo/bin:$(PATH)

# The kernel build to use, found when a recipe runs (after `deps`, as its
# cache key names the toolchain's versions): KDIR_BUILD_CMD builds it unless
# cached (messages on stderr) and prints its directory, KDIR_CMD only
# prints it.
ifeq ($(origin KDIR), undefined)
KDIR_BUILD_CMD := $(ROOT)/scripts/kernel.sh build-path test $(FRAGMENT)
KDIR_CMD := $(ROOT)/scripts/kernel.sh path test $(FRAGMENT)
DEFAULT_KDIR := 1
else
KDIR_BUILD_CMD := echo $(KDIR)
KDIR_CMD := echo $(KDIR)
endif
# The make variables of the kernel's toolchain (LLVM=..., LIBCLANG_PATH=...),
# which scripts/kernel.sh records with each kernel it builds: the modules
# are built with their kernel's compiler (an LLVM= given must be that one;
# a kernel without a record: LLVM as given, else LLVM=1).
TOOLCHAIN_CMD := $(ROOT)/scripts/kernel.sh toolchain

.PHONY: all modules deps kernel clean demo check check-debug lint bench

all: modules

deps:
	@$(ROOT)/scripts/deps.sh

kernel: deps
	@$(ROOT)/scripts/kernel.sh build test $(FRAGMENT)

ifdef DEFAULT_KDIR
modules: deps
endif
# The Rust drop-in's build step (tools/allocprof-rs-dropin, which
# dropin.mk runs), the copies of two Rust samples of the kernel tree
# (rust_minimal.rs, rust_print.rs: unmodified, built with the drop-in
# lines of dropin_rust_samples/Kbuild), allocprof, the test modules of the
# Kbuild files, then one drop-in test module built with the header on
# make's command line (KCFLAGS: into every C file of that build, its
# generated .mod.c included).
CMDLINE_DIR := $(ROOT)/tools/testing/selftests/allocprof/dropin_cmdline
SAMPLES_DIR := $(ROOT)/tools/testing/selftests/allocprof/dropin_rust_samples
modules:
	@kdir=$$($(KDIR_BUILD_CMD)) && tc=$$($(TOOLCHAIN_CMD) $$kdir) && \
		echo "==> modules (KDIR=$$kdir" $$tc")" && \
		$(ROOT)/scripts/rs-dropin-tool.sh build && \
		src=$$kdir/source/samples/rust && { [ -d $$src ] || src=$$kdir/samples/rust; } && \
		for f in rust_minimal.rs rust_print.rs; do \
			cmp -s $$src/$$f $(SAMPLES_DIR)/$$f || cp $$src/$$f $(SAMPLES_DIR)/$$f || exit 1; \
		done && \
		$(MAKE) -C $$kdir $$tc M=$(ROOT) modules && \
		$(MAKE) -C $$kdir $$tc M=$(CMDLINE_DIR) \
			KBUILD_EXTRA_SYMBOLS=$(ROOT)/Module.symvers \
			KCFLAGS="-include $(ROOT)/include/allocprof_dropin.h \
				-fmacro-prefix-map=$(ROOT)/=" modules

# The import graph of src/ (no circle, nothing uses the crate root:
# scripts/imports.py), every module parameter in admin-guide.rst
# (scripts/params-doc.py), the documentation pages valid reStructuredText
# (scripts/rst-check.py), the raw kernel calls of src/ within budget and
# in the FFI-facing layer (scripts/unsafe-budget.py), rustfmt, then a rebuild under clippy with every
# warning an error.
lint: modules
	@echo "==> lint"
	@python3 $(ROOT)/scripts/imports.py --self-test >/dev/null
	@python3 $(ROOT)/scripts/imports.py $(ROOT)
	@python3 $(ROOT)/scripts/params-doc.py $(ROOT)
	@python3 $(ROOT)/scripts/rst-check.py $(ROOT)
	@python3 $(ROOT)/scripts/unsafe-budget.py $(ROOT)
	@rustfmt --edition 2021 --check $$(cd $(ROOT) && git ls-files '*.rs' | sed 's|^|$(ROOT)/|')
	@touch $$(cd $(ROOT) && git ls-files '*.rs' | sed 's|^|$(ROOT)/|')
	@kdir=$$($(KDIR_CMD)) && tc=$$($(TOOLCHAIN_CMD) $$kdir) && \
		$(MAKE) -s -C $$kdir $$tc M=$(ROOT) CLIPPY=1 KRUSTFLAGS=-Dwarnings modules
	@echo "    rustfmt and clippy: clean"

clean:
	@kdir=$$($(KDIR_CMD) 2>/dev/null); if [ -d "$$kdir" ]; then \
		tc=$$($(TOOLCHAIN_CMD) $$kdir) && $(MAKE) -C $$kdir $$tc M=$(ROOT) clean; fi
	@find $(ROOT) -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' -o -name '*.rmeta' \
		-o -name 'Module.symvers' -o -name 'modules.order' -o -name '*.d' -o -name '*.allocprof.S' \
		| grep -v '/.git/' | xargs rm -f
	@rm -f $(SAMPLES_DIR)/*.rs

demo: modules
	@$(ROOT)/scripts/demo.sh

# check.sh builds the modules itself (the test kernel first), beside the
# upstream-profiling kernel of its differential test.
check: deps
	@$(ROOT)/scripts/check.sh

check-debug: deps
	@$(ROOT)/scripts/check-debug.sh

bench: modules
	@$(ROOT)/scripts/bench.sh
