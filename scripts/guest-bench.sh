#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make bench`, inside the test VM.  BENCH_MODE (passed by scripts/bench.sh
# through the guest environment) picks what runs:
#   allocprof  allocprof's loops (raw, off, on, and for kmalloc cum: on
#              with the cumulative counters) and the C raw loop, rounds
#              interleaved; memory; allocinfo read cost; then the C loop
#              built with the drop-in header (raw, off, offlive, on)
#              then the Rust drop-in's loops (allocprof_bench_rs.rs: plain,
#              with the drop-in's flags alone, with the drop-in lines off
#              and on)
#   dropin     the drop-in part of allocprof only (BENCH_ONLY=dropin)
#   upstream   the C loop on the kernel with CONFIG_MEM_ALLOC_PROFILING,
#              vm.mem_profiling 1 and 0 (written); /proc/allocinfo read
#              cost, without and with allocprof_many_c's 10,000 rows
#   upstream-bootoff  the C loop on that kernel booted with
#              sysctl.vm.mem_profiling=0 (scripts/bench.sh's VM_APPEND)
#   wall       allocprof's kmalloc loops without icount (wall time)
#   scale      kmalloc raw/on on 1 CPU, then on 2 CPUs at once (wall time)
# Every figure is printed as "result: KEY VALUE".  A figure that could not
# be measured as its key says is "bench-fail: KEY WHY" instead (or as
# well, for a check after its run): scripts/bench_report.py drops every
# round of such a key, and the targets that need it are missed.  Each run
# proves that it ran (its own line in a cleared kernel log, as many
# operations as asked) and, where it profiles, the state it ran in (the
# call sites charged, or not, in that state: see charged and
# upstream_charged).  Last, "bench-done: N failures".
M=/allocprof/modules
ROUNDS=${BENCH_ROUNDS:-6}
KITERS=${BENCH_KMALLOC_ITERS:-4000}
PITERS=${BENCH_PAGE_ITERS:-20000}
KVITERS=${BENCH_KV_ITERS:-20000}
RSBOX=${BENCH_RS_KBOX_ITERS:-20000}
RSVEC=${BENCH_RS_KVEC_ITERS:-2000}
SYSCTL=/proc/sys/vm/mem_profiling
CUM=/sys/kernel/allocprof/cumulative
MV=/sys/kernel/allocprof/modules
RB=/sys/kernel/allocprof_bench/run
RC=/sys/kernel/allocprof_bench_c/run
READ=/allocprof/selftests/allocprof/allocinfo_read
failures=0
iters() {
	case $1 in
	kbox) echo "$RSBOX" ;;
	kvec) echo "$RSVEC" ;;
	kmalloc*) echo "$KITERS" ;;
	kvmalloc*) echo "$KVITERS" ;;
	*) echo "$PITERS" ;;
	esac
}
# Operations a loop logs per iteration.
ops_per() {
	case $1 in
	kmalloc*) echo 30 ;;
	kvmalloc*) echo 2 ;;
	*) echo 1 ;;
	esac
}

# fail KEY WHY: KEY's figure is missing.
fail() {
	echo "bench-fail: $1 $2"
	failures=$((failures + 1))
	return 1
}
# need KEY COMMAND...: runs a step that KEY's figure depends on.
need() {
	k=$1
	shift
	"$@" || fail "$k" "'$*' failed"
}
# setv FILE VALUE KEY: writes VALUE to FILE and reads it back.
setv() {
	if echo "$2" >"$1" && [ "$(cat "$1")" = "$2" ]; then
		return 0
	fi
	fail "$3" "writing $2 to $1 failed (reads '$(cat "$1" 2>&1)')"
}

# run FILE NAME KEY [ITERS]: one run of loop NAME through FILE; prints
# "result: KEY OPS NS".  The kernel log is cleared first, so that the
# line read is this run's: a write that fails leaves none (the last line
# of an uncleared log repeated the previous run's figures), and the run
# must report the operations it was asked for.
run() {
	_it=${4:-$(iters "$2")}
	dmesg -c >/dev/null 2>&1 || fail "$3" "dmesg -c failed" || return 1
	echo "$2 $_it" >"$1" || fail "$3" "writing '$2 $_it' to $1 failed" || return 1
	_got=$(dmesg | sed -rn "s/^(.*[] ])?$2 ops=([0-9]+) ns=([0-9]+)$/\2 \3/p")
	_n=$(printf '%s' "$_got" | grep -c .)
	[ "$_n" -eq 1 ] || fail "$3" "$_n log lines of run '$2 $_it', not 1" || return 1
	[ "${_got% *}" -eq $((_it * $(ops_per "$2"))) ] ||
		fail "$3" "run '$2 $_it' did ${_got% *} operations, not $((_it * $(ops_per "$2")))" || return 1
	echo "result: $3 $_got"
}

