#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Rust drop-in: plain Rust modules built with the two drop-in lines in
# their Kbuild (dropin.mk; Documentation/allocprof/dropin-rust.rst).
# The kernel tree's samples, unmodified (6.12: rust_minimal, rust_print;
# 7.3: rust_minimal, rust_print of Rust and C, rust_misc_device opened,
# ioctled and written by rust_misc_ioctl, rust_driver_faux's device bound),
# then allocprof_dropin_rust_test, which allocates through every owner
# type of kernel::alloc (KBox, VBox, KVBox, KVec, VVec, KVVec, Arc,
# UniqueArc, Pin<KBox> through try_pin_init!, Arc::pin_init, RBTree
# nodes), in loops, from the system workqueue, growing (moves charged
# as krealloc charges them, in place or not) and shrinking, zero-sized,
# with profiling switched between allocation and free, objects freed or
# allocated behind the module's back, the kernel crate's non-generic
# functions that allocate for it (6.12: read_all() of its KVec<u8>,
# CStrings, pages, wrapped by allocprof; 7.3: read_all() is generic, the
# module's own code, and CStrings and Page::alloc_page(), not wrapped,
# leave their rows 0 0 and marked accurate:no), another module's object
# reallocated (and that module unloaded meanwhile), a full pointer
# table, and its unload report.  Every row exact: file:line, function,
# bytes, calls.
. "$(dirname "$0")/lib.sh"
KV=$(uname -r | cut -d. -f1,2)
if [ "$KV" = 6.12 ]; then
	start 115 allocprof
else
	start 124 allocprof
fi
D=allocprof_dropin_rust_test
DC=/sys/kernel/$D/control
F=$D.rs
UNTRACKED=/sys/kernel/allocprof/dropin_untracked
dmesg -c >/dev/null

# The unmodified samples: rust_minimal's three pushes each at their own
# line (the second stays in place, the third moves the vector: charged
# at its line, the first's uncharged); rust_print's Arc and UniqueArc,
# freed in its init.
if [ "$KV" = 6.12 ]; then
	MIN_L="25 26 27" PRINT_F=rust_print.rs PRINT_C=rust_print
else
	MIN_L="43 44 45" PRINT_F=rust_print_main.rs PRINT_C=rust_print_main
fi
set -- $MIN_L
check "insmod rust_minimal (built with the drop-in lines)" load rust_minimal
check "rust_minimal.rs:$1, $2: 0 0 (moved on, in place)" sh -c "
	grep -q '^ *0 *0 rust_minimal.rs:$1 \[rust_minimal\] func:rust_minimal::RustMinimal::init $' $ALLOCINFO &&
	grep -q '^ *0 *0 rust_minimal.rs:$2 \[rust_minimal\] func:rust_minimal::RustMinimal::init $' $ALLOCINFO"
check "rust_minimal.rs:$3: 16 bytes in 1 call (its vector of 3 i32, capacity 4)" \
	grep -q "^ *16 *1 rust_minimal.rs:$3 \[rust_minimal\] func:rust_minimal::RustMinimal::init \$" "$ALLOCINFO"
check "insmod rust_print" load rust_print
check "$PRINT_F:22, 23: the Arc and UniqueArc it printed and dropped, 0 0" sh -c "
	grep -q '^ *0 *0 $PRINT_F:22 \[rust_print\] func:$PRINT_C::arc_print $' $ALLOCINFO &&
	grep -q '^ *0 *0 $PRINT_F:23 \[rust_print\] func:$PRINT_C::arc_print $' $ALLOCINFO"
check "rmmod rust_minimal, rust_print" sh -c "rmmod rust_minimal && rmmod rust_print"
check "their rows gone, no report of live objects" sh -c "
	! grep -q 'rust_minimal\|rust_print' $ALLOCINFO && ! dmesg | grep -q 'still live at module unload'"

