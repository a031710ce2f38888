#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The differential test of the drop-in mode (part of `make check`): the
# same module sources, built (a) with include/allocprof_dropin.h against
# the test kernel and (b) plainly against the kernel with
# CONFIG_MEM_ALLOC_PROFILING (upstream's own profiler; cached as for
# `make bench`), run the same workload (scripts/guest-differential.sh) in
# one VM each, and their rows are compared (scripts/differential.py):
# the same rows, equal bytes and calls, or the documented relation
# (Documentation/allocprof/dropin.rst, "Compared with upstream").
#
# Modules: allocprof_dropin_test (built by the tree's Kbuild), and two
# unmodified modules of the kernel tree, copied from its source at build
# time: samples/kmemleak/kmemleak-test.c (kmalloc, kzalloc, vmalloc,
# __alloc_percpu, all left live) and samples/kobject/kset-example.c
# (kzalloc'd kobjects, freed by their release), and lib/test_memcat_p.c
# (arrays and elements allocated and freed at its init: kzalloc_objs and
# kmalloc_obj on 7.3, kcalloc and kmalloc on 6.12; 4 rows, at the same
# lines on both sides, nothing left charged).  The Rust drop-in's:
# rust_minimal and rust_print of samples/rust/ and
# allocprof_dropin_rust_test, as make modules builds them with the
# drop-in lines, and built plainly against the upstream kernel (its
# rust/helpers/ rows against the sum of each module's rows).
#
# Prints "ok"/"not ok" lines and, last, "differential: P passed, F failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

sel=$ALLOCPROF_SELFTESTS
KDIR=${KDIR:-$("$ALLOCPROF_ROOT/scripts/kernel.sh" path test)}
# A directory of this run's own: checks of other clones may run at once.
work=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-differential.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$ALLOCPROF_LOGS"
# Its logs in this run's directory (make check's, when it runs this).
run_dir differential
log="$ALLOCPROF_RUN_DIR/differential"
start=$SECONDS

report_fail() {
	echo "not ok - differential: $*"
	echo "differential: 0 passed, 1 failed"
	exit 1
}

step "differential test: drop-in against upstream's profiler"
kup=$("$ALLOCPROF_ROOT/scripts/kernel.sh" build-path upstream) ||
	report_fail "no upstream-profiling kernel"
src="$KDIR/source"
for f in samples/kmemleak/kmemleak-test.c samples/kobject/kset-example.c lib/test_memcat_p.c; do
	[ -f "$src/$f" ] || report_fail "no $f in the kernel source at $src"
done
dropin_ko="$sel/dropin/allocprof_dropin_test.ko"
rust_kos="$sel/dropin_rust/allocprof_dropin_rust_test.ko $sel/dropin_rust_samples/rust_minimal.ko $sel/dropin_rust_samples/rust_print.ko"
for k in "$dropin_ko" "$ALLOCPROF_ROOT/allocprof.ko" $rust_kos; do
	[ -f "$k" ] || report_fail "run 'make modules' first (no $k)"
done

mkdir -p "$work/dropin" "$work/plain"
for d in dropin plain; do
	cp "$src/samples/kmemleak/kmemleak-test.c" "$src/samples/kobject/kset-example.c" \
		"$src/lib/test_memcat_p.c" "$work/$d/"
done
cp "$sel/dropin/allocprof_dropin_test.c" "$work/plain/"
# The Rust modules, plain (the test module mounts src/ffi/sysfs.rs,
# named by its absolute path here: the copy is elsewhere); their sources
# beside the C ones too, where differential.py reads call sites.
mkdir -p "$work/plainrs/m"
# rust_minimal and rust_print, as this kernel has them (lib.sh's
# rs_samples: 7.3's rust_print is Rust and C, rust_print_main.rs and its
# trace events' rust_print_events.c).
rs_files=()
for f in $(rs_samples "$(kdir_version "$KDIR")"); do
	case $f in rust_minimal* | rust_print*) rs_files+=("$f") ;; esac
