#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The allocinfo table: root only; each open file is one consistent
# snapshot, allocated through allocprof's own wrappers (its rows show it);
# a 10,000-tag table reads completely and identically with cat, dd bs=1 and
# reads at arbitrary offsets.
. "$(dirname "$0")/lib.sh"
start 14 allocprof

check "a non-root reader is refused" \
	refused "Permission denied" su -s /bin/sh nobody -c "cat $ALLOCINFO"

# allocprof's own rows: the text buffer and the box of each live snapshot.
TEXT=allocprof::files::allocinfo::Snapshot::alloc_text
BOX=allocprof::files::allocinfo::Snapshot::boxed
calls() { row "$1" | cut -d' ' -f2; }
check "one reader: its own text buffer is 1 live allocation" test "$(calls $TEXT)" = 1
check "one reader: the box comes after the rows, 0 live" test "$(calls $BOX)" = 0
exec 3<"$ALLOCINFO"
check "a second reader sees 2 text buffers and 1 box" \
	test "$(calls $TEXT) $(calls $BOX)" = "2 1"
check "an open file keeps its snapshot" test "$(head -n 2 <&3 | tail -n 1)" = "$HEADER2"
exec 3<&-
check "closed: back to 1 and 0" test "$(calls $TEXT) $(calls $BOX)" = "1 0"
check "the text buffer is charged: bytes > 0" test "$(row $TEXT | cut -d' ' -f1)" -gt 0

load allocprof_many || ktap_exit_fail_msg "insmod allocprof_many failed"
cat "$ALLOCINFO" >/tmp/cat.txt
check "10,000 rows of allocprof_many" \
	test "$(grep -c ' \[allocprof_many\] func:allocprof_many::many_sites $' /tmp/cat.txt)" = 10000
size=$(wc -c </tmp/cat.txt)
check "the table is far larger than a page ($size bytes)" test "$size" -gt 100000
# TABLE_BS1_BYTES (default: all) bounds the byte-by-byte read, which
# takes minutes on a KASAN/lockdep kernel.
if [ -n "${TABLE_BS1_BYTES:-}" ]; then
	dd if="$ALLOCINFO" of=/tmp/dd.txt bs=1 count="$TABLE_BS1_BYTES" 2>/dev/null
	head -c "$TABLE_BS1_BYTES" /tmp/cat.txt >/tmp/cat.part
else
	dd if="$ALLOCINFO" of=/tmp/dd.txt bs=1 2>/dev/null
	cp /tmp/cat.txt /tmp/cat.part
fi
check "dd bs=1 reads the same bytes as cat (${TABLE_BS1_BYTES:-all} bytes)" cmp -s /tmp/cat.part /tmp/dd.txt

offsets() {
	for off in 0 1 4095 4096 4097 65537 $((size / 2)) $((size - 7)); do
		dd if="$ALLOCINFO" bs=1 skip=$off count=100 2>/dev/null >/tmp/a
		dd if=/tmp/cat.txt bs=1 skip=$off count=100 2>/dev/null >/tmp/b
		cmp -s /tmp/a /tmp/b || { ktap_print_msg "offset $off differs"; return 1; }
	done
}
check "reads at arbitrary offsets match" offsets
check "a read past the end returns 0 bytes" \
	test "$(dd if="$ALLOCINFO" bs=1 skip=$((size + 10)) count=5 2>/dev/null | wc -c)" = 0
rmmod allocprof_many
check "allocprof_many's rows leave with it" sh -c "! grep -q allocprof_many $ALLOCINFO"
check "rmmod allocprof" rmmod allocprof
ktap_finished
