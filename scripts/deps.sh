#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what allocprof needs to build a kernel, the module and the test VM.
# Idempotent: a second run installs nothing and says so.  Not root and
# something missing: prints the commands to run and exits 1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# clang, lld, llvm, libclang-dev: Debian's default LLVM (14), the 6.12
# test kernels' (scripts/kernel.sh); the -19 packages: the debug kernels'
# (config.debug's allocprof-toolchain line: kCFI needs clang 16 or
# newer), and libclang-19 the bindgen of every 7.3 kernel (7.3 needs
# libclang 17.0.1 or newer); gcc: the 7.3 test and upstream kernels' C
# compiler (config.7.3).
DEBS="linux-source-6.12 clang lld llvm libclang-dev clang-19 lld-19 llvm-19 libclang-19-dev gcc
flex bison bc libelf-dev libssl-dev openssl cpio kmod busybox-static qemu-system-x86 make
xz-utils tmux sparse"

missing_debs=()
for p in $DEBS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing_debs+=("$p")
done
have_rust_src() { [ -d "$(rustc --print sysroot 2>/dev/null)/lib/rustlib/src/rust/library" ]; }
have_bindgen() { bindgen --version 2>/dev/null | grep -qx "bindgen $ALLOCPROF_BINDGEN_VERSION"; }
# The static build of tools/allocprof for the test VM (scripts/tool.sh).
have_musl() { rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-linux-musl; }
# make lint's check of the documentation (scripts/rst-check.py), for the
# python3 on PATH.
have_docutils() { python3 -c 'import docutils' 2>/dev/null; }
command -v rustc >/dev/null || die "no rustc on PATH: install Rust with rustup first"

cmds=()
[ ${#missing_debs[@]} -eq 0 ] ||
	cmds+=("apt-get update" "DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing_debs[*]}")
have_rust_src || cmds+=("rustup component add rust-src")
have_bindgen || cmds+=("cargo install --locked bindgen-cli --version $ALLOCPROF_BINDGEN_VERSION")
have_musl || cmds+=("rustup target add x86_64-unknown-linux-musl")
# (pip for a python3 of its own, as pyenv's; Debian's own python3 refuses
# pip installs, PEP 668, and takes the Debian package.)
have_docutils || cmds+=("python3 -m pip install docutils || DEBIAN_FRONTEND=noninteractive apt-get install -y python3-docutils")

step "dependencies"
if [ ${#cmds[@]} -eq 0 ]; then
	info "all present, nothing to install"
	exit 0
fi
if [ "$(id -u)" -ne 0 ] && [ ${#missing_debs[@]} -ne 0 ]; then
	printf 'error: missing dependencies and not root; run these, then try again:\n' >&2
	printf '  %s\n' "${cmds[@]}" >&2
	exit 1
fi
log="$ALLOCPROF_LOGS/deps.log"
mkdir -p "$ALLOCPROF_LOGS"
for c in "${cmds[@]}"; do
	info "$c"
	run_long deps "$log" bash -c "$c"
done
have_rust_src || die "rust-src still missing after install"
have_bindgen || die "bindgen $ALLOCPROF_BINDGEN_VERSION still missing after install"
have_musl || die "the x86_64-unknown-linux-musl target still missing after install"
have_docutils || die "python3 cannot import docutils after install"
info "dependencies installed"