# calls MODULE: the sum of total_calls over MODULE's rows of allocprof
# (its per-module view), or "none" without the cumulative pairs.
calls() {
	[ -r "$MV/$1/allocinfo" ] || { echo none; return; }
	awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^total_calls:/) { n += substr($i, 13); p = 1 } }
		END { if (p) print n + 0; else print "none" }' "$MV/$1/allocinfo"
}
# charged KEY MODULE FILE NAME WANT: after a run of loop NAME in some state
# of the keys, proves that state: with the cumulative counters on, one
# more iteration must count WANT calls on MODULE's rows (its operations
# with profiling on, 0 off); then the counters are off again.  (The loops
# free what they allocate: their live rows read 0 0 after a run either
# way; the cumulative counters cost more, so "on" runs without them.)
charged() {
	setv $CUM 1 "$1" || return 1
	_c0=$(calls "$2")
	echo "$4 1" >"$3" || { fail "$1" "probe '$4 1' failed"; setv $CUM 0 "$1"; return 1; }
	_c1=$(calls "$2")
	setv $CUM 0 "$1" || return 1
	if [ "$_c0" = none ] || [ "$_c1" = none ] || [ $((_c1 - _c0)) -ne "$5" ]; then
		fail "$1" "its state not proven: one iteration of $4 counted $_c0 -> $_c1 calls on $2, wanted +$5"
	fi
}
# held_row: hold_store's row of /proc/allocinfo (allocprof_bench_c's
# probe site), "BYTES CALLS", or "none".
held_row() {
	awk '$NF == "func:hold_store" && /\[allocprof_bench_c\]/ { print $1, $2; f = 1 } END { if (!f) print "none" }' \
		/proc/allocinfo
}
# upstream_charged KEY WANT: upstream's profiler has no cumulative
# counter: one kmalloc(64) held at allocprof_bench_c's probe site must
# read WANT ("64 1" with profiling on, "0 0" off), the row 0 0 around it.
upstream_charged() {
	_b=$(held_row)
	echo 1 >/sys/kernel/allocprof_bench_c/hold || { fail "$1" "hold 1 failed"; return 1; }
	_h=$(held_row)
	echo 0 >/sys/kernel/allocprof_bench_c/hold || fail "$1" "hold 0 failed" || return 1
	_a=$(held_row)
	[ "$_b/$_h/$_a" = "0 0/$2/0 0" ] ||
		fail "$1" "its state not proven: the probe site read '$_b', '$_h' held, '$_a' freed; wanted 0 0, $2, 0 0"
}
# read_cost KEY N [FILE]: allocinfo_read of FILE, N times.
read_cost() {
	_r=$($READ "$2" ${3:+"$3"}) || fail "read.$1" "allocinfo_read failed: $_r" || return 1
	echo "result: read.$1 $_r"
}
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# swap_to VAR MODULE KEY: MODULE loaded in place of the one VAR names (if
# another: unloaded first), VAR then naming it; a failure is KEY's.
swap_to() {
	eval "swap_cur=\$$1"
	[ "$swap_cur" = "$2" ] && return 0
	if [ -n "$swap_cur" ]; then
		rmmod "$swap_cur" || fail "$3" "rmmod $swap_cur failed" || return 1
	fi
	eval "$1="
	insmod "$M/$2.ko" || fail "$3" "insmod $2 failed" || return 1
	eval "$1=\$2"
}

