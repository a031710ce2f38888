#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# allocprof loads, creates its files with the right modes, unloads cleanly
# and survives repeated load/unload.
. "$(dirname "$0")/lib.sh"
start 10

check "insmod allocprof" load allocprof
check "allocinfo exists" test -f "$ALLOCINFO"
check "allocinfo is mode 0400" test "$(stat -c %a "$ALLOCINFO")" = 400
check "allocinfo starts with the version 2.0 header" \
	test "$(head -n 2 "$ALLOCINFO")" = "$HEADER1
$HEADER2"
check "vm.mem_profiling exists" test -f "$SYSCTL"
check "vm.mem_profiling reads 1" test "$(cat "$SYSCTL")" = 1
check "vm.mem_profiling is mode 0644" test "$(stat -c %a "$SYSCTL")" = 644
check "rmmod allocprof" rmmod allocprof
check "allocinfo and vm.mem_profiling are gone" \
	test ! -e /sys/kernel/allocprof -a ! -e "$SYSCTL"

cycles() {
	i=0
	while [ $i -lt 10 ]; do
		load allocprof || return 1
		head -n 1 "$ALLOCINFO" | grep -qx "$HEADER1" || return 1
		rmmod allocprof || return 1
		i=$((i + 1))
	done
	test ! -e "$SYSCTL"
}
check "10 load/unload cycles" cycles
ktap_finished
