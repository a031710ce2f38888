#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the test VM: load allocprof, show the table, flip
# vm.mem_profiling off and on, unload.
set -e
show() { echo "\$ $*"; "$@"; }
show insmod /allocprof/modules/allocprof.ko
show cat /sys/kernel/allocprof/allocinfo
show cat /proc/sys/vm/mem_profiling
echo '$ echo 0 > /proc/sys/vm/mem_profiling'
echo 0 >/proc/sys/vm/mem_profiling
show cat /proc/sys/vm/mem_profiling
echo '$ echo 1 > /proc/sys/vm/mem_profiling'
echo 1 >/proc/sys/vm/mem_profiling
show cat /proc/sys/vm/mem_profiling
show rmmod allocprof
echo "demo done"
