#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The drop-in mode: allocprof_dropin_test is a plain C module built with
# include/allocprof_dropin.h forced in.  Every allocation API it calls has a
# row of exact bytes and calls, its frees (each API's own) bring the rows
# back to 0; kfree_rcu, krealloc, bulk, IRQ context, foreign pointers,
# address reuse, profiling switched between allocation and free, a full
# pointer table, the unload report with live objects, a record in flight
# when profiling goes off, one reaching allocprof only after, and the
# devm_ helpers of a platform device the module registers (probe,
# devm_kfree, devm_krealloc, unbind, rebind, a tracker that cannot be
# allocated), and mempools (creation, mempool_alloc, the reserve,
# resize, destroy).
. "$(dirname "$0")/lib.sh"
# Linux 7.3's entry points: 37 tests more (below).
case $(uname -r) in
7.3.*) v73=1 ;;
*) v73=0 ;;
esac
start $((169 + 37 * v73)) allocprof
D=allocprof_dropin_test
DC=/sys/kernel/$D/control
UNTRACKED=/sys/kernel/allocprof/dropin_untracked
dmesg -c >/dev/null
check "insmod of a drop-in module" load $D

dc() { echo "$*" >"$DC"; }
# dpattern COMMAND FUNCTION BYTES CALLS: run, check, free, check 0.
dpattern() {
	dc "$1" || ktap_print_msg "'$1' failed"
	expect_row "$2" "$3" "$4" "$1: $3 bytes in $4 calls"
	dc free
	expect_row "$2" 0 0 "$1, freed: 0 0"
}

check "its rows name file:line [module] func" \
	grep -q "^ *0 *0 tools/testing/selftests/allocprof/dropin/allocprof_dropin_test.c:[0-9]* \[$D\] func:site_kmalloc $" "$ALLOCINFO"
expect_row dropin_test_init 16 1 "kmalloc inside a pr_info() argument in init: 16 bytes"
check "a driver's own pr_fmt still applies" sh -c "dmesg | grep -q '$D: init buffer allocated'"

# devm_: the module's platform device was probed at its load.  Each object
# is charged what devres allocates for it, kmalloc_size_roundup(D + size)
# (struct devres: D is 40 bytes on 6.12, 56 on 7.3, whose node has a
# free_node and the devres a release of its own), at its devm_ call; a
# tracker devres of allocprof's, released before the object at detach,
# uncharges it.
DRES=40
[ "$v73" = 1 ] && DRES=56
dv() { # SIZE: kmalloc_size_roundup(DRES + SIZE)
	n=$((DRES + $1))
	for b in 8 16 32 64 96 128 192; do
		[ "$n" -le "$b" ] && { echo "$b"; return; }
	done
	b=256
	while [ "$b" -lt "$n" ]; do b=$((b * 2)); done
	echo "$b"
}
# The probe's twelve objects: devm_kmalloc(100), devm_kzalloc(200),
# devm_kmalloc_array(10, 30), devm_kcalloc(4, 6), devm_kmemdup(50),
# devm_kmemdup_array(3, 20), devm_kstrdup (22 with the NUL),
# devm_kstrdup_const of a writable string (22), devm_kasprintf (18),
# devm_kmalloc(10000), devm_kmalloc(8), devm_kmalloc_array(4, 4); the
# const string of .rodata allocates nothing.
PROBE=$(($(dv 100) + $(dv 200) + $(dv 300) + $(dv 24) + $(dv 50) + $(dv 60) + $(dv 22) + $(dv 22) + \
	$(dv 18) + $(dv 10000) + $(dv 8) + $(dv 16)))
