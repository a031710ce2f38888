#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The allocprof command-line tool (tools/allocprof; scripts/vm.sh ships its
# static build as /bin/allocprof) against the live table: top, snapshot and
# an exact diff around a known allocation, --fail-if-grown, every export
# format checked with awk and the tool's own pprof decoder and OpenMetrics
# parser (openmetrics-check; the live table's export too), the non-root
# message, a 10,000-row table.  Skipped when /bin/allocprof is absent.
. "$(dirname "$0")/lib.sh"
TOOL=/bin/allocprof
if [ ! -x "$TOOL" ]; then
	ktap_print_header
	ktap_skip_all "no $TOOL: build it with scripts/tool.sh"
	exit "$KSFT_SKIP"
fi
start 28 allocprof allocprof_test
F=allocprof_test::site_kmalloc

# run NAME COMMAND...: COMMAND's stdout in /tmp/NAME.out, stderr in
# /tmp/NAME.err, status in $rc.
run() {
	name=$1
	shift
	"$@" >"/tmp/$name.out" 2>"/tmp/$name.err"
	rc=$?
	[ "$rc" -eq 0 ] || ktap_print_msg "$*: exit $rc: $(head -n 3 "/tmp/$name.err")"
}

run top $TOOL top -n 5 --bytes
check "top -n 5: exit 0, a header, 5 rows and a totals line" \
	test "$rc $(wc -l </tmp/top.out) $(head -n 1 /tmp/top.out | tr -s ' ')" = "0 7 BYTES CALLS NAME"
check "top -n 5: the rows are allocinfo sites" \
	test "$(grep -c ' func:' /tmp/top.out)" = 5
run strict $TOOL top --strict --module allocprof_test --bytes -n 100
check "top --strict --module: the live table parses, only allocprof_test rows" \
	test "$rc $(grep ' func:' /tmp/strict.out | grep -vc '\[allocprof_test\]')" = "0 0"
check "top: no malformed line reported" test ! -s /tmp/strict.err

run snapa $TOOL snapshot -o /tmp/a
check "snapshot -o /tmp/a: the table's header, then the snapshot comment" \
	test "$rc|$(sed -n 1p /tmp/a)|$(sed -n 2p /tmp/a)|$(sed -n 3p /tmp/a | cut -c1-29)" = \
	"0|$HEADER1|$HEADER2|# allocprof snapshot: time=20"
control kmalloc 4 100
run snapb $TOOL snapshot -o /tmp/b
# The live table's metrics and $F's row, while its allocations are held.
run om $TOOL export --format openmetrics -o /tmp/live.om
live_row=$(row "$F")
control free
check "snapshot -o /tmp/b: the site's row as allocinfo shows it" \
	test "$(awk -v f="func:$F" '$NF == f { print $1, $2 }' /tmp/b)" = "512 4"

run diff $TOOL diff /tmp/a /tmp/b --bytes
check "diff: exit 0" test "$rc" = 0
check "diff: $F grew by exactly +512 bytes in +4 calls" \
	test "$(awk -v f="func:$F" '$NF == f { print $1, $2, $3, $4, $5 }' /tmp/diff.out)" = "grew +512 +4 0 512"
check "diff: a totals line" grep -q '^total: .* bytes (.*), .* calls (.*); grown' /tmp/diff.out
run fail $TOOL diff /tmp/a /tmp/b --func 'site_kmalloc$' --fail-if-grown 100
check "diff --fail-if-grown 100: exit 1 for +512" test "$rc" = 1
run nofail $TOOL diff /tmp/a /tmp/b --func 'site_kmalloc$' --fail-if-grown 512
check "diff --fail-if-grown 512: exit 0 for +512" test "$rc" = 0

# Totals of the snapshot /tmp/b, from its text.
rows=$(grep -vc '^#\|^allocinfo' /tmp/b)
sum_bytes=$(awk '!/^#|^allocinfo/ { s += $1 } END { print s }' /tmp/b)
sum_calls=$(awk '!/^#|^allocinfo/ { s += $2 } END { print s }' /tmp/b)
sum_pos=$(awk '!/^#|^allocinfo/ && $1 > 0 { s += $1 } END { print s + 0 }' /tmp/b)
ktap_print_msg "/tmp/b: $rows rows, $sum_bytes bytes, $sum_calls calls"

run json $TOOL export --file /tmp/b --format json
json_sum=$(awk 'match($0, /"bytes":-?[0-9]+/) { s += substr($0, RSTART + 8, RLENGTH - 8) } END { print s }' /tmp/json.out)
check "export json: one object per row, bytes add up to the table's" \
	test "$rc $(grep -c '"function":' /tmp/json.out) $json_sum" = "0 $rows $sum_bytes"
