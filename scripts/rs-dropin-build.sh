#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Rust drop-in's build (dropin.mk) on the host, against KDIR (part of
# `make check`, host side; allocprof built first: its Module.symvers and
# the build step, tools/allocprof-rs-dropin).  Modules are built in a
# scratch directory against a copy of allocprof's files (dropin.mk,
# include/, Module.symvers: a header can be changed there):
#
#   - rustc: the flags are the kernel's rustc's, not this machine's: a
#     stand-in RUSTC that says "rustc 1.94.1" and refuses
#     --remap-path-scope (stable from 1.95; 1.94's -Zremap-path-scope is
#     passed to the real rustc as it) builds the module with the same
#     assembly (rows, sites) as the real rustc, its file!() paths
#     relative; one that says "rustc 1.85.1" stops the build saying the
#     drop-in needs 1.87;
#   - leftovers: a build leaves no X.allocprof.* file; one with
#     ALLOCPROF_RS_KEEP=1 keeps them, kbuild's `make clean` removes them;
#   - rebuilds: a build with nothing changed rebuilds nothing, a change of
#     include/allocprof_rs_dropin.h rebuilds the object;
#   - composites and order (dropin_rust_build/): every Rust object of
#     every module runs the tool, named after its module, with the drop-in
#     lines before obj-m;
#   - frames: rust_minimal, rust_print (7.3: rust_misc_device; KDIR's samples) and the test
#     module (dropin_rust/), built plainly and with the drop-in: the
#     largest stack frame of each grows by at most RS_FRAME_SLACK bytes
#     (default 64), and none reaches CONFIG_FRAME_WARN.
#
# Prints one KTAP-style line per test and, last, "rs-dropin-build: N
# passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KDIR=${KDIR:?KDIR must name the kernel build}
SLACK=${RS_FRAME_SLACK:-64}
tool="$ALLOCPROF_ROOT/tools/allocprof-rs-dropin/target/release/allocprof-rs-dropin"
[ -x "$tool" ] && [ -f "$ALLOCPROF_ROOT/Module.symvers" ] || die "build allocprof first (make modules)"
work=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-rsb.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 fail=0 skip=0 i=0
ok() { i=$((i + 1)) pass=$((pass + 1)); echo "ok $i rs-dropin-build: $*"; }
notok() { i=$((i + 1)) fail=$((fail + 1)); echo "not ok $i rs-dropin-build: $*"; }
t() { # DESCRIPTION COMMAND...: one test from a command's status
	local d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}
show() { tail -n "${2:-15}" "$1" | sed 's/^/# /'; }

# allocprof's files, as ALLOCPROF.
ap="$work/allocprof"
mkdir -p "$ap"
cp -r "$ALLOCPROF_ROOT/dropin.mk" "$ALLOCPROF_ROOT/kernels.mk" "$ALLOCPROF_ROOT/include" "$ALLOCPROF_ROOT/Module.symvers" "$ap/"
mkdir -p "$ap/$(dirname "${tool#"$ALLOCPROF_ROOT/"}")"
ln -s "$tool" "$ap/${tool#"$ALLOCPROF_ROOT/"}"
real_rustc=$(command -v rustc)
# stand_in VERSION: a rustc that says VERSION and refuses
# --remap-path-scope (its -Z form becomes the real rustc's stable one).
stand_in() {
	local f="$work/rustc-$1"
	cat >"$f" <<EOF
#!/bin/sh
for a; do
	case "\$a" in
	--version) echo "rustc $1 (00000000 2025-03-18)"; exit 0 ;;
	-vV) echo "rustc $1 (00000000 2025-03-18)"; echo "release: $1"; exit 0 ;;
	--remap-path-scope*) echo "error: Unrecognized option: 'remap-path-scope'" >&2; exit 1 ;;
	esac
done
for a; do
	shift
	case "\$a" in
	-Zremap-path-scope=*) set -- "\$@" "--remap-path-scope=\${a#-Zremap-path-scope=}" ;;
	*) set -- "\$@" "\$a" ;;
	esac
done
exec "$real_rustc" "\$@"
EOF
	chmod +x "$f"
	echo "$f"
}
# module DIR FILE...: DIR with FILE... and a Kbuild of the drop-in lines
# and obj-m of the .rs files.
module() {
	local d=$1
	shift
	mkdir -p "$d"
	cp "$@" "$d/"
	{
		echo "obj-m := $(cd "$d" && ls *.rs | sed 's/\.rs$/.o/' | tr '\n' ' ')"
		echo "ALLOCPROF := $ap"
		echo 'include $(ALLOCPROF)/dropin.mk'
	} >"$d/Kbuild"
}
build() { # DIR LOG [MAKE ARGS...]
	local d=$1 log=$2
	shift 2
	module_make "$KDIR" M="$d" "$@" modules >"$log" 2>&1
}

# rustc: the real one, 1.94.1, 1.85.1.
first="$ALLOCPROF_SELFTESTS/dropin_rust_build/allocprof_rsb_first.rs"
for v in real 1.94 1.85; do
	module "$work/$v" "$first"
