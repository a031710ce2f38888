#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: boots the test VM, runs the kselftests (scripts/guest-check.sh)
# and judges the run: every subtest, the VM's exit and power-off, and the
# guest console, which must hold no kernel error report.  Prints the TAP
# output and, last, "N passed, N failed" (", N skipped").
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# The console check is one more test: these words never appear in a clean
# run (the tests print none of them): a crash (the pattern vm.sh stops the
# VM at, from lib.sh) or a non-fatal report.
BAD="$ALLOCPROF_CRASH_RE|WARNING:|Call Trace|UBSAN|KASAN|kmemleak: [0-9]+ new suspected|unreferenced object"

mkdir -p "$ALLOCPROF_LOGS"
name=${CHECK_NAME:-check}
out="$ALLOCPROF_LOGS/$name.log"

# Host-side tests first: the Rust API's compile-time guarantees.
step "compile-time tests"
KDIR=${KDIR:-$("$ALLOCPROF_ROOT/scripts/kernel.sh" path test "$ALLOCPROF_SELFTESTS/config")}
export KDIR
"$ALLOCPROF_ROOT/scripts/compile-fail.sh" 2>&1 | tee "$ALLOCPROF_LOGS/$name-compile-fail.log"
read -r host_passed host_failed host_skipped < <(sed -n \
	's/^compile-fail: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
	"$ALLOCPROF_LOGS/$name-compile-fail.log" | tail -n 1)
if [ -z "${host_passed:-}" ]; then
	echo "not ok - compile-time tests did not report"
	host_passed=0 host_failed=1
fi

# The drop-in header on unmodified modules of the kernel tree: builds,
# W=1 and sparse warnings, stack frames (scripts/dropin-tree.sh).
"$ALLOCPROF_ROOT/scripts/dropin-tree.sh" 2>&1 | tee "$ALLOCPROF_LOGS/$name-dropin-tree.log"
read -r t_passed t_failed t_skipped < <(sed -n \
	's/^dropin-tree: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
	"$ALLOCPROF_LOGS/$name-dropin-tree.log" | tail -n 1)
if [ -z "${t_passed:-}" ]; then
	echo "not ok - dropin-tree did not report"
	t_passed=0 t_failed=1 t_skipped=0
fi
host_passed=$((host_passed + t_passed)) host_failed=$((host_failed + t_failed))
host_skipped=$((${host_skipped:-0} + t_skipped))

# The allocprof tool's host tests (cargo test) count too; its static build
# goes into the VM for allocprof_tool.sh.
tool_out=$("$ALLOCPROF_ROOT/scripts/tool.sh" 2>&1)
tool_rc=$?
printf '%s\n' "$tool_out" | tee "$ALLOCPROF_LOGS/$name-tool.log"
read -r tool_passed tool_failed < <(printf '%s\n' "$tool_out" |
	sed -n 's/.*test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' |
	awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }')
[ "$tool_rc" -ne 0 ] && [ "$tool_failed" -eq 0 ] && tool_failed=1
host_passed=$((host_passed + tool_passed)) host_failed=$((host_failed + tool_failed))

step "kselftests in the test VM"
export VM_CONSOLE_LOG="$ALLOCPROF_LOGS/$name-console.log"
"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$ALLOCPROF_ROOT/scripts/guest-check.sh" 2>&1 | tee "$out"
vm_rc=${PIPESTATUS[0]}

summary=$(sed -n 's/^allocprof-check: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 \2 \3/p' "$out" | tail -n 1)
if [ -z "$summary" ]; then
	echo "not ok - the guest never reported its results (VM exit status $vm_rc)"
	summary="0 1 0"
fi
read -r passed failed skipped <<<"$summary"
passed=$((passed + host_passed)) failed=$((failed + host_failed)) skipped=$((skipped + ${host_skipped:-0}))

# Two more short runs in a full `make check` of the test kernel (not with
# ALLOCPROF_TESTS, nor in `make check-debug`, which sets CHECK_EXTRA=0):
# the drop-in mode against upstream's own profiler (scripts/differential.sh:
# its own two VMs), and the drop-in pointer table under multi-threaded TCG
# (allocprof_dropin_mttcg.sh, a VM of its own), each counted in the totals.
extra=${CHECK_EXTRA:-1}
[ -n "${ALLOCPROF_TESTS:-}" ] && extra=${CHECK_EXTRA:-0}
if [ "$extra" = 1 ]; then
	step "differential test against upstream's profiler"
	CHECK_NAME=$name "$ALLOCPROF_ROOT/scripts/differential.sh" 2>&1 | tee "$ALLOCPROF_LOGS/$name-differential.log"
	read -r d_passed d_failed < <(sed -n 's/^differential: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
		"$ALLOCPROF_LOGS/$name-differential.log" | tail -n 1)
	[ -n "${d_passed:-}" ] || { echo "not ok - differential test did not report"; d_passed=0 d_failed=1; }
	passed=$((passed + d_passed)) failed=$((failed + d_failed))

	step "drop-in pointer table under MTTCG (TCG_THREAD=multi)"
	m_out="$ALLOCPROF_LOGS/$name-mttcg.log" m_console="$ALLOCPROF_LOGS/$name-mttcg-console.log"
	TCG_THREAD=multi ALLOCPROF_TESTS=allocprof_dropin_mttcg.sh VM_CONSOLE_LOG="$m_console" \
		"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$ALLOCPROF_ROOT/scripts/guest-check.sh" 2>&1 | tee "$m_out"
	m_rc=${PIPESTATUS[0]}
	m=$(sed -n 's/^allocprof-check: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 \2 \3/p' "$m_out" | tail -n 1)
	[ -n "$m" ] || { echo "not ok - MTTCG run: no results (VM exit status $m_rc)"; m="0 1 0"; }
	read -r m_passed m_failed m_skipped <<<"$m"
	[ "$m_rc" -ne 0 ] && [ "$m_failed" -eq 0 ] && { echo "not ok - MTTCG VM exit status $m_rc"; m_failed=1; }
	if grep -aEq "$BAD" "$m_console"; then
		echo "not ok - MTTCG guest console: kernel error reports:"
		grep -aEn "$BAD" "$m_console" | head -n 20
		m_failed=$((m_failed + 1))
	else
		echo "ok - MTTCG guest console: no kernel error report"
		m_passed=$((m_passed + 1))
	fi
	passed=$((passed + m_passed)) failed=$((failed + m_failed)) skipped=$((skipped + m_skipped))
fi

# The OOM test (allocprof_features.sh) makes the OOM killer run, whose
# report prints a Call Trace: between its markers, that one word is not a
# failure (every other word still is).
reports() {
	awk '/allocprof-selftest: oom-begin/ { oom = 1 } /allocprof-selftest: oom-end/ { oom = 0 }
		!(oom && /Call Trace/) { print NR ":" $0 }' "$VM_CONSOLE_LOG" | grep -aE "$BAD"
}
if reports >/dev/null; then
	{
		echo "not ok - guest console: kernel error reports:"
		reports | head -n 20
	} | tee -a "$out"
	failed=$((failed + 1))
else
	echo "ok - guest console: no kernel error report" | tee -a "$out"
	passed=$((passed + 1))
fi
if [ "$vm_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "not ok - VM exit status $vm_rc"
	failed=1
fi
{
	echo "logs: $out, console: $VM_CONSOLE_LOG"
	echo "$passed passed, $failed failed, $skipped skipped"
} | tee -a "$out"
[ "$failed" -eq 0 ] && [ "$vm_rc" -eq 0 ]
