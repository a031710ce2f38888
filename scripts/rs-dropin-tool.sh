#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Rust drop-in's build step, tools/allocprof-rs-dropin, which dropin.mk
# runs on every Rust module built with the drop-in lines:
#
#   scripts/rs-dropin-tool.sh build   builds it (make modules, before
#                                     kbuild): tools/allocprof-rs-dropin/
#                                     target/release/allocprof-rs-dropin
#   scripts/rs-dropin-tool.sh         runs its `cargo test` on the host,
#                                     printing "cargo test: P passed,
#                                     F failed, S skipped" (scripts/check.sh
#                                     adds them to its totals), then builds it
#
# Offline once its crates are in cargo's cache: the build runs with
# --offline and fetches (cargo fetch --locked) only when that fails for a
# crate not downloaded yet.  Idempotent (cargo rebuilds what changed);
# quiet on success; on failure prints the log's tail and exits 1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir="$ALLOCPROF_ROOT/tools/allocprof-rs-dropin"
bin="$dir/target/release/allocprof-rs-dropin"
mkdir -p "$ALLOCPROF_LOGS"
log="$ALLOCPROF_LOGS/${CHECK_NAME:-check}-rs-dropin-tool.log"
command -v cargo >/dev/null || die "no cargo on PATH: install Rust with rustup first"

# cargo CMD ARGS...: offline, or fetched first if a crate is missing.
cargo_offline() {
	(cd "$dir" && cargo "$@" --locked --offline --color never) && return 0
	(cd "$dir" && cargo fetch --locked --color never) || return 1
	(cd "$dir" && cargo "$@" --locked --offline --color never)
}

if [ "${1:-}" = build ]; then
	if ! cargo_offline build --release >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "building tools/allocprof-rs-dropin failed; full log: $log"
	fi
	exit 0
fi

step "Rust drop-in build step (tools/allocprof-rs-dropin)"
rc=0
cargo_offline test --no-fail-fast >"$log" 2>&1 || rc=$?
cargo_test_report "$log" "$rc"
if ! cargo_offline build --release >>"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "building tools/allocprof-rs-dropin failed; full log: $log"
fi
info "built: ${bin#"$ALLOCPROF_ROOT"/}"
[ "$rc" -eq 0 ] || exit 1
