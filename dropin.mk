# SPDX-License-Identifier: GPL-2.0
# allocprof drop-in: profiles the module whose Kbuild includes this file,
# without a change to its sources.  Two lines at the end of the module's
# Kbuild (after its obj-m):
#
#	ALLOCPROF := /path/to/allocprof
#	include $(ALLOCPROF)/dropin.mk
#
# C objects: include/allocprof_dropin.h forced into every C file of the
# module (Documentation/allocprof/dropin.rst).  Rust modules (X.o of obj-m
# built from X.rs): after rustc, tools/allocprof-rs-dropin points the
# object's calls of kernel::alloc's ReallocFunc::call at per-site thunks
# and writes the thunks, the tags and a registering init_module, linked
# into X.o before objtool and modpost
# (Documentation/allocprof/dropin-rust.rst).  The module is built against
# allocprof's exports: modpost reads KBUILD_EXTRA_SYMBOLS from the
# module's Kbuild, so the make command line needs nothing more.
ifeq ($(ALLOCPROF),)
$(error dropin.mk: set ALLOCPROF to the allocprof tree before including it)
endif
ifeq ($(wildcard $(ALLOCPROF)/include/allocprof_dropin.h),)
$(error dropin.mk: $(ALLOCPROF) is not an allocprof tree (no include/allocprof_dropin.h))
endif

ccflags-y += -include $(ALLOCPROF)/include/allocprof_dropin.h
# Rows name the module's files from its directory (kmemleak-test.c:43),
# not by the absolute path kbuild compiles an external module's files by.
ccflags-y += -fmacro-prefix-map=$(abspath $(src))/=
KBUILD_EXTRA_SYMBOLS += $(ALLOCPROF)/Module.symvers

# Rust modules.  Rows are named from the module's DWARF by the tool,
# relative to the module's directory, whatever the paths in it (the
# module's own --remap-path-prefix included).  The prefix map's peer for
# file!() (panic locations): the module's directory remapped in macros
# only, as -fmacro-prefix-map does, unless the Kbuild remaps paths itself.
ifeq ($(filter --remap-path-%,$(rustflags-y) $(KRUSTFLAGS)),)
rustflags-y += --remap-path-prefix=$(abspath $(src))/= --remap-path-scope=macro
endif

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

# The Rust modules of this directory: X.o of obj-m with an X.rs.
allocprof-rs-objs := $(foreach o,$(obj-m),$(if $(wildcard $(src)/$(o:.o=.rs)),$(o)))

# rustc (kbuild's command, without its objtool), the tool, the generated
# assembly (with the kernel's flags, as kbuild's %.o: %.S, without its
# dependency file: the target's is rustc's), `ld -r` of both, objtool on
# the whole (as kbuild runs it on a composite module), then the sites'
# __jump_table entries (the same assembly, ALLOCPROF_RS_JUMP_TABLE:
# objtool cannot follow an entry whose target is in another object).
# kbuild runs commands under set -e: the first that fails stops it.
# ALLOCPROF_RS_KEEP=1 keeps the intermediate objects.
allocprof-rs-a-flags = $(filter-out -Wp$(comma)-MMD$(comma)%,$(a_flags)) -I$(ALLOCPROF)/include
allocprof-rs-objtool = $(if $(objtool-enabled),$(objtool) $(objtool-args) $(1);)
quiet_cmd_allocprof_rs_o_rs = RUSTC [M] $@ (allocprof drop-in)
      cmd_allocprof_rs_o_rs = \
	$(rust_common_cmd) --emit=obj=$(@:.o=.allocprof-in.o) $<; \
	$(ALLOCPROF_RS_TOOL) --in $(@:.o=.allocprof-in.o) --out $(@:.o=.allocprof-rw.o) \
		--asm $(@:.o=.allocprof.S) --modname $(basetarget) \
		--src-dir $(abspath $(src)) --srctree $(abspath $(srctree)) \
		--symvers $(objtree)/Module.symvers \
		$(allocprof-rs-strip) $(filter --remap-path-prefix=%,$(rust_flags)); \
	$(CC) $(allocprof-rs-a-flags) -c -o $(@:.o=.allocprof.o) $(@:.o=.allocprof.S); \
	$(CC) $(allocprof-rs-a-flags) -DALLOCPROF_RS_JUMP_TABLE -c \
		-o $(@:.o=.allocprof-jt.o) $(@:.o=.allocprof.S); \
	$(LD) -r -o $(@:.o=.allocprof-pre.o) $(@:.o=.allocprof-rw.o) $(@:.o=.allocprof.o); \
	$(call allocprof-rs-objtool,$(@:.o=.allocprof-pre.o)) \
	$(LD) -r -o $@ $(@:.o=.allocprof-pre.o) $(@:.o=.allocprof-jt.o); \
	$(if $(ALLOCPROF_RS_KEEP),:,rm -f $(addprefix $(@:.o=.allocprof),-in.o -rw.o -pre.o -jt.o .o))

define rule_allocprof_rs_o_rs
	$(call cmd_and_fixdep,allocprof_rs_o_rs)
	$(call cmd,gen_objtooldep)
endef

# An explicit rule: it takes the place of kbuild's %.o: %.rs for these.
define allocprof_rs_rule
$(obj)/$(1): $(src)/$(1:.o=.rs) $(ALLOCPROF_RS_TOOL) FORCE
	+$$(call if_changed_rule,allocprof_rs_o_rs)
endef
$(foreach o,$(allocprof-rs-objs),$(eval $(call allocprof_rs_rule,$(o))))

$(ALLOCPROF_RS_TOOL):
	@echo >&2 "dropin.mk: $@ is missing: build allocprof first (make -C $(ALLOCPROF))"
	@false

endif # ALLOCPROF_RS_FLAGS_ONLY
