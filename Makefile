# SPDX-License-Identifier: GPL-2.0
#
# allocprof: `make` builds the modules against KDIR (default: the cached
# test kernel); `make demo`, `make check` and `make bench` build what they
# need and run in the test VM.  See README.

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export PATH := $(HOME)/.cargo/bin:$(PATH)

# The kernel: KERNEL=6.12 or KERNEL=7.3 (kernels.mk's list), by default the
# newest, for every target; FLAVOR (test, upstream, debug) for `make kdir`.
# scripts/kernel.sh builds each into the cache (~/.cache/allocprof).
ALLOCPROF_KERNELS := $(shell sed -n 's/^allocprof_kernels := //p' $(ROOT)/kernels.mk)
KERNEL ?= $(lastword $(ALLOCPROF_KERNELS))
FLAVOR ?= test
export KERNEL
ifeq ($(filter $(KERNEL),$(ALLOCPROF_KERNELS)),)
$(error KERNEL=$(KERNEL) is not a kernel of the test matrix ($(ALLOCPROF_KERNELS)); KDIR=<a kernel build> builds against any other)
endif

# The kernel build to use, found when a recipe runs (after `deps`, as its
# cache key names the toolchain's versions): KDIR_BUILD_CMD builds it unless
# cached (messages on stderr) and prints its directory, KDIR_CMD only
# prints it.  A KDIR given is used as it is (and KERNEL ignored).
ifeq ($(origin KDIR), undefined)
KDIR_BUILD_CMD := $(ROOT)/scripts/kernel.sh build-path test
KDIR_CMD := $(ROOT)/scripts/kernel.sh path test
DEFAULT_KDIR := 1
else
KDIR_BUILD_CMD := echo $(KDIR)
KDIR_CMD := echo $(KDIR)
export KDIR
endif
# The make variables of the kernel's toolchain (LLVM=..., LIBCLANG_PATH=...),
# which scripts/kernel.sh records with each kernel it builds: the modules
# are built with their kernel's compiler (an LLVM= given must be that one;
# a kernel without a record: LLVM as given, else LLVM=1).
TOOLCHAIN_CMD := $(ROOT)/scripts/kernel.sh toolchain

.PHONY: all modules deps kernel kdir clean demo check check-debug check-all lint bench

all: modules

deps:
	@$(ROOT)/scripts/deps.sh

kernel: deps
	@$(ROOT)/scripts/kernel.sh build $(FLAVOR)

# The absolute path of the cached kernel build of KERNEL and FLAVOR, alone
# on standard output (built first, and what it needs installed, with
# every message on standard error): kdir=$(make -s kdir KERNEL=7.3 FLAVOR=debug)
kdir:
	@$(ROOT)/scripts/deps.sh >&2 && $(ROOT)/scripts/kernel.sh build-path $(FLAVOR)

ifdef DEFAULT_KDIR
modules: deps
endif
# scripts/modules.sh: what is built, and why a build for another kernel
# first removes the objects of the previous one.
modules:
	+@kdir=$$($(KDIR_BUILD_CMD)) && $(ROOT)/scripts/modules.sh $$kdir

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
	@for t in allocprof allocprof-rs-dropin; do \
		(cd $(ROOT)/tools/$$t && cargo clippy --locked --release --all-targets --quiet -- -D warnings) || \
		{ echo "make lint: clippy of tools/$$t failed" >&2; exit 1; }; done
	@echo "    rustfmt and clippy: clean (the module and the two host tools)"

clean:
	@$(ROOT)/scripts/modules.sh clean "$$($(KDIR_CMD) 2>/dev/null)"

demo: modules
	@$(ROOT)/scripts/demo.sh

# check.sh builds the modules itself (the test kernel first), beside the
# upstream-profiling kernel of its differential test.
check: deps
	@$(ROOT)/scripts/check.sh

check-debug: deps
	@$(ROOT)/scripts/check-debug.sh

# Both suites on every kernel of the matrix (what .ci/run does not: see
# README), one kernel after the other.
check-all: deps
	@for k in $(ALLOCPROF_KERNELS); do \
		$(MAKE) -C $(ROOT) --no-print-directory KERNEL=$$k check && \
		$(MAKE) -C $(ROOT) --no-print-directory KERNEL=$$k check-debug || exit 1; \
	done

bench: modules
	@$(ROOT)/scripts/bench.sh
