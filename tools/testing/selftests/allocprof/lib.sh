#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the allocprof kselftests.  Sourced.

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"

# Where the .ko files are: the VM puts them in /allocprof/modules.
MODDIR=${ALLOCPROF_MODULES:-/allocprof/modules}
ALLOCINFO=/sys/kernel/allocprof/allocinfo
SYSCTL=/proc/sys/vm/mem_profiling
SYSFS=/sys/kernel/allocprof
CONTROL=/sys/kernel/allocprof_test/control
HEADER1='allocinfo - version: 2.0'
HEADER2='#     <size>  <calls> <tag info>'

load() { # MODULE [PARAM=VALUE...]
	m=$1
	shift
	insmod "$MODDIR/$m.ko" "$@"
}

unload_all() {
	for m in allocprof_many allocprof_test allocprof_ctest allocprof_dropin_peer allocprof_dropin_test allocprof_dropin_cmdline \
		allocprof_dropin_rust_test rust_minimal rust_print rust_misc_device rust_driver_faux allocprof; do
		grep -q "^$m " /proc/modules && rmmod "$m"
	done
	return 0
}

# row FUNCTION [FILE]: "bytes calls" of the allocinfo row of FUNCTION
# (nothing if there is none); key:value pairs may follow the function.
row() {
	awk -v f="func:$1" '{ for (i = 3; i <= NF; i++) if ($i == f) { print $1, $2; next } }' "${2:-$ALLOCINFO}"
}

# expect_eq WHAT GOT WANT DESCRIPTION: one test, passing if GOT is WANT.
expect_eq() {
	if [ "$2" = "$3" ]; then
		ktap_test_pass "$4"
	else
		ktap_print_msg "$1: expected '$3', got '$2'"
		ktap_test_fail "$4"
	fi
}

# expect_row FUNCTION BYTES CALLS DESCRIPTION
expect_row() {
	expect_eq "row $1" "$(row "$1")" "$2 $3" "$4"
}

# control COMMAND...: write a command to the test client.
control() {
	echo "$*" >"$CONTROL"
}

# check DESCRIPTION COMMAND...: one test from a command's status.
check() {
	desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

# refused ERRNO_TEXT COMMAND...: the command fails saying ERRNO_TEXT.
refused() {
	want=$1
	shift
	out=$("$@" 2>&1) && return 1
	case "$out" in
	*"$want"*) return 0 ;;
	*) ktap_print_msg "wanted '$want', got: $out"; return 1 ;;
	esac
}

require_root() {
	[ "$(id -u)" -eq 0 ] || { ktap_skip_all "must run as root"; exit "$KSFT_SKIP"; }
}

# start PLAN [MODULE...]: the preamble of a test: root, KTAP header and
# plan, nothing of allocprof loaded, then MODULE... loaded in order.
start() {
	require_root
	ktap_print_header
	ktap_set_plan "$1"
	shift
	unload_all
	for m in "$@"; do
		load "$m" || ktap_exit_fail_msg "insmod $m failed"
	done
}

# write_once FILE VALUE: one write(2) of VALUE exactly (no newline added);
# prints dd's messages, fails as the write does.
write_once() {
	printf '%s' "$2" >/tmp/value
	dd if=/tmp/value of="$1" bs=65536 2>&1
}
