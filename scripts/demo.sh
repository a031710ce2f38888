#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: a real module of the kernel tree, unmodified, profiled by
# the two drop-in lines of its Kbuild.  samples/kmemleak/kmemleak-test.c
# (which allocates with kmalloc, kzalloc, vmalloc and alloc_percpu at init
# and leaks it all on purpose) is copied from the test kernel's source
# into this run's directory beside a Kbuild of three lines, its obj-m and
# the drop-in's two, built against the test kernel, and loaded in the
# test VM after allocprof (scripts/guest-demo.sh): its rows, the sysctl
# switched off and on, its unload and allocprof's report of what it left
# allocated.  Then Rust modules of the kernel tree, unmodified, with the
# same two lines: samples/rust/rust_minimal.rs (its rows at its own
# lines) and, where the tree has it (7.3), the misc device driver
# samples/rust/rust_misc_device.rs: a device opened (its state, a KBox, at
# the driver's line), written to (a buffer), closed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kv=$(run_kernel)
KDIR=${KDIR:-$("$ALLOCPROF_ROOT/scripts/kernel.sh" path test)}
rs_dropin_kernel "$kv" ||
	die "make demo profiles C and Rust modules with the drop-ins, which are tested on Linux $ALLOCPROF_RS_DROPIN_KERNELS only, not $kv (issue 27): make demo KERNEL=$ALLOCPROF_RS_DROPIN_KERNELS shows it"
run_dir demo
d="$ALLOCPROF_RUN_DIR/kmemleak-test"
mkdir -p "$d"
cp "$KDIR/source/samples/kmemleak/kmemleak-test.c" "$d/"
cat >"$d/Kbuild" <<KBUILD
obj-m := kmemleak-test.o
ALLOCPROF := $ALLOCPROF_ROOT
include \$(ALLOCPROF)/dropin.mk
KBUILD
step "kmemleak-test.c of the kernel tree, with the drop-in lines in its Kbuild"
sed 's/^/    /' "$d/Kbuild"
module_make "$KDIR" -s M="$d" modules >"$ALLOCPROF_RUN_DIR/build.log" 2>&1 || {
	tail -n 20 "$ALLOCPROF_RUN_DIR/build.log"
	die "kmemleak-test did not build (log: $ALLOCPROF_RUN_DIR/build.log)"
}
r="$ALLOCPROF_RUN_DIR/rust"
mkdir -p "$r"
rs=(rust_minimal)
[ -f "$KDIR/source/samples/rust/rust_misc_device.rs" ] && rs+=(rust_misc_device)
for m in "${rs[@]}"; do
	cp "$KDIR/source/samples/rust/$m.rs" "$r/"
done
cat >"$r/Kbuild" <<KBUILD
obj-m := $(printf '%s.o ' "${rs[@]}")
ALLOCPROF := $ALLOCPROF_ROOT
include \$(ALLOCPROF)/dropin.mk
KBUILD
step "$(printf '%s.rs ' "${rs[@]}")of the kernel tree, with the same lines in their Kbuild"
sed 's/^/    /' "$r/Kbuild"
module_make "$KDIR" -s M="$r" modules 2>&1 | tee "$ALLOCPROF_RUN_DIR/build-rust.log" | grep 'ALLOCPROF-RS' |
	sed 's/^ */    /' || {
	tail -n 20 "$ALLOCPROF_RUN_DIR/build-rust.log"
	die "the Rust samples did not build (log: $ALLOCPROF_RUN_DIR/build-rust.log)"
}
for m in "${rs[@]}"; do
	[ -f "$r/$m.ko" ] || die "$m did not build (log: $ALLOCPROF_RUN_DIR/build-rust.log)"
done
"$ALLOCPROF_ROOT/scripts/tool.sh" build
# The lines the guest names: rust_minimal's three pushes, and
# rust_misc_device's KBox of open() (this kernel's sources).
lines=$(grep -n 'numbers.push(' "$r/rust_minimal.rs" | cut -d: -f1 | tr '\n' ' ')
set -- $lines
[ $# = 3 ] || die "rust_minimal.rs: 3 pushes expected, found lines: $lines"
guest="$ALLOCPROF_RUN_DIR/guest-demo.sh"
{
	echo "PUSH1=$1 PUSH2=$2 PUSH3=$3"
	cat "$ALLOCPROF_ROOT/scripts/guest-demo.sh"
} >"$guest"
step "the test VM"
VM_CONSOLE_LOG="$ALLOCPROF_RUN_DIR/console.log" \
	VM_MODULES="$ALLOCPROF_ROOT/allocprof.ko $d/kmemleak-test.ko $(printf "$r/%s.ko " "${rs[@]}")" \
	"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$guest"
