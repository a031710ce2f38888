#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The differential test, inside a VM (scripts/differential.sh writes
# "MODE=allocprof" or "MODE=upstream" before this file).  The same
# workload on the same module sources: on the test kernel built with the
# drop-in header, rows of /sys/kernel/allocprof/allocinfo; on the kernel
# with CONFIG_MEM_ALLOC_PROFILING built plainly, rows of /proc/allocinfo.
# Prints each snapshot of the modules' rows as
#   diff-row: SNAPSHOT BYTES CALLS FILE:LINE [MODULE] func:FUNCTION...
# and each command of the workload as "diff-cmd: COMMAND", for
# scripts/differential.py to compare.
M=/allocprof/modules
MODS='allocprof_dropin_test|kmemleak_test|kset_example|test_memcat_p'
DC=/sys/kernel/allocprof_dropin_test/control
fail() { echo "diff-error: $*"; }

if [ "$MODE" = allocprof ]; then
	insmod $M/allocprof.ko || fail "insmod allocprof"
	INFO=/sys/kernel/allocprof/allocinfo
else
	INFO=/proc/allocinfo
fi
# Upstream charges every devm_ object to devres.c's alloc_dr(), not to the
# module: its row, summed (one tag), before the modules and at each
# snapshot, for the relation of the module's devm_ rows under allocprof.
devres() {
	[ "$MODE" = upstream ] &&
		awk -v s="$1" '$3 ~ /^drivers\/base\/devres\.c:/ && $4 == "func:alloc_dr" { b += $1; c += $2 }
			END { print "diff-devres: " s, b + 0, c + 0 }' $INFO
}
devres pre
echo "diff-profiling: $(cat /proc/sys/vm/mem_profiling)"
echo "diff-possible: $(awk -F- '{ print $NF + 1 }' /sys/devices/system/cpu/possible)"
echo "diff-kernel: $(uname -r | cut -d. -f1,2)"
for m in allocprof_dropin_test kmemleak-test kset-example test_memcat_p; do
	insmod $M/$m.ko || fail "insmod $m"
done

snap() {
	grep -E "\[($MODS)\]" $INFO | sed "s/^ */diff-row: $1 /"
	devres "$1"
	echo "diff-snapshot: $1"
}
# A command to allocprof_dropin_test, echoed for differential.py (the
# sizes of its percpu allocations come from these lines).
dc() {
	echo "diff-cmd: $*"
	echo "$*" >$DC || fail "'$*'"
}

snap loaded
# Every covered API of allocprof_dropin_test, all held at once.
for c in "kmalloc 10 100" "kzalloc 3 200" "kcalloc 4 10 30" "kmalloc_node 2 64" \
	"kmemdup 2 100" "kvmalloc 2 100" "kvzalloc 1 10000" "vmalloc 2 10000" \
	"vzalloc 3 64" "pages 3 2" "folio 2 2" "folio 1 0" "getpages 2 1" "zeroed 2" "exact 2 5000" \
	"exact 1 12288" "cache 5" "bulk 4" "percpu 3 64" "krealloc 5 100 300" \
	"krealloc 2 100 120"; do
	dc $c
done
# And on 7.3 its entry points of 7.3 (allocprof_dropin_test's run_v73):
# kmalloc_obj, kzalloc_objs, kmalloc_flex, kvmalloc_objs, kmalloc_nolock
# (process and hard interrupt context), the _node_align reallocations,
# alloc_pages_nolock.
case "$(uname -r)" in
7.3.*)
	for c in "obj 3" "zobjs 2 5" "flex 2 10" "kvobjs 1 100" "nolock 4 100" "nolock_irq 4 64" \
		"krealloc_align 2 100 300" "kvrealloc_align 1 100 10000" "vrealloc_align 1 5000 20000" \
		"pages_nolock 2 1"; do
		dc $c
	done
	;;
esac
snap held
# The allocprof tool on this kernel's table (allocprof's, or upstream's
# /proc/allocinfo, its default where allocprof's is absent): a diff around
# a known allocation, and exports that parse.
tool() { # DESCRIPTION COMMAND...: one result line
	d=$1
	shift
	if "$@"; then echo "diff-tool: ok $d"; else echo "diff-tool: not ok $d"; fi
}
if [ -x /bin/allocprof ]; then
	allocprof snapshot -o /tmp/t1
	dc kmalloc 4 100
	allocprof snapshot -o /tmp/t2
	allocprof diff /tmp/t1 /tmp/t2 --bytes --func '^site_kmalloc$' >/tmp/tdiff 2>&1
	tool "diff: site_kmalloc grew by exactly +512 bytes in +4 calls" \
		test "$(awk '$NF == "func:site_kmalloc" { print $1, $2, $3 }' /tmp/tdiff)" = "grew +512 +4"
	allocprof top -n 50 --bytes --module allocprof_dropin_test >/tmp/ttop 2>&1
	want=$(awk '{ for (i = 3; i <= NF; i++) if ($i == "func:site_kmalloc") print $1 }' $INFO)
	tool "top: the module's site_kmalloc row with the table's $want bytes" \
		sh -c "[ -n '$want' ] && grep 'site_kmalloc' /tmp/ttop | grep -qw '$want'"
	allocprof export --format json >/tmp/tjson 2>/dev/null
	tool "export json: an array with the module's row" \
		sh -c "test \"\$(head -c 1 /tmp/tjson)\" = '[' && grep -q '\"function\": *\"site_kmalloc\"' /tmp/tjson"
	allocprof export --format pprof -o /tmp/tp.pb.gz 2>/dev/null
	tool "export pprof: decodes" allocprof pprof-summary /tmp/tp.pb.gz
	dc free