DRV=/sys/bus/platform/drivers/allocprof_dropin_devm
DEV=allocprof_dropin_devm
devm_sum() { # "bytes calls" summed over every devm row of the module
	awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^func:site_devm_/) { b += $1; c += $2 } }
		END { print b + 0, c + 0 }' "$ALLOCINFO"
}
# allocprof's reference count: one per live tracker.
refs() { cat /sys/module/allocprof/refcnt; }
expect_row site_devm_kmalloc $(dv 100) 1 "devm_kmalloc(100): $DRES + 100 -> $(dv 100)"
expect_row site_devm_kzalloc $(dv 200) 1 "devm_kzalloc(200): $(dv 200)"
expect_row site_devm_kmalloc_array $(dv 300) 1 "devm_kmalloc_array(10, 30): $DRES + 300 -> $(dv 300)"
expect_row site_devm_kcalloc $(dv 24) 1 "devm_kcalloc(4, 6): $DRES + 24 -> $(dv 24)"
expect_row site_devm_kmemdup $(dv 50) 1 "devm_kmemdup(50): $DRES + 50 -> $(dv 50)"
expect_row site_devm_kmemdup_array $(dv 60) 1 "devm_kmemdup_array(3, 20): $DRES + 60 -> $(dv 60)"
expect_row site_devm_kstrdup $(dv 22) 1 "devm_kstrdup of 21 characters: $DRES + 22 -> $(dv 22)"
expect_row site_devm_kstrdup_const $(dv 22) 1 "devm_kstrdup_const of a writable string: copied, $(dv 22)"
expect_row site_devm_kstrdup_const_ro 0 0 "devm_kstrdup_const of hex_asc (kernel .rodata): the string itself, nothing allocated, 0 0"
expect_row site_devm_kasprintf $(dv 18) 1 "devm_kasprintf of 17 characters: $DRES + 18 -> $(dv 18)"
expect_row site_devm_large 16384 1 "devm_kmalloc(10000): $((DRES + 10000)) bytes, a large kmalloc of 4 pages"
expect_row site_devm_small $(dv 8) 1 "devm_kmalloc(8): $(dv 8)"
expect_row site_devm_small_array $(dv 16) 1 "devm_kmalloc_array(4, 4): $(dv 16)"
expect_eq "devm sum" "$(devm_sum)" "$PROBE 12" "devm rows in all: $PROBE bytes, 12 objects"
r0=$(refs)
dc devm_free
expect_row site_devm_kmalloc 0 0 "devm_kfree: devm_kmalloc's row 0 0"
expect_row site_devm_kzalloc 0 0 "... devm_kzalloc's 0 0"
expect_row site_devm_kstrdup 0 0 "... devm_kstrdup's 0 0"
expect_eq "devm sum" "$(devm_sum)" "$((PROBE - $(dv 100) - $(dv 200) - $(dv 22))) 9" "... the other 9 untouched"
expect_eq "refcnt" "$(refs)" $((r0 - 3)) "... and their 3 trackers gone (allocprof's refcnt -3)"
dc devm_realloc
expect_row site_devm_krealloc $(dv 200) 1 "devm_krealloc(8 -> 200) moved: charged at its line, $DRES + 200 -> $(dv 200)"
expect_row site_devm_small 0 0 "... the old object uncharged"
expect_row site_devm_krealloc_array $(dv 256) 1 "devm_krealloc_array(16, 16) moved: $DRES + 256 -> $(dv 256)"
expect_row site_devm_small_array 0 0 "... the old object uncharged"
expect_eq "refcnt" "$(refs)" $((r0 - 3)) "... the trackers moved with them (refcnt unchanged)"
dc devm_extra
expect_row site_devm_extra $(dv 64) 1 "devm_kmalloc(64): $(dv 64)"
dc devm_extra_free
expect_row site_devm_extra 0 0 "... devm_kfree: 0 0"
echo 0 >"$SYSCTL"
dc devm_extra
echo 1 >"$SYSCTL"
expect_row site_devm_extra 0 0 "devm_kmalloc with profiling off: not charged"
before=$(grep "\[$D\]" "$ALLOCINFO")
dmesg -c >/dev/null
check "... devm_kfree of it with profiling on works" dc devm_extra_free
check "... changes nothing" test "$(grep "\[$D\]" "$ALLOCINFO")" = "$before"
check "... and warns nothing" sh -c "! dmesg | grep -q 'WARNING'"
expect_eq "refcnt" "$(refs)" $((r0 - 3)) "... no tracker left behind"
check "unbind the device" sh -c "echo $DEV >$DRV/unbind"
expect_eq "devm sum" "$(devm_sum)" "0 0" "after unbind (devres released): every devm row 0 0"
expect_eq "refcnt" "$(refs)" $((r0 - 12)) "... and every tracker gone (refcnt -12)"
check "no devm row marked accurate:no" sh -c "! grep -q 'site_devm_.*accurate:no' $ALLOCINFO"
check "rebind the device" sh -c "echo $DEV >$DRV/bind"
expect_row site_devm_kmalloc $(dv 100) 1 "rebound: devm_kmalloc $(dv 100) 1 again"
expect_eq "devm sum" "$(devm_sum)" "$PROBE 12" "... every probe row again, $PROBE 12"
expect_eq "refcnt" "$(refs)" "$r0" "... with their 12 trackers"