# The drop-in path, with allocprof and allocprof_bench_c loaded:
dropin_bench() {
	# allocprof_bench_c.c unmodified, built with the
	# drop-in header (allocprof_bench_di, scripts/bench.sh), against the
	# same source built plainly (allocprof_bench_c), rounds rotated.  Both
	# use the sysfs directory allocprof_bench_c: one is loaded at a time.
	# Variants: raw (the plain module); off (profiling off, nothing
	# recorded: the frees key is off too); offlive (profiling off, one
	# object of allocprof_dropin_test recorded: every free looks itself up
	# in the table); on.
	# Loaded with profiling off: its init's object is not recorded.
	need setup setv $SYSCTL 0 setup
	need setup insmod $M/allocprof_dropin_test.ko
	DT=/sys/kernel/allocprof_dropin_test/control
	dmesg | sed -rn 's/^.*drop-in pointer table: ([0-9]+) slots, ([0-9]+) bytes$/result: mem.dropin_table \1 \2/p' | tail -n 1
	need setup rmmod allocprof_bench_c
	cur=
	variant() { # VARIANT KEY: the module and the state it runs in
		want=allocprof_bench_di
		[ "$1" = raw ] && want=allocprof_bench_c
		swap_to cur "$want" "$2" || return 1
		case $1 in
		off)
			setv $SYSCTL 1 "$2" && dt free "$2" && setv $SYSCTL 0 "$2"
			;;
		offlive)
			setv $SYSCTL 1 "$2" && dt free "$2" && dt "kmalloc 1 64" "$2" && setv $SYSCTL 0 "$2"
			;;
		on) setv $SYSCTL 1 "$2" ;;
		esac
	}
	dt() { echo "$1" >$DT || fail "$2" "'$1' to allocprof_dropin_test failed"; }
	# offlive's object: allocprof_dropin_test's site_kmalloc row.
	live_row() { awk '$NF == "func:site_kmalloc" && /\[allocprof_dropin_test\]/ { print $1, $2 }' \
		/sys/kernel/allocprof/allocinfo; }
	for k in kmalloc pages0 pages3 kvmalloc; do
		variant raw warmup.dropin.$k && run $RC "$k" warmup.dropin.$k
		r=0
		order="raw off offlive on"
		while [ $r -lt "$ROUNDS" ]; do
			for v in $order; do
				key=dropin.${k}_$v
				variant $v "$key" || continue
				[ $v != offlive ] || [ "$(live_row)" = "64 1" ] ||
					fail "$key" "allocprof_dropin_test's object not recorded: '$(live_row)'" || continue
				run $RC "$k" "$key" || continue
				case $v in
				off | offlive) charged "$key" allocprof_bench_di $RC "$k" 0 ;;
				on) charged "$key" allocprof_bench_di $RC "$k" "$(ops_per "$k")" ;;
				esac
				[ $v != offlive ] || [ "$(live_row)" = "64 1" ] ||
					fail "$key" "allocprof_dropin_test's object gone after the run: '$(live_row)'"
			done
			order="${order#* } ${order%% *}"
			r=$((r + 1))
		done
	done
	# Objects recorded during the loops: the one a loop holds at a time,
	# and offlive's: 2 at most.  Then the table with 4096 objects held.
	need mem.dropin_live_held setv $SYSCTL 1 mem.dropin_live_held
	echo "result: mem.dropin_live_loop 2"
	if dt free mem.dropin_live_held && dt "kmalloc 4096 64" mem.dropin_live_held; then
		live=$(awk '/\[allocprof_dropin_test\]/ { n += $2 } END { print n + 0 }' /sys/kernel/allocprof/allocinfo)
		echo "result: mem.dropin_live_held $live"
	fi
	echo "result: mem.dropin_untracked $(cat /sys/kernel/allocprof/dropin_untracked)"
	dt free mem.dropin_live_held
}

# The Rust drop-in, with allocprof loaded: allocprof_bench_rs.rs built
# plainly (raw: allocprof_bench_rs, the tree's), with the drop-in's
# compiler flags alone (flags: allocprof_bench_rsfl, no target: what the
# flags do by themselves) and with the drop-in lines (allocprof_bench_rsdi:
# off, profiling off and nothing recorded; on), rounds rotated.  All use
# the sysfs directory allocprof_bench_rs: one is loaded at a time.  A run
# with profiling on must charge an iteration's allocations: kbox 1, kvec
# 6 (a KVec<u32> of 64 pushes: capacities 1, 2, ..., 64; 4 to 8 bytes
# stays in kmalloc-8, in place), off none.
dropin_rs_bench() {
	RR=/sys/kernel/allocprof_bench_rs/run
	rcur=
	rvariant() { # VARIANT KEY
		want=allocprof_bench_rsdi
		case $1 in
		raw) want=allocprof_bench_rs ;;
		flags) want=allocprof_bench_rsfl ;;
		esac
		swap_to rcur "$want" "$2" || return 1
		case $1 in
		on) setv $SYSCTL 1 "$2" ;;
		*) setv $SYSCTL 0 "$2" ;;
		esac
	}
	for k in kbox kvec; do
		rvariant raw warmup.dropin_rs.$k && run $RR "$k" warmup.dropin_rs.$k
		want_on=1
		[ $k = kvec ] && want_on=6
		r=0
		order="raw flags off on"
		while [ $r -lt "$ROUNDS" ]; do
			for v in $order; do
				key=dropin_rs.${k}_$v
				rvariant $v "$key" || continue
				run $RR "$k" "$key" || continue
				case $v in
				off) charged "$key" allocprof_bench_rsdi $RR "$k" 0 ;;
				on) charged "$key" allocprof_bench_rsdi $RR "$k" $want_on ;;
				esac
			done
			order="${order#* } ${order%% *}"
			r=$((r + 1))
		done
	done
	[ -z "$rcur" ] || rmmod "$rcur"
	setv $SYSCTL 1 setup
}

