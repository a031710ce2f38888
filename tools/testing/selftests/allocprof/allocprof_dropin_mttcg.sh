#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The drop-in pointer table under true parallelism: run by `make check` in
# a VM of its own under multi-threaded TCG (TCG_THREAD=multi: each vCPU a
# host thread), not in the main kselftest run.  Both CPUs allocate and
# free at the same call sites of allocprof_dropin_test ("churn": kmalloc,
# alloc_pages, kmem_cache), two readers cat allocinfo, and another
# drop-in module (allocprof_dropin_peer) is loaded and unloaded in a loop
# (registration, unregistration, its entries drained).  No static key is
# switched while this runs (switching keys oopses under MTTCG: see
# Documentation/allocprof/design.rst, Tests): profiling stays on, and the
# frees key stays on as allocprof_dropin_test stays registered.  The Rust
# drop-in too: both CPUs churn allocprof_dropin_rust_test's KBox and
# growing KVec sites (reallocations claiming their old objects) while
# rust_minimal is loaded and unloaded in a loop.  After quiescence every
# row is exact.  Bounded: STRESS_SECONDS (default 20).
. "$(dirname "$0")/lib.sh"
start 18 allocprof allocprof_dropin_test allocprof_dropin_rust_test
D=allocprof_dropin_test
P=allocprof_dropin_peer
DC=/sys/kernel/$D/control
R=allocprof_dropin_rust_test
RC=/sys/kernel/$R/control
UNTRACKED=/sys/kernel/allocprof/dropin_untracked
SECONDS_=${STRESS_SECONDS:-20}
STOP=/tmp/stress.stop
rm -f $STOP /tmp/stress.err /tmp/stress.rounds.*
dmesg -c >/dev/null
check "profiling on for the whole run" test "$(cat $SYSCTL)" = 1

# Held through the stress, at the sites the workers churn.
echo "kmalloc 50 100" >$DC
echo "pages 5 1" >$DC
echo "cache 3" >$DC
echo "kbox 20" >$RC

reader() {
	while [ ! -e $STOP ]; do
		cat "$ALLOCINFO" >/tmp/reader.$1 || echo "reader $1: cat failed" >>/tmp/stress.err
		head -n 1 /tmp/reader.$1 | grep -qx "$HEADER1" || echo "reader $1: bad table" >>/tmp/stress.err
	done
}
loader() {
	n=0
	while [ ! -e $STOP ]; do
		load $P || echo "loader: insmod $P failed" >>/tmp/stress.err
		rmmod $P || echo "loader: rmmod $P failed" >>/tmp/stress.err
		n=$((n + 1))
	done
	echo "$n" >/tmp/stress.rounds.loader
}
worker() {
	n=0
	while [ ! -e $STOP ]; do
		taskset -c "$1" sh -c "echo churn 50 > $DC" || echo "worker $1: churn failed" >>/tmp/stress.err
		n=$((n + 1))
	done
	echo "$n" >/tmp/stress.rounds.$1
}

rworker() {
	n=0
	while [ ! -e $STOP ]; do
		taskset -c "$1" sh -c "echo churn 20 > $RC" || echo "rust worker $1: churn failed" >>/tmp/stress.err
		n=$((n + 1))
	done
	echo "$n" >/tmp/stress.rounds.r$1
}
rloader() {
	n=0
	while [ ! -e $STOP ]; do
		load rust_minimal || echo "rust loader: insmod rust_minimal failed" >>/tmp/stress.err
		rmmod rust_minimal || echo "rust loader: rmmod rust_minimal failed" >>/tmp/stress.err
		n=$((n + 1))
	done
	echo "$n" >/tmp/stress.rounds.rloader
}

reader 0 &
reader 1 &
loader &
worker 0 &
worker 1 &
rworker 0 &
rworker 1 &
rloader &
sleep "$SECONDS_"
touch $STOP
wait
ktap_print_msg "MTTCG stress ran ${SECONDS_}s: $(cat /tmp/stress.rounds.0) + $(cat /tmp/stress.rounds.1) churn writes (50 rounds of 12 allocations each), $(cat /tmp/stress.rounds.loader) loads of $P"
check "no reader, worker or loader error" test ! -s /tmp/stress.err
[ -s /tmp/stress.err ] && head -n 5 /tmp/stress.err | while read -r l; do ktap_print_msg "$l"; done
check "both workers and the loader made progress" \
	test "$(cat /tmp/stress.rounds.0)" -gt 0 -a "$(cat /tmp/stress.rounds.1)" -gt 0 -a "$(cat /tmp/stress.rounds.loader)" -gt 0
ktap_print_msg "Rust: $(cat /tmp/stress.rounds.r0) + $(cat /tmp/stress.rounds.r1) churn writes (20 rounds of a KBox and a KVec grown to 32 u64), $(cat /tmp/stress.rounds.rloader) loads of rust_minimal"
check "both Rust workers and the rust_minimal loader made progress" \
	test "$(cat /tmp/stress.rounds.r0)" -gt 0 -a "$(cat /tmp/stress.rounds.r1)" -gt 0 -a "$(cat /tmp/stress.rounds.rloader)" -gt 0

# Quiescent: exactly what is held.
expect_row site_kmalloc 6400 50 "after the stress: kmalloc 50 x 100 held, 6400 50"
expect_row site_pages 40960 5 "after the stress: pages 5 x order 1 held, 40960 5"
expect_row site_cache 312 3 "after the stress: cache 3 held, 312 3"
expect_row "$R::site_kbox" 2560 20 "after the stress: the Rust module's kbox 20 held, 2560 20"
expect_eq "churn" "$(row "$R::site_churn_box") $(row "$R::site_churn_vec")" "0 0 0 0" \
	"after the stress: the Rust churn sites (KBox, growing KVec) 0 0"
check "no row of rust_minimal after its last unload" sh -c "! grep -q '\[rust_minimal\]' $ALLOCINFO"
check "no allocation untracked" test "$(cat $UNTRACKED)" = 0
check "no row marked accurate:no" sh -c "! grep -q 'accurate:no' $ALLOCINFO"
check "no row of $P after its last unload" sh -c "! grep -q '\[$P\]' $ALLOCINFO"
check "no unload report of $P (it freed everything)" sh -c "! dmesg | grep -q 'still live at module unload'"
load $P
check "$P loaded once more: its rows exact (4 x kmalloc(100), a page, vmalloc(5000))" sh -c "
	test \"\$(grep '\[$P\]' $ALLOCINFO | awk '\$1 != 0 { print \$1, \$2 }' | sort -n | tr '\n' ' ')\" = '512 4 4096 1 8192 1 '"
rmmod $P
echo free >$DC
echo free >$RC
# The devm objects of the module's platform device go with its unbind.
echo allocprof_dropin_devm >/sys/bus/platform/drivers/allocprof_dropin_devm/unbind
zero_rows() {
	awk -v m="[$D]" 'index($0, m) && $0 !~ /func:dropin_test_init / && ($1 != 0 || $2 != 0) { print "# " $0; bad = 1 } END { exit bad }' "$ALLOCINFO"
}
check "all freed: every $D row but init's reads 0 0" zero_rows
expect_row dropin_test_init 16 1 "init's kmalloc(16): 16 1, untouched"
unload_all
check "unload after the stress" test ! -e /sys/kernel/allocprof
ktap_finished
