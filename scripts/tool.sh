#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The allocprof command-line tool (tools/allocprof): runs its `cargo test`
# on the host, printing cargo's "test result:" lines (scripts/check.sh adds
# them to its totals), and builds it statically for the test VM
# (`scripts/tool.sh build`: the build alone; `scripts/tool.sh test`: the
# tests alone):
#
#   tools/allocprof/target/x86_64-unknown-linux-musl/release/allocprof
#
# which scripts/vm.sh ships as /bin/allocprof.  Idempotent (cargo rebuilds
# what changed); quiet on success but for a summary; on failure prints the
# log's tail and exits 1 (after building the binary if only tests failed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir="$ALLOCPROF_ROOT/tools/allocprof"
target=x86_64-unknown-linux-musl
bin="$dir/target/$target/release/allocprof"
# Per check (CHECK_NAME): checks of other clones may run at once.
log="$ALLOCPROF_LOGS/${CHECK_NAME:-check}-cargo-test.log"
mkdir -p "$ALLOCPROF_LOGS"

step "allocprof tool (tools/allocprof)"
command -v cargo >/dev/null || die "no cargo on PATH: install Rust with rustup first"
rc=0
mode=${1:-all}
case "$mode" in
all | build | test) ;;
*) die "usage: $0 [build|test]" ;;
esac
if [ "$mode" != build ]; then
	(cd "$dir" && cargo test --locked --no-fail-fast --color never) >"$log" 2>&1 || rc=$?
	# (No test skips at run time: one whose precondition is missing
	# fails, saying so.)
	cargo_test_report "$log" "$rc"
fi
if [ "$mode" = test ]; then
	exit "$rc"
fi
rustup target list --installed 2>/dev/null | grep -qx "$target" ||
	die "no Rust target $target: run scripts/deps.sh (rustup target add $target)"
blog="$ALLOCPROF_LOGS/${CHECK_NAME:-check}-cargo-build.log"
if ! (cd "$dir" && cargo build --locked --color never --release --target "$target") >"$blog" 2>&1; then
	tail -n 40 "$blog" >&2
	die "cargo build --target $target failed; full log: $blog"
fi
if command -v file >/dev/null; then
	file "$bin" | grep -q 'static' || die "$bin is not statically linked"
fi
info "static binary: ${bin#"$ALLOCPROF_ROOT"/} ($(($(stat -c %s "$bin") / 1024)) KiB)"
[ "$rc" -eq 0 ] || exit 1