check "export json: $F's row" \
	grep -q "\"module\":\"allocprof_test\",\"function\":\"$F\",\"bytes\":512,\"calls\":4," /tmp/json.out
check "export json: an array" test "$(head -n 1 /tmp/json.out)$(tail -n 1 /tmp/json.out)" = "[]"

run csv $TOOL export --file /tmp/b --format csv
check "export csv: a header and one record per row" \
	test "$rc|$(head -n 1 /tmp/csv.out)|$(($(wc -l </tmp/csv.out) - 1))" = \
	"0|source,file,line,module,function,bytes,calls,extra|$rows"
check "export csv: $F's record" grep -q ",allocprof_test,$F,512,4,\$" /tmp/csv.out

run folded $TOOL export --file /tmp/b --format folded
check "export folded: every line is module;file;function bytes" \
	test "$rc $(grep -cvE '^[^; ]+;[^; ]+;[^ ]+ [0-9]+$' /tmp/folded.out)" = "0 0"
check "export folded: bytes add up to the positive rows' and $F has 512" \
	test "$(awk '{ s += $NF } END { print s + 0 }' /tmp/folded.out) $(grep -c "^allocprof_test;[^;]*;$F 512\$" /tmp/folded.out)" = "$sum_pos 1"

run pprof $TOOL export --file /tmp/b --format pprof -o /tmp/p.pb.gz
check "export pprof: a gzip file" test "$rc $(od -An -tx1 -N2 /tmp/p.pb.gz | tr -d ' ')" = "0 1f8b"
run psum $TOOL pprof-summary /tmp/p.pb.gz
check "export pprof: decodes to the table's samples, bytes and calls" \
	test "$rc|$(tr '\n' '|' </tmp/psum.out)" = \
	"0|samples $rows|locations $rows|functions $rows|inuse_space/bytes $json_sum|inuse_objects/count $sum_calls|"

run omcheck $TOOL openmetrics-check /tmp/live.om
check "export --format openmetrics of the live table: openmetrics-check parses it" \
	test "$rc|$(tr '\n' '|' </tmp/omcheck.out | sed 's/[0-9][0-9]*/N/g')" = "0|samples N|families N|"
# $F's samples: the value after its labels (function is the last label).
om_row=$(awk -v f="function=\"$F\"}" '
	index($0, "allocprof_live_bytes{") == 1 && index($0, f) { b = $NF }
	index($0, "allocprof_live_allocations{") == 1 && index($0, f) { c = $NF }
	END { print b, c }' /tmp/live.om)
check "export --format openmetrics: $F's bytes and calls are the live table's" \
	test "$om_row|$live_row" = "512 4|512 4"

run omb $TOOL export --file /tmp/b --format openmetrics
om_sums=$(awk 'index($0, "allocprof_live_bytes{") == 1 { b += $NF }
	index($0, "allocprof_live_allocations{") == 1 { c += $NF }
	END { print b + 0, c + 0 }' /tmp/omb.out)
check "export openmetrics: live bytes and allocations add up to the table's" \
	test "$rc $om_sums" = "0 $sum_bytes $sum_calls"
run ombcheck $TOOL openmetrics-check /tmp/omb.out
run promb $TOOL export --file /tmp/b --format prometheus
run promcheck $TOOL openmetrics-check --format prometheus /tmp/promb.out
check "export prometheus: valid 0.0.4 text of the same samples, no # EOF nor # UNIT" \
	test "$rc|$(tr '\n' '|' </tmp/promcheck.out)$(grep -c '^# EOF\|^# UNIT' /tmp/promb.out)" = \
	"0|$(tr '\n' '|' </tmp/ombcheck.out)0"

run watch $TOOL top --watch 1 --iterations 2 -n 3
check "top --watch 1 --iterations 2 (no terminal): two plain refreshes" \
	test "$rc $(grep -c '^--- allocprof top: refresh' /tmp/watch.out)" = "0 2"

out=$(su -s /bin/sh nobody -c "$TOOL top" 2>&1)
rc=$?
check "non-root: exit 2 and the permission message" \
	test "$rc|$out" = "2|permission denied: allocinfo is readable by root only"

# 10,000 call sites of one module: all parsed, summed into one entry.
load allocprof_many || ktap_exit_fail_msg "insmod allocprof_many failed"
run many $TOOL top --strict --module allocprof_many --by module --bytes
check "10,000 rows of allocprof_many: one module entry of 10000 sites" \
	test "$rc $(awk '$NF == "allocprof_many" { print $3 }' /tmp/many.out)" = "0 10000"

if [ -r /proc/allocinfo ]; then
	run proc $TOOL top --strict --file /proc/allocinfo -n 5
	check "upstream /proc/allocinfo parses (--strict)" test "$rc" = 0
else
	ktap_test_skip "upstream /proc/allocinfo: absent on this kernel"
fi
unload_all
ktap_finished
