#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Stress: on both CPUs the test client allocates and frees at every call
# site, while two readers cat allocinfo in a loop and another task flips
# vm.mem_profiling every few milliseconds.  After quiescence each row is
# exact: zero once everything is freed, the known figures of a final
# pattern, never negative.  Bounded: STRESS_SECONDS (default 20).
. "$(dirname "$0")/lib.sh"
start 7 allocprof allocprof_test
T=allocprof_test
SECONDS_=${STRESS_SECONDS:-20}
STOP=/tmp/stress.stop
rm -f $STOP /tmp/stress.err

reader() {
	while [ ! -e $STOP ]; do
		cat "$ALLOCINFO" >/tmp/reader.$1 || echo "reader $1: cat failed" >>/tmp/stress.err
		head -n 1 /tmp/reader.$1 | grep -qx "$HEADER1" || echo "reader $1: bad table" >>/tmp/stress.err
	done
}
toggler() {
	while [ ! -e $STOP ]; do
		echo 0 >"$SYSCTL"
		usleep 2000
		echo 1 >"$SYSCTL"
		usleep 2000
	done
}
worker() {
	n=0
	while [ ! -e $STOP ]; do
		for cmd in "kmalloc 20 100" "kzalloc 5 300" "kcalloc 3 10 40" "krealloc 4 64 1000" \
			"kvmalloc 3 5000" "vmalloc 2 9000" "pages 4 1" "tbox 6"; do
			taskset -c "$1" sh -c "echo $cmd > $CONTROL" || echo "worker $1: '$cmd' failed" >>/tmp/stress.err
		done
		[ $((n % 4)) -eq 3 ] && { taskset -c "$1" sh -c "echo free > $CONTROL" || echo "worker $1: free failed" >>/tmp/stress.err; }
		n=$((n + 1))
	done
	echo "$n" >/tmp/stress.rounds.$1
}

reader 0 &
reader 1 &
toggler &
worker 0 &
worker 1 &
sleep "$SECONDS_"
touch $STOP
wait
ktap_print_msg "stress ran ${SECONDS_}s: $(cat /tmp/stress.rounds.0) + $(cat /tmp/stress.rounds.1) worker rounds"
check "no reader, writer or toggler error" test ! -s /tmp/stress.err
[ -s /tmp/stress.err ] && head -n 5 /tmp/stress.err

echo 1 >"$SYSCTL"
control free
zero_rows() {
	awk -v m="[$T]" 'index($0, m) && ($1 != 0 || $2 != 0) { print "# " $0; bad = 1 } END { exit bad }' "$ALLOCINFO"
}
check "all freed: every $T row reads 0 0" zero_rows
no_negative_row() { awk 'NR > 2 && $1 + 0 < 0 { print "# " $0; bad = 1 } END { exit bad }' "$ALLOCINFO"; }
check "no row of the table is negative" no_negative_row
control kmalloc 7 100
control pages 3 2
expect_row $T::site_kmalloc 896 7 "after the stress: kmalloc 7 x 100 reads 896 7"
expect_row $T::site_pages 49152 3 "after the stress: pages 3 x order 2 reads 49152 3"
control free
check "freed again: 0 0" zero_rows
unload_all
check "unload after the stress" test ! -e /sys/kernel/allocprof
ktap_finished
