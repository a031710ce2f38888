#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or find in the cache) a kernel of the test matrix: Linux KERNEL
# (environment; make's KERNEL=, default the newest of kernels.mk's list)
# from Debian's linux-source-KERNEL, in the FLAVOR test, upstream or debug:
# tinyconfig plus the config fragments of that kernel and flavor (the
# table below), with the fragments' toolchain, then `make modules` so that
# Module.symvers exists for out-of-tree modules.
#
#   scripts/kernel.sh path  FLAVOR         print the build directory
#   scripts/kernel.sh build FLAVOR         build it unless cached
#   scripts/kernel.sh build-path FLAVOR
#       build it unless cached, with every message on stderr, then print
#       the build directory on stdout: kdir=$(scripts/kernel.sh build-path test)
#   scripts/kernel.sh fragments FLAVOR     print the fragments, one a line
#   scripts/kernel.sh toolchain KDIR
#       the make variables that build modules against KDIR with its own
#       compiler, one a line (LLVM=-19, LIBCLANG_PATH=...: lib.sh's
#       kernel_make_vars, which the Makefile and module_make use)
#
# The fragments (tools/testing/selftests/allocprof/), in this order:
#   config                  every kernel: what the kselftests need
#   config.KERNEL           that version's differences (if the file exists)
#   config.mem-profiling    upstream: the kernel's own profiler
#   config.debug            debug: the checkers, a distribution's options
#   config.debug.KERNEL     debug: that version's (if the file exists)
# A later fragment's option overrides an earlier one's.  A line
# "# not in KERNEL: CONFIG_X" says an option of an earlier fragment is gone
# in that version: it must then be absent.
#
# The toolchain: the last "# allocprof-toolchain:" line of the fragments.
#   LLVM=-19                clang 19 (kbuild's LLVM=-19: clang-19, ld.lld-19,
#                           llvm-*-19), bindgen on the same LLVM's libclang
#   GCC, bindgen on LLVM=-19
#                           C by the system's gcc, Rust by rustc, bindgen on
#                           clang 19's libclang
#   (none)                  LLVM=1, the distribution's default clang
#                           (Debian 12: clang 14)
# bindgen must load the libclang of the kernel's own LLVM, or of the one
# named (LIBCLANG_PATH: clang-sys would pick the newest installed, whose
# flags are not the kernel's).  The build directory records both
# ($kdir/.allocprof-toolchain), so that every module built against it
# uses that compiler.
#
# The build directory is $ALLOCPROF_CACHE/kernel-KERNEL-FLAVOR-<key>,
# where the key hashes the kernel's source version, the fragments, rustc,
# bindgen and the toolchain's compilers: a changed fragment or toolchain
# gets a fresh build, an unchanged one is reused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = toolchain ]; then
	[ $# -eq 2 ] || die "usage: $0 toolchain KDIR"
	kernel_make_vars "$2"
	exit
fi
[ $# -eq 2 ] || die "usage: $0 path|build|build-path|fragments FLAVOR | toolchain KDIR"
action=$1 flavor=$2
kernel_known "$KERNEL" ||
	die "KERNEL=$KERNEL: not a kernel of the test matrix (kernels.mk: $ALLOCPROF_KERNELS)"
name=$KERNEL-$flavor

# The fragments of KERNEL and FLAVOR (see the top).
sel=$ALLOCPROF_SELFTESTS
fragments=("$sel/config")
[ ! -f "$sel/config.$KERNEL" ] || fragments+=("$sel/config.$KERNEL")
case "$flavor" in
test) ;;
upstream) fragments+=("$sel/config.mem-profiling") ;;
debug)
	fragments+=("$sel/config.debug")
	[ ! -f "$sel/config.debug.$KERNEL" ] || fragments+=("$sel/config.debug.$KERNEL")
	;;
*) die "FLAVOR=$flavor: one of test, upstream, debug" ;;
esac
if [ "$action" = fragments ]; then
	printf '%s\n' "${fragments[@]}"
	exit 0
fi