if [ "$KV" != 6.12 ]; then
	# 7.3's misc device: open() pins a KBox of its state (line 185),
	# write() fills its KVVec<u8> (copy_from_iter_vec(), line 218: 1000
	# bytes, kmalloc-1024), both freed at close.
	M=rust_misc_device
	MR=$M.rs
	check "insmod $M" load $M
	check "$MR:185 (open) and $MR:218 (write_iter): 0 0 at load" sh -c "
		grep -q '^ *0 *0 $MR:185 \[$M\] func:$M::RustMiscDevice::open $' $ALLOCINFO &&
		grep -q '^ *0 *0 $MR:218 \[$M\] func:$M::RustMiscDevice::write_iter $' $ALLOCINFO"
	check "opened, ioctl HELLO, SET_VALUE 42, GET_VALUE 42, 1000 bytes written: open's KBox 1 object, write_iter's buffer 1024 1, while open" \
		"$(dirname "$0")/rust_misc_ioctl" 1000 sh -c "
		grep -q '^ *[1-9][0-9]* *1 $MR:185 \[$M\] func:$M::RustMiscDevice::open $' $ALLOCINFO &&
		grep -q '^ *1024 *1 $MR:218 \[$M\] func:$M::RustMiscDevice::write_iter $' $ALLOCINFO"
	check "... closed: both 0 0" sh -c "
		grep -q '^ *0 *0 $MR:185 ' $ALLOCINFO && grep -q '^ *0 *0 $MR:218 ' $ALLOCINFO"
	check "rmmod $M: its rows gone, no report" sh -c "
		rmmod $M && ! grep -q '\[$M\]' $ALLOCINFO && ! dmesg | grep -q 'still live at module unload'"
	# 7.3's faux driver: its device, created at load, bound to the faux
	# bus's driver at once (faux_driver suppresses bind and unbind
	# files).  Nothing of kernel::alloc.
	FD=/sys/bus/faux/devices/rust-faux-sample-device
	check "insmod rust_driver_faux: its faux device bound to the faux driver" sh -c "
		insmod $MODDIR/rust_driver_faux.ko && [ -e $FD/driver ]"
	check "... its driver faux_driver (which has no bind or unbind file), the sample's greeting" sh -c "
		[ \$(basename \$(readlink $FD/driver)) = faux_driver ] && dmesg | grep -q 'Hello from faux device!'"
	check "... no row of it (no allocation of kernel::alloc), rmmod, no report" sh -c "
		! grep -q '\[rust_driver_faux\]' $ALLOCINFO && rmmod rust_driver_faux &&
		[ ! -e $FD ] && ! dmesg | grep -q 'still live at module unload'"
fi

check "insmod $D" load $D
# kmalloc's bucket of N bytes (SLUB, 4 KiB pages).
kbucket() {
	for b in 8 16 32 64 96 128 192; do
		[ "$1" -le $b ] && { echo $b; return; }
	done
	b=256
	while [ $b -lt "$1" ]; do b=$((b * 2)); done
	echo $b
}
# The sizes the kernel's configuration changes (lockdep grows a mutex).
set -- $(dmesg | sed -n "s/^.*$D: sizes: state_mutex=\([0-9]*\) arc_mutex=\([0-9]*\)\$/\1 \2/p" | tail -n 1)
state_mutex=${1:-0} arc_mutex=${2:-0}
# The lines of three call sites (the KBox::new lines of init_kbox,
# site_foreign_out and site_reuse), as the module's line!() says them.
set -- $(dmesg | sed -n "s/^.*$D: lines: init_kbox=\([0-9]*\) foreign_out=\([0-9]*\) reuse=\([0-9]*\)\$/\1 \2 \3/p" | tail -n 1)
L_INIT_KBOX=${1:-0} L_FOREIGN_OUT=${2:-0} L_REUSE=${3:-0}
r() { row "$D::$1"; }
# rr NAME BYTES CALLS DESCRIPTION
rr() { expect_row "$D::$1" "$2" "$3" "$4"; }
dc() { echo "$*" >"$DC" || ktap_print_msg "'$*' failed"; }
# A row's whole line: "BYTES CALLS FILE:LINE [MODULE] func:FUNCTION".
line() { awk -v f="func:$D::$1" '$NF == f || $(NF-1) == f { print $1, $2, $3, $4, $5 }' "$ALLOCINFO"; }

expect_eq "init_kbox" "$(line init_kbox)" "32 1 $F:$L_INIT_KBOX [$D] func:$D::init_kbox" \
	"its rows name file:line [module] func: KBox<[u64; 3]> at load, 32 bytes"
