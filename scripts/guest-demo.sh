#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the test VM (scripts/demo.sh, which writes the
# lines of rust_minimal's pushes before this file: PUSH1..3): allocprof,
# then samples/kmemleak/kmemleak-test.c built with the drop-in lines, then
# samples/rust/rust_minimal.rs built with the same lines, and where it was
# built (7.3), the driver samples/rust/rust_misc_device.rs.
set -e
M=/allocprof/modules
# The kernel's messages are shown where the demo asks for them.
dmesg -n 1
say() { printf '\n# %s\n' "$*"; }
show() { echo "\$ $*"; "$@"; }
say "allocprof, then an unmodified module of the kernel tree built with the drop-in lines"
show insmod $M/allocprof.ko
echo "\$ insmod $M/kmemleak-test.ko"
insmod $M/kmemleak-test.ko 2>/dev/null
say "its call sites, at its own lines, with live bytes and calls"
show allocprof top --module kmemleak_test --nonzero -n 20
say "the same rows for a fleet's scraper (OpenMetrics)"
echo "\$ allocprof export --format openmetrics --module kmemleak_test | grep -m 3 live_bytes{"
allocprof export --format openmetrics --module kmemleak_test | grep -m 3 'live_bytes{'
say "profiling off: each call site costs a jump past its record; what was recorded stays charged until freed"
echo '$ echo 0 > /proc/sys/vm/mem_profiling'
echo 0 >/proc/sys/vm/mem_profiling
show cat /proc/sys/vm/mem_profiling
say "unloading it: kmemleak-test leaks on purpose, allocprof reports what it left"
dmesg -c >/dev/null
show rmmod kmemleak-test
echo "\$ dmesg | grep allocprof: | head -n 8"
dmesg | grep 'allocprof:' | head -n 8
say "loaded again with profiling off: nothing recorded"
insmod $M/kmemleak-test.ko 2>/dev/null
show allocprof top --module kmemleak_test -n 5
echo '$ echo 1 > /proc/sys/vm/mem_profiling'
echo 1 >/proc/sys/vm/mem_profiling
show rmmod kmemleak-test
say "a Rust module of the kernel tree, unmodified, with the same two lines: rust_minimal"
echo "\$ insmod $M/rust_minimal.ko"
insmod $M/rust_minimal.ko 2>/dev/null
say "its three pushes at their own lines: the first allocated (line $PUSH1), the second fitted in place ($PUSH2), the third moved the vector: charged at $PUSH3, $PUSH1 uncharged"
echo "\$ grep rust_minimal /sys/kernel/allocprof/allocinfo"
grep rust_minimal /sys/kernel/allocprof/allocinfo
show rmmod rust_minimal
if [ -f $M/rust_misc_device.ko ]; then
	say "a Rust driver of the kernel tree, unmodified, with the same two lines: rust_misc_device"
	show insmod $M/rust_misc_device.ko
	say "the device opened (and held open): its state, a pinned KBox, charged at the driver's line"
	echo '$ exec 3<>/dev/rust-misc-device'
	exec 3<>/dev/rust-misc-device
	show allocprof top --module rust_misc_device --nonzero -n 10
	say "1000 bytes written: the driver's buffer (a KVVec) at its line too"
	echo '$ head -c 1000 /dev/zero >&3'
	head -c 1000 /dev/zero >&3
	show allocprof top --module rust_misc_device --nonzero -n 10
	say "closed: everything it allocated for the file freed, nothing left charged"
	echo '$ exec 3>&-'
	exec 3>&-
	show allocprof top --module rust_misc_device --nonzero -n 10
	show rmmod rust_misc_device
fi
show rmmod allocprof
echo "demo done"