dpattern "kmalloc 10 100" site_kmalloc 1280 10
dpattern "kzalloc 3 200" site_kzalloc 768 3
dpattern "kcalloc 4 10 30" site_kcalloc 2048 4
dpattern "kmalloc_node 2 64" site_kmalloc_node 128 2
dpattern "kmemdup 2 100" site_kmemdup 256 2
dpattern "kvmalloc 2 100" site_kvmalloc 256 2
dpattern "kvzalloc 1 10000" site_kvzalloc 16384 1
dpattern "vmalloc 2 10000" site_vmalloc 24576 2
dpattern "pages 3 2" site_pages 49152 3
dpattern "getpages 2 1" site_getpages 16384 2
# folio_put() frees through __folio_put() only at the last reference: each
# folio is freed after a folio_get() and two folio_put()s.
dpattern "folio 2 2" site_folio 32768 2
dpattern "folio 1 0" site_folio 4096 1
dpattern "zeroed 2" site_zeroed 8192 2
# alloc_pages_exact(): the page allocator splits the area (split_page()),
# so that each page is a call, as upstream counts them.
dpattern "exact 2 5000" site_exact 16384 4

# The charge goes with the last reference, as __free_pages() frees: a page
# that get_page() holds stays charged after the module's __free_pages()
# (or free_pages()); of a block that is not a compound page the tail pages
# are freed then, its first page stays, charged alone; the put_page() of
# "free" uncharges it.
dpattern "pageref 2 0" site_pages 8192 2
dpattern "pageref 2 2" site_pages 8192 2
dpattern "pageref_addr 1 0" site_getpages 4096 1
dpattern "pageref_addr 2 3" site_getpages 8192 2
# split_page(): each page of the block an entry (and a call) of its own;
# freeing all but KEEP leaves KEEP pages charged, KEEP calls.
dpattern "split 1 2 1" site_pages 4096 1
dpattern "split 2 2 3" site_pages 24576 6
dpattern "split 1 3 8" site_pages 32768 8
# The header on make's command line instead of the Kbuild (KCFLAGS: the
# generated .mod.c gets it too): the module registers all the same.
check "insmod of a module built with the header on make's command line" load allocprof_dropin_cmdline
expect_row cmdline_init 256 1 "... registered: its init's kmalloc(200) is a row, 256 bytes in 1"
check "... rmmod" rmmod allocprof_dropin_cmdline
check "... its rows gone with it" sh -c "! grep -q '\[allocprof_dropin_cmdline\]' $ALLOCINFO"
# A reallocation of a vmalloc area to 0 bytes frees it (kvrealloc()
# returns NULL then): its charge goes.
check "kvrealloc of a vmalloc area to 0: freed, NULL" dc kvrealloc0 2 8192
expect_row site_vmalloc 0 0 "... the area's charge gone: 0 0"
expect_row site_kvrealloc 0 0 "... nothing charged at kvrealloc's row"
possible=$(awk -F- '{ print $NF + 1 }' /sys/devices/system/cpu/possible)
dpattern "percpu 3 64" site_percpu $((3 * 64 * possible)) 3

# krealloc: the moved object is charged at krealloc's call site, the first
# object (kmalloc's row) is uncharged.
dc krealloc 5 100 300
expect_row site_krealloc 2560 5 "krealloc 5 x 100 -> 300: 2560 bytes at krealloc's row"
expect_row site_kmalloc 0 0 "... and nothing left at kmalloc's row"
dc free
expect_row site_krealloc 0 0 "krealloc, freed: 0 0"