# The toolchain (see the top): LLVM (empty: GCC), the compilers, and the
# libclang of the LLVM named, for bindgen.
tc=$(sed -n 's/^# allocprof-toolchain: \(.*[^ ]\) *$/\1/p' "${fragments[@]}" | tail -n 1)
case "$tc" in
'') llvm=1 cc=clang bindgen_cc=clang ;;
LLVM=-[0-9]*) llvm=${tc#LLVM=} cc=clang$llvm bindgen_cc=$cc ;;
"GCC, bindgen on LLVM=-"[0-9]*) llvm='' cc=gcc bindgen_cc=clang${tc#GCC, bindgen on LLVM=} ;;
*) die "fragment line '# allocprof-toolchain: $tc': only LLVM=-VERSION or 'GCC, bindgen on LLVM=-VERSION' are handled" ;;
esac
for c in "$cc" "$bindgen_cc"; do
	command -v "$c" >/dev/null ||
		die "$c, of this kernel's toolchain ($tc), is missing: run scripts/deps.sh"
done
libclang=$(dirname "$(dirname "$("$bindgen_cc" -print-resource-dir)")")
ls "$libclang"/libclang*.so* >/dev/null 2>&1 ||
	die "no libclang in $libclang (of $bindgen_cc, for bindgen): run scripts/deps.sh"

# The source: 6.12 from the bookworm package linux-source-6.12 (deps.sh
# installs it), unpacked here; a newer one from Debian's archive
# (scripts/kernel-source.sh, which keeps it in $ALLOCPROF_CACHE/debian).
tarball=/usr/src/linux-source-6.12.tar.xz
if [ "$KERNEL" = 6.12 ]; then
	kversion=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
	src="$ALLOCPROF_CACHE/src/linux-source-6.12-$kversion"
elif [ "$action" = path ]; then
	# `path` fetches nothing (make clean, a check of whether a kernel is
	# built): a source not fetched yet names a directory that does not
	# exist.
	if src=$("$ALLOCPROF_ROOT/scripts/kernel-source.sh" --cached "$KERNEL"); then
		kversion=$(cat "$src/.allocprof-unpacked")
	else
		kversion=unfetched
	fi
else
	src=$("$ALLOCPROF_ROOT/scripts/kernel-source.sh" "$KERNEL")
	kversion=$(cat "$src/.allocprof-unpacked")
fi
key() {
	{
		printf %s "$kversion" # (no newline: as before the matrix)
		cat "${fragments[@]}"
		rustc --version
		bindgen --version 2>/dev/null || true
		"$cc" --version | head -n 1
		[ "$cc" = "$bindgen_cc" ] || "$bindgen_cc" --version | head -n 1
		# (6.12's keys: as before the matrix, whose kernel-test-KEY builds
		# can be renamed kernel-6.12-test-KEY and used.)
		if [ "$KERNEL" = 6.12 ]; then echo "tinyconfig LLVM=$llvm v1"; else echo "tinyconfig $tc v2"; fi
	} | sha256sum | cut -c1-12
}
kdir="$ALLOCPROF_CACHE/kernel-$name-$(key)"
# The toolchain's record in the build directory (kernel_make_vars reads
# it), written in one rename: also into a cached build made before there
# were records.
record_toolchain() {
	local rec="$kdir/.allocprof-toolchain"
	printf 'LLVM=%s\nLIBCLANG_PATH=%s\n' "$llvm" "$libclang" | cmp -s - "$rec" && return 0
	printf 'LLVM=%s\nLIBCLANG_PATH=%s\n' "$llvm" "$libclang" >"$rec.$$"
	mv -f "$rec.$$" "$rec"
}

if [ "$action" = path ]; then
	echo "$kdir"
	exit 0
fi
case "$action" in
build) ;;
build-path)
	# The messages go to stderr, the directory alone to stdout, at the end.
	exec 3>&1 1>&2
	;;
*) die "unknown action $action" ;;
esac
# The end of a successful build or cache hit.
finish() {
	[ "$action" = build ] || echo "$kdir" >&3
	exit 0
}

step "kernel ($name)"
if [ -f "$kdir/.allocprof-built" ]; then
	record_toolchain
	info "cached: $kdir"
	finish
fi
# One build of a directory at a time: another run building it (a check
# beside a demo, two clones, make check's build of the upstream kernel in
# the background) is waited for, then its kernel used.
# The logs of this build directory (two clones' kernels of one NAME may
# be built at once), and kernel-NAME.log* linking to the latest.
log="$ALLOCPROF_LOGS/kernel-$name-${kdir##*-}.log"
mkdir -p "$ALLOCPROF_CACHE"
exec 9>"$kdir.lock"
if ! flock -n 9; then
	# A progress line every five seconds: the other run's last step, from
	# its log (the same file: one cache, one directory).
	info "another run is building $kdir: waiting for it (its log: $log.build)"
	wait_start=$SECONDS
	until flock -w 5 9; do
		last=$({ ls -t "$log.modules" "$log.build" 2>/dev/null || true; } | head -n 1)
		last=${last:+$(last_step "$last")}
		printf '    [waiting for kernel %s %ds] %s\n' "$name" $((SECONDS - wait_start)) \
			"${last:+its last step: $last}"
	done