done
build "$work/real" "$work/real.log" ALLOCPROF_RS_KEEP=1
real_rc=$?
build "$work/1.94" "$work/1.94.log" ALLOCPROF_RS_KEEP=1 RUSTC="$(stand_in 1.94.1)"
rc=$?
if [ "$real_rc" -eq 0 ] && [ "$rc" -eq 0 ] && [ -f "$work/1.94/allocprof_rsb_first.ko" ] &&
	grep -q '^ *ALLOCPROF-RS allocprof_rsb_first.o:' "$work/1.94.log"; then
	ok "a rustc without --remap-path-scope (1.94.1) builds a drop-in module"
else
	notok "a rustc without --remap-path-scope (1.94.1) builds a drop-in module (exit $real_rc, $rc)"
	show "$work/1.94.log"
fi
t "with the same rows and sites as the real rustc (the same X.allocprof.S)" \
	cmp -s "$work/real/allocprof_rsb_first.allocprof.S" "$work/1.94/allocprof_rsb_first.allocprof.S"
# Its paths: file!() relative to the module's directory (the debug
# information aside, which keeps the build's paths where the kernel has it).
strs=$("${OBJCOPY:-llvm-objcopy}" --strip-debug "$work/1.94/allocprof_rsb_first.ko" "$work/nodebug.o" &&
	strings -a "$work/nodebug.o")
t "its file!() is the file's name, without the build's path" \
	sh -c "printf '%s\n' \"\$1\" | grep -q 'allocprof_rsb_first\.rs' && ! printf '%s\n' \"\$1\" | grep -qF '$work/'" - "$strs"
build "$work/1.85" "$work/1.85.log" RUSTC="$(stand_in 1.85.1)"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "dropin.mk: the Rust drop-in needs rustc 1.87 or newer; the kernel's rustc (.*) is rustc 1.85.1" \
	"$work/1.85.log"; then
	ok "a rustc older than 1.87 stops the build, saying so"
	grep -m1 'needs rustc' "$work/1.85.log" | sed 's/^/# /'
else
	notok "a rustc older than 1.87 stops the build, saying so (exit $rc)"
	show "$work/1.85.log"
fi

# Leftovers: none without ALLOCPROF_RS_KEEP; kept with it, gone after
# kbuild's make clean.
left() { (cd "$1" && ls -a | grep '\.allocprof[.-]'); }
module "$work/plain" "$first"
build "$work/plain" "$work/plain.log"
t "a build leaves no X.allocprof.* file in the module's directory" \
	sh -c "[ -f $work/plain/allocprof_rsb_first.ko ] && ! (cd $work/plain && ls -a | grep -q '\\.allocprof[.-]')"
t "ALLOCPROF_RS_KEEP=1 keeps X.allocprof.S and the intermediate objects" \
	sh -c "[ -f $work/real/allocprof_rsb_first.allocprof.S ] && [ -f $work/real/allocprof_rsb_first.allocprof-in.o ]"
module_make "$KDIR" M="$work/real" clean >"$work/clean.log" 2>&1
kept=$(left "$work/real")
if [ -z "$kept" ] && [ ! -f "$work/real/allocprof_rsb_first.ko" ]; then
	ok "kbuild's make clean removes them"
else
	notok "kbuild's make clean removes them"
	printf '%s\n' "$kept" | sed 's/^/# left: /'
fi

# Rebuilds: nothing changed, nothing rebuilt; the header changed, the object.
again=0
build "$work/plain" "$work/again.log" || again=$?
t "a second build with nothing changed succeeds and rebuilds nothing" \
	sh -c "[ $again -eq 0 ] && ! grep -q 'allocprof drop-in' $work/again.log"
touch "$ap/include/allocprof_rs_dropin.h"
build "$work/plain" "$work/touched.log"
# (7.3's kbuild names an external module's files from its directory.)
t "a change of include/allocprof_rs_dropin.h rebuilds the object" \
	grep -q "RUSTC \[M\] \($work/plain/\)\?allocprof_rsb_first.o (allocprof drop-in)" "$work/touched.log"