rr init_kvec 512 1 "100 u32 pushed at load: capacity 128, 512 bytes in 1 call"
rr init_arc 96 1 "Arc<[u64; 8]>: ArcInner of 72 bytes, kmalloc-96"
rr init_vbox 8192 1 "VBox<[u8; 5000]>: 2 pages"
rr init_held 32768 1 "KVec::with_capacity(1000) of 32-byte objects"
rr DropinRustTest::init "$(kbucket "$state_mutex")" 1 "KBox::pin_init of its Mutex of two KVecs ($state_mutex bytes): its bucket"
# (7.3: three more, the module's own calls of the C helpers that
# kernel::alloc's inlined ReallocFunc::call calls too, sites like any
# other (foreign_in's, site_vfree0_helper's), and site_vfree0.)
NROWS=52
[ "$KV" = 6.12 ] || NROWS=55
expect_eq "rows" "$(grep -c "\[$D\]" "$ALLOCINFO")" $NROWS "$NROWS rows: one per call site of its source that allocates"
check "no allocation site outside its source, no row marked" sh -c "
	! grep '\[$D\]' $ALLOCINFO | grep -v ' $F:' && ! grep -q accurate:no $ALLOCINFO"

# dpattern COMMAND SITE BYTES CALLS: run, check, free, check 0.
dpattern() {
	dc "$1"
	rr "$2" "$3" "$4" "$1: $2 $3 bytes in $4 calls"
	dc free
	rr "$2" 0 0 "$1, freed: 0 0"
}
dpattern "kbox 10" site_kbox 1280 10
dpattern "kbox 500" site_kbox 64000 500
dpattern vbox site_vbox 8192 1
dpattern kvbox site_kvbox 128 1
dpattern "kvec 100" site_kvec 512 1
dpattern "kvec 1000" site_kvec 4096 1
dpattern "vvec 10000" site_vvec 16384 1
dpattern "kvvec 20000" site_kvvec 32768 1
dpattern "kvvec 5000000" site_kvvec 8388608 1
dpattern "from_elem 300" site_from_elem 1024 1
dpattern "rbtree 10" site_rbtree 640 10

dc inplace
rr site_inplace_cap 8 1 "KVec::with_capacity(3) of u8: kmalloc-8"
rr site_inplace_grow 0 0 "... grown to a capacity of 6, in place: its line charged nothing, as krealloc"
check "... and it stayed in place" sh -c "! dmesg | grep -q '$D: inplace: moved'"
dc shrink
rr site_shrink_cap 512 1 "KVec::with_capacity(64) of u64: 512"
rr site_shrink 0 0 "... collect() of 9 shrinks it in place: 0 0, the 512 stay"
rr site_vshrink_cap 4096 1 "VVec::with_capacity(3000): a page"
rr site_vshrink 0 0 "... shrunk in place by vrealloc: 0 0"
dc free
expect_eq "shrink" "$(r site_shrink_cap) $(r site_vshrink_cap)" "0 0 0 0" "... freed: 0 0"

dc arc
rr site_arc 96 1 "Arc::new of [u64; 8]: 96; a clone dropped changes nothing"
dc unique
rr site_unique 16 1 "UniqueArc::new(u64): 16"
rr site_unique_uninit 64 1 "UniqueArc::new_uninit of [u64; 4]: 40 -> 64"
dc pinned
rr site_pin_init 64 1 "KBox::try_pin_init(try_pin_init!(..)) of 48 bytes: 64"
rr site_arc_pin_init "$(kbucket "$arc_mutex")" 1 "Arc::pin_init(new_mutex!(u64)): $arc_mutex bytes, its bucket"
rr site_box_pin 32 1 "KBox::pin of [u64; 3]: 32"
dc free
expect_eq "arcs" "$(r site_arc) $(r site_unique) $(r site_unique_uninit) $(r site_pin_init) $(r site_arc_pin_init) $(r site_box_pin)" \
	"0 0 0 0 0 0 0 0 0 0 0 0" "... the last references dropped: all 0 0"

dc zst
rr site_zst_box 0 0 "KBox<()>: a zero-sized layout charges nothing"
expect_eq "zst" "$(r site_zst_vec)$(r site_zero_cap)" "" "... KVec<()> and with_capacity(0) never call the allocator: no row"
dc free