done
for f in "${rs_files[@]}"; do
	cp "$src/samples/rust/$f" "$work/plainrs/m/"
done
sed "s|^#\[path = \"[./]*src/ffi/sysfs.rs\"\]|#[path = \"$ALLOCPROF_ROOT/src/ffi/sysfs.rs\"]|" \
	"$sel/dropin_rust/allocprof_dropin_rust_test.rs" >"$work/plainrs/m/allocprof_dropin_rust_test.rs"
cp "$work/plainrs/m/"*.rs "$work/plain/"
# (kernels.mk's cfg: the sysfs layer's structures differ by kernel.)
{
	printf 'obj-m := rust_minimal.o rust_print.o allocprof_dropin_rust_test.o\ninclude %s/kernels.mk\nrustflags-y += $(allocprof_kernel_cfg)\n' \
		"$ALLOCPROF_ROOT"
	case " ${rs_files[*]} " in
	*" rust_print_main.rs "*) printf 'rust_print-y := rust_print_main.o rust_print_events.o\nccflags-y += -I$(src)\n' ;;
	esac
} >"$work/plainrs/m/Kbuild"
# (a) the one line a user adds; (b) nothing.
{
	echo "ccflags-y += -include $ALLOCPROF_ROOT/include/allocprof_dropin.h"
	echo "obj-m := kmemleak-test.o kset-example.o test_memcat_p.o"
} >"$work/dropin/Kbuild"
echo "obj-m := allocprof_dropin_test.o kmemleak-test.o kset-example.o test_memcat_p.o" >"$work/plain/Kbuild"
module_make "$KDIR" M="$work/dropin" KBUILD_EXTRA_SYMBOLS="$ALLOCPROF_ROOT/Module.symvers" \
	modules >"$log-build.log" 2>&1 || { tail -n 20 "$log-build.log"; report_fail "drop-in build (log: $log-build.log)"; }
module_make "$kup" M="$work/plain" modules >>"$log-build.log" 2>&1 ||
	{ tail -n 20 "$log-build.log"; report_fail "plain build (log: $log-build.log)"; }
module_make "$kup" M="$work/plainrs/m" modules >>"$log-build.log" 2>&1 ||
	{ tail -n 20 "$log-build.log"; report_fail "plain Rust build (log: $log-build.log)"; }
info "built in $((SECONDS - start))s"

for mode in allocprof upstream; do
	{ echo "MODE=$mode"; cat "$ALLOCPROF_ROOT/scripts/guest-differential.sh"; } >"$work/run-$mode.sh"
done
TIMEOUT=${DIFF_TIMEOUT:-300} VM_CONSOLE_LOG="$log-allocprof-console.log" \
	VM_MODULES="$ALLOCPROF_ROOT/allocprof.ko $dropin_ko $work/dropin/kmemleak-test.ko $work/dropin/kset-example.ko $work/dropin/test_memcat_p.ko $rust_kos" \
	"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$work/run-allocprof.sh" >"$log-allocprof.log" 2>&1
rc_a=$?
TIMEOUT=${DIFF_TIMEOUT:-300} VM_CONSOLE_LOG="$log-upstream-console.log" KDIR="$kup" \
	VM_MODULES="$work/plain/allocprof_dropin_test.ko $work/plain/kmemleak-test.ko $work/plain/kset-example.ko $work/plain/test_memcat_p.ko $work/plainrs/m/rust_minimal.ko $work/plainrs/m/rust_print.ko $work/plainrs/m/allocprof_dropin_rust_test.ko" \
	"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$work/run-upstream.sh" >"$log-upstream.log" 2>&1
rc_u=$?
info "both VMs done in $((SECONDS - start))s (logs: $log-*.log)"

python3 "$ALLOCPROF_ROOT/scripts/differential.py" "$log-allocprof.log" "$log-upstream.log" "$rc_a" "$rc_u" \
	"$work/plain" "$log-allocprof-console.log" "$log-upstream-console.log" |
	tee "$log-result.log"
info "differential test took $((SECONDS - start))s"
