#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The allocprof command-line tool (tools/allocprof): runs its `cargo test`
# on the host, printing cargo's "test result:" lines (scripts/check.sh adds
# them to its totals), and builds it statically for the test VM
# (`scripts/tool.sh build`: the build alone, no test):
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
build_only=0
[ "${1:-}" = build ] && build_only=1
if [ "$build_only" = 0 ]; then
	(cd "$dir" && cargo test --locked --no-fail-fast --color never) >"$log" 2>&1 || rc=$?
	grep '^test result:' "$log" | sed 's/^/    /' || true
	# Skipped: the tests cargo reports as ignored (no test skips at run time:
	# one whose precondition is missing fails, saying so).
	read -r passed failed skipped < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed; \([0-9]*\) ignored.*/\1 \2 \3/p' "$log" |
		awk '{ p += $1; f += $2; s += $3 } END { print p + 0, f + 0, s + 0 }')
	printf 'cargo test: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
	if [ "$rc" -ne 0 ]; then
		grep -E '^(test .* FAILED|error)' "$log" | head -n 20 | sed 's/^/    /' >&2 || true
		printf 'error: cargo test failed (exit %d); full log: %s\n' "$rc" "$log" >&2
	fi
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