else
	echo "diff-tool: not ok /bin/allocprof is missing"
fi
dc kfree_rcu 5
snap rcu_at_call
# kfree_rcu's objects are freed (upstream uncharges them) after a grace
# period and the batching delay: wait for it, bounded.  On 7.3 they first
# wait in the CPU's rcu_free sheaf of their cache until it fills: the
# kmalloc caches are shrunk (/sys/kernel/slab/*/shrink), which hands those
# sheaves to call_rcu() (mm/slub.c, pcs_flush_all()).
if [ "$MODE" = upstream ]; then
	for f in /sys/kernel/slab/kmalloc*/shrink; do
		[ -e "$f" ] && echo 1 >"$f"
	done
fi
i=0
while [ $i -lt 50 ] && [ "$MODE" = upstream ] &&
	grep -q "^ *[1-9][0-9]* *[0-9]* .*func:site_rcu" $INFO; do
	sleep 0.2
	i=$((i + 1))
done
snap rcu_later
dc free
snap freed
# Pages another reference holds when the module frees them (get_page(),
# then __free_pages() or free_pages(): the first page stays charged until
# put_page()), and blocks split with split_page(), all but some pages
# freed; a vmalloc area reallocated to 0 bytes (freed).
for c in "pageref 2 0" "pageref 1 2" "pageref_addr 1 3" "split 1 2 1" "split 1 3 3" \
	"kvrealloc0 2 8192"; do
	dc $c
done
snap pages_held
dc free
snap pages_freed
# Mempools: a slab, a kmalloc and a page pool and an embedded one, created
# (the pool and its preallocated elements at the creation site), 3 fresh
# elements from each (at the mempool_alloc sites), one taken from the
# reserve and put back; then the elements freed and the kmalloc pool
# resized up and down; then all destroyed.
dc mp_create
dc mp_alloc 3
dc mp_reserve
snap mp_held
dc mp_free
dc mp_resize 8
dc mp_resize 2
snap mp_resized
dc mp_destroy
snap mp_destroyed
# The devm_ objects of the module's platform device (probed at its load):
# three devm_kfree()d and two moved by devm_krealloc(); then all released
# by an unbind, and allocated again by a bind.
D=/sys/bus/platform/drivers/allocprof_dropin_devm
dc devm_free
dc devm_realloc
snap devm_changed
echo allocprof_dropin_devm >$D/unbind || fail "unbind"
snap devm_unbound
echo allocprof_dropin_devm >$D/bind || fail "bind"
snap devm_rebound
rmmod kset-example || fail "rmmod kset-example"
rmmod test_memcat_p || fail "rmmod test_memcat_p"
snap kset_gone

# The Rust drop-in: rust_minimal and rust_print of the kernel tree and
# allocprof_dropin_rust_test, built with the drop-in lines (allocprof) or
# plainly (upstream, which charges every kernel::alloc allocation to
# rust/helpers/'s rust_helper_krealloc, _kvrealloc or _vrealloc; on 7.3
# rust_helper_krealloc_node_align and its siblings, named here without
# "_node_align").  Each
# module's rows (allocprof), or those three rows summed (upstream),
# before its load, after it, after the test module's workload and its
# free, and after its unload.
rshelpers() {
	[ "$MODE" = upstream ] &&
		awk -v s="$1" '$3 ~ /^rust\/helpers\/(slab|vmalloc|page)\.c:/ && $4 ~ /^func:rust_helper_/ {
			f = substr($4, 18); sub(/_node_align$/, "", f); b[f] += $1; c[f] += $2; n[f] = 1 }
			END { for (f in n) print "diff-rshelper: " s, f, b[f], c[f] }' $INFO
}
rsnap() { # SNAPSHOT MODULE
	grep "\[$2\]" $INFO | sed "s/^ */diff-rsrow: $1 /"
	rshelpers "$1"
	echo "diff-rssnapshot: $1 $2"
}
for m in rust_minimal rust_print; do
	rsnap ${m}_pre $m
	insmod $M/$m.ko || fail "insmod $m"
	rsnap ${m}_loaded $m
	rmmod $m || fail "rmmod $m"
	rsnap ${m}_unloaded $m
done
R=allocprof_dropin_rust_test
RC=/sys/kernel/$R/control
rsnap rstest_pre $R
insmod $M/$R.ko || fail "insmod $R"
rsnap rstest_loaded $R
# read_all: the kernel crate's read_all() of 100 bytes of this shell's
# first mapping, twice, into a KVec<u8>; cstring: CStrings the kernel
# crate makes, page: Page::alloc_page (all: src/dropin/kcalls.rs).
# On 7.3 allocprof wraps none of the kernel crate's functions that
# allocate (dropin-rust.rst: their rows are marked accurate:no, which
# allocprof_dropin_rust.sh checks): cstring, page and foreign_in (which
# makes a CString too) are left out here.
addr=$(awk '{ split($1, a, "-"); print a[1]; exit }' /proc/$$/maps)
kcalls="foreign_in cstring page"
case "$(uname -r)" in 7.3.*) kcalls= ;; esac
for c in "kbox 10" vbox kvbox "kvec 100" "vvec 10000" "kvvec 5000000" "from_elem 300" inplace shrink \
	arc unique pinned "rbtree 10" zst "work 5" "grow 50" "read_all $addr" $kcalls; do
	echo "diff-cmd: $c"
	echo "$c" >$RC || fail "'$c' to $R"
done
rsnap rstest_held $R
echo free >$RC || fail "free to $R"
rsnap rstest_freed $R
rmmod $R || fail "rmmod $R"
rsnap rstest_unloaded $R
echo "diff-done"
