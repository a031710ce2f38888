# SPDX-License-Identifier: GPL-2.0
# allocprof drop-in: profiles the module whose Kbuild includes this file,
# without a change to its sources.  Two lines in the module's Kbuild,
# before or after its obj-m lines:
#
#	ALLOCPROF := /path/to/allocprof
#	include $(ALLOCPROF)/dropin.mk
#
# C objects: include/allocprof_dropin.h forced into every C file of the
# module (Documentation/allocprof/dropin.rst).  Rust objects (X.o built
# from X.rs, a module of its own or part of a composite M-y/M-objs with
# other Rust or C objects): after rustc, tools/allocprof-rs-dropin points
# the object's calls of kernel::alloc's ReallocFunc::call at per-site
# thunks and writes the thunks, the tags and a registering init_module,
# linked into X.o before objtool and modpost
# (Documentation/allocprof/dropin-rust.rst).  The module is built against
# allocprof's exports: modpost reads KBUILD_EXTRA_SYMBOLS from the
# module's Kbuild, so the make command line needs nothing more.
ifeq ($(ALLOCPROF),)
$(error dropin.mk: set ALLOCPROF to the allocprof tree before including it)
endif
ifeq ($(wildcard $(ALLOCPROF)/include/allocprof_dropin.h),)
$(error dropin.mk: $(ALLOCPROF) is not an allocprof tree (no include/allocprof_dropin.h))
endif

