#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Exact counts: every allocation kind of the test client shows the bytes
# the allocator hands out and the number of live allocations, and returns
# to 0 when freed; counts from both CPUs add up; disabling stops the
# accounting without ever going negative.
. "$(dirname "$0")/lib.sh"
start 54 allocprof allocprof_test
T=allocprof_test

# pattern COMMAND FUNCTION BYTES CALLS: run, check, free, check 0.
pattern() {
	cmd=$1 f=$T::$2
	control "$cmd" || ktap_print_msg "'$cmd' failed"
	expect_row "$f" "$3" "$4" "$cmd: $3 bytes in $4 calls"
	control free
	expect_row "$f" 0 0 "$cmd, freed: 0 0"
}

# Slab object sizes: kmalloc-128, -256, -512, -64; pages above 8 KiB.
pattern "kmalloc 10 100" site_kmalloc 1280 10
pattern "kmalloc 2 10000" site_kmalloc 32768 2
# Edges of the size table: the first entry, the odd-sized caches, the
# largest cache, and the first size served by whole pages.
pattern "kmalloc 3 1" site_kmalloc 24 3
pattern "kmalloc 2 65" site_kmalloc 192 2
pattern "kmalloc 1 129" site_kmalloc 192 1
pattern "kmalloc 1 8192" site_kmalloc 8192 1
pattern "kmalloc 1 8193" site_kmalloc 16384 1
pattern "kzalloc 3 200" site_kzalloc 768 3
pattern "kcalloc 4 10 30" site_kcalloc 2048 4
pattern "krealloc 5 100 300" site_krealloc 2560 5
pattern "krealloc 5 300 50" site_krealloc 320 5
pattern "krealloc 5 100 120" site_krealloc 640 5
pattern "kvmalloc 2 100" site_kvmalloc 256 2
# Larger than kmalloc can serve: vmalloc.  From 2 MiB per node kvmalloc
# asks vmalloc for huge mappings, so the area is a 2 MiB multiple: the
# row must read what /proc/vmallocinfo says the area maps.
# vmalloc_pages TEXT [max]: the pages= of the areas whose line holds TEXT
# (their caller's module), summed, or the largest (vmalloc's own array of
# 1536 page pointers is a 3-page area with the same caller).
vmalloc_pages() {
	awk -v t="$1" -v m="$2" 'index($0, t) { for (i = 4; i <= NF; i++) if ($i ~ /^pages=/) { sub("pages=", "", $i); s += $i; if ($i + 0 > x) x = $i + 0 } } END { print (m == "max" ? x : s) + 0 }' /proc/vmallocinfo
}
control kvmalloc 1 5242881
# The caller vmalloc names is the client's own code where allocprof's C
# helper (allocprof_kvmalloc_node, for kernels with SLAB_BUCKETS) tail-
# calls kvmalloc, else the helper, in allocprof (frame pointers: no
# sibling calls).
pages=$(vmalloc_pages "[$T]" max)
[ "$pages" = 0 ] && pages=$(vmalloc_pages "allocprof_kvmalloc_node+" max)
ktap_print_msg "kvmalloc(5242881): /proc/vmallocinfo shows pages=$pages"
expect_row $T::site_kvmalloc $((pages * 4096)) 1 "kvmalloc 1 5242881: the $pages pages vmalloc maps"
check "... which is 6 MiB, a huge mapping's 2 MiB multiple" test "$((pages * 4096))" = 6291456
control free
expect_row $T::site_kvmalloc 0 0 "kvmalloc 1 5242881, freed: 0 0"
control vmalloc 2 10000
pages=$(vmalloc_pages "[$T]")
expect_row $T::site_vmalloc $((pages * 4096)) 2 "vmalloc 2 10000: the $pages pages vmalloc maps"
check "... which is 2 x 3 pages" test "$pages" = 6
control free
expect_row $T::site_vmalloc 0 0 "vmalloc 2 10000, freed: 0 0"
# A length of 0: nothing allocated, nothing charged (upstream never
# charges kmalloc's ZERO_SIZE_PTR), for every buffer kind.
for k in kmalloc kvmalloc vmalloc; do
	check "$k of 0 bytes succeeds" control $k 1 0
	expect_row $T::site_$k 0 0 "$k of 0 bytes: nothing charged"
	control free
done
pattern "pages 3 2" site_pages 49152 3
pattern "tbox 7" site_tbox 1792 7

# A row whose live allocations read negative (one charge, two uncharges):
# bytes print signed as upstream prints them, calls never as a wrapped
# unsigned number.
control negative_calls
expect_row $T::site_negative_calls -128 0 "1 charge, 2 uncharges: -128 bytes, 0 calls (not 18446744073709551615)"

check "rows name file:line [module] func" \
	grep -q "^ *0 *0 tools/testing/selftests/allocprof/allocprof_test.rs:[0-9]* \[allocprof_test\] func:$T::site_kmalloc $" "$ALLOCINFO"

# Both CPUs: 5 allocations on each, all freed from CPU 1.
taskset -c 0 sh -c "echo kmalloc 5 64 > $CONTROL"
taskset -c 1 sh -c "echo kmalloc 5 64 > $CONTROL"
expect_row $T::site_kmalloc 640 10 "5 on CPU 0 + 5 on CPU 1: 640 bytes in 10 calls"
taskset -c 1 sh -c "echo free > $CONTROL"
expect_row $T::site_kmalloc 0 0 "all freed on CPU 1: 0 0"

# Disabled: nothing is charged, and frees of those allocations subtract
# nothing after re-enabling.
echo 0 >"$SYSCTL"
check "vm.mem_profiling reads 0 after writing 0" test "$(cat "$SYSCTL")" = 0
control kmalloc 5 100
expect_row $T::site_kmalloc 0 0 "disabled: 5 kmalloc are not charged"
echo 1 >"$SYSCTL"
check "vm.mem_profiling reads 1 after writing 1" test "$(cat "$SYSCTL")" = 1
control kmalloc 2 100
expect_row $T::site_kmalloc 256 2 "re-enabled: only the 2 new kmalloc are charged"
control free
expect_row $T::site_kmalloc 0 0 "freeing all 7: back to 0, not negative"

# Charged while enabled, freed while disabled: still subtracted.
control pages 2 1
echo 0 >"$SYSCTL"
control free
echo 1 >"$SYSCTL"
expect_row $T::site_pages 0 0 "freed while disabled: back to 0"

# Module parameter enabled=0.
unload_all
load allocprof enabled=0
load allocprof_test
check "enabled=0: vm.mem_profiling reads 0" test "$(cat "$SYSCTL")" = 0
control kmalloc 3 100
expect_row $T::site_kmalloc 0 0 "enabled=0: nothing charged"
control free
unload_all
ktap_finished