fi
if [ -f "$kdir/.allocprof-built" ]; then
	record_toolchain
	info "built by that run: $kdir"
	finish
fi
if [ "$KERNEL" = 6.12 ]; then
	[ -f "$tarball" ] || die "$tarball missing: run scripts/deps.sh"
	# One extraction, which kernels built at once wait for.
	mkdir -p "$ALLOCPROF_CACHE/src"
	(
		flock 8
		if [ ! -f "$src/.allocprof-extracted" ]; then
			info "extracting $tarball"
			rm -rf "$src"
			mkdir -p "$src"
			tar -xf "$tarball" -C "$src" --strip-components=1
			touch "$src/.allocprof-extracted"
		fi
	) 8>"$src.lock"
fi

mkdir -p "$ALLOCPROF_LOGS"
mkdir -p "$kdir"
record_toolchain
# (MAKEFLAGS emptied: called from a make recipe, kernel.sh would inherit
# its -s, which silences the steps that the progress lines count.)
# (LLVM empty: kbuild's GCC.)
kmake() { MAKEFLAGS= LIBCLANG_PATH="$libclang" make -C "$src" O="$kdir" LLVM="$llvm" "$@"; }
info "configuring Linux $KERNEL ($kversion, $src): tinyconfig + ${fragments[*]}"
info "toolchain: ${tc:-LLVM=1} ($("$cc" --version | head -n 1)), LIBCLANG_PATH=$libclang"
kmake rustavailable >"$log" 2>&1 || {
	tail -n 20 "$log" >&2
	die "the kernel says Rust is not available with this toolchain (log: $log)"
}
kmake tinyconfig >>"$log" 2>&1
"$src/scripts/kconfig/merge_config.sh" -m -O "$kdir" "$kdir/.config" "${fragments[@]}" >>"$log" 2>&1
kmake olddefconfig >>"$log" 2>&1

# Every option of the fragments (a later fragment overriding an earlier
# one) must have survived olddefconfig, but for those a fragment says are
# gone in this version ("# not in KERNEL: CONFIG_X"), which must be absent.
gone=" $(sed -n "s/^# not in $KERNEL: \(CONFIG_[A-Za-z0-9_]*\).*/\1/p" "${fragments[@]}" | tr '\n' ' ')"
bad=0
while IFS='=' read -r opt want; do
	if [[ $gone == *" $opt "* ]]; then
		grep -q "^$opt=" "$kdir/.config" &&
			{ printf 'error: %s, said gone in %s, is set\n' "$opt" "$KERNEL" >&2; bad=1; }
	elif [ "$want" = n ]; then
		grep -q "^$opt=" "$kdir/.config" &&
			{ printf 'error: %s must not be set but is\n' "$opt" >&2; bad=1; }
	else
		grep -qx -- "$opt=$want" "$kdir/.config" ||
			{ printf 'error: %s=%s was dropped (.config has: %s)\n' "$opt" "$want" \
				"$(grep -E "^(# )?$opt[= ]" "$kdir/.config" || echo nothing)" >&2; bad=1; }
	fi
done < <(cat "${fragments[@]}" | sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1=\2/p' \
	-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p' |
	awk -F= '{ v[$1] = $0; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
		END { for (i = 0; i < n; i++) print v[order[i]] }')
[ "$bad" -eq 0 ] || die "configuration does not hold every option of the fragments (log: $log)"
info "configuration checked: every fragment option is set"

for f in "" .build .modules; do
	ln -sfn "${log##*/}$f" "$ALLOCPROF_LOGS/kernel-$name.log$f"
done
jobs=${ALLOCPROF_JOBS:-$(nproc)}
run_long "kernel build" "$log.build" kmake -j"$jobs"
run_long "kernel modules" "$log.modules" kmake -j"$jobs" modules
touch "$kdir/.allocprof-built"
info "built: $kdir"
finish
