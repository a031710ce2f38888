#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make bench`, inside the test VM.  BENCH_MODE (passed by scripts/bench.sh
# through the guest environment) picks what runs:
#   allocprof  allocprof's loops (raw, off, on, and for kmalloc cum: on
#              with the cumulative counters) and the C raw loop, rounds
#              interleaved; memory; allocinfo read cost; then the C loop
#              built with the drop-in header (raw, off, offlive, on)
#   dropin     the drop-in part of allocprof only (BENCH_ONLY=dropin)
#   upstream   the C loop on the kernel with CONFIG_MEM_ALLOC_PROFILING,
#              vm.mem_profiling 1 and 0; /proc/allocinfo read cost
#   wall       allocprof's kmalloc loops without icount (wall time)
#   scale      kmalloc raw/on on 1 CPU, then on 2 CPUs at once (wall time)
# Every figure is printed as "result: KEY VALUE".
M=/allocprof/modules
ROUNDS=${BENCH_ROUNDS:-6}
KITERS=${BENCH_KMALLOC_ITERS:-4000}
PITERS=${BENCH_PAGE_ITERS:-20000}
KVITERS=${BENCH_KV_ITERS:-20000}
iters() {
	case $1 in
	kmalloc*) echo "$KITERS" ;;
	kvmalloc*) echo "$KVITERS" ;;
	*) echo "$PITERS" ;;
	esac
}
# run FILE NAME: one run; prints "result: PREFIX.NAME ops ns".
run() {
	echo "$2 $(iters "$2")" >"$1"
	dmesg | sed -rn "s/^(.*[] ])?$2 ops=([0-9]+) ns=([0-9]+)$/\2 \3/p" | tail -n 1
}
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

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
	echo 0 >/proc/sys/vm/mem_profiling
	insmod $M/allocprof_dropin_test.ko
	DT=/sys/kernel/allocprof_dropin_test/control
	dmesg | sed -rn 's/^.*drop-in pointer table: ([0-9]+) slots, ([0-9]+) bytes$/result: mem.dropin_table \1 \2/p' | tail -n 1
	rmmod allocprof_bench_c
	cur=
	variant() { # VARIANT: the module and the state it runs in
		want=allocprof_bench_di
		[ "$1" = raw ] && want=allocprof_bench_c
		if [ "$cur" != "$want" ]; then
			[ -n "$cur" ] && rmmod "$cur"
			insmod "$M/$want.ko"
			cur=$want
		fi
		case $1 in
		off)
			echo 1 >/proc/sys/vm/mem_profiling
			echo free >$DT
			echo 0 >/proc/sys/vm/mem_profiling
			;;
		offlive)
			echo 1 >/proc/sys/vm/mem_profiling
			echo free >$DT
			echo "kmalloc 1 64" >$DT
			echo 0 >/proc/sys/vm/mem_profiling
			;;
		on) echo 1 >/proc/sys/vm/mem_profiling ;;
		esac
	}
	for k in kmalloc pages0 pages3 kvmalloc; do
		variant raw
		run /sys/kernel/allocprof_bench_c/run "$k" >/dev/null # warm-up
		r=0
		order="raw off offlive on"
		while [ $r -lt "$ROUNDS" ]; do
			for v in $order; do
				variant $v
				echo "result: dropin.${k}_$v $(run /sys/kernel/allocprof_bench_c/run "$k")"
			done
			order="${order#* } ${order%% *}"
			r=$((r + 1))
		done
	done
	# Objects recorded during the loops: the one a loop holds at a time,
	# and offlive's: 2 at most.  Then the table with 4096 objects held.
	echo 1 >/proc/sys/vm/mem_profiling
	echo "result: mem.dropin_live_loop 2"
	echo free >$DT
	echo "kmalloc 4096 64" >$DT
	live=$(awk '/\[allocprof_dropin_test\]/ { n += $2 } END { print n + 0 }' /sys/kernel/allocprof/allocinfo)
	echo "result: mem.dropin_live_held $live"
	echo "result: mem.dropin_untracked $(cat /sys/kernel/allocprof/dropin_untracked)"
	echo free >$DT
}

