#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Compile-time tests of the Rust API's soundness: each file of
# tools/testing/selftests/allocprof/compile_fail/ is built alone as a
# module against KDIR; a file whose second line says `// expect: ok` must
# build, any other must fail with the text after `expect:` in the
# compiler's output.  Then a plain C module built with the drop-in header
# must build without a warning.  Prints one KTAP-style line per test and,
# last, "compile-fail: N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KDIR=${KDIR:?KDIR must name the kernel build}
dir="$ALLOCPROF_SELFTESTS/compile_fail"
work=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-cf.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
build() { # NAME: build $work/NAME, output in $work/NAME.log
	local n=$1 d="$work/$1"
	mkdir -p "$d"
	sed "s|\"../../../../../src/api/mod.rs\"|\"$ALLOCPROF_ROOT/src/api/mod.rs\"|" "$dir/$n.rs" >"$d/$n.rs"
	echo "obj-m := $n.o" >"$d/Kbuild"
	make -s -C "$KDIR" M="$d" LLVM=1 KBUILD_MODPOST_WARN=1 modules >"$d.log" 2>&1
}
names=()
for f in "$dir"/*.rs; do
	names+=("$(basename "$f" .rs)")
done
# Two at a time: each build is one rustc.
for n in "${names[@]}"; do
	{
		build "$n"
		echo $? >"$work/$n.rc"
	} &
	while [ "$(jobs -r | wc -l)" -ge 2 ]; do sleep 0.2; done
done
wait
i=0
for n in "${names[@]}"; do
	rc=$(cat "$work/$n.rc" 2>/dev/null || echo 255)
	i=$((i + 1))
	want=$(sed -n '2s|^// expect: ||p' "$dir/$n.rs")
	if [ "$want" = ok ]; then
		if [ "$rc" -eq 0 ]; then ok=1; else ok=0; fi
	elif [ "$rc" -ne 0 ] && grep -qF -- "$want" "$work/$n.log"; then
		ok=1
	else
		ok=0
	fi
	if [ "$ok" = 1 ]; then
		echo "ok $i compile-fail: $n (${want})"
		[ "$want" = ok ] || grep -m1 '^error' "$work/$n.log" | sed 's/^/# /'
		pass=$((pass + 1))
	else
		echo "not ok $i compile-fail: $n (wanted: ${want}; build exit $rc)"
		tail -n 20 "$work/$n.log" | sed 's/^/# /'
		fail=$((fail + 1))
	fi
done
# And one build of the drop-in header: plain C modules of the selftests
# with the one Kbuild line must build without a warning (objtool's
# included: a sealed init_module would fault at load on IBT hardware):
# allocprof_dropin_peer, allocprof_dropin_test (a pr_fmt before its
# includes, every covered API, the devm_ helpers) and dropin_devm_forms
# (devm_ calls in the forms a driver may write them).
i=$((i + 1))
d="$work/dropin-build"
mkdir -p "$d"
cp "$ALLOCPROF_SELFTESTS/dropin/allocprof_dropin_peer.c" "$ALLOCPROF_SELFTESTS/dropin/allocprof_dropin_test.c" \
	"$dir/dropin_devm_forms.c" "$d/"
{
	echo "ccflags-y += -include $ALLOCPROF_ROOT/include/allocprof_dropin.h"
	echo "obj-m := allocprof_dropin_peer.o allocprof_dropin_test.o dropin_devm_forms.o"
} >"$d/Kbuild"
make -C "$KDIR" M="$d" LLVM=1 KBUILD_EXTRA_SYMBOLS="$ALLOCPROF_ROOT/Module.symvers" \
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
echo "compile-fail: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
