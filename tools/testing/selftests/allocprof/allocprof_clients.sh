#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Client modules: allocprof stays while a client is loaded; a client
# unloaded with live allocations reports each of its rows and leaves no
# dangling tag; the debug checks of debug=1.
. "$(dirname "$0")/lib.sh"
start 21 allocprof allocprof_test
T=allocprof_test

check "rmmod allocprof is refused while a client is loaded" sh -c "! rmmod allocprof 2>/dev/null"
check "allocinfo is still there" test -r "$ALLOCINFO"

control kmalloc 3 100
control pages 1 1
dmesg -c >/dev/null
check "rmmod of the client with live allocations" rmmod $T
FILE=tools/testing/selftests/allocprof/allocprof_test.rs
check "the report names the kmalloc row: 384 bytes in 3" \
	sh -c "dmesg | grep -q '$FILE:[0-9]* \[$T\] func:$T::site_kmalloc: 384 bytes in 3 allocations still live at module unload'"
check "the report names the pages row: 8192 bytes in 1" \
	sh -c "dmesg | grep -q '$FILE:[0-9]* \[$T\] func:$T::site_pages: 8192 bytes in 1 allocations still live at module unload'"
check "two rows reported, no more" test "$(dmesg | grep -c 'still live at module unload')" = 2
check "no row of the unloaded client remains" sh -c "! grep -q '\[$T\]' $ALLOCINFO"
check "rmmod allocprof once the client is gone" rmmod allocprof

# Debug checks: each warns once.
load allocprof
load allocprof_test
dmesg -c >/dev/null
control unaccounted
check "debug=0: a free of something never accounted is not reported" \
	sh -c "! dmesg | grep -q 'allocprof debug'"
unload_all
load allocprof debug=1
load allocprof_test
control unaccounted
control unaccounted
check "debug=1: a free of something never accounted is reported, once" \
	test "$(dmesg | grep -c 'allocprof debug: a free of something never accounted')" = 1
control negative
expect_row $T::site_negative -896 0 "128 bytes charged, 1024 freed: the row reads -896 0"
dmesg -c >/dev/null
rmmod $T
check "debug=1: negative counters at unload are reported" \
	sh -c "dmesg | grep -q 'allocprof debug: counters negative at module unload'"
check "... with the row's figures" \
	sh -c "dmesg | grep -q 'func:$T::site_negative: -896 bytes in 0 allocations still live'"
check "rmmod allocprof" rmmod allocprof

# A C client, through include/allocprof.h.
load allocprof
load allocprof_ctest count=6 size=200
expect_row allocprof_ctest_fill 1536 6 "C client: 6 x kmalloc(200) = 1536 bytes in 6 calls"
check "C client rows name their module and file" \
	grep -q "tools/testing/selftests/allocprof/allocprof_ctest.c:[0-9]* \[allocprof_ctest\] func:allocprof_ctest_fill $" "$ALLOCINFO"
check "rmmod of the C client" rmmod allocprof_ctest
load allocprof_ctest count=2 size=10000
expect_row allocprof_ctest_fill 32768 2 "C client: 2 x kmalloc(10000) = 2 x 16 KiB of pages"
rmmod allocprof_ctest
rmmod allocprof
load allocprof debug=1
dmesg -c >/dev/null
load allocprof_ctest double_charge=1
check "debug=1: an allocation accounted twice is reported" \
	sh -c "dmesg | grep -q 'allocprof debug: an allocation accounted twice'"
rmmod allocprof_ctest
# A module whose link did not bound its alloc_tags section (7.3 without
# alloc_tags.lds) registers null bounds: refused, never registered empty.
dmesg -c >/dev/null
check "a registration with null section bounds is refused" \
	sh -c "! insmod $MODDIR/allocprof_ctest.ko unbounded=1 2>/dev/null"
check "... saying why" \
	sh -c "dmesg | grep -q 'refusing a module whose alloc_tags section has no bounds: on 7.3, link it with allocprof.s alloc_tags.lds'"
unload_all
ktap_finished