case "$BENCH_MODE" in
allocprof)
	insmod $M/allocprof.ko
	insmod $M/allocprof_bench.ko
	insmod $M/allocprof_bench_c.ko
	# Handle sizes, logged at load: "handle_bytes KIND HANDLE RAW".
	dmesg | sed -rn 's/^(.*[] ])?handle_bytes ([a-z]+) ([0-9]+) ([0-9]+)$/result: mem.handle.\2 \3 \4/p'
	for k in kmalloc kmalloc_var pages0 pages3 kvmalloc; do
		run /sys/kernel/allocprof_bench/run ${k}_raw >/dev/null # warm-up
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
				c) echo "result: c_noprof.$k $(run /sys/kernel/allocprof_bench_c/run $k)" ;;
				raw) echo "result: allocprof.${k}_raw $(run /sys/kernel/allocprof_bench/run ${k}_raw)" ;;
				*)
					# Steady state: the key is set through the sysctl
					# first, the loop leaves it alone.
					[ $v = off ] && echo 0 >/proc/sys/vm/mem_profiling || echo 1 >/proc/sys/vm/mem_profiling
					[ $v = cum ] && echo 1 >/sys/kernel/allocprof/cumulative || echo 0 >/sys/kernel/allocprof/cumulative
					echo "result: allocprof.${k}_$v $(run /sys/kernel/allocprof_bench/run ${k}_cur)"
					;;
				esac
			done
			order="${order#* } ${order%% *}"
			r=$((r + 1))
		done
	done
	# allocinfo read cost by table size.
	echo "result: read.base $(/allocprof/selftests/allocprof/allocinfo_read 20)"
	# Memory per call site: the per-CPU memory of 10,000 tags.
	p0=$(meminfo Percpu)
	insmod $M/allocprof_many.ko
	echo "result: mem.percpu_kb_10000_tags $(($(meminfo Percpu) - p0))"
	rmmod allocprof_many
	for m in allocprof_many_100 allocprof_many_1000 allocprof_many; do
		insmod $M/$m.ko
		echo "result: read.$m $(/allocprof/selftests/allocprof/allocinfo_read 5)"
		rmmod $m
	done
	# Memory per live allocation: slab use of 20,000 live kmalloc(64),
	# profiling off, then on, three rounds (the report takes medians).
	insmod $M/allocprof_test.ko
	C=/sys/kernel/allocprof_test/control
	for r in 1 2 3; do
		for state in 0 1; do
			echo $state >/proc/sys/vm/mem_profiling
			echo "kmalloc 1 64" >$C && echo free >$C
			s0=$(meminfo Slab)
			echo "kmalloc 20000 64" >$C
			s1=$(meminfo Slab)
			echo free >$C
			echo "result: mem.slab_kb_20000_kmalloc64_profiling$state $((s1 - s0))"
		done
	done
	echo free >$C
	rmmod allocprof_test
	dropin_bench
	;;
dropin)
	insmod $M/allocprof.ko
	insmod $M/allocprof_bench_c.ko
	dropin_bench
	;;
upstream)
	# /proc/allocinfo read cost, per row (the whole kernel's call sites).
	echo "result: read.upstream $(/allocprof/selftests/allocprof/allocinfo_read 5 /proc/allocinfo)"
	insmod $M/allocprof_bench_c.ko
	for k in kmalloc pages0 pages3 kvmalloc; do
		run /sys/kernel/allocprof_bench_c/run $k >/dev/null
		r=0
		order="1 0"
		while [ $r -lt "$ROUNDS" ]; do
			for state in $order; do
				echo $state >/proc/sys/vm/mem_profiling
				echo "result: upstream$state.$k $(run /sys/kernel/allocprof_bench_c/run $k)"
			done
			order="${order#* } ${order%% *}"
			r=$((r + 1))
		done
	done
	;;
wall)
	insmod $M/allocprof.ko
	insmod $M/allocprof_bench.ko
	run /sys/kernel/allocprof_bench/run kmalloc_raw >/dev/null
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		for v in raw off on; do
			echo "result: wall.kmalloc_$v $(run /sys/kernel/allocprof_bench/run kmalloc_$v)"
		done
		r=$((r + 1))
	done
	;;
scale)
	insmod $M/allocprof.ko
	insmod $M/allocprof_bench.ko
	R=/sys/kernel/allocprof_bench/run
	run $R kmalloc_raw >/dev/null
	echo 1 >/proc/sys/vm/mem_profiling
	for v in raw cur; do
		echo "result: scale1.kmalloc_$v $(run $R kmalloc_$v)"
		dmesg -c >/dev/null
		taskset -c 0 sh -c "echo kmalloc_$v $KITERS > $R" &
		taskset -c 1 sh -c "echo kmalloc_$v $KITERS > $R" &
		wait
		dmesg | sed -rn "s/^(.*[] ])?kmalloc_$v ops=([0-9]+) ns=([0-9]+)$/result: scale2.kmalloc_$v \2 \3/p"
	done
	;;
*)
	echo "unknown BENCH_MODE '$BENCH_MODE'"
	exit 1
	;;
esac
exit 0