# Non-generic functions of the kernel crate that allocate for the
# module, inside the kernel: read_all() grows the module's KVec<u8> (a
# char driver's write(): with_capacity(16), read_all() of 100 bytes of
# the writer's memory, here the shell's own first mapping), a CString
# made by the kernel crate is dropped by the module.  Each call is a
# site of the module's, charged as its own growth or allocation would be.
addr=$(awk '{ split($1, a, "-"); print a[1]; exit }' /proc/$$/maps)
dc "read_all $addr"
rr site_read_all_cap 0 0 "KVec::with_capacity(16): moved by read_all(): 0 0"
rr site_read_all 0 0 "UserSlice::read_all() of 100 bytes (capacity 100, moved), moved on by the next: 0 0"
rr site_reader_read_all 256 1 "UserSliceReader::read_all() of 100 more (capacity 200, moved): 256 1"
dc free
rr site_reader_read_all 0 0 "... dropped: 0 0"
# marked NAME DESCRIPTION (7.3): the row of NAME 0 0, marked accurate:no
# (a call of a kernel-crate function that allocates for the module,
# which allocprof does not wrap on 7.3).
marked() {
	check "$2" grep -q "^ *0 *0 $F:[0-9]* \[$D\] func:$D::$1 accurate:no \$" "$ALLOCINFO"
}
dc cstring
if [ "$KV" = 6.12 ]; then
	rr site_cstring_fmt 16 1 "CString::try_from_fmt() of 13 bytes: 16"
	rr site_cstring_from 32 1 "CString::try_from(&CStr) of 17 bytes: 32"
	rr site_to_cstring 8 1 "CStr::to_cstring() of 4 bytes: 8"
	rr site_lowercase 16 1 "CStr::to_ascii_lowercase() of 11 bytes: 16"
	rr site_uppercase 16 1 "CStr::to_ascii_uppercase() of 11 bytes: 16"
	dc free
	expect_eq "cstrings" "$(r site_cstring_fmt) $(r site_cstring_from) $(r site_to_cstring) $(r site_lowercase) $(r site_uppercase)" \
		"0 0 0 0 0 0 0 0 0 0" "... dropped by the module: all 0 0"
	dc page
	rr site_page 4096 1 "Page::alloc_page(): a page, held: 4096 1"
	rr site_page_dropped 0 0 "... another, dropped at once (<Page as Drop>::drop): 0 0"
	dc free
	rr site_page 0 0 "... dropped: 0 0"
else
	marked site_cstring_fmt "CString::try_from_fmt(), inside the kernel crate: 0 0, accurate:no"
	marked site_cstring_from "CString::try_from(&CStr): 0 0, accurate:no"
	marked site_to_cstring "CStrExt::to_cstring(): 0 0, accurate:no"
	marked site_lowercase "CStrExt::to_ascii_lowercase(): 0 0, accurate:no"
	marked site_uppercase "CStrExt::to_ascii_uppercase(): 0 0, accurate:no"
	dc free
	expect_eq "cstrings" "$(r site_cstring_fmt) $(r site_cstring_from) $(r site_to_cstring) $(r site_lowercase) $(r site_uppercase)" \
		"0 0 0 0 0 0 0 0 0 0" "... dropped by the module: all 0 0 (their frees of objects the table never held)"
	dc page
	marked site_page "Page::alloc_page() (inlined: alloc_pages() of the module's own code): 0 0, accurate:no"
	marked site_page_dropped "... another, dropped at once: 0 0, accurate:no"
	dc free
	marked site_page "... dropped: 0 0, accurate:no"
fi

dc "work 20"
rr site_work 5120 20 "20 closures on the system workqueue, each holding a KBox<[u8; 200]>: 5120 in 20"
rr site_spawn 0 0 "... the closures' own boxes, freed by the workers: 0 0"
dc free
rr site_work 0 0 "... freed: 0 0"

u0=$(cat "$UNTRACKED")
dc "churn 200" &
dc "churn 200" &
dc "churn 200"
wait
expect_eq "churn" "$(r site_churn_box) $(r site_churn_vec)" "0 0 0 0" \
	"600 rounds of a KBox and a growing KVec, three writers at once: 0 0 after"
# (On 7.3 the rows of the kernel crate's calls above stay marked.)
KMARKED="func:$D::\(site_cstring_fmt\|site_cstring_from\|site_to_cstring\|site_lowercase\|site_uppercase\|site_page\|site_page_dropped\|foreign_in\) accurate:no"
check "nothing untracked, no row marked" sh -c "test \$(cat $UNTRACKED) = $u0 && ! grep accurate:no $ALLOCINFO | grep -qv '$KMARKED'"