# A kmem_cache of 100-byte objects: each charged the cache's slab size.
# The slab size: /sys/kernel/slab tells it where SLUB has sysfs (not
# SLUB_TINY, whose size is the object aligned to 8: 104).
slab_size=104
[ -r /sys/kernel/slab/$D/slab_size ] && slab_size=$(cat /sys/kernel/slab/$D/slab_size)
dc cache 5
expect_row site_cache $((5 * slab_size)) 5 "cache 5: 5 objects of the slab size ($slab_size bytes)"
dc free
dc bulk 4
expect_row site_bulk $((4 * slab_size)) 4 "kmem_cache_alloc_bulk of 4: 4 x $slab_size bytes"
dc free
expect_row site_bulk 0 0 "bulk, freed (kmem_cache_free each): 0 0"

# Mempools: a creation site is charged the pool (mempool_t, 72 bytes on
# x86_64 without lock debugging: kmalloc-96; more with lock debugging: the
# module's mempool_bytes parameter says; mempool_init: none) and the
# min_nr (4) elements it preallocates through the pool's alloc function;
# upstream charges the element array to mm/mempool.c's own line.  A
# mempool_alloc site is charged an element the pool's alloc function made;
# one taken from the reserve, or put back into it, keeps its charge.
mp_sum() { # "bytes calls" summed over every mempool row of the module
	awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^func:site_mp_/) { b += $1; c += $2 } }
		END { print b + 0, c + 0 }' "$ALLOCINFO"
}
mp_rows() { grep "func:site_mp_" "$ALLOCINFO"; }
pool=$(cat /sys/module/$D/parameters/mempool_bytes)
u0=$(cat $UNTRACKED)
dc mp_create
expect_row site_mp_create_slab $((pool + 4 * slab_size)) 5 "mempool_create_slab_pool(4): the pool and 4 x $slab_size"
expect_row site_mp_create_kmalloc $((pool + 4 * 128)) 5 "mempool_create_kmalloc_pool(4, 100): $pool + 4 x 128"
expect_row site_mp_create_page $((pool + 4 * 4096)) 5 "mempool_create_page_pool(4, 0): $pool + 4 pages"
expect_row site_mp_init 1024 4 "mempool_init_kmalloc_pool(4, 200): 4 x 256 (the pool is the module's)"
created=$(mp_rows)
dc mp_alloc 3
expect_row site_mp_alloc_slab $((3 * slab_size)) 3 "mempool_alloc x 3, slab pool: 3 fresh elements"
expect_row site_mp_alloc_kmalloc 384 3 "... kmalloc pool: 3 x 128"
expect_row site_mp_alloc_page 12288 3 "... page pool: 3 pages"
expect_row site_mp_alloc_init 768 3 "... embedded pool: 3 x 256"
check "... the creation rows unchanged" test "$(mp_rows | grep _mp_create_)" = "$(echo "$created" | grep _mp_create_)"
before=$(mp_rows)
check "mempool_alloc_preallocated, mempool_free back into the reserve" dc mp_reserve
check "... changes no row" test "$(mp_rows)" = "$before"
dc mp_free
expect_row site_mp_alloc_slab 0 0 "mempool_free (reserve full: freed): 0 0"
expect_row site_mp_alloc_kmalloc 0 0 "... kmalloc pool: 0 0"
expect_row site_mp_alloc_page 0 0 "... page pool: 0 0"
expect_row site_mp_alloc_init 0 0 "... embedded pool: 0 0"
check "... the creation rows unchanged" test "$(mp_rows | grep _mp_create_)" = "$(echo "$created" | grep _mp_create_)"
dc mp_resize 8
expect_row site_mp_create_kmalloc $((pool + 4 * 128)) 5 "mempool_resize to 8: its 4 new elements charged to no row of the module"
dc mp_resize 2
expect_row site_mp_create_kmalloc $((pool + 2 * 128)) 3 "mempool_resize to 2: 6 elements freed, 2 of them the creation's"
dc mp_destroy
expect_row site_mp_create_slab 0 0 "mempool_destroy: 0 0"
expect_row site_mp_create_kmalloc 0 0 "... kmalloc pool: 0 0"
expect_row site_mp_create_page 0 0 "... page pool: 0 0"
expect_row site_mp_init 0 0 "mempool_exit: 0 0"
# Profiling off at the creation, on for the allocations: the pools are
# followed all the same.
echo 0 >"$SYSCTL"
dc mp_create
echo 1 >"$SYSCTL"
expect_eq "mempool sum" "$(mp_sum)" "0 0" "pools created with profiling off: not charged"
dc mp_alloc 2
expect_row site_mp_alloc_kmalloc 256 2 "... mempool_alloc with profiling on: charged, 2 x 128"
expect_row site_mp_alloc_page 8192 2 "... page pool: 2 pages"
dc mp_free
expect_eq "mempool sum" "$(mp_sum)" "0 0" "... mempool_free: 0 0"
dc mp_destroy
check "no mempool row marked accurate:no, nothing untracked" \
	sh -c "! grep -q 'site_mp_.*accurate:no' $ALLOCINFO && test \$(cat $UNTRACKED) = $u0"

