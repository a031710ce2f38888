#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The drop-in header on unmodified modules of the kernel tree (part of
# `make check`, host side): the single-file modules listed below, copied
# from KDIR's source, are built twice against KDIR, plainly and with the
# one drop-in line, each with W=1 (the kernel's extra warnings), C=1
# (sparse) and -fstack-usage.  For every module:
#
#   - the drop-in build builds wherever the plain one does;
#   - it adds no warning (compiler with W=1, sparse, modpost aside): the
#     sets of warnings of the module's source are the same, and none names
#     the header;
#   - no function's stack frame grows by more than DROPIN_FRAME_SLACK
#     bytes (default 16: the one register a call site with a variable size
#     keeps across the allocation, for its record, and the 16-byte stack
#     alignment it may cost), and none reaches the kernel's
#     CONFIG_FRAME_WARN limit unless it does plainly.
#
# Prints one KTAP-style line per module and check, a frame summary, and,
# last, "dropin-tree: N passed, N failed, N skipped".  A module the plain
# build cannot build here (options of KDIR's configuration) is a skip.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KDIR=${KDIR:?KDIR must name the kernel build}
SLACK=${DROPIN_FRAME_SLACK:-16}
src="$KDIR/source"
# Modules of lib/ and samples/ that build out of tree from one file, with
# allocations of every kind (kmalloc, arrays, vmalloc, pages, percpu,
# kmem_cache, krealloc) and frees, in functions of every size; each
# kernel's own list (7.3 moved some tests to lib/tests/, dropped others,
# and its kmalloc_obj()/kzalloc_obj()/kmalloc_flex() are in test_bpf,
# test_firmware, test_memcat_p, test_objagg, test_parman, test_rhashtable,
# test_vmalloc, test_workqueue, rbtree_test and interval_tree_test).
kv=$(kdir_version "$KDIR")
SHARED="lib/test_bitmap.c lib/test_bpf.c lib/test_firmware.c lib/test_free_pages.c
lib/test_hexdump.c lib/test_ida.c lib/test_kmod.c
lib/test_lockup.c lib/test_maple_tree.c lib/test_memcat_p.c lib/test_meminit.c
lib/test_objagg.c lib/test_objpool.c lib/test_parman.c
lib/test_ref_tracker.c lib/test_rhashtable.c
lib/test_sysctl.c lib/test_vmalloc.c lib/test_xarray.c
samples/kfifo/bytestream-example.c samples/kfifo/dma-example.c
samples/kfifo/inttype-example.c samples/kfifo/record-example.c
samples/kmemleak/kmemleak-test.c samples/kobject/kobject-example.c
samples/kobject/kset-example.c"
case $kv in
6.12) MODULES="$SHARED lib/test_hash.c lib/test_list_sort.c lib/test_min_heap.c
lib/test_printf.c lib/test_scanf.c lib/test_sort.c lib/test_uuid.c" ;;
7.3) MODULES="$SHARED lib/tests/test_hash.c lib/tests/test_list_sort.c lib/tests/test_sort.c
lib/test_workqueue.c lib/rbtree_test.c lib/interval_tree_test.c" ;;
*) die "dropin-tree: no module list for Linux $kv" ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-tree.XXXXXX")
trap 'rm -rf "$work"' EXIT
objs=()
for f in $MODULES; do
	[ -f "$src/$f" ] || die "no $src/$f"
	for v in plain dropin; do
		mkdir -p "$work/$v"
		cp "$src/$f" "$work/$v/"
	done
	objs+=("$(basename "$f" .c).o")
done
echo "obj-m := ${objs[*]}" >"$work/plain/Kbuild"
{
	echo "ccflags-y += -include $ALLOCPROF_ROOT/include/allocprof_dropin.h"
	echo "obj-m := ${objs[*]}"
} >"$work/dropin/Kbuild"
# The objects only (no modpost: their symbols need not exist here); -k:
# one that fails does not stop the others.
for v in plain dropin; do
	module_make "$KDIR" -k -j"$(nproc)" M="$work/$v" W=1 C=1 KCFLAGS=-fstack-usage \
		"${objs[@]}" >"$work/$v.log" 2>&1
done

limit=$(sed -n 's/^CONFIG_FRAME_WARN=//p' "$KDIR/.config")
# The kernel's own test of sparse: a sparse older than the kernel needs
# (7.3 with Debian 12's 0.6.4) checks nothing; the builds say so, and the
# run says it once (a skip), instead of failing every module on it.
sparse=1
if grep -q 'sparse is not available or not up to date' "$work/plain.log"; then
	sparse=0
