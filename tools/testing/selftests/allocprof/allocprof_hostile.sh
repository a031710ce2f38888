#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Hostile input: every writable file allocprof and the test client create
# refuses a table of bad writes with a clear errno and changes nothing;
# allocinfo cannot be written; reads past the end return 0 bytes;
# concurrent opens are independent; nothing prints a kernel pointer; the
# module parameters are read-only at runtime.
. "$(dirname "$0")/lib.sh"
start 30 allocprof allocprof_test
T=allocprof_test

snapshot_rows() { grep "\[$T\]" "$ALLOCINFO"; }
before=$(snapshot_rows)

# bad_control VALUE ERRNO_TEXT DESCRIPTION
bad_control() {
	if refused "$2" write_once "$CONTROL" "$1" && [ "$(snapshot_rows)" = "$before" ]; then
		ktap_test_pass "control: $3 is refused ($2), nothing changes"
	else
		ktap_test_fail "control: $3 is refused ($2), nothing changes"
	fi
}
bad_control "
" "Invalid argument" "an empty line"
bad_control "$(head -c 3000 /dev/zero | tr '\0' k)" "Invalid argument" "a 3000-byte word"
bad_control "$(printf 'kmalloc 1 \001\377')" "Invalid argument" "binary bytes"
bad_control "kmalloc -1 100" "Invalid argument" "a negative count"
bad_control "kmalloc 1 -100" "Invalid argument" "a negative size"
bad_control "kmalloc 99999999999999999999999 1" "Invalid argument" "an overflowing count"
bad_control "kmalloc 1 18446744073709551617" "Invalid argument" "an overflowing size"
bad_control "kmalloc 100001 1" "Invalid argument" "a count over the limit"
bad_control "vmalloc 1 67108865" "Invalid argument" "a size over the limit"
bad_control "pages 1 11" "Invalid argument" "an order over MAX_PAGE_ORDER"
bad_control "kmalloc 0 100" "Invalid argument" "a zero count"
bad_control "kmalloc 1 100 7" "Invalid argument" "an extra field"
bad_control "kmalloc 1" "Invalid argument" "a missing field"
bad_control "free now" "Invalid argument" "an argument to free"
bad_control "kmallocx 1 100" "Invalid argument" "an unknown command"
bad_control "kcalloc 1 4294967296 4294967296" "Invalid argument" "kcalloc sizes over the limit"
check "control: a write at offset 1 is refused" \
	refused "Invalid argument" sh -c "printf 'kmalloc 1 100' | dd of=$CONTROL bs=1 seek=1 2>&1 >/dev/null || exit 1"
check "control: nothing changed" test "$(snapshot_rows)" = "$before"
check "control: a non-root write is refused" \
	refused "Permission denied" su -s /bin/sh nobody -c "echo free > $CONTROL"
check "control: a read is refused" refused "Permission denied" cat "$CONTROL"
check "allocinfo: a write is refused" refused "Permission denied" sh -c "echo x > $ALLOCINFO"
check "allocinfo: a read at offset 10^9 returns 0 bytes" \
	test "$(dd if="$ALLOCINFO" bs=1 skip=1000000000 count=1 2>/dev/null | wc -c)" = 0

# Concurrent opens are independent snapshots.
exec 3<"$ALLOCINFO"
exec 4<"$ALLOCINFO"
a1=$(dd bs=50 count=1 <&3 2>/dev/null)
b=$(cat <&4)
a2=$(cat <&3)
exec 3<&- 4<&-
TEXT=allocprof::files::allocinfo::Snapshot::alloc_text
calls_in() { echo "$1" | awk -v f="func:$TEXT" '$NF == f { print $2 }'; }
check "two open files hold two snapshots (1 and 2 live buffers)" \
	test "$(calls_in "$a1$a2") $(calls_in "$b")" = "1 2"
check "an interleaved reader gets a whole table" \
	sh -c "echo \"\$1\" | head -n 2 | tail -n 1 | grep -qx '$HEADER2' && echo \"\$1\" | tail -n 1 | grep -q ' \$'" _ "$a1$a2"

# No kernel pointer anywhere.
check "allocinfo prints no kernel address" sh -c "! grep -qiE 'ffff[0-9a-f]{12}' $ALLOCINFO"
check "allocprof's kernel messages print no kernel address" \
	sh -c "! dmesg | grep -E 'allocprof' | grep -qiE 'ffff[0-9a-f]{12}'"

# Module parameters: read-only at runtime.
check "parameter enabled is 0444" test "$(stat -c %a /sys/module/allocprof/parameters/enabled)" = 444
check "parameter debug is 0444" test "$(stat -c %a /sys/module/allocprof/parameters/debug)" = 444
check "writing a parameter is refused" \
	refused "Permission denied" sh -c "echo 0 > /sys/module/allocprof/parameters/enabled"
check "allocinfo stays 0400" test "$(stat -c %a "$ALLOCINFO")" = 400
unload_all
ktap_finished