# Profiling switched between allocation and free, and reallocation.
dc "kbox 2"
echo 0 >"$SYSCTL"
dc free
rr site_kbox 0 0 "charged while on, freed while off: 0 0"
dc "kbox 2"
echo 1 >"$SYSCTL"
rr site_kbox 0 0 "allocated while off: not charged"
dc free
rr site_kbox 0 0 "... and its free subtracts nothing"
dc "grow 4"
rr site_grow 16 1 "a KVec of 4 u32: 16"
echo 0 >"$SYSCTL"
dc "grow 100"
echo 1 >"$SYSCTL"
rr site_grow 0 0 "... grown while off (moved): the old object uncharged, the new one not charged"
dc "grow 200"
rr site_grow 2048 1 "... grown again while on: the object it moved to charged, 2048 (capacity 512)"
dc free
rr site_grow 0 0 "... freed: 0 0"

# Objects freed or allocated behind the module's back.
# (7.3: its CString's row marked as those above.)
rows_of() { grep "\[$D\]" "$ALLOCINFO" | sed "s/\(func:$D::foreign_in\) accurate:no /\1 /"; }
before=$(rows_of)
dc foreign_in
check "a kmalloc of the module's own C call and a kernel crate CString, dropped by the module: nothing changes" \
	test "$(rows_of)" = "$before"
if [ "$KV" != 6.12 ]; then
	# A reallocation to 0 bytes frees the object whatever the C function
	# returns: 7.3's vrealloc_node_align() returns NULL.
	dc vfree0
	rr site_vfree0 0 0 "a VVec's 2 pages vrealloc()ed to 0 by the module's own call of the helper (NULL returned): freed, 0 0"
fi
dc reuse
# Objects freed behind the table's back whose address was not allocated
# again: their entries stay (reported at unload).
stale=1
if dmesg | grep -q "$D: reuse: same address"; then
	stale=0
	check "a KBox freed by C's kfree() and the address allocated again: the new row holds it, marked accurate:no" \
		grep -q "^ *128 *1 $F:$L_REUSE \[$D\] func:$D::site_reuse accurate:no $" "$ALLOCINFO"
	check "... the stale object uncharged from its row, marked too" \
		grep -q "^ *0 *0 $F:$L_FOREIGN_OUT \[$D\] func:$D::site_foreign_out accurate:no $" "$ALLOCINFO"
else
	ktap_test_skip "address reuse: the allocator gave another address"
	ktap_test_skip "address reuse: the stale row"
fi
dc free
dc foreign_out
stale=$((stale + 1))
rr site_foreign_out $((128 * stale)) $stale "a KBox freed by C's kfree(): the table never sees it, its row keeps the charge ($stale stale)"

# Unload: the stale object is reported, as the C drop-in reports what
# it did not see freed.
dmesg -c >/dev/null
check "rmmod $D" rmmod $D
check "the unload report names its row: $((128 * stale)) bytes in $stale" \
	sh -c "dmesg | grep -q '$F:$L_FOREIGN_OUT \[$D\] func:$D::site_foreign_out: $((128 * stale)) bytes in $stale allocations still live at module unload'"
check "... and no other row" test "$(dmesg | grep -c 'still live at module unload')" = 1
check "its rows gone" sh -c "! grep -q '\[$D\]' $ALLOCINFO"

# With profiling off at load: nothing recorded, and the sites cost their
# JMP (allocprof_dropin_key off: nothing recorded, profiling off).
echo 0 >"$SYSCTL"
check "insmod $D with profiling off" load $D
expect_eq "off" "$(r init_kbox) $(r init_kvec) $(r init_held)" "0 0 0 0 0 0" "its load charged nothing"
dc "kbox 10"
dc free
rr site_kbox 0 0 "... nor its allocations"
echo 1 >"$SYSCTL"
check "rmmod $D" rmmod $D

