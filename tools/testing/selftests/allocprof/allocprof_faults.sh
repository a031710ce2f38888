#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Failure injection (failslab, on kernels with CONFIG_FAILSLAB): a slab
# allocation fails at each point in turn while allocprof loads, while
# allocinfo builds its snapshot and while the test client allocates.  A
# failed load leaves nothing behind, a failed read says ENOMEM and the next
# one works, a failed allocation is never counted.
. "$(dirname "$0")/lib.sh"
require_root
ktap_print_header
F=/sys/kernel/debug/failslab
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ ! -e $F/require-start ]; then
	ktap_skip_all "no failslab with a stacktrace filter (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 7
unload_all
# Only allocations made from module code (x86_64's module area) by the
# task that asks fail: the kernel's own allocations around them, such as
# the module loader's, keep working (and print no allocation warning).
echo 1 >$F/task-filter
echo 100 >$F/probability
echo 0 >$F/verbose
echo N >$F/ignore-gfp-wait
echo 0 >$F/interval
# Fail only allocations made from module code: the module area.  It starts
# at 0xffffffffa0000000, or at 0xffffffffc0000000 with KASLR, where the
# kernel image itself may lie anywhere below (a range from 0xffffffffa0000000
# would then take in the kernel's own code, and fail the loader's
# allocations before allocprof runs: the console's "vmalloc error").
start=0xffffffffa0000000
kend=$(awk '$3 == "_end" { print $1; exit }' /proc/kallsyms)
case $kend in
"" | *[!0]*) ;;
*) kend= ;; # addresses hidden
esac
if [ -z "$kend" ]; then
	ktap_print_msg "the kernel's end is not in /proc/kallsyms: failing from $start"
elif [ $((0x$kend)) -ge $((start)) ]; then
	start=0xffffffffc0000000
fi
ktap_print_msg "kernel image ends at 0x${kend:-?}: failing allocations made from $start on"
echo $start >$F/require-start
echo 0xffffffffff000000 >$F/require-end

# fail_after BYTES CMD...: run CMD so that the module allocations of its
# task past BYTES bytes (failslab's space) fail: FAIL_TIMES of them
# (default 2: busybox's insmod retries with init_module() when
# finit_module() fails).  Reads and commands make every later one fail
# (FAIL_TIMES=1000): a first failure can be absorbed by a fallback (kvmalloc
# falls back to vmalloc, whose area preload tolerates a failure too).
fail_after() {
	echo "$1" >$F/space
	echo "${FAIL_TIMES:-2}" >$F/times
	shift
	sh -c 'echo 1 > /proc/self/make-it-fail; exec "$@"' _ "$@"
}
BUDGETS="0 16 48 96 160 256 400 600 900 1400 2000 3000 4500 7000"

loads() {
	failed=0
	for b in $BUDGETS; do
		if fail_after $b insmod "$MODDIR/allocprof.ko" 2>/dev/null; then
			rmmod allocprof || return 1
		else
			failed=$((failed + 1))
			if [ -e /sys/kernel/allocprof ] || [ -e "$SYSCTL" ] || grep -q '^allocprof ' /proc/modules; then
				ktap_print_msg "a load failing past $b bytes left something behind"
				return 1
			fi
		fi
	done
	ktap_print_msg "$failed loads of $(echo $BUDGETS | wc -w) failed"
	[ $failed -gt 0 ]
}
check "a load that fails at any allocation leaves nothing registered" loads
check "a load without failures works" load allocprof

reads() {
	enomem=0
	for b in 0 64 4096; do
		out=$(FAIL_TIMES=1000 fail_after $b cat "$ALLOCINFO" 2>&1 >/dev/null) || {
			case "$out" in
			*"Cannot allocate memory"*) enomem=$((enomem + 1)) ;;
			*) ktap_print_msg "read failing past $b bytes: $out"; return 1 ;;
			esac
		}
		head -n 1 "$ALLOCINFO" | grep -qx "$HEADER1" || return 1
		ktap_print_msg "read past $b bytes: failslab times left $(cat $F/times), space left $(cat $F/space)"
	done
	ktap_print_msg "$enomem of 3 reads failed with ENOMEM"
	[ $enomem -gt 0 ]
}
check "a read failing at any allocation says ENOMEM, the next works" reads

load allocprof_test
allocs() {
	failed=0
	for b in 0 64 128 256 384 512 1024 4096; do
		if FAIL_TIMES=1000 fail_after $b sh -c "echo kmalloc 3 100 > $CONTROL" 2>/dev/null; then
			[ "$(row allocprof_test::site_kmalloc)" = "384 3" ] || return 1
			control free
		else
			failed=$((failed + 1))
			[ "$(row allocprof_test::site_kmalloc)" = "0 0" ] || {
				ktap_print_msg "a failure past $b bytes was counted: $(row allocprof_test::site_kmalloc)"
				return 1
			}
		fi
	done
	ktap_print_msg "$failed of 8 commands failed"
	[ $failed -gt 0 ]
}
check "a failed allocation is never counted" allocs
expect_row allocprof_test::site_kmalloc 0 0 "the row is back to 0 0"
echo 0 >$F/times
check "rmmod allocprof_test" rmmod allocprof_test
check "rmmod allocprof" rmmod allocprof
ktap_finished