case "$BENCH_MODE" in
allocprof)
	need setup insmod $M/allocprof.ko
	need setup insmod $M/allocprof_bench.ko
	need setup insmod $M/allocprof_bench_c.ko
	# Handle sizes, logged at load: "handle_bytes KIND HANDLE RAW".
	dmesg | sed -rn 's/^(.*[] ])?handle_bytes ([a-z]+) ([0-9]+) ([0-9]+)$/result: mem.handle.\2 \3 \4/p'
	for k in kmalloc kmalloc_var pages0 pages3 kvmalloc; do
		run $RB ${k}_raw warmup.allocprof.$k
		# Each round rotates the order, so that every variant runs in
		# every position (the allocator's state depends on what ran
		# before).  The C loop of kmalloc has the shape of kmalloc_var
		# (one call site, the size a loop variable) and is the peer of
		# both: it runs in the kmalloc rounds only.
		r=0
		order="raw off on cum c"
		[ $k = kmalloc_var ] && order="raw off on cum"
		[ $k = kmalloc ] || [ $k = kmalloc_var ] || order="raw off on c"
		while [ $r -lt "$ROUNDS" ]; do
			for v in $order; do
				case $v in
				c) run $RC $k c_noprof.$k ;;
				raw) run $RB ${k}_raw allocprof.${k}_raw ;;
				*)
					# Steady state: the keys are set through sysfs
					# first (and read back), the loop leaves them alone.
					key=allocprof.${k}_$v
					case $v in
					off) p=0 c=0 want=0 ;;
					on) p=1 c=0 want=$(ops_per $k) ;;
					cum) p=1 c=1 want=$(($(iters $k) * $(ops_per $k))) ;;
					esac
					setv $SYSCTL $p "$key" && setv $CUM $c "$key" || continue
					c0=$(calls allocprof_bench)
					run $RB ${k}_cur "$key" || continue
					c1=$(calls allocprof_bench)
					[ "$(cat $SYSCTL)/$(cat $CUM)" = "$p/$c" ] ||
						fail "$key" "the keys changed during the run" || continue
					if [ $v = cum ]; then
						# The run itself counted, one call per operation.
						[ "$c0" != none ] && [ "$c1" != none ] && [ $((c1 - c0)) -eq "$want" ] ||
							fail "$key" "the run counted $c0 -> $c1 calls on allocprof_bench, wanted +$want"
					else
						charged "$key" allocprof_bench $RB ${k}_cur "$want"
					fi
					;;
				esac
			done
			order="${order#* } ${order%% *}"
			r=$((r + 1))
		done
	done
	need setup setv $SYSCTL 1 setup
	need setup setv $CUM 0 setup
	# allocinfo read cost by table size: the rows of allocprof's own
	# and the bench modules (base), then with 100, 1,000 and 10,000 more
	# tags; bench_report.py takes the cost per added row against base.
	read_cost base 20
	# Memory per call site: the per-CPU memory of 10,000 tags.
	p0=$(meminfo Percpu)
	if need mem.percpu_kb_10000_tags insmod $M/allocprof_many.ko; then
		echo "result: mem.percpu_kb_10000_tags $(($(meminfo Percpu) - p0))"
		need mem.percpu_kb_10000_tags rmmod allocprof_many
	fi
	for m in allocprof_many_100 allocprof_many_1000 allocprof_many; do
		need read.$m insmod $M/$m.ko || continue
		read_cost $m 5
		need read.$m rmmod $m
	done
	# Memory per live allocation: slab use of 20,000 live kmalloc(64),
	# profiling off, then on, three rounds (the report takes medians).
	need setup insmod $M/allocprof_test.ko
	C=/sys/kernel/allocprof_test/control
	for r in 1 2 3; do
		for state in 0 1; do
			key=mem.slab_kb_20000_kmalloc64_profiling$state
			setv $SYSCTL $state "$key" || continue
			need "$key" sh -c "echo 'kmalloc 1 64' >$C && echo free >$C" || continue
			s0=$(meminfo Slab)
			need "$key" sh -c "echo 'kmalloc 20000 64' >$C" || continue
			s1=$(meminfo Slab)
			need "$key" sh -c "echo free >$C" || continue
			echo "result: $key $((s1 - s0))"
		done
	done
	need setup rmmod allocprof_test
	dropin_bench
	dropin_rs_bench
	;;
