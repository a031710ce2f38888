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
# The kernels each drop-in is tested on; on the others it stops the build
# with a message.  The C drop-in (include/allocprof_dropin.h, forced in by
# dropin.mk):
allocprof_dropin_kernels := 6.12 7.3
# The Rust drop-in (dropin.mk's rule for a module's Rust objects and its
# build step, tools/allocprof-rs-dropin), tested where the C drop-in is
# too (its tests build modules of Rust and C objects):
allocprof_rs_dropin_kernels := 6.12 7.3
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
