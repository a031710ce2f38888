#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or find in the cache) a test kernel from Debian's linux-source-6.12:
# tinyconfig plus config fragments, with the fragments' toolchain (below),
# then `make modules` so that Module.symvers exists for out-of-tree modules.
#
#   scripts/kernel.sh path  NAME FRAGMENT...   print the build directory
#   scripts/kernel.sh build NAME FRAGMENT...   build it unless cached
#   scripts/kernel.sh build-path NAME FRAGMENT...
#       build it unless cached, with every message on stderr, then print
#       the build directory on stdout: kdir=$(scripts/kernel.sh build-path ...)
#   scripts/kernel.sh toolchain KDIR
#       the make variables that build modules against KDIR with its own
#       compiler, one a line (LLVM=-19, LIBCLANG_PATH=...: lib.sh's
#       kernel_make_vars, which the Makefile and module_make use)
#
# The toolchain: the LLVM= of the kernel's make (kbuild then uses clang,
# ld.lld and the llvm-* tools of that suffix), named by a fragment's line
# "# allocprof-toolchain: LLVM=-19" (the last such line of the fragments);
# none: LLVM=1, the distribution's default clang (Debian 12: clang 14).
# bindgen loads the libclang of the same LLVM (LIBCLANG_PATH: clang-sys
# would pick the newest installed, whose flags are not the kernel's).  The
# build directory records both ($kdir/.allocprof-toolchain), so that every
# module built against it uses that compiler.
#
# The build directory is $ALLOCPROF_CACHE/kernel-NAME-<key>, where the key
# hashes the kernel version, the fragments, rustc, bindgen and the
# toolchain's clang: a changed fragment or toolchain gets a fresh build, an
# unchanged one is reused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = toolchain ]; then
	[ $# -eq 2 ] || die "usage: $0 toolchain KDIR"
	kernel_make_vars "$2"
	exit
fi
[ $# -ge 3 ] || die "usage: $0 path|build|build-path NAME FRAGMENT... | toolchain KDIR"
action=$1 name=$2
shift 2
fragments=()
for f in "$@"; do
	[ -f "$f" ] || die "no config fragment $f"
	fragments+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done

# The toolchain (see the top): LLVM, its clang, and the libclang of that
# LLVM's version, for bindgen.
llvm=$(sed -n 's/^# allocprof-toolchain: LLVM=\([^ ]*\) *$/\1/p' "${fragments[@]}" | tail -n 1)
llvm=${llvm:-1}
case "$llvm" in
1) cc=clang ;;
-[0-9]*) cc=clang$llvm ;;
*) die "fragment toolchain LLVM=$llvm: only LLVM=1 or LLVM=-VERSION (Debian's clang-VERSION) are handled" ;;
esac
command -v "$cc" >/dev/null ||
	die "$cc, the compiler of this kernel (LLVM=$llvm), is missing: run scripts/deps.sh"
libclang=$(dirname "$(dirname "$("$cc" -print-resource-dir)")")
ls "$libclang"/libclang*.so* >/dev/null 2>&1 ||
	die "no libclang in $libclang (of $cc, for bindgen): run scripts/deps.sh"

tarball=/usr/src/linux-source-6.12.tar.xz
kversion() { dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown; }
key() {
	{
		kversion
		cat "${fragments[@]}"
		rustc --version
		bindgen --version 2>/dev/null || true
		"$cc" --version | head -n 1
		echo "tinyconfig LLVM=$llvm v1"
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
[ -f "$tarball" ] || die "$tarball missing: run scripts/deps.sh"

src="$ALLOCPROF_CACHE/src/linux-source-6.12-$(kversion)"
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

mkdir -p "$ALLOCPROF_LOGS"
mkdir -p "$kdir"
record_toolchain
# (MAKEFLAGS emptied: called from a make recipe, kernel.sh would inherit
# its -s, which silences the steps that the progress lines count.)
kmake() { MAKEFLAGS= LIBCLANG_PATH="$libclang" make -C "$src" O="$kdir" LLVM="$llvm" "$@"; }
info "configuring: tinyconfig + ${fragments[*]}"
info "toolchain: LLVM=$llvm ($("$cc" --version | head -n 1)), LIBCLANG_PATH=$libclang"
kmake rustavailable >"$log" 2>&1 || {
	tail -n 20 "$log" >&2
	die "the kernel says Rust is not available with this toolchain (log: $log)"
}
kmake tinyconfig >>"$log" 2>&1
"$src/scripts/kconfig/merge_config.sh" -m -O "$kdir" "$kdir/.config" "${fragments[@]}" >>"$log" 2>&1
kmake olddefconfig >>"$log" 2>&1

# Every option of the fragments (a later fragment overriding an earlier
# one) must have survived olddefconfig.
bad=0
while IFS='=' read -r opt want; do
	if [ "$want" = n ]; then
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
run_long "kernel build" "$log.build" kmake -j"$(nproc)"
run_long "kernel modules" "$log.modules" kmake -j"$(nproc)" modules
touch "$kdir/.allocprof-built"
info "built: $kdir"
finish