# A reallocation's old object, freed by the real call, allocated again by
# another task on the same CPU before the reallocation records (it sleeps
# 200 ms first: test_realloc_sleep_ms): its entry stays claimed across the
# call, so that the other task's record of the address is never taken for
# it (forgetting the old object after the call would drop that record
# and mark the rows accurate:no).
rmmod allocprof
check "allocprof with moved reallocations sleeping 200 ms before they record" load allocprof test_realloc_sleep_ms=200
check "insmod $D" load $D
taskset -c 0 sh -c "echo 'grow 64' > $DC" &
gp=$!
n=0
while kill -0 $gp 2>/dev/null; do
	taskset -c 0 sh -c "echo 'churn 2' > $DC"
	n=$((n + 1))
done
wait $gp
ktap_print_msg "$n churn writes on CPU 0 while a KVec grew there"
rr site_grow 256 1 "a KVec grown to 64 u32 (6 moves) while another task allocated and freed on its CPU: 256 1"
expect_eq "churn" "$(r site_churn_box) $(r site_churn_vec)" "0 0 0 0" "... the other task's rows 0 0"
check "no row marked accurate:no" sh -c "! grep -q accurate:no $ALLOCINFO"
dc free
# The same of another module's object: allocprof_dropin_peer's
# kmalloc(64), grown here (moved to 128 bytes).  Its entry is uncharged
# and its slot parked across the call, so that the other task's record
# of the freed address is never taken for it (putting it back at once
# and forgetting the old object after the call, as before, let that
# record replace it, both rows marked accurate:no, and then removed it).
P=allocprof_dropin_peer
check "insmod $P" load $P
# The other task: rounds of 512 kmalloc-64 objects at once, then dropped
# (SLUB_TINY puts a slab that was full at the end of its partial list),
# in one write, from before the growth to after it.
dmesg -c >/dev/null
echo 'burst 512' > "$DC" &
bp=$!
i=0
while ! dmesg | grep -q "$D: burst: running" && [ $i -lt 1000 ]; do i=$((i + 1)); done
dc foreign_grow
dc burst_stop
wait $bp
rr site_foreign_grow 128 1 "another module's kmalloc(64) grown to 100 bytes (moved: 128) while another task allocated kmalloc-64 objects: 128 1"
expect_row allocprof_dropin_peer_give 0 0 "... its row at the other module uncharged: 0 0"
expect_eq "burst" "$(r site_burst) $(r site_burst_vec)" "0 0 0 0" "... the other task's rows 0 0"
check "no row marked accurate:no" sh -c "! grep -q accurate:no $ALLOCINFO"
# The other module unloaded while its object's slot is parked (the
# reallocation sleeps after the call): its drain marks the slot, the
# reallocation then reads nothing of the module (its memory is gone).
dmesg -c >/dev/null
taskset -c 0 sh -c "echo foreign_grow > $DC" &
gp=$!
i=0
while ! dmesg | grep -q "$D: foreign_grow: growing" && [ $i -lt 1000 ]; do i=$((i + 1)); done
check "rmmod $P while its object's reallocation sleeps" rmmod $P
wait $gp
rr site_foreign_grow 256 2 "... the new object recorded here: 256 in 2"
check "... no report of live objects at its unload" sh -c "! dmesg | grep -q 'still live at module unload'"
dc free
rr site_foreign_grow 0 0 "... both freed: 0 0"
check "rmmod $D" rmmod $D

# A full pointer table: what it cannot hold is counted, its row marked.
rmmod allocprof
check "allocprof with a table of 16 slots" load allocprof dropin_slots=16
check "insmod $D" load $D
u0=$(cat "$UNTRACKED")
dc "kbox 100"
u1=$(cat "$UNTRACKED")
check "100 KBoxes in a table of 16 slots: some counted untracked ($((u1 - u0)))" test "$u1" -gt "$u0"
check "... site_kbox's row marked accurate:no" grep -q "func:$D::site_kbox accurate:no $" "$ALLOCINFO"
b=$(r site_kbox)
expect_eq "held" "$b" "$((128 * (100 - (u1 - u0)))) $((100 - (u1 - u0)))" "... charged the objects recorded alone"
dc free
check "... freed: 0 0 (the untracked ones changed nothing)" grep -q "^ *0 *0 .*func:$D::site_kbox accurate:no $" "$ALLOCINFO"
check "rmmod $D, allocprof" sh -c "rmmod $D && rmmod allocprof"
check "no kernel error report" sh -c "! dmesg | grep -Eq 'BUG:|WARNING:|Oops'"
unload_all
ktap_finished
