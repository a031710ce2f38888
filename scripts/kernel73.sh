#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or find) the Linux 7.3 test kernel: Debian's linux-source-7.3
# (scripts/kernel-source.sh), tinyconfig plus the fragments `config` and
# `config.7.3`, compiled as distributions compile it: C by GCC (the
# system's gcc), Rust by rustc, bindgen on llvm-19's libclang (7.3 needs
# libclang >= 17.0.1; the system's default, 14, is 6.12's).  Then `make
# modules` so that Module.symvers exists for out-of-tree modules.
#
#   scripts/kernel73.sh      print the build directory (building it first)
#
# Groundwork for issue 26, whose KERNEL= selection folds this into
# scripts/kernel.sh; the build directory is $ALLOCPROF73_KDIR (default
# ~/.cache/allocprof-73/kernel-test).  Messages on stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=${ALLOCPROF73_KDIR:-$HOME/.cache/allocprof-73/kernel-test}
fragments=("$ALLOCPROF_SELFTESTS/config" "$ALLOCPROF_SELFTESTS/config.7.3")
libclang=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
exec 3>&1 1>&2
# The toolchain record every module build against it reads (lib.sh's
# kernel_make_vars): GCC (LLVM empty), bindgen's libclang.
record() { printf 'LLVM=\nLIBCLANG_PATH=%s\n' "$libclang" >"$kdir/.allocprof-toolchain"; }
if [ -f "$kdir/.allocprof-built" ]; then
	info "cached: $kdir"
	record
	echo "$kdir" >&3
	exit 0
fi
[ -e "$libclang/libclang.so" ] || [ -e "$libclang/libclang-19.so" ] ||
	die "no libclang in $libclang: apt-get install libclang-19-dev"
src=$("$ALLOCPROF_ROOT/scripts/kernel-source.sh" 7.3)
log=$kdir.log
mkdir -p "$kdir"
# GCC: no LLVM=1; bindgen's libclang given explicitly.
kmake() { MAKEFLAGS= LIBCLANG_PATH=$libclang make -C "$src" O="$kdir" "$@"; }
step "kernel 7.3 (test): $kdir"
kmake rustavailable >"$log" 2>&1 || {
	tail -n 20 "$log" >&2
	die "the kernel says Rust is not available with this toolchain (log: $log)"
}
kmake tinyconfig >>"$log" 2>&1
"$src/scripts/kconfig/merge_config.sh" -m -O "$kdir" "$kdir/.config" "${fragments[@]}" >>"$log" 2>&1
kmake olddefconfig >>"$log" 2>&1
# Every option of the fragments must have survived olddefconfig, but for
# those the 7.3 fragment names as gone ("# not in 7.3: CONFIG_X"), which
# must be absent.
gone=" $(sed -n 's/^# not in 7.3: \(CONFIG_[A-Za-z0-9_]*\).*/\1/p' "${fragments[@]}" | tr '\n' ' ')"
bad=0
while IFS='=' read -r opt want; do
	if [[ $gone == *" $opt "* ]]; then
		grep -q "^$opt=" "$kdir/.config" && { echo "error: $opt, said gone in 7.3, is set"; bad=1; }
	elif [ "$want" = n ]; then
		grep -q "^$opt=" "$kdir/.config" && { echo "error: $opt must not be set but is"; bad=1; }
	else
		grep -qx -- "$opt=$want" "$kdir/.config" || { echo "error: $opt=$want was dropped"; bad=1; }
	fi
done < <(cat "${fragments[@]}" | sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1=\2/p' \
	-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p')
[ "$bad" -eq 0 ] || die "configuration does not hold every option of the fragments (log: $log)"
info "configuration checked"
jobs=${ALLOCPROF_JOBS:-$(nproc)}
run_long "kernel build" "$log.build" kmake -j"$jobs"
run_long "kernel modules" "$log.modules" kmake -j"$jobs" modules
record
touch "$kdir/.allocprof-built"
info "built: $kdir"
echo "$kdir" >&3
