# SPDX-License-Identifier: GPL-2.0
# The kernels allocprof is built and tested on, for the Kbuild files of
# allocprof and of its test modules (included by both).
#
# The kernel's own Makefile exports VERSION and PATCHLEVEL.  The Rust code
# of allocprof sees the kernel it is built for as one cfg,
# allocprof_kernel_<V>_<P> (allocprof_kernel_6_12, allocprof_kernel_7_3),
# which only the named places of version differences test
# (Documentation/allocprof/design.rst, "Kernel versions").  The client
# API (src/api/) tests none: a client's build passes no flag of
# allocprof's, so the API follows the kernel's own configuration
# (CONFIG_ cfgs) alone.  C uses LINUX_VERSION_CODE.
allocprof_kernels := 6.12 7.3
# The kernels the drop-ins (dropin.mk, include/allocprof_dropin.h, the Rust
# drop-in's build step) are tested on; on the others they stop the build
# with a message (issue 27 ports them to 7.3).
allocprof_dropin_kernels := 6.12
allocprof_kernel := $(VERSION).$(PATCHLEVEL)
ifeq ($(filter $(allocprof_kernel),$(allocprof_kernels)),)
ifeq ($(ALLOCPROF_UNTESTED_KERNEL),)
$(error allocprof: Linux $(allocprof_kernel) ($(KERNELRELEASE)) is not a kernel allocprof is tested on ($(allocprof_kernels)); ALLOCPROF_UNTESTED_KERNEL=1 builds it against the interfaces of the nearest tested kernel, at your own risk)
endif
# The nearest tested kernel's interfaces: 7.3's after 6.12.
ifeq ($(shell [ $(VERSION) -gt 6 ] || { [ $(VERSION) -eq 6 ] && [ $(PATCHLEVEL) -gt 12 ]; }; echo $$?),0)
allocprof_kernel := 7.3
else
allocprof_kernel := 6.12
endif
endif
# For the top-level Kbuild's subdir-rustflags-y: allocprof and every test
# module below it (those that mount src/ffi/sysfs.rs need it too).
allocprof_kernel_cfg := --cfg allocprof_kernel_$(subst .,_,$(allocprof_kernel))
