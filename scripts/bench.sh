#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: allocprof's overhead against raw allocation and against the
# kernel's own profiler, in one run.  Builds (or reuses) the peer kernel
# with CONFIG_MEM_ALLOC_PROFILING, runs scripts/guest-bench.sh in the VM in
# four modes and writes results/<date>/results.{md,json} (see
# Documentation/allocprof/benchmarks.rst).  Guest time under
# `-icount shift=0` counts guest instructions: those figures repeat to the
# instruction.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

sel="$ALLOCPROF_ROOT/tools/testing/selftests/allocprof"
if [ "${BENCH_ONLY:-}" != dropin ]; then
	kup=$("$ALLOCPROF_ROOT/scripts/kernel.sh" build-path upstream "$sel/config" "$sel/config.mem-profiling")

	step "bench modules for the upstream-profiling kernel"
	bdir="$ALLOCPROF_CACHE/bench-upstream-module"
	rm -rf "$bdir"
	mkdir -p "$bdir"
	cp "$sel/allocprof_bench_c.c" "$bdir/"
	echo 'obj-m := allocprof_bench_c.o' >"$bdir/Kbuild"
	run_long "bench module" "$ALLOCPROF_LOGS/bench-upstream-module.log" \
		make -C "$kup" M="$bdir" LLVM=1 modules
	gcc -static -O2 -o "$sel/allocinfo_read" "$sel/allocinfo_read.c"
fi

# The drop-in path: the same unmodified allocprof_bench_c.c, built with the
# drop-in header against the test kernel, as module allocprof_bench_di.
step "drop-in bench module (allocprof_bench_c.c with the drop-in header)"
kdir=$("$ALLOCPROF_ROOT/scripts/kernel.sh" path test "$sel/config")
ddir="$ALLOCPROF_CACHE/bench-dropin-module"
rm -rf "$ddir"
mkdir -p "$ddir"
cp "$sel/allocprof_bench_c.c" "$ddir/"
{
	echo "ccflags-y += -include $ALLOCPROF_ROOT/include/allocprof_dropin.h"
	echo 'obj-m := allocprof_bench_di.o'
	echo 'allocprof_bench_di-y := allocprof_bench_c.o'
} >"$ddir/Kbuild"
run_long "drop-in bench module" "$ALLOCPROF_LOGS/bench-dropin-module.log" \
	make -C "$kdir" M="$ddir" LLVM=1 KBUILD_EXTRA_SYMBOLS="$ALLOCPROF_ROOT/Module.symvers" modules
objdump -d "$ddir/allocprof_bench_c.o" >"$ALLOCPROF_LOGS/bench-dropin-module.dis"
mapfile -t kos < <(find "$ALLOCPROF_ROOT" -name '*.ko' -not -path '*/.git/*')

results="$ALLOCPROF_ROOT/results/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$results"
guest="$ALLOCPROF_ROOT/scripts/guest-bench.sh"
export TIMEOUT=${TIMEOUT:-1200}
if [ "${BENCH_ONLY:-}" = dropin ]; then
	# The drop-in rows alone (a developer's loop on the header and the
	# table): its report leaves every other figure unmeasured.
	step "drop-in path only (icount: guest instructions)"
	BENCH_MODE=dropin ICOUNT=1 VM_MODULES="${kos[*]} $ddir/allocprof_bench_di.ko" "$ALLOCPROF_ROOT/scripts/vm.sh" exec "$guest" | tee "$results/dropin.log"
	cp "$ALLOCPROF_LOGS/bench-dropin-module.dis" "$results/allocprof_bench_di.dis"
	step "report"
	python3 "$ALLOCPROF_ROOT/scripts/bench_report.py" "$results" \
		"$(dpkg-query -W -f='${Version}' linux-source-6.12)"
	exit 0
fi
step "allocprof, raw and C loops (icount: guest instructions)"
BENCH_MODE=allocprof ICOUNT=1 VM_MODULES="${kos[*]} $ddir/allocprof_bench_di.ko" "$ALLOCPROF_ROOT/scripts/vm.sh" exec "$guest" | tee "$results/allocprof.log"
step "upstream profiler, vm.mem_profiling 1 and 0 (icount)"
BENCH_MODE=upstream ICOUNT=1 KDIR="$kup" VM_MODULES="$bdir/allocprof_bench_c.ko" \
	"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$guest" | tee "$results/upstream.log"
step "second opinion: wall time under TCG, no icount"
BENCH_MODE=wall TCG_THREAD=multi "$ALLOCPROF_ROOT/scripts/vm.sh" exec "$guest" | tee "$results/wall.log"
step "scale: 1 and 2 CPUs at once (MTTCG, wall time)"
BENCH_MODE=scale TCG_THREAD=multi "$ALLOCPROF_ROOT/scripts/vm.sh" exec "$guest" | tee "$results/scale.log"

readelf -SW "$sel/allocprof_many.ko" >"$results/allocprof_many.sections"
cp "$ALLOCPROF_LOGS/bench-dropin-module.dis" "$results/allocprof_bench_di.dis"
step "the allocprof tool (host)"
"$ALLOCPROF_ROOT/scripts/tool-bench.sh" | tee "$results/tool.log"

step "report"
python3 "$ALLOCPROF_ROOT/scripts/bench_report.py" "$results" \
	"$(dpkg-query -W -f='${Version}' linux-source-6.12)"