dc kfree_rcu 5
expect_row site_rcu 0 0 "kfree_rcu: uncharged at the call"
dc kmalloc 3 100 # live objects: the table is not empty
before=$(grep "\[$D\]" "$ALLOCINFO")
dc foreign
check "kfree of a pointer the table does not know, of NULL, of ZERO_SIZE_PTR changes nothing" \
	test "$(grep "\[$D\]" "$ALLOCINFO")" = "$before"
dc free
check "10 kmalloc/kfree in hard interrupt context" dc irq 10
expect_row site_irq 0 0 "... all uncharged: 0 0"

# Linux 7.3's entry points: each site's row at its own line (the module's
# v73_line is the first; the sites follow, one a line), with what the
# kernel computes (kmalloc_obj: sizeof; kmalloc_flex: struct_size()), and
# back to 0 at the free.
if [ "$v73" = 1 ]; then
	L=$(cat /sys/module/$D/parameters/v73_line)
	n=0
	for f in site_obj site_zobjs site_flex site_kvobjs site_nolock site_nolock_irq \
		site_krealloc_align site_kvrealloc_align site_vrealloc_align site_pages_nolock \
		site_rcu_nolock; do
		check "7.3: $f's row at line $((L + n))" \
			grep -q "allocprof_dropin_test.c:$((L + n)) \[$D\] func:$f \?$" "$ALLOCINFO"
		n=$((n + 1))
	done
	dpattern "obj 3" site_obj 384 3
	dpattern "zobjs 2 5" site_zobjs 1024 2
	dpattern "flex 2 10" site_flex 192 2
	dpattern "kvobjs 1 100" site_kvobjs 16384 1
	# kmalloc_nolock(): recorded (the record takes no lock: dropin.rst),
	# from process and from hard interrupt context; kfree_nolock() frees.
	dpattern "nolock 4 100" site_nolock 512 4
	dpattern "nolock_irq 4 64" site_nolock_irq 256 4
	dc krealloc_align 2 100 300
	expect_row site_krealloc_align 1024 2 "7.3: krealloc_node_align() that moved: 2 x 512 at its line"
	expect_row site_kmalloc 0 0 "... the old objects uncharged"
	dc free
	expect_row site_krealloc_align 0 0 "... freed: 0 0"
	dc kvrealloc_align 1 100 10000
	expect_row site_kvrealloc_align 16384 1 "7.3: kvrealloc_node_align(100 -> 10000): 16384 at its line"
	expect_row site_kvmalloc 0 0 "... the old object uncharged"
	dc free
	expect_row site_kvrealloc_align 0 0 "... freed: 0 0"
	dc vrealloc_align 1 5000 20000
	expect_row site_vrealloc_align 20480 1 "7.3: vrealloc_node_align(5000 -> 20000): 5 pages at its line"
	expect_row site_vmalloc 0 0 "... the old area uncharged"
	dc free
	expect_row site_vrealloc_align 0 0 "... freed: 0 0"
	dpattern "pages_nolock 2 1" site_pages_nolock 16384 2
	check "7.3: kfree_rcu_nolock() of 3 kmalloc_obj()" dc rcu_nolock 3
	expect_row site_rcu_nolock 0 0 "... uncharged at the call"
	check "7.3: no row of these marked accurate:no" \
		sh -c "! grep -qE 'func:site_(obj|zobjs|flex|kvobjs|nolock|nolock_irq|krealloc_align|kvrealloc_align|vrealloc_align|pages_nolock|rcu_nolock) .*accurate:no' $ALLOCINFO"
