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
# allocated.  Then a Rust module of the kernel tree, samples/rust/
# rust_minimal.rs, unmodified, with the same two lines: its rows at its
# own lines.
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
r="$ALLOCPROF_RUN_DIR/rust_minimal"
mkdir -p "$r"
cp "$KDIR/source/samples/rust/rust_minimal.rs" "$r/"
cat >"$r/Kbuild" <<KBUILD
obj-m := rust_minimal.o
ALLOCPROF := $ALLOCPROF_ROOT
include \$(ALLOCPROF)/dropin.mk
KBUILD
step "rust_minimal.rs of the kernel tree, with the same lines in its Kbuild"
sed 's/^/    /' "$r/Kbuild"
module_make "$KDIR" -s M="$r" modules 2>&1 | tee "$ALLOCPROF_RUN_DIR/build-rust.log" | grep 'ALLOCPROF-RS' |
	sed 's/^ */    /' || {
	tail -n 20 "$ALLOCPROF_RUN_DIR/build-rust.log"
	die "rust_minimal did not build (log: $ALLOCPROF_RUN_DIR/build-rust.log)"
}
[ -f "$r/rust_minimal.ko" ] || die "rust_minimal did not build (log: $ALLOCPROF_RUN_DIR/build-rust.log)"
"$ALLOCPROF_ROOT/scripts/tool.sh" build
step "the test VM"
VM_CONSOLE_LOG="$ALLOCPROF_RUN_DIR/console.log" \
	VM_MODULES="$ALLOCPROF_ROOT/allocprof.ko $d/kmemleak-test.ko $r/rust_minimal.ko" \
	"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$ALLOCPROF_ROOT/scripts/guest-demo.sh"
