#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the test VM (scripts/demo.sh): allocprof, then
# samples/kmemleak/kmemleak-test.c built with the drop-in lines, then
# samples/rust/rust_minimal.rs built with the same lines.
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
say "its three pushes at their own lines: the first allocated (line 25), the second fitted in place (26), the third moved the vector: charged at 27, 25 uncharged"
echo "\$ grep rust_minimal /sys/kernel/allocprof/allocinfo"
grep rust_minimal /sys/kernel/allocprof/allocinfo
show rmmod rust_minimal
show rmmod allocprof
echo "demo done"
