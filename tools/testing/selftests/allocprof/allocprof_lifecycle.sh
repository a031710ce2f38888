#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lifecycle: LIFECYCLE_CYCLES (default 200) insmod/rmmod cycles of
# allocprof and its clients in every legal order, with live allocations
# and readers holding allocinfo open across the unload.
. "$(dirname "$0")/lib.sh"
start 6
CYCLES=${LIFECYCLE_CYCLES:-200}

cycle() { # I
	load allocprof || return 1
	case $(($1 % 4)) in
	0) load allocprof_test && load allocprof_ctest ;;
	1) load allocprof_ctest && load allocprof_test ;;
	2) load allocprof_test ;;
	3) load allocprof_ctest ;;
	esac || return 1
	if [ -e "$CONTROL" ]; then
		control kmalloc 2 100 || return 1
	fi
	rmmod allocprof 2>/dev/null && return 1 # refused: clients are loaded
	case $(($1 % 2)) in
	0) for m in allocprof_ctest allocprof_test; do grep -q "^$m " /proc/modules && { rmmod $m || return 1; }; done ;;
	1) for m in allocprof_test allocprof_ctest; do grep -q "^$m " /proc/modules && { rmmod $m || return 1; }; done ;;
	esac
	rmmod allocprof
}
cycles() {
	i=0
	while [ $i -lt "$CYCLES" ]; do
		cycle $i || { ktap_print_msg "cycle $i failed"; return 1; }
		i=$((i + 1))
	done
}
dmesg -c >/dev/null
check "$CYCLES load/unload cycles in every legal order" cycles
# allocprof_test is loaded in 3 cycles of 4 (i % 4 != 3), with 2 live kmalloc.
check "every unload with live kmalloc was reported" \
	test "$(dmesg | grep -c 'site_kmalloc: 256 bytes in 2 allocations still live')" -eq $((CYCLES - (CYCLES + 1) / 4))

# A reader holds allocinfo open across the unload of allocprof.
load allocprof
exec 3<"$ALLOCINFO"
head -c 10 <&3 >/dev/null
rmmod allocprof
rest=$(cat <&3 2>&1)
rc=$?
exec 3<&-
ktap_print_msg "read after unload: status $rc, '$(echo "$rest" | head -n 1)'"
check "a read after the unload fails or returns the old snapshot" \
	sh -c "[ $rc -ne 0 ] || echo \"\$1\" | grep -q 'version: 2.0\|<size>'" _ "$rest"
check "allocprof is gone" test ! -e /sys/kernel/allocprof

# A client is unloaded while its rows are being read.
load allocprof
load allocprof_test
control kmalloc 3 100
exec 3<"$ALLOCINFO"
rmmod allocprof_test
check "a snapshot taken before the client left still lists it" sh -c "cat <&3 | grep -q '\[allocprof_test\]'"
exec 3<&-
check "a new one does not" sh -c "! grep -q '\[allocprof_test\]' $ALLOCINFO"
unload_all
ktap_finished