# Composites and the order of the lines: dropin_rust_build/ as it is, but
# for its ALLOCPROF.
d="$work/comp"
mkdir -p "$d"
cp "$ALLOCPROF_SELFTESTS"/dropin_rust_build/*.rs "$ALLOCPROF_SELFTESTS"/dropin_rust_build/*.c "$d/"
sed "s|^ALLOCPROF := .*|ALLOCPROF := $ap|" "$ALLOCPROF_SELFTESTS/dropin_rust_build/Kbuild" >"$d/Kbuild"
build "$d" "$work/comp.log" ALLOCPROF_RS_KEEP=1
rc=$?
for o in allocprof_rsb_first:allocprof_rsb_first rsb_comp_main:allocprof_rsb_comp rsb_mixed_main:allocprof_rsb_mixed; do
	obj=${o%%:*} mod=${o#*:}
	t "$obj.o (module $mod): the tool ran, its rows named [$mod]" sh -c "
		[ $rc -eq 0 ] && grep -q '^ *ALLOCPROF-RS $obj.o: ' $work/comp.log &&
		grep -qx '.Lmodname:' $d/$obj.allocprof.S &&
		grep -A1 -x '.Lmodname:' $d/$obj.allocprof.S | grep -qF '.asciz \"$mod\"'"
done
[ "$rc" -eq 0 ] || show "$work/comp.log"
# One registration: the Rust crate's init_module, not the C file's (weak).
t "allocprof_rsb_mixed: one init_module, the Rust crate's (registering)" sh -c "
	[ \$(${NM:-llvm-nm} $d/allocprof_rsb_mixed.o | grep -c ' T init_module\$') = 1 ] &&
	${NM:-llvm-nm} $d/allocprof_rsb_mixed.o | grep -q ' T __allocprof_rs_module_init\$'"

# Frames: each function's stack frame (its pushes and its sub of %rsp, at
# its start), the largest of the module, plain against the drop-in.
limit=$(sed -n 's/^CONFIG_FRAME_WARN=//p' "$KDIR/.config")
frames() { # OBJECT: "FRAME FUNCTION" of each function, largest first
	"${OBJDUMP:-llvm-objdump}" -d --no-show-raw-insn "$1" | awk '
		function out() { if (f != "") print n * 8 + sub_, f }
		function hex(h,  v, i) { v = 0; for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1; return v }
		/^[0-9a-f]+ <.*>:$/ { out(); f = $2; n = 0; sub_ = 0; k = 0; done = 0; next }
		f != "" && !done && /^ +[0-9a-f]+:/ {
			if (++k > 16) done = 1
			else if ($2 == "pushq" || $2 == "push") n++
			else if ($2 ~ /^subq?$/ && $0 ~ /\$[0-9a-fx]+, *%rsp$/) {
				v = $3; sub(/^\$/, "", v); sub(/,.*$/, "", v)
				sub_ = (v ~ /^0x/) ? hex(substr(v, 3)) : v + 0; done = 1
			}
		}
		END { out() }' | sort -rn
}
# (The test module's #[path] files: where it finds them, from five levels down.)
fr="$work/fr/tools/testing/selftests/allocprof"
mkdir -p "$work/fr/src/ffi"
cp "$ALLOCPROF_ROOT/src/ffi/sysfs.rs" "$work/fr/src/ffi/"
# The samples of one Rust object (7.3's rust_print is a composite of Rust
# and C: its neighbour rust_misc_device instead).
case $(kdir_version "$KDIR") in
6.12) frsamples="rust_minimal rust_print" ;;
*) frsamples="rust_minimal rust_misc_device" ;;
esac
frmods="$frsamples allocprof_dropin_rust_test"
for v in plain dropin; do
	mkdir -p "$fr/$v"
	for m in $frsamples; do cp "$KDIR/source/samples/rust/$m.rs" "$fr/$v/"; done
	cp "$ALLOCPROF_SELFTESTS/dropin_rust/allocprof_dropin_rust_test.rs" "$fr/$v/"
	# The test module mounts src/ffi/sysfs.rs: kernels.mk's cfg.
	printf 'obj-m := %s\ninclude %s/kernels.mk\nrustflags-y += $(allocprof_kernel_cfg)\n' \
		"$(for m in $frmods; do printf '%s.o ' "$m"; done)" "$ap" >"$fr/$v/Kbuild"
done
printf 'ALLOCPROF := %s\ninclude $(ALLOCPROF)/dropin.mk\n' "$ap" >>"$fr/dropin/Kbuild"
for v in plain dropin; do
	# shellcheck disable=SC2046
	module_make "$KDIR" M="$fr/$v" $(for m in $frmods; do printf '%s.o ' "$m"; done) \
		>"$work/fr-$v.log" 2>&1 || { show "$work/fr-$v.log"; }
done
for m in $frmods; do
	if [ ! -f "$fr/plain/$m.o" ] || [ ! -f "$fr/dropin/$m.o" ]; then
		notok "$m: frames (a build failed)"
		continue
	fi
	read -r p pf < <(frames "$fr/plain/$m.o" | head -n 1)
	read -r d df < <(frames "$fr/dropin/$m.o" | head -n 1)
	echo "# $m: largest frame $p bytes plainly ($pf), $d with the drop-in ($df)"
	if [ $((d - p)) -le "$SLACK" ] && { [ -z "$limit" ] || [ "$d" -lt "$limit" ] || [ "$p" -ge "$limit" ]; }; then
		ok "$m: the largest frame grows by at most $SLACK bytes (${p} -> ${d}), under CONFIG_FRAME_WARN (${limit:-none})"
	else
		notok "$m: the largest frame grows by at most $SLACK bytes (${p} -> ${d}), under CONFIG_FRAME_WARN (${limit:-none})"
		frames "$fr/dropin/$m.o" | head -n 5 | sed 's/^/# drop-in: /'
	fi
done

echo "rs-dropin-build: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
