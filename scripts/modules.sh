#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make modules`: allocprof and its test modules, built in this tree
# against KDIR (a kernel build directory) with that kernel's toolchain.
#
#   scripts/modules.sh KDIR          build
#   scripts/modules.sh for KDIR      only make the tree's objects KDIR's
#                                    (below; the build's first step)
#   scripts/modules.sh clean [KDIR]  remove every object of the tree
#
# The objects of the tree are built for one kernel at a time: the file
# .allocprof-kernel at the tree's root names it (KDIR's path and a hash of
# its .config and kernel release).  A build against another kernel (make
# modules KERNEL=6.12 after KERNEL=7.3, or another KDIR=, or the same
# directory configured again) first removes every object of the previous
# one: kbuild alone would link them again (their dependencies, the old
# kernel's headers, have not changed).  Objects without a record (a tree
# built before records, or by hand) are of an unknown kernel: removed too.
#
# What is built: the Rust drop-in's build step (tools/allocprof-rs-dropin,
# which dropin.mk runs), the copies of the kernel tree's Rust samples
# (lib.sh's rs_samples: 6.12's rust_minimal.rs, rust_print.rs; 7.3's
# rust_minimal.rs, rust_print_main.rs with its rust_print_events.c,
# rust_misc_device.rs, rust_driver_faux.rs: unmodified, built with the
# drop-in lines of dropin_rust_samples/Kbuild), allocprof, the test modules of the
# Kbuild files, then one drop-in test module built with the header on
# make's command line (KCFLAGS: into every C file of that build, its
# generated .mod.c included).  The drop-in test modules are built on the
# kernels each drop-in is tested on alone (lib.sh's dropin_kernel for C,
# rs_dropin_kernel for Rust).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root=$ALLOCPROF_ROOT
record=$root/.allocprof-kernel
cmdline_dir=$root/tools/testing/selftests/allocprof/dropin_cmdline
samples_dir=$root/tools/testing/selftests/allocprof/dropin_rust_samples
misc_ioctl=$root/tools/testing/selftests/allocprof/rust_misc_ioctl

clean_objects() {
	find "$root" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' -o -name '*.mod.o' \
		-o -name '.*.cmd' -o -name '*.rmeta' -o -name 'Module.symvers' -o -name 'modules.order' \
		-o -name '*.d' -o -name '*.allocprof.S' \) -not -path '*/.git/*' \
		-not -path '*/target/*' -print0 | xargs -0 rm -f
	rm -f "$samples_dir"/*.rs "$samples_dir"/*.c "$misc_ioctl" "$record"
}
# The identity of the kernel KDIR: its path, release and configuration.
kernel_id() {
	printf '%s %s\n' "$(cd "$1" && pwd -P)" \
		"$(cat "$1/include/config/kernel.release" "$1/.config" 2>/dev/null | sha256sum | cut -c1-16)"
}

# for_kernel KDIR: the tree's objects are KDIR's from now on: those of
# another kernel are removed first.
for_kernel() {
	local id
	id=$(kernel_id "$1")
	if [ ! -f "$record" ]; then
		# (Objects of a build that kept no record: of an unknown kernel.)
		clean_objects
	elif [ "$(cat "$record")" != "$id" ]; then
		info "the tree's objects were built for another kernel ($(cut -d' ' -f1 "$record")): removing them"
		clean_objects
	fi
	echo "$id" >"$record"
}

case "${1:-}" in
for)
	[ -d "${2:-}" ] || die "usage: $0 for KDIR"
	for_kernel "$2"
	exit 0
	;;
clean)
	if [ -n "${2:-}" ] && [ -d "$2" ]; then module_make "$2" -s M="$root" clean || true; fi
	clean_objects
	exit 0
	;;
'') die "usage: $0 KDIR | clean [KDIR]" ;;
esac
kdir=$1
[ -f "$kdir/Module.symvers" ] && [ -f "$kdir/.config" ] ||
	die "$kdir is not a built kernel (no Module.symvers or .config: make modules there first)"
tc=$(kernel_make_vars "$kdir")
v=$(kdir_version "$kdir")
echo "==> modules (KDIR=$kdir, Linux $v," $tc")"
for_kernel "$kdir"

"$root/scripts/rs-dropin-tool.sh" build
if rs_dropin_kernel "$v"; then
	src=$kdir/source/samples/rust
	[ -d "$src" ] || src=$kdir/samples/rust
	for f in $(rs_samples "$v"); do
		cmp -s "$src/$f" "$samples_dir/$f" || cp "$src/$f" "$samples_dir/$f"
	done
	# The guest's client of rust_misc_device (static: the guest has a
	# busybox alone).
	case " $(rs_samples "$v") " in
	*" rust_misc_device.rs "*)
		[ "$misc_ioctl" -nt "$misc_ioctl.c" ] || gcc -static -O2 -Wall -o "$misc_ioctl" "$misc_ioctl.c" ;;
	esac
fi
module_make "$kdir" M="$root" modules
if dropin_kernel "$v"; then
	module_make "$kdir" M="$cmdline_dir" KBUILD_EXTRA_SYMBOLS="$root/Module.symvers" \
		KCFLAGS="-include $root/include/allocprof_dropin.h -fmacro-prefix-map=$root/=" modules
fi