# The kernels each drop-in is tested on (kernels.mk): on a kernel neither
# is, the build stops here; on one only the Rust drop-in is, the header
# stops each C file (its #error); on one only the C drop-in is, the Rust
# rule below stops each Rust object: before anything is built wrongly.
# (The kernel's own version: ALLOCPROF_UNTESTED_KERNEL=1, which builds
# allocprof against the nearest tested kernel's interfaces, does not
# extend to the drop-ins.)
include $(ALLOCPROF)/kernels.mk
allocprof-dropin-kernel := $(VERSION).$(PATCHLEVEL)
ifeq ($(filter $(allocprof-dropin-kernel),$(allocprof_dropin_kernels) $(allocprof_rs_dropin_kernels)),)
$(error allocprof: the drop-in is tested on Linux $(sort $(allocprof_dropin_kernels) $(allocprof_rs_dropin_kernels)) only, not on this kernel, $(KERNELRELEASE): its allocation API and the Rust allocator's signature may differ; build the module without dropin.mk, or against $(lastword $(allocprof_dropin_kernels)))
endif

ccflags-y += -include $(ALLOCPROF)/include/allocprof_dropin.h
# Rows name the module's files from its directory (kmemleak-test.c:43),
# not by the path kbuild compiles an external module's files by: absolute
# (6.12), or relative to the external module's root, where the module is
# a directory below it (7.3: allocprof-dropin-srcrel).
allocprof-dropin-srcrel := $(patsubst ./%,%,$(filter-out . /%,$(src)))
ccflags-y += -fmacro-prefix-map=$(abspath $(src))/= \
	$(if $(allocprof-dropin-srcrel),-fmacro-prefix-map=$(allocprof-dropin-srcrel)/=)
KBUILD_EXTRA_SYMBOLS += $(ALLOCPROF)/Module.symvers

# Rust objects.  Every X.o of the directory built from an X.rs is built by
# the pattern rule below (the tool's run), whatever module it is part of:
# a module of one object (obj-m += X.o), or a composite (M-y or M-objs,
# its other objects Rust or C), and whether these lines come before the
# module's obj-m lines or after them.  This file is read before kbuild
# defines its own %.o: %.rs (scripts/Makefile.build reads the module's
# Kbuild first), and of two pattern rules of the same target pattern
# GNU make takes the first defined.  What the rule needs of the module
# (its name, its objects) is read when it runs, after kbuild has read
# everything.
#
# The oldest rustc the drop-in supports: allocprof itself needs asm goto
# (stable from 1.87) and is built by the kernel's one compiler, as the
# module is.  The module's own flags below need less (-Cdebuginfo=limited:
# 1.71; the remap scope: -Z from 1.74, stable from 1.95).
allocprof-rs-min-rustc := 1.87

# Each crate instantiates kernel::alloc's generics itself (else it would
# call the kernel crate's own KVec<u8> and <Kmalloc as Allocator>::free,
# whose allocations happen in the kernel); DWARF names the call sites
# (kept only if the kernel asked for it).
rustflags-y += -Zshare-generics=n
ifdef CONFIG_DEBUG_INFO_NONE
rustflags-y += -Cdebuginfo=limited
allocprof-rs-strip := --strip-debug
endif
# Inlining up to ReallocFunc::call puts the call sites in the driver's
# own functions (ALLOCPROF_RS_INLINE= keeps rustc's inlining: sites then
# sit in the module's instances of KVec::reserve, Box::new_uninit, ...).
ALLOCPROF_RS_INLINE ?= 100000
ifneq ($(ALLOCPROF_RS_INLINE),)
rustflags-y += -Cllvm-args=-inline-threshold=$(ALLOCPROF_RS_INLINE) \
	-Cllvm-args=-inlinecold-threshold=$(ALLOCPROF_RS_INLINE) \
	-Cllvm-args=-inline-cold-callsite-threshold=$(ALLOCPROF_RS_INLINE)
endif
# No tail merging: identical call sequences (drops on error paths) merged
# into one call have no line (DWARF line 0) and no inline frames.
rustflags-y += -Cllvm-args=-enable-tail-merge=false -Cllvm-args=-simplifycfg-sink-common=false

# ALLOCPROF_RS_FLAGS_ONLY=1: the compiler flags above alone, without the
# tool (make bench's measure of what the flags cost by themselves).
ifeq ($(ALLOCPROF_RS_FLAGS_ONLY),)

# The tool, built by allocprof's `make` (scripts/rs-dropin-tool.sh).
ALLOCPROF_RS_TOOL ?= $(ALLOCPROF)/tools/allocprof-rs-dropin/target/release/allocprof-rs-dropin

# Each found once, when a Rust object is first built (nothing of it for
# a C module): the kernel's rustc's version ("rustc 1.85.1 (...)"), and
# the remap scope it accepts (kbuild's rustc-option).
allocprof-rs-once = $(eval $(1) := $(2))$($(1))
allocprof-rs-rustc-version = $(call allocprof-rs-once,allocprof-rs-rustc-version,$(strip \
	$(shell $(RUSTC) --version 2>/dev/null)))
allocprof-rs-rustc-old = $(call allocprof-rs-once,allocprof-rs-rustc-old,$(shell \
	v='$(allocprof-rs-rustc-version)'; v=$${v$(pound)rustc }; maj=$${v%%.*}; \
	min=$${v$(pound)*.}; min=$${min%%.*}; want=$(allocprof-rs-min-rustc); \
	case "$$maj.$$min" in ([0-9]*.[0-9]*) ;; (*) echo unknown; exit 0;; esac; \
	[ "$$maj" -gt "$${want%.*}" ] || { [ "$$maj" -eq "$${want%.*}" ] && \
		[ "$$min" -ge "$${want$(pound)*.}" ]; } || echo old))
allocprof-rs-remap-scope = $(call allocprof-rs-once,allocprof-rs-remap-scope,$(call \
	rustc-option,--remap-path-scope=macro,-Zremap-path-scope=macro))
# Rows are named from the module's DWARF by the tool, relative to the
# module's directory, whatever the paths in it (the module's own
# --remap-path-prefix included).  The prefix map's peer for file!()
# (panic locations): the module's directory remapped in macros only, as
# -fmacro-prefix-map does, unless the Kbuild remaps paths itself.
allocprof-rs-remap = $(if $(filter --remap-path-%,$(rustflags-y) $(KRUSTFLAGS)),,\
	--remap-path-prefix=$(abspath $(src))/= \
	$(if $(allocprof-dropin-srcrel),--remap-path-prefix=$(allocprof-dropin-srcrel)/=) \
	$(allocprof-rs-remap-scope))

# The module the object is part of (kbuild's, as KBUILD_MODNAME), and the
# checks that stop the build before rustc: the object in several modules,
# a rustc too old.
allocprof-rs-modname = $(call name-fix-token,$(modname))
allocprof-rs-check = $(strip \
	$(if $(filter $(allocprof-dropin-kernel),$(allocprof_rs_dropin_kernels)),,$(error \
		allocprof: the Rust drop-in is tested on Linux $(allocprof_rs_dropin_kernels) only, \
		not on this kernel, $(KERNELRELEASE): its allocator's signature may differ; build \
		the module without dropin.mk, or against $(lastword $(allocprof_rs_dropin_kernels)))) \
	$(if $(findstring :,$(modname)),$(error dropin.mk: $@ is part of several modules \
		[$(modname)]: its rows would name only one of them)) \
	$(if $(filter old,$(allocprof-rs-rustc-old)),$(error dropin.mk: the Rust drop-in \
		needs rustc $(allocprof-rs-min-rustc) or newer; the kernel's rustc ($(RUSTC)) is \
		$(allocprof-rs-rustc-version): build the kernel and its modules with a newer one)) \
	$(if $(filter unknown,$(allocprof-rs-rustc-old)),$(error dropin.mk: the version of the \
		kernel's rustc is unknown: $(RUSTC) --version said "$(allocprof-rs-rustc-version)")))

# rustc (kbuild's command, without its objtool), the tool, the generated
# assembly (with the kernel's flags, as kbuild's %.o: %.S, its dependency
# file added to rustc's for fixdep: a change of include/ rebuilds the
# object), `ld -r` of both, objtool on the whole (as kbuild runs it on a
# composite module), then the sites' __jump_table entries (the same
# assembly, ALLOCPROF_RS_JUMP_TABLE: objtool cannot follow an entry whose
# target is in another object).  kbuild runs commands under set -e: the
# first that fails stops it.  ALLOCPROF_RS_KEEP=1 keeps the intermediate
# files (X.allocprof.S among them; `make clean` removes them).
# An object of a composite module: its sites' branches go to stubs of
# its own while off (include/allocprof_rs_dropin.h), as kbuild's objtool
# may check the composite whole, the sites' __jump_table entries included.
allocprof-rs-a-flags = $(filter-out -Wp$(comma)-MMD$(comma)%,$(a_flags)) -I$(ALLOCPROF)/include \
	$(if $(is-single-obj-m),,-DALLOCPROF_RS_OFF_STUBS)
allocprof-rs-objtool = $(if $(objtool-enabled),$(objtool) $(objtool-args) $(1);)
allocprof-rs-tmp = $(addprefix $(@:.o=.allocprof),-in.o -rw.o -pre.o -jt.o .o .S .d)
quiet_cmd_allocprof_rs_o_rs = RUSTC [M] $@ (allocprof drop-in)
      cmd_allocprof_rs_o_rs = $(allocprof-rs-check) \
	$(rust_common_cmd) $(allocprof-rs-remap) --emit=obj=$(@:.o=.allocprof-in.o) $<; \
	$(ALLOCPROF_RS_TOOL) --kernel $(allocprof-dropin-kernel) --in $(@:.o=.allocprof-in.o) --out $(@:.o=.allocprof-rw.o) \
		--asm $(@:.o=.allocprof.S) --modname $(allocprof-rs-modname) \
		--src-dir $(abspath $(src)) --srctree $(abspath $(srctree)) \
		--symvers $(objtree)/Module.symvers \
		$(allocprof-rs-strip) \
		$(filter --remap-path-prefix=%,$(rust_flags) $(allocprof-rs-remap)); \
	$(CC) $(allocprof-rs-a-flags) -Wp$(comma)-MMD$(comma)$(@:.o=.allocprof.d) \
		-c -o $(@:.o=.allocprof.o) $(@:.o=.allocprof.S); \
	{ echo; cat $(@:.o=.allocprof.d); } >>$(depfile); \
	$(CC) $(allocprof-rs-a-flags) -DALLOCPROF_RS_JUMP_TABLE -c \
		-o $(@:.o=.allocprof-jt.o) $(@:.o=.allocprof.S); \
	$(LD) -r -o $(@:.o=.allocprof-pre.o) $(@:.o=.allocprof-rw.o) $(@:.o=.allocprof.o); \
	$(call allocprof-rs-objtool,$(@:.o=.allocprof-pre.o)) \
	$(LD) -r -o $@ $(@:.o=.allocprof-pre.o) $(@:.o=.allocprof-jt.o); \
	$(if $(ALLOCPROF_RS_KEEP),rm -f $(@:.o=.allocprof.d),rm -f $(allocprof-rs-tmp))

define rule_allocprof_rs_o_rs
	$(call cmd_and_fixdep,allocprof_rs_o_rs)
	$(call cmd,gen_objtooldep)
endef

# An object of the directory that is not part of a module (always-y, ...)
# is built as kbuild builds it.
$(obj)/%.o: $(src)/%.rs $(ALLOCPROF_RS_TOOL) FORCE
	+$(if $(filter $@,$(real-obj-m)),$(call if_changed_rule,allocprof_rs_o_rs),$(call \
		if_changed_rule,rustc_o_rs))

# What ALLOCPROF_RS_KEEP=1 keeps, or a failed build leaves.
clean-files += $(foreach d,* */*,$(addprefix $(d).allocprof,.S .d .o -in.o -rw.o -pre.o -jt.o))

$(ALLOCPROF_RS_TOOL):
	@echo >&2 "dropin.mk: $@ is missing: build allocprof first (make -C $(ALLOCPROF))"
	@false

endif # ALLOCPROF_RS_FLAGS_ONLY
