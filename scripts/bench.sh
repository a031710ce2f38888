#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: allocprof's overhead against raw allocation and against the
# kernel's own profiler, in one run.  Builds (or reuses) the peer kernel
# with CONFIG_MEM_ALLOC_PROFILING, runs scripts/guest-bench.sh in the VM in
# five modes (upstream's twice: booted with profiling on, then booted with
# sysctl.vm.mem_profiling=0) and writes results/<date>-<kernel>/results.{md,json}
# (see Documentation/allocprof/benchmarks.rst).  Guest time under
# `-icount shift=0` counts guest instructions: those figures repeat to the
# instruction.  A figure the guest could not measure (bench-fail:), or a
# VM that did not finish, makes the report exit non-zero after writing
# the results, with those figures missing and their targets missed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The report's own test first (a second): a failed variant must make its
# target missed, never met.
python3 "$ALLOCPROF_ROOT/scripts/bench_report.py" --self-test >/dev/null ||
	die "scripts/bench_report.py --self-test failed: run it for the details"

# Every loop of the bench measures a drop-in module (C or Rust) beside its
# plain build: on a kernel the drop-ins are not tested on (kernels.mk),
# nothing can be measured, and no target is met.
kv=$(run_kernel)
rs_dropin_kernel "$kv" ||
	die "make bench: every target compares a C or Rust drop-in module with its plain build, and the drop-ins are tested on Linux $ALLOCPROF_RS_DROPIN_KERNELS only, not $kv (issue 27): nothing measured; make bench KERNEL=$ALLOCPROF_RS_DROPIN_KERNELS measures them"
# The bench modules' builds and the VMs' consoles: this run's directory
# ($ALLOCPROF_LOGS/bench is the latest), not shared with a bench of another
# clone running at the same time.
run_dir bench
logs=$ALLOCPROF_RUN_DIR
sel="$ALLOCPROF_ROOT/tools/testing/selftests/allocprof"
if [ "${BENCH_ONLY:-}" != dropin ]; then
	kup=$("$ALLOCPROF_ROOT/scripts/kernel.sh" build-path upstream)

	step "bench modules for the upstream-profiling kernel"
	bdir="$logs/upstream-module"
	mkdir -p "$bdir"
	cp "$sel/allocprof_bench_c.c" "$sel/allocprof_many_c.c" "$bdir/"
	# Rows name the file alone, as allocprof's do (the tree's Kbuild remaps
	# its prefix): the read cost per row is not that of a long path.
	{
		echo 'ccflags-y += -fmacro-prefix-map=$(src)/='
		echo 'obj-m := allocprof_bench_c.o allocprof_many_c.o'
	} >"$bdir/Kbuild"
	run_long "bench modules" "$logs/upstream-module.log" \
		module_make "$kup" M="$bdir" modules
	gcc -static -O2 -o "$sel/allocinfo_read" "$sel/allocinfo_read.c"
fi

# The drop-in path: the same unmodified allocprof_bench_c.c, built with the
# drop-in header against the test kernel, as module allocprof_bench_di.
step "drop-in bench module (allocprof_bench_c.c with the drop-in header)"
kdir=$("$ALLOCPROF_ROOT/scripts/kernel.sh" path test)
ddir="$logs/dropin-module"
mkdir -p "$ddir"
cp "$sel/allocprof_bench_c.c" "$ddir/"
{
	echo "ccflags-y += -include $ALLOCPROF_ROOT/include/allocprof_dropin.h"
	echo 'obj-m := allocprof_bench_di.o'
	echo 'allocprof_bench_di-y := allocprof_bench_c.o'
} >"$ddir/Kbuild"
run_long "drop-in bench module" "$logs/dropin-module.log" \
	module_make "$kdir" M="$ddir" KBUILD_EXTRA_SYMBOLS="$ALLOCPROF_ROOT/Module.symvers" modules
objdump -d "$ddir/allocprof_bench_c.o" >"$logs/dropin-module.dis"

