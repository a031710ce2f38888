#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Compile-time tests: each file of tools/testing/selftests/allocprof/
# compile_fail/ is built alone as a module against KDIR: a .rs file as a
# Rust client (the Rust API's soundness), a .c file as a plain C module
# with the drop-in header forced in (what the header must keep compiling,
# and the hardening it must keep).  A file whose second line says
# `// expect: ok` must build (a .c file without a warning), any other must
# fail with the text after `expect:` in the compiler's output; a third
# line `// needs: CONFIG_X` skips the file on a kernel without CONFIG_X.
# Then the selftests' plain C modules built with the drop-in header must
# build without a warning, and allocprof.ko's devres tracker release must
# end in a jump to module_put().  Prints one KTAP-style line per test and,
# last, "compile-fail: N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KDIR=${KDIR:?KDIR must name the kernel build}
dir="$ALLOCPROF_SELFTESTS/compile_fail"
work=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-cf.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 fail=0 skip=0
build() { # FILE: build $work/NAME (FILE's name), output in $work/NAME.log
	local f=$1 n d
	n=$(basename "$f")
	n=${n%.*}
	d="$work/$n"
	mkdir -p "$d"
	case "$f" in
	*.rs)
		sed "s|\"../../../../../src/api/mod.rs\"|\"$ALLOCPROF_ROOT/src/api/mod.rs\"|" "$f" >"$d/$n.rs"
		echo "obj-m := $n.o" >"$d/Kbuild"
		;;
	*.c)
		cp "$f" "$d/"
		{
			echo "ccflags-y += -include $ALLOCPROF_ROOT/include/allocprof_dropin.h"
			echo "obj-m := $n.o"
		} >"$d/Kbuild"
		;;
	esac
	module_make "$KDIR" M="$d" KBUILD_MODPOST_WARN=1 \
		KBUILD_EXTRA_SYMBOLS="$ALLOCPROF_ROOT/Module.symvers" modules >"$d.log" 2>&1
}
# On a kernel the drop-ins are not tested on (kernels.mk), the C cases are
# not run (named on a "# not run" line, which check.sh puts in its
# totals): the drop-in must refuse that kernel instead, which two builds
# check below.
kv=$(kdir_version "$KDIR")
if dropin_kernel "$kv"; then
	files=("$dir"/*.rs "$dir"/*.c)
else
	files=("$dir"/*.rs)
	echo "# not run on Linux $kv: the drop-in cases ($(cd "$dir" && echo *.c), drop-in build)"
fi
# Two at a time: each build is one compiler.
for f in "${files[@]}"; do
	{
		build "$f"
		echo $? >"$work/$(basename "${f%.*}").rc"
	} &
	while [ "$(jobs -r | wc -l)" -ge 2 ]; do sleep 0.2; done
done
wait
i=0
for f in "${files[@]}"; do
	n=$(basename "${f%.*}")
	rc=$(cat "$work/$n.rc" 2>/dev/null || echo 255)
	i=$((i + 1))
	want=$(sed -n '2s|^// expect: ||p' "$f")
	needs=$(sed -n '3s|^// needs: ||p' "$f")
	if [ -n "$needs" ] && ! grep -qx "$needs=y" "$KDIR/.config"; then
		echo "ok $i compile-fail: $n # SKIP $KDIR has no $needs"
		skip=$((skip + 1))
		continue
	fi
	if [ "$want" = ok ]; then
		# A C file: no warning either (the header must add none).
		if [ "$rc" -eq 0 ] && { [ "${f%.c}" = "$f" ] || ! grep -qi 'warning' "$work/$n.log"; }; then
			ok=1
		else
			ok=0
		fi
	elif [ "$rc" -ne 0 ] && grep -qF -- "$want" "$work/$n.log"; then
		ok=1
	else
		ok=0
	fi
	if [ "$ok" = 1 ]; then
		echo "ok $i compile-fail: $n (${want})"
		[ "$want" = ok ] || grep -m1 -E '^error|error:' "$work/$n.log" | sed 's/^/# /'
		pass=$((pass + 1))
	else
		echo "not ok $i compile-fail: $n (wanted: ${want}; build exit $rc)"
		grep -iE 'warning|error' "$work/$n.log" | head -n 20 | sed 's/^/# /'
		tail -n 10 "$work/$n.log" | sed 's/^/# /'
		fail=$((fail + 1))
	fi
done
if ! dropin_kernel "$kv"; then
	# The refusals: the header forced in (a drop-in test module), and
	# dropin.mk included, each stop the build with its message.
	for how in header dropin.mk; do
		i=$((i + 1))
		d="$work/refuse-$how"
		mkdir -p "$d"
		cp "$dir/dropin_bitfields.c" "$d/"
		if [ "$how" = header ]; then
			echo "ccflags-y += -include $ALLOCPROF_ROOT/include/allocprof_dropin.h" >"$d/Kbuild"
			want="allocprof's C drop-in is tested on Linux $ALLOCPROF_DROPIN_KERNELS only"
		else
			printf 'ALLOCPROF := %s\ninclude $(ALLOCPROF)/dropin.mk\n' "$ALLOCPROF_ROOT" >"$d/Kbuild"
			want="allocprof: the drop-in is tested on Linux $(printf '%s\n' $ALLOCPROF_DROPIN_KERNELS \
				$ALLOCPROF_RS_DROPIN_KERNELS | sort -u | xargs) only, not on this kernel"
			# A kernel the Rust drop-in alone is tested on: dropin.mk
			# goes on, the header it forces in stops each C file.
			[[ " $ALLOCPROF_RS_DROPIN_KERNELS " != *" $kv "* ]] ||
				want="allocprof's C drop-in is tested on Linux $ALLOCPROF_DROPIN_KERNELS only"
		fi
		echo "obj-m := dropin_bitfields.o" >>"$d/Kbuild"
		rc=0
		module_make "$KDIR" M="$d" KBUILD_EXTRA_SYMBOLS="$ALLOCPROF_ROOT/Module.symvers" \
			modules >"$d.log" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ] && grep -qF -- "$want" "$d.log" && [ ! -e "$d/dropin_bitfields.o" ]; then
			echo "ok $i drop-in refused on Linux $kv ($how): the build stops with its message"
			grep -m1 -F -- "$want" "$d.log" | sed 's/^/# /'
			pass=$((pass + 1))
		else
			echo "not ok $i drop-in refused on Linux $kv ($how): wanted '$want' (build exit $rc)"
			tail -n 10 "$d.log" | sed 's/^/# /'
			fail=$((fail + 1))
		fi
	done
fi
if dropin_kernel "$kv" && ! rs_dropin_kernel "$kv"; then
	# The Rust drop-in's refusal where the C drop-in is tested: a Rust
	# module with dropin.mk stops at its Rust object, with its message.
	i=$((i + 1))
	d="$work/refuse-rust"
	mkdir -p "$d"
	cp "$ALLOCPROF_SELFTESTS/dropin_rust_build/allocprof_rsb_first.rs" "$d/"
	printf 'ALLOCPROF := %s\ninclude $(ALLOCPROF)/dropin.mk\nobj-m := allocprof_rsb_first.o\n' \
		"$ALLOCPROF_ROOT" >"$d/Kbuild"
	want="allocprof: the Rust drop-in is tested on Linux $ALLOCPROF_RS_DROPIN_KERNELS only, not on this kernel"
	rc=0
	module_make "$KDIR" M="$d" KBUILD_EXTRA_SYMBOLS="$ALLOCPROF_ROOT/Module.symvers" \
		modules >"$d.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] && grep -qF -- "$want" "$d.log" && [ ! -e "$d/allocprof_rsb_first.o" ]; then
		echo "ok $i Rust drop-in refused on Linux $kv (dropin.mk): the build stops with its message"
		grep -m1 -F -- "$want" "$d.log" | sed 's/^/# /'
		pass=$((pass + 1))
	else
		echo "not ok $i Rust drop-in refused on Linux $kv (dropin.mk): wanted '$want' (build exit $rc)"
		tail -n 10 "$d.log" | sed 's/^/# /'
		fail=$((fail + 1))
	fi
fi
# And one build of the drop-in header: plain C modules of the selftests
# with the one Kbuild line must build without a warning (objtool's
# included: a sealed init_module would fault at load on IBT hardware):
# allocprof_dropin_peer, allocprof_dropin_test (a pr_fmt before its
# includes, every covered API, the devm_ helpers) and dropin_devm_forms
# (devm_ calls in the forms a driver may write them).
if dropin_kernel "$kv"; then
	i=$((i + 1))
	d="$work/dropin-build"
	mkdir -p "$d"
	cp "$ALLOCPROF_SELFTESTS/dropin/allocprof_dropin_peer.c" "$ALLOCPROF_SELFTESTS/dropin/allocprof_dropin_test.c" \
		"$dir/dropin_devm_forms.c" "$d/"
	{
		echo "ccflags-y += -include $ALLOCPROF_ROOT/include/allocprof_dropin.h"
		echo "obj-m := allocprof_dropin_peer.o allocprof_dropin_test.o dropin_devm_forms.o"
	} >"$d/Kbuild"
	module_make "$KDIR" M="$d" KBUILD_EXTRA_SYMBOLS="$ALLOCPROF_ROOT/Module.symvers" \
		modules >"$d.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -qi 'warning' "$d.log"; then
		echo "ok $i drop-in build: plain modules build with the header, no warning"
		pass=$((pass + 1))
	else
		echo "not ok $i drop-in build: plain modules build with the header, no warning (exit $rc)"
		grep -i -m 10 'warning\|error' "$d.log" | sed 's/^/# /'
		fail=$((fail + 1))
	fi
fi
# Every name the kernel's headers wrap in alloc_hooks() (include/ and
# arch/x86/include/ of KDIR's source: `alloc_hooks(NAME(`) is known to the
# header, for this kernel: hooked (ALLOCPROF_DI_K_NAME) or passed through
# knowingly (ALLOCPROF_DI_U_NAME, its "Kernel versions" section).  A new
# entry point of a new kernel is a name neither lists: the generated
# module, one #error per such name, stops the build and names it.
if dropin_kernel "$kv"; then
	i=$((i + 1))
	d="$work/dropin-known-hooks"
	mkdir -p "$d"
	src="$KDIR/source"
	names=$(find "$src/include" "$src/arch/x86/include" -name '*.h' -print0 |
		xargs -0 perl -0777 -ne 'while (/\balloc_hooks\(\s*(\w+)\s*\(/g) { print "$1\n" }' | sort -u)
	{
		echo '// SPDX-License-Identifier: GPL-2.0'
		echo '#include <linux/module.h>'
		for n in $names; do
			printf '#if !defined(ALLOCPROF_DI_K_%s) && !defined(ALLOCPROF_DI_U_%s)\n' "$n" "$n"
			printf '#error "alloc_hooks() name unknown to the drop-in header: %s"\n#endif\n' "$n"
		done
		echo 'MODULE_LICENSE("GPL");'
	} >"$d/dropin_known_hooks.c"
	{
		echo "ccflags-y += -include $ALLOCPROF_ROOT/include/allocprof_dropin.h"
		echo "obj-m := dropin_known_hooks.o"
	} >"$d/Kbuild"
	module_make "$KDIR" M="$d" KBUILD_MODPOST_WARN=1 \
		KBUILD_EXTRA_SYMBOLS="$ALLOCPROF_ROOT/Module.symvers" modules >"$d.log" 2>&1
	rc=$?
	count=$(printf '%s\n' $names | grep -c .)
	if [ "$rc" -eq 0 ] && [ "$count" -gt 50 ]; then
		echo "ok $i drop-in knows every alloc_hooks() name of Linux $kv's headers ($count)"
		pass=$((pass + 1))
	else
		echo "not ok $i drop-in knows every alloc_hooks() name of Linux $kv's headers ($count found; build exit $rc)"
		grep -o 'alloc_hooks() name unknown to the drop-in header: [A-Za-z0-9_]*' "$d.log" | sort -u | sed 's/^/# /'
		fail=$((fail + 1))
	fi
fi
# The devres tracker's release drops the tracker's reference to allocprof
# last, with a jump (src/dropin_devres_release.S): no instruction of
# allocprof runs after module_put().  A C function there ends in a call and
# a return on a kernel built with frame pointers (-fno-optimize-sibling-
# calls), such as the debug kernel.
i=$((i + 1))
rel=$(objdump -dr --no-show-raw-insn "$ALLOCPROF_ROOT/allocprof.ko" |
	awk '/^[0-9a-f]+ <allocprof_devm_tracker_release>:/ { on = 1; next } on && /^$/ { exit } on')
# Its last two lines, the padding after it aside: a jmp, and its
# relocation naming module_put.
tail2=$(printf '%s\n' "$rel" | grep -v -E '^ +[0-9a-f]+:[[:space:]]+(int3|nop)' | tail -n 2)
if [ -n "$rel" ] && printf '%s\n' "$tail2" | head -n 1 | grep -qE '^ +[0-9a-f]+:[[:space:]]+jmp ' &&
	printf '%s\n' "$tail2" | tail -n 1 | grep -qE 'R_X86_64_(PLT|PC)32[[:space:]]+module_put' &&
	! printf '%s\n' "$rel" | grep -qE '[[:space:]]ret'; then
	echo "ok $i devres tracker release: ends in a jump to module_put(), no return"
	pass=$((pass + 1))
else
	echo "not ok $i devres tracker release: ends in a jump to module_put(), no return"
	printf '%s\n' "$rel" | sed 's/^/# /'
	fail=$((fail + 1))
fi
# Return thunks (MITIGATION_RETHUNK, as Debian's kernels): every return of
# allocprof.ko, its assembly's included, is a jump to the kernel's return
# thunk, never a bare `ret` (objtool warns of one at build; this checks
# the result).
i=$((i + 1))
if grep -qx CONFIG_MITIGATION_RETHUNK=y "$KDIR/.config"; then
	dis=$(objdump -dr --no-show-raw-insn "$ALLOCPROF_ROOT/allocprof.ko")
	bare=$(printf '%s\n' "$dis" | grep -cE '[[:space:]]ret[q]?[[:space:]]*$' || true)
	thunks=$(printf '%s\n' "$dis" | grep -c '__x86_return_thunk' || true)
	if [ "$bare" -eq 0 ] && [ "$thunks" -gt 0 ]; then
		echo "ok $i return thunks: allocprof.ko returns through __x86_return_thunk ($thunks), no bare ret"
		pass=$((pass + 1))
	else
		echo "not ok $i return thunks: allocprof.ko has $bare bare ret, $thunks jumps to __x86_return_thunk"
		fail=$((fail + 1))
	fi
else
	echo "ok $i return thunks # SKIP $KDIR has no CONFIG_MITIGATION_RETHUNK"
	skip=$((skip + 1))
fi
echo "compile-fail: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