fi
pass=0 fail=0 skip=0 i=0 grown=0 funcs=0 maxgrowth=0
ok() { i=$((i + 1)) pass=$((pass + 1)); echo "ok $i dropin-tree: $*"; }
notok() { i=$((i + 1)) fail=$((fail + 1)); echo "not ok $i dropin-tree: $*"; }
# warnings LOG FILE: the warnings of FILE in LOG (compiler and sparse),
# the build directory taken out.  A frame over CONFIG_FRAME_WARN is the
# frame check's (its message names the function, which for the init
# function is init_module plainly and its own name with the header).
warnings() {
	grep -E "^$work/(plain|dropin)/$2:[0-9]+:([0-9]+:)? (warning|error)" "$1" |
		grep -v -e '-Wframe-larger-than' | sed -E "s#^$work/(plain|dropin)/##" | sort -u
}
# frames V NAME: "LINE:FUNCTION SIZE" of every function of NAME.c
# (LINE:FUNCTION: the init function is init_module plainly, its own name
# with the header, which renames module_init()'s alias: keyed by line).
frames() {
	sed -E 's|^[^:]*:([0-9]+):([^\t]*)\t([0-9]+).*|\1 \3 \2|' "$work/$1/$2.su" 2>/dev/null | sort -k1,1
}
# pairs NAME: "LINE PLAIN_SIZE FUNCTION DROPIN_SIZE FUNCTION" of each
# function of NAME.c in both builds: the same function (two functions a
# macro defines on one line, 7.3's KSTM_MODULE_LOADERS init and exit, are
# not paired with each other), or the plain build's init_module with the
# function of its line that the plain build does not name.
pairs() {
	join <(frames plain "$1") <(frames dropin "$1") |
		awk 'NR == FNR { seen[$1 " " $3] = 1; next }
			$3 == $5 || ($3 == "init_module" && !(($1 " " $5) in seen))' \
			<(frames plain "$1") -
}
for f in $MODULES; do
	n=$(basename "$f" .c)
	if [ ! -f "$work/plain/$n.o" ]; then
		i=$((i + 1)) skip=$((skip + 1))
		echo "ok $i dropin-tree: $f # SKIP the plain build fails on this kernel"
		continue
	fi
	if [ ! -f "$work/dropin/$n.o" ]; then
		notok "$f: builds with the header"
		grep -E "^$work/dropin/$n.c|allocprof_dropin.h" "$work/dropin.log" | head -n 10 | sed 's/^/# /'
		continue
	fi
	new=$(comm -13 <(warnings "$work/plain.log" "$n.c") <(warnings "$work/dropin.log" "$n.c"))
	# sparse ran on it in both builds.
	checked=$(grep -cE "^ +CHECK +$work/(plain|dropin)/$n\.c\$" "$work/plain.log" "$work/dropin.log" |
		awk -F: '{ s += ($2 > 0) } END { print s + 0 }')
	[ "$checked" = 2 ] || [ "$sparse" = 0 ] || new="sparse did not check $n.c in both builds${new:+; }$new"
	if [ -z "$new" ]; then
		ok "$f: builds with the header, no new warning (W=1, sparse)"
	else
		notok "$f: builds with the header, no new warning (W=1, sparse)"
		printf '%s\n' "$new" | head -n 10 | sed 's/^/# /'
	fi
	# Each function's frame, plain against drop-in.
	bad=$(pairs "$n" |
		awk -v slack="$SLACK" -v limit="${limit:-0}" '
			{ g = $4 - $2; if (g > slack || (limit > 0 && $4 >= limit && $2 < limit))
				print $3 ": " $2 " -> " $4 " bytes" }')
	stats=$(pairs "$n" |
		awk '{ n++; g = $4 - $2; if (g > 0) { up++ } if (g > m) m = g } END { print n + 0, up + 0, m + 0 }')
	read -r nf ng mg <<<"$stats"
	funcs=$((funcs + nf)) grown=$((grown + ng))
	[ "$mg" -gt "$maxgrowth" ] && maxgrowth=$mg
	if [ -z "$bad" ]; then
		ok "$f: no frame grows by more than $SLACK bytes or past the limit (${limit:-none})"
	else
		notok "$f: no frame grows by more than $SLACK bytes or past the limit (${limit:-none})"
		printf '%s\n' "$bad" | head -n 10 | sed 's/^/# /'
	fi
done
# Whatever names the header itself (sparse reports it through the
# file it checks: "in included file"), in any module's build.
hdr=$(grep -E "allocprof_dropin\.h:[0-9]+(:[0-9]+)?: (warning|error)" "$work/dropin.log" | sort -u)
if [ -z "$hdr" ]; then
	ok "no warning or error of the compiler (W=1) or sparse in the header itself"
else
	notok "no warning or error of the compiler (W=1) or sparse in the header itself"
	printf '%s\n' "$hdr" | head -n 10 | sed 's/^/# /'
fi
if [ "$sparse" = 0 ]; then
	i=$((i + 1)) skip=$((skip + 1))
	echo "ok $i dropin-tree: sparse (C=1) # SKIP the kernel finds this sparse not up to date: W=1 alone"
fi
echo "# frames: $funcs functions compared, $grown grew, by $maxgrowth bytes at most"
echo "dropin-tree: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