# The Rust drop-in: allocprof_bench_rs.rs (a plain Rust module, built
# plainly by the tree's Kbuild) copied, unmodified, beside a Kbuild of its
# obj-m and the two drop-in lines (module allocprof_bench_rsdi); and again
# with the drop-in's compiler flags alone, without the tool
# (ALLOCPROF_RS_FLAGS_ONLY=1: allocprof_bench_rsfl), to show what the
# flags do to the module by themselves.
step "Rust drop-in bench modules (allocprof_bench_rs.rs with the drop-in lines; with its flags alone)"
rdir="$logs/dropin-rs-module"
for v in di fl; do
	mkdir -p "$rdir/$v"
	# (The files it mounts with #[path], the sysfs layer and bench_cmd.rs,
	# named by their absolute paths: the copy is elsewhere.)
	sed "s|^#\[path = \"\([^/\"][^\"]*\)\"\]|#[path = \"$sel/\1\"]|" \
		"$sel/allocprof_bench_rs.rs" >"$rdir/$v/allocprof_bench_rs$v.rs"
	{
		echo "obj-m := allocprof_bench_rs$v.o"
		[ $v = fl ] && echo "ALLOCPROF_RS_FLAGS_ONLY := 1"
		echo "ALLOCPROF := $ALLOCPROF_ROOT"
		# The kernel's cfg for the sysfs layer it mounts (kernels.mk).
		echo 'include $(ALLOCPROF)/kernels.mk'
		echo 'rustflags-y += $(allocprof_kernel_cfg)'
		echo 'include $(ALLOCPROF)/dropin.mk'
	} >"$rdir/$v/Kbuild"
	run_long "Rust bench module ($v)" "$logs/dropin-rs-module-$v.log" \
		module_make "$kdir" M="$rdir/$v" modules
	objdump -dr "$rdir/$v/allocprof_bench_rs$v.ko" >"$logs/allocprof_bench_rs$v.dis"
done
objdump -dr "$sel/allocprof_bench_rs.ko" >"$logs/allocprof_bench_rs.dis"
mapfile -t kos < <(find "$ALLOCPROF_ROOT" -name '*.ko' -not -path '*/.git/*')
kos+=("$rdir/di/allocprof_bench_rsdi.ko" "$rdir/fl/allocprof_bench_rsfl.ko")

# One directory per run, named for its date and kernel: the runs on each
# kernel of the matrix side by side.
results="$ALLOCPROF_ROOT/results/$(date -u +%Y%m%d-%H%M%S)-$kv"
mkdir -p "$results"
guest="$ALLOCPROF_ROOT/scripts/guest-bench.sh"
export TIMEOUT=${TIMEOUT:-1200}
# vm MODE LOG [VAR=VALUE...]: the guest in BENCH_MODE=MODE, its output in
# results/LOG.log.  A VM that fails (a guest that reported failures, a
# crash, a timeout) does not stop the run: its exit status ends the log
# ("bench-vm-exit: N"), and the report judges each figure.
vm() {
	local mode=$1 log=$2 rc=0
	shift 2
	env BENCH_MODE="$mode" VM_CONSOLE_LOG="$logs/$log-console.log" "$@" \
		"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$guest" | tee "$results/$log.log" || rc=$?
	echo "bench-vm-exit: $rc" >>"$results/$log.log"
	[ "$rc" -eq 0 ] || info "the $log VM exited with status $rc (console: $logs/$log-console.log)"
}
# report [--only PREFIX]...: results.md and results.json; its exit status
# (1 on any target missed, of those judged) is make bench's.
report() {
	cp "$logs/dropin-module.dis" "$results/allocprof_bench_di.dis"
	cp "$logs"/allocprof_bench_rs*.dis "$results/"
	step "report"
	python3 "$ALLOCPROF_ROOT/scripts/bench_report.py" "$results" \
		"$(cat "$kdir/include/config/kernel.release")" "$@"
}
if [ "${BENCH_ONLY:-}" = dropin ]; then
	# The drop-in rows alone (a developer's loop on the header and the
	# table): its report leaves every other figure unmeasured.
	step "drop-in path only (icount: guest instructions)"
	vm dropin dropin ICOUNT=1 VM_MODULES="${kos[*]} $ddir/allocprof_bench_di.ko"
	report --only "drop-in " --only "Rust drop-in "
	exit
fi
step "allocprof, raw and C loops (icount: guest instructions)"
vm allocprof allocprof ICOUNT=1 VM_MODULES="${kos[*]} $ddir/allocprof_bench_di.ko"
step "upstream profiler, vm.mem_profiling 1 and 0 written (icount)"
vm upstream upstream ICOUNT=1 KDIR="$kup" VM_MODULES="$bdir/allocprof_bench_c.ko $bdir/allocprof_many_c.ko"
step "upstream profiler booted with sysctl.vm.mem_profiling=0 (icount)"
vm upstream-bootoff upstream-bootoff ICOUNT=1 KDIR="$kup" VM_MODULES="$bdir/allocprof_bench_c.ko" \
	VM_APPEND="sysctl.vm.mem_profiling=0 ${VM_APPEND:-}"
step "second opinion: wall time under TCG, no icount"
vm wall wall TCG_THREAD=multi
step "scale: 1 and 2 CPUs at once (MTTCG, wall time)"
vm scale scale TCG_THREAD=multi

readelf -SW "$sel/allocprof_many.ko" >"$results/allocprof_many.sections"
step "the allocprof tool (host)"
ALLOCPROF_LOGS=$logs "$ALLOCPROF_ROOT/scripts/tool-bench.sh" | tee "$results/tool.log"

report