fi

# Profiling switched between allocation and free.
dc kmalloc 2 100
echo 0 >"$SYSCTL"
dc free
expect_row site_kmalloc 0 0 "charged while on, freed while off: 0 0"
dc kmalloc 2 100
echo 1 >"$SYSCTL"
expect_row site_kmalloc 0 0 "allocated while off: not charged"
dc free
expect_row site_kmalloc 0 0 "... and its free subtracts nothing"

# An address freed behind the table's back and allocated again.
dc reuse
marked=0
if dmesg | grep -q "$D: reuse: same address"; then
	check "address reuse: the row holds the new object, marked accurate:no" \
		grep -q "^ *128 *1 .* func:site_reuse accurate:no $" "$ALLOCINFO"
	marked=1
else
	# (A freelist randomised kernel may hand out another address.)
	ktap_test_skip "address reuse: the allocator gave another address"
fi
dc free
check "no other row is marked ($marked marked)" test "$(grep -c 'accurate:no' "$ALLOCINFO")" = $marked

# Unload with objects still live (freed unseen by the module's exit).
rmmod $D
load $D hide_frees=1
dc kmalloc 3 100
dmesg -c >/dev/null
check "rmmod with 3 live objects" rmmod $D
check "the report names the row: 384 bytes in 3" \
	sh -c "dmesg | grep -q 'func:site_kmalloc: 384 bytes in 3 allocations still live at module unload'"
check "... and lists its 3 objects, without addresses" \
	test "$(dmesg | grep -c 'live object: 128 bytes, allocated [0-9]* ms ago')" = 3
check "no row of the module remains" sh -c "! grep -q '\[$D\]' $ALLOCINFO"
check "no untracked allocation so far" test "$(cat $UNTRACKED)" = 0

# A full table: 16 slots.
rmmod allocprof
load allocprof dropin_slots=16
load $D
# The probe's 12 devm objects leave the table with the device.
echo $DEV >$DRV/unbind
check "with a full table, 40 kmalloc(64) all succeed" dc kmalloc 40 64
expect_row site_kmalloc 960 15 "16 slots, 1 taken by init: 15 of 40 recorded"
check "... the other 25 counted untracked" test "$(cat $UNTRACKED)" = 25
check "... and the row is marked accurate:no" \
	grep -q "func:site_kmalloc accurate:no $" "$ALLOCINFO"
# Mempools with the table full: the elements their pools make are lost;
# the rows they were to be charged to say so.
dc mp_create
dc mp_alloc 1
check "mempools, table full: mempool_init's row (its elements lost) marked accurate:no" \
	grep -q "func:site_mp_init accurate:no $" "$ALLOCINFO"
check "... and mempool_alloc's" grep -q "func:site_mp_alloc_kmalloc accurate:no $" "$ALLOCINFO"
dc mp_free
dc mp_destroy
dc free
expect_row site_kmalloc 0 0 "freeing all 40: the recorded 15 uncharged, 0 0"
check "dropin_untracked is mode 0444" test "$(stat -c %a $UNTRACKED)" = 444
unload_all

# A tracker that cannot be allocated (test_devm_fail=1: the first one):
# the devm object is not recorded, counted untracked, its row marked.
load allocprof test_devm_fail=1
load $D
check "devm tracker not allocated: the object is not recorded, its row marked" \
	grep -q "^ *0 *0 .* func:site_devm_kmalloc accurate:no $" "$ALLOCINFO"
check "... counted untracked" test "$(cat $UNTRACKED)" = 1
expect_row site_devm_kzalloc 256 1 "... the next devm object recorded"
check "unbind" sh -c "echo $DEV >$DRV/unbind"
expect_eq "devm sum" "$(devm_sum)" "0 0" "... every devm row 0 0"
check "rmmod of the module, then of allocprof (no tracker left)" sh -c "rmmod $D && rmmod allocprof"

