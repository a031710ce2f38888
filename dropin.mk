# SPDX-License-Identifier: GPL-2.0
# allocprof drop-in: profiles the module whose Kbuild includes this file,
# without a change to its sources.  Two lines at the end of the module's
# Kbuild (after its obj-m):
#
#	ALLOCPROF := /path/to/allocprof
#	include $(ALLOCPROF)/dropin.mk
#
# C objects: include/allocprof_dropin.h forced into every C file of the
# module (Documentation/allocprof/dropin.rst).  The module is built
# against allocprof's exports: modpost reads KBUILD_EXTRA_SYMBOLS from the
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