dropin)
	need setup insmod $M/allocprof.ko
	need setup insmod $M/allocprof_bench_c.ko
	dropin_bench
	dropin_rs_bench
	;;
upstream)
	[ "$(cat $SYSCTL)" = 1 ] || fail setup "vm.mem_profiling reads '$(cat $SYSCTL)' at boot, not 1"
	# /proc/allocinfo read cost: the whole kernel's call sites, then with
	# allocprof_many_c's 10,000 more (bench_report.py takes the cost per
	# added row, as on allocprof's side).
	read_cost upstream 5 /proc/allocinfo
	if need read.upstream_many insmod $M/allocprof_many_c.ko; then
		read_cost upstream_many 5 /proc/allocinfo
		need read.upstream_many rmmod allocprof_many_c
	fi
	need setup insmod $M/allocprof_bench_c.ko
	for k in kmalloc pages0 pages3 kvmalloc; do
		run $RC $k warmup.upstream.$k
		r=0
		order="1 0"
		while [ $r -lt "$ROUNDS" ]; do
			for state in $order; do
				key=upstream$state.$k
				setv $SYSCTL $state "$key" || continue
				run $RC $k "$key" || continue
				[ "$(cat $SYSCTL)" = $state ] || fail "$key" "vm.mem_profiling changed during the run" || continue
				if [ $state = 1 ]; then
					upstream_charged "$key" "64 1"
				else
					upstream_charged "$key" "0 0"
				fi
			done
			order="${order#* } ${order%% *}"
			r=$((r + 1))
		done
	done
	;;
upstream-bootoff)
	# Booted with sysctl.vm.mem_profiling=0: the state of upstream's
	# published "compiled in but off" figure (no slab extension vectors
	# allocated for profiling).  Nothing writes the sysctl here.
	[ "$(cat $SYSCTL)" = 0 ] || fail setup "vm.mem_profiling reads '$(cat $SYSCTL)' at boot, not 0"
	need setup insmod $M/allocprof_bench_c.ko
	for k in kmalloc pages0 pages3 kvmalloc; do
		run $RC $k warmup.upstreamboot0.$k
		r=0
		while [ $r -lt "$ROUNDS" ]; do
			key=upstreamboot0.$k
			if [ "$(cat $SYSCTL)" = 0 ]; then
				run $RC $k "$key" && upstream_charged "$key" "0 0"
			else
				fail "$key" "vm.mem_profiling reads '$(cat $SYSCTL)', not 0"
			fi
			r=$((r + 1))
		done
	done
	;;
wall)
	# A second opinion, no target: kmalloc_off and kmalloc_on set the keys
	# themselves, inside the module, around the loop.
	need setup insmod $M/allocprof.ko
	need setup insmod $M/allocprof_bench.ko
	run $RB kmalloc_raw warmup.wall
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		for v in raw off on; do
			run $RB kmalloc_$v wall.kmalloc_$v
		done
		r=$((r + 1))
	done
	;;
scale)
	need setup insmod $M/allocprof.ko
	need setup insmod $M/allocprof_bench.ko
	run $RB kmalloc_raw warmup.scale
	need setup setv $SYSCTL 1 setup
	for v in raw cur; do
		run $RB kmalloc_$v scale1.kmalloc_$v
		key=scale2.kmalloc_$v
		dmesg -c >/dev/null
		taskset -c 0 sh -c "echo kmalloc_$v $KITERS > $RB" &
		p0=$!
		taskset -c 1 sh -c "echo kmalloc_$v $KITERS > $RB" &
		p1=$!
		ok=1
		wait $p0 || ok=0
		wait $p1 || ok=0
		lines=$(dmesg | sed -rn "s/^(.*[] ])?kmalloc_$v ops=([0-9]+) ns=([0-9]+)$/result: $key \2 \3/p")
		if [ $ok = 1 ] && [ "$(printf '%s' "$lines" | grep -c .)" -eq 2 ]; then
			echo "$lines"
		else
			fail "$key" "the two runs at once: writes ok=$ok, $(printf '%s' "$lines" | grep -c .) log lines, not 2"
		fi
	done
	;;
*)
	echo "unknown BENCH_MODE '$BENCH_MODE'"
	exit 1
	;;
esac
echo "bench-done: $failures failures"
[ "$failures" -eq 0 ]
