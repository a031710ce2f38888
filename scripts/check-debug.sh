#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check-debug`: the whole kselftest suite on the debug kernel
# (tools/testing/selftests/allocprof/config.debug: KASAN, lockdep,
# DEBUG_ATOMIC_SLEEP, kmemleak, UBSAN, DEBUG_LIST, SLUB_DEBUG with
# slub_debug on, failslab, DEBUG_VM, on a distribution-like kernel: full
# preemption, NUMA, regular SLUB with kmem buckets and hardened, random
# freelists, init_on_alloc, memcg, THP, KFENCE, KASLR, module signatures
# checked but not enforced), in a VM of two NUMA nodes with one vCPU each,
# judged like `make check`; the guest ends with a kmemleak scan.  The
# modules are built against that kernel from a copy of the tree (in this
# run's directory, $ALLOCPROF_LOGS/runs/check-debug-DATE-PID/tree: two runs
# at once each build their own), so the working tree keeps its `make
# check` build; that copy's scripts run the suite, so that the compile-time
# tests build against the debug kernel's allocprof and check its code (the
# devres release's jump under frame pointers).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

sel="$ALLOCPROF_ROOT/tools/testing/selftests/allocprof"
kdbg=$("$ALLOCPROF_ROOT/scripts/kernel.sh" build-path debug)

step "modules for the debug kernel"
# One directory for the run's logs and the copy of the tree (check.sh
# writes its logs there too).
run_dir check-debug
tree="$ALLOCPROF_RUN_DIR/tree"
mkdir -p "$tree"
# The VM ships copies of the modules: the tree (hundreds of MB of objects)
# goes when the run ends, its build log stays.
trap 'rm -rf "$tree"' EXIT
(cd "$ALLOCPROF_ROOT" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree")
# The Cargo crates' build directories are shared (cargo locks them): the
# tools are not built again from nothing.
for c in tools/allocprof tools/allocprof-rs-dropin; do
	mkdir -p "$ALLOCPROF_ROOT/$c/target"
	ln -s "$ALLOCPROF_ROOT/$c/target" "$tree/$c/target"
done
run_long "debug modules" "$ALLOCPROF_RUN_DIR/modules-debug.log" \
	make -C "$tree" KDIR="$kdbg" modules
mapfile -t kos < <(find "$tree" -name '*.ko')

# KASAN and lockdep make the longest tests 10 to 50 times slower: fewer
# load/unload cycles, a byte-by-byte read of the table's first 64 KiB.
export LIFECYCLE_CYCLES=${LIFECYCLE_CYCLES:-40} TABLE_BS1_BYTES=${TABLE_BS1_BYTES:-65536}
# An OOM kill can take half a minute there: the registry lock of the OOM
# report's test is held longer (allocprof_features.sh).
# Under PREEMPT_RT (7.3's debug kernel) the OOM test's hog ran 66 s: the
# lock is held longer, so that the kill still ends while it is held.
lock=45000
grep -qx CONFIG_PREEMPT_RT=y "$kdbg/.config" && lock=100000
export FEATURES_LOCK_MS=${FEATURES_LOCK_MS:-$lock}
# allocprof_features.sh holds that lock twice (a view's creation and its
# removal sleep as long): with 7.3's it ran past the kselftests' 300 s.
export ALLOCPROF_TEST_TIMEOUT=${ALLOCPROF_TEST_TIMEOUT:-900}
KDIR="$kdbg" VM_MODULES="${kos[*]}" VM_MEM=${VM_MEM:-2G} VM_NUMA=${VM_NUMA:-2} TIMEOUT=${TIMEOUT:-2400} \
	VM_APPEND="slub_debug=FZPU kmemleak=on ${VM_APPEND:-}" CHECK_NAME=check-debug CHECK_EXTRA=0 CHECK_MODULES=0 CHECK_HOST=compile-fail \
	"$tree/scripts/check.sh"