# switch_during_record PARAM=VALUE: allocprof loaded with a test hook
# that holds a vmalloc's record 2 s, profiling switched off 0.5 s into it
# with nothing else recorded.
switch_during_record() {
	load allocprof "$1"
	echo 0 >/proc/sys/vm/mem_profiling
	load $D
	echo 1 >/proc/sys/vm/mem_profiling
	dc vmalloc 1 10000 &
	sleep 0.5
	echo 0 >/proc/sys/vm/mem_profiling
	wait
}

# A record in flight when profiling goes off: test_record_delay_ms holds
# the record inside allocprof, before it stores its object.  The switch
# waits for the record, so the frees key stays on and the free is seen
# (before the fix the table was found empty, the key went off, and the
# row kept the object after its free).
switch_during_record test_record_delay_ms=2000
expect_row site_vmalloc 12288 1 "a record in flight when profiling went off: stored"
dc free
expect_row site_vmalloc 0 0 "... and its free, with profiling off, seen: 0 0"
unload_all

# A record that took its call site's branch with profiling on but reaches
# allocprof's region only after the switch to off (a task preempted in
# between, which the switch's grace period does not wait for):
# test_record_sleep_ms puts the record to sleep before that region.  It
# must not store: the switch found the table empty and turned the frees
# key off, so its free would not be seen (before the fix the row kept the
# object after its free).
switch_during_record test_record_sleep_ms=2000
expect_row site_vmalloc 0 0 "a record reaching allocprof after profiling went off: not stored"
dc free
expect_row site_vmalloc 0 0 "... and its free: 0 0"
unload_all
# A page another module allocated, freed on the slow path (its entry not
# in the first slot of its window: 16 slots make one window of them all)
# while that module unloads: test_page_free_sleep_ms holds the free 2 s
# before its non-preemptible region.  The unload must not free the
# module's tags under it: the free claims the entry only inside that
# region, which the unload's grace period waits for (before the fix the
# entry was claimed before, the unload's drain skipped the busy slot, the
# module's memory was freed and the free read its tag: an oops).
load allocprof dropin_slots=16 test_page_free_sleep_ms=2000
load $D
echo $DEV >$DRV/unbind
load allocprof_dropin_peer handoff=1
PA=$(cat /sys/module/allocprof_dropin_peer/parameters/page_addr)
check "the peer's page handed over: charged to the peer" \
	grep -q "^ *4096 *1 .*\[allocprof_dropin_peer\] func:peer_init" "$ALLOCINFO"
dmesg -c >/dev/null
dc free_addr "$PA" &
sleep 0.5
check "rmmod of the page's module while another frees the page" rmmod allocprof_dropin_peer
wait
check "... the free read nothing of the gone module (no oops)" sh -c "! dmesg | grep -qE 'BUG|Oops|general protection'"
check "... and its rows went with it" sh -c "! grep -q '\[allocprof_dropin_peer\]' $ALLOCINFO"
unload_all
# Pages the module frees while a process maps them (vm_insert_page()):
# the mapping holds the last references, which the kernel drops at
# munmap or at the process's exit, where the module cannot see it; the
# charge goes then, as upstream's does.  allocprof keeps the module's
# reference and frees the page itself once it is the only one left (at a
# read of allocinfo, a second later, or at the module's unload): the row
# comes back to 0, and the unload reports no leak (before the fix the
# rows kept the pages for ever and rmmod reported them still live).
load allocprof
load $D
dc map 2
expect_row site_map 8192 2 "2 pages freed by the module while mapped: still charged (the mapping holds them)"
dc unmap
expect_row site_map 0 0 "... munmap drops their last references: 0 0"
sh -c "echo map 1 >$DC"
expect_row site_map 0 0 "a page mapped by a process that exits: 0 0"
check "... no row marked accurate:no" sh -c "! grep -q 'site_map.*accurate:no' $ALLOCINFO"
sh -c "echo map 3 >$DC"
dmesg -c >/dev/null
check "rmmod right after a mapped page's process exited (no read between)" rmmod $D
check "... reports no leak" sh -c "! dmesg | grep -q 'still live at module unload'"
unload_all
ktap_finished
