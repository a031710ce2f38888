#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: boots the test VM, runs the kselftests (scripts/guest-check.sh)
# and judges the run: every subtest, the VM's exit and power-off, and the
# guest console, which must hold no kernel error report.  Prints the TAP
# output and, last, "N passed, N failed, N skipped", followed by
# " (not run: SUITE, ...)" when a sub-suite did not run (ALLOCPROF_TESTS,
# CHECK_EXTRA=0, a guest that stopped early): see README, "Two commands".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# The console check is one more test: these words never appear in a clean
# run (the tests print none of them): a crash (the pattern vm.sh stops the
# VM at, from lib.sh) or a non-fatal report ("CFI failure at": a kCFI
# kernel's indirect call to a target of another type, an Oops unless
# CFI_PERMISSIVE).
BAD="$ALLOCPROF_CRASH_RE|WARNING:|Call Trace|UBSAN|KASAN|CFI failure|kmemleak: [0-9]+ new suspected|unreferenced object"

# two_vms: two VMs at once (scripts/vm.sh exec of a one-line script each,
# with an output and an exit status of its own): each run must stream its
# own output, not the other's, and exit with its own status.  (With one
# console log for every vm.sh run, the second VM truncated the first's and
# one run reported the other's output, or no status at all.)  Prints
# ok/not ok lines and "two-vms: P passed, F failed".
two_vms() {
	local t i rc want other p=0 f=0 pids=()
	t=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-two-vms.XXXXXX")
	for i in 1 2; do
		printf 'echo two-vms-token-%s\nexit %s\n' "$i" $((i + 2)) >"$t/run$i.sh"
		# allocprof.ko alone, one vCPU, little memory: the boot is what
		# takes time (10 to 20 s each under TCG).
		VM_CONSOLE_LOG='' VM_MODULES="$ALLOCPROF_ROOT/allocprof.ko" VM_SMP=1 VM_MEM=256M TIMEOUT=240 \
			"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$t/run$i.sh" >"$t/out$i" 2>&1 &
		pids+=($!)
	done
	for i in 1 2; do
		rc=0
		wait "${pids[$((i - 1))]}" || rc=$?
		tr -d '\r' <"$t/out$i" >"$t/lines$i" # the serial console's CRLF
		want=$((i + 2)) other=$((3 - i))
		if [ "$rc" -eq "$want" ] && grep -qx "two-vms-token-$i" "$t/lines$i" &&
			! grep -q "two-vms-token-$other" "$t/lines$i" &&
			[ "$(grep -c '^allocprof-vm: exit status' "$t/lines$i")" -eq 1 ] &&
			grep -qx "allocprof-vm: exit status $want" "$t/lines$i"; then
			echo "ok - two-vms: VM $i streamed its own output and exited with its own status ($rc)"
			p=$((p + 1))
		else
			echo "not ok - two-vms: VM $i: exit $rc (wanted $want), its output:"
			sed 's/^/#   /' "$t/lines$i" | tail -n 20
			f=$((f + 1))
		fi
	done
	rm -rf "$t"
	echo "two-vms: $p passed, $f failed"
	[ "$f" -eq 0 ]
}
# demo_test LOGDIR: make demo's script (scripts/demo.sh, its own VM) in a
# run directory of LOGDIR, judged by what the demo must show: its exit,
# kmemleak-test's sixteen call sites charged at their own lines, their
# OpenMetrics lines, the leak report at unload, nothing recorded with
# profiling off, rust_minimal's three rows, rust_misc_device's rows where
# the tree has it (7.3), and a clean guest console.
# Prints ok/not ok lines and "demo: P passed, F failed".
demo_test() {
	local d="$1/demo" rc=0 p=0 f=0
	mkdir -p "$d"
	ALLOCPROF_RUN_DIR="$d" "$ALLOCPROF_ROOT/scripts/demo.sh" >"$d/demo.out" 2>&1 || rc=$?
	tr -d '\r' <"$d/demo.out" >"$d/demo.lines" # the serial console's CRLF
	judge() { # DESCRIPTION, then a command that must succeed
		local what=$1
		shift
		if "$@"; then
			echo "ok - demo: $what"
			p=$((p + 1))
		else
			echo "not ok - demo: $what"
			f=$((f + 1))
		fi
	}
	has() { grep -qE -- "$1" "$d/demo.lines"; }
	count() { grep -cE -- "$1" "$d/demo.lines"; }
	judge "make demo's script exits 0, its guest too, and says demo done" \
		eval '[ "$rc" -eq 0 ] && has "^allocprof-vm: exit status 0$" && has "^demo done$"'
	judge "kmemleak-test's 16 call sites charged, at its own lines (allocprof top)" \
		eval '[ "$(count "^ *[0-9.]+[KMG]?B? +[1-9][0-9]* +kmemleak-test\.c:[0-9]+ \[kmemleak_test\] func:kmemleak_test_init$")" -eq 16 ] &&
			has "^total: [0-9.]+[KMG]?B? in [1-9][0-9]* calls, 16 rows"'
	judge "three OpenMetrics lines of its rows" \
		eval '[ "$(count "^allocprof_live_bytes\{.*module=\"kmemleak_test\".*\} [1-9][0-9]*$")" -eq 3 ]'
	judge "the leak report at its unload" \
		has "^allocprof: kmemleak-test\.c:[0-9]+ \[kmemleak_test\] func:kmemleak_test_init: [0-9]+ bytes in [0-9]+ allocations still live at module unload$"
	judge "loaded again with profiling off: nothing recorded" \
		has "^total: 0B in 0 calls, 16 rows"
	# (The pushes' lines: this kernel's rust_minimal.rs.)
	local l1 l2 l3
	read -r l1 l2 l3 < <(grep -n 'numbers.push(' "$KDIR/source/samples/rust/rust_minimal.rs" | cut -d: -f1 | tr '\n' ' ')
	judge "rust_minimal's pushes at lines ${l1:-?}, ${l2:-?} and ${l3:-?}: 0 0, 0 0, 16 1" \
		eval '[ -n "$l3" ] &&
			has "^ +0 +0 rust_minimal\.rs:$l1 \[rust_minimal\] func:rust_minimal::RustMinimal::init *$" &&
			has "^ +0 +0 rust_minimal\.rs:$l2 \[rust_minimal\] func:rust_minimal::RustMinimal::init *$" &&
			has "^ +16 +1 rust_minimal\.rs:$l3 \[rust_minimal\] func:rust_minimal::RustMinimal::init *$"'
	# Where the tree has it (7.3): rust_misc_device's open() (its KBox) and
	# write_iter() (its buffer of 1000 bytes) charged at their lines while
	# the device is open, nothing once it is closed.
	local ms=$KDIR/source/samples/rust/rust_misc_device.rs lo lw
	if [ -f "$ms" ]; then
		lo=$(grep -n 'KBox::try_pin_init(' "$ms" | head -n 1 | cut -d: -f1)
		lw=$(grep -n 'copy_from_iter_vec(' "$ms" | head -n 1 | cut -d: -f1)
		judge "rust_misc_device: open()'s state at line ${lo:-?}, write_iter()'s 1000 bytes at ${lw:-?}, then nothing" \
			eval '[ -n "$lo" ] && [ -n "$lw" ] &&
				has "^ +[0-9]+B +1 +rust_misc_device\.rs:$lo \[rust_misc_device\] func:rust_misc_device::RustMiscDevice::open$" &&
				has "^ +1\.0K +1 +rust_misc_device\.rs:$lw \[rust_misc_device\] func:rust_misc_device::RustMiscDevice::write_iter$" &&
				[ "$(count "^total: 0B in 0 calls, 0 rows")" -ge 1 ]'
	fi
	judge "its guest console holds no kernel error report" \
		eval '[ -s "$d/console.log" ] && ! grep -aEq "$BAD" "$d/console.log"'
	if [ "$f" -ne 0 ]; then
		echo "#   its output: $d/demo.out"
		sed 's/^/#   /' "$d/demo.lines" | tail -n 30
	fi
	echo "demo: $p passed, $f failed"
	[ "$f" -eq 0 ]
}
# add_suite NAME LOG: adds to the totals the "NAME: P passed, F failed"
# line a sub-suite wrote last in LOG (one failure if it wrote none).
add_suite() {
	local p f
	read -r p f < <(sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed\$/\1 \2/p" "$2" | tail -n 1)
	[ -n "${p:-}" ] || { echo "not ok - $1 did not report"; p=0 f=1; }
	passed=$((passed + p)) failed=$((failed + f))
}
# `scripts/check.sh two-vms` runs that test alone.
if [ "${1:-}" = two-vms ]; then
	two_vms
	exit $?
fi
# `scripts/check.sh demo` runs the demo's test alone.
if [ "${1:-}" = demo ]; then
	run_dir check-demo
	demo_test "$ALLOCPROF_RUN_DIR"
	exit $?
fi

mkdir -p "$ALLOCPROF_LOGS"
name=${CHECK_NAME:-check}
# This run's logs, its own directory (two checks at once, of two clones
# or of one, must not write one file): $ALLOCPROF_LOGS/$name is the latest.
run_dir "$name"
logs=$ALLOCPROF_RUN_DIR
out="$logs/check.log"
not_run=()

# A KDIR given (make check KDIR=...) is the kernel of every step; else the
# test kernel, which `make modules` builds first when it is not cached.
user_kdir=${KDIR:-}
KDIR=${KDIR:-$("$ALLOCPROF_ROOT/scripts/kernel.sh" path test)}
export KDIR
extra=${CHECK_EXTRA:-1}
[ -n "${ALLOCPROF_TESTS:-}" ] && extra=${CHECK_EXTRA:-0}
# The kernel's version; on a kernel the C drop-in is not tested on
# (kernels.mk's allocprof_dropin_kernels) its suites cannot run: its
# kselftest, dropin-tree, and the drop-in cases of compile-fail (which
# checks the refusal instead); on one the Rust drop-in is not tested on
# (lib.sh's rs_dropin_kernel), the Rust drop-in's kselftests and
# rs-dropin-build, and the extra runs that profile C and Rust drop-in
# modules (the differential, MTTCG, the demo).  Each is named in the
# totals' "not run" list.
# A KDIR given names the kernel: KERNEL follows it (the upstream kernel of
# the differential is that version's).
kv=$(KDIR=$user_kdir run_kernel)
KERNEL=$kv
export KERNEL
dropin=1 rsdropin=1
dropin_kernel "$kv" || dropin=0
rs_dropin_kernel "$kv" || rsdropin=0
if [ "$rsdropin" = 0 ] && [ -z "${ALLOCPROF_TESTS:-}" ]; then
	skip='^allocprof_dropin_rust'
	[ "$dropin" = 1 ] || skip='^allocprof_dropin'
	ALLOCPROF_TESTS=$(sed -n 's/^TEST_PROGS *:= *//p' "$ALLOCPROF_SELFTESTS/Makefile" | tr ' ' '\n' |
		grep -v "$skip" | tr '\n' ' ')
	export ALLOCPROF_TESTS
fi
[ "$dropin" = 1 ] || not_run+=("compile-fail's drop-in cases (Linux $kv)")

# The time each part took, printed before the totals.
times=()
t_start() { t0=$SECONDS; }
t_end() { times+=("$1 $((SECONDS - t0)) s"); }

# The upstream-profiling kernel of the differential test, when it is not
# built yet: in the background from now on (niced), beside the host tests
# and the VM below; the differential waits for it (kernel.sh lets one run
# build a directory at a time).
upstream_pid=
if [ "$extra" = 1 ] && [ "$rsdropin" = 1 ] &&
	[ ! -f "$("$ALLOCPROF_ROOT/scripts/kernel.sh" path upstream)/.allocprof-built" ]; then
	step "upstream-profiling kernel: building in the background (log: $logs/kernel-upstream.log)"
	nice -n 10 "$ALLOCPROF_ROOT/scripts/kernel.sh" build upstream >"$logs/kernel-upstream.log" 2>&1 &
	upstream_pid=$!
	upstream_t0=$SECONDS
fi

# The modules (the test kernel first, if it is not built: in the
# foreground, beside the upstream kernel's niced build), unless the
# caller built them (make check-debug: CHECK_MODULES=0).
if [ "${CHECK_MODULES:-1}" = 1 ]; then
	t_start
	if [ -n "$user_kdir" ]; then
		make -s -C "$ALLOCPROF_ROOT" KDIR="$user_kdir" modules
	else
		# (The exported KDIR would tell make not to build the kernel.)
		env -u KDIR make -s -C "$ALLOCPROF_ROOT" modules
	fi || die "the modules did not build"
	t_end "test kernel and modules"
fi

# The allocprof tool's static build goes into the VM (allocprof_tool.sh).
t_start
ALLOCPROF_LOGS=$logs "$ALLOCPROF_ROOT/scripts/tool.sh" build 2>&1 | tee "$logs/tool-build.log"
t_end "tool build"

# host_test NAME PREFIX CMD...: runs CMD, its output in $logs/NAME.log, and
# writes "PASSED FAILED SKIPPED" to $logs/NAME.counts from its last line
# "PREFIX: P passed, F failed[, S skipped]"; no such line, or a failing
# exit without a failed test, is one failure.
host_test() {
	local label=$1 prefix=$2 rc=0 c p f sk t1=$SECONDS
	shift 2
	"$@" >"$logs/$label.log" 2>&1 || rc=$?
	c=$(sed -n "s/^ *$prefix: \([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}.*/\1 \2 \4/p" \
		"$logs/$label.log" | tail -n 1)
	read -r p f sk <<<"$c"
	if [ -z "$p" ]; then
		echo "not ok - $label did not report (exit $rc)" >>"$logs/$label.log"
		p=0 f=1 sk=0
	fi
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	echo "$p $f ${sk:-0} $((SECONDS - t1))" >"$logs/$label.counts"
}
# The host tests, beside the VM (which takes one CPU): the compile-time
# tests (the Rust API's guarantees, the drop-in header's builds), the
# drop-in header on modules of the kernel tree (W=1, sparse, stack
# frames), the tool's cargo test, and that of the Rust drop-in's build step
# (tools/allocprof-rs-dropin: unit tests, and the tool on objects rustc
# makes of a stand-in kernel crate and driver), and dropin.mk's Rust build
# (scripts/rs-dropin-build.sh: rustc versions, leftovers, rebuilds,
# composites, frames).  Their output is shown
# after the VM's.
# CHECK_HOST names those to run (make check-debug: the compile-time tests
# alone, against its kernel; the others test nothing of the kernel's).
read -r -a host_tests <<<"${CHECK_HOST:-compile-fail dropin-tree cargo rs-dropin rs-dropin-build}"
[ "$dropin" = 1 ] || read -r -a host_tests < <(printf '%s\n' "${host_tests[@]}" |
	grep -vx -e dropin-tree | tr '\n' ' ')
[ "$rsdropin" = 1 ] || read -r -a host_tests < <(printf '%s\n' "${host_tests[@]}" |
	grep -vx -e rs-dropin-build | tr '\n' ' ')
for h in compile-fail dropin-tree cargo rs-dropin rs-dropin-build; do
	case " ${host_tests[*]} " in *" $h "*) ;; *) not_run+=("$h") ;; esac
done
(
	for h in "${host_tests[@]}"; do
		case "$h" in
		compile-fail) host_test compile-fail compile-fail "$ALLOCPROF_ROOT/scripts/compile-fail.sh" ;;
		dropin-tree) host_test dropin-tree dropin-tree "$ALLOCPROF_ROOT/scripts/dropin-tree.sh" ;;
		cargo) host_test cargo "cargo test" env ALLOCPROF_LOGS="$logs" "$ALLOCPROF_ROOT/scripts/tool.sh" test ;;
		rs-dropin) host_test rs-dropin "cargo test" env ALLOCPROF_LOGS="$logs" "$ALLOCPROF_ROOT/scripts/rs-dropin-tool.sh" ;;
		rs-dropin-build) host_test rs-dropin-build rs-dropin-build "$ALLOCPROF_ROOT/scripts/rs-dropin-build.sh" ;;
		*) echo "not ok - CHECK_HOST: no host test $h" >"$logs/$h.log"; echo "0 1 0 0" >"$logs/$h.counts" ;;
		esac
	done
) &
host_pid=$!
host_passed=0 host_failed=0 host_skipped=0

# The measuring scripts' own tests (synthetic logs: a failed bench
# variant is a missed target, duplicate or missing differential rows fail).
step "script self-tests"
for py in bench_report.py differential.py; do
	s_out=$(python3 "$ALLOCPROF_ROOT/scripts/$py" --self-test 2>&1)
	s_rc=$?
	printf '%s\n' "$s_out" | tee -a "$logs/self-test.log"
	s=$(printf '%s\n' "$s_out" | sed -n 's/^.*self-test: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -n 1)
	[ -n "$s" ] || { echo "not ok - $py --self-test did not report (exit $s_rc)"; s="0 1"; }
	read -r s_passed s_failed <<<"$s"
	[ "$s_rc" -ne 0 ] && [ "$s_failed" -eq 0 ] && s_failed=1
	host_passed=$((host_passed + s_passed)) host_failed=$((host_failed + s_failed))
done
# guest-check.sh's sums, on outputs of known counts: a whole-test skip
# ("1..0 # SKIP", exit 4) is one skipped and takes nothing from "passed";
# a skipped subtest is skipped, not passed; a non-zero exit without a
# failing subtest is one failure.
t=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-counts.XXXXXX")
printf 'TAP version 13\n1..0 # SKIP no such feature\n' >"$t/skip"
printf '1..3\nok 1 a\nok 2 b # SKIP c\nnot ok 3 d\n' >"$t/mixed"
printf '1..1\nok 1 a\n' >"$t/crash"
for c in "skip 4 0 0 1" "mixed 1 1 1 1" "crash 2 1 1 0"; do
	read -r f rc want <<<"$c"
	got=$(GUEST_CHECK_FUNCTIONS=1 busybox sh -c '. "$0"; counts "$1" "$2"' \
		"$ALLOCPROF_ROOT/scripts/guest-check.sh" "$t/$f" "$rc" 2>&1)
	if [ "$got" = "$want" ]; then
		echo "ok - guest-check.sh counts: $f, exit $rc: $got (passed failed skipped)"
	else
		echo "not ok - guest-check.sh counts: $f, exit $rc: got '$got', wanted '$want'"
	fi
done >"$t/out"
tee -a "$logs/self-test.log" <"$t/out"
host_passed=$((host_passed + $(grep -c '^ok ' "$t/out"))) host_failed=$((host_failed + $(grep -c '^not ok ' "$t/out")))
rm -rf "$t"

# self_line OK WHAT WHY: a self-test's line, "ok - WHAT" when OK is 1,
# else "not ok - WHAT:WHY", counted and logged.
self_line() {
	local l
	if [ "$1" = 1 ]; then
		l="ok - $2"
		host_passed=$((host_passed + 1))
	else
		l="not ok - $2:$3"
		host_failed=$((host_failed + 1))
	fi
	printf '%s\n' "$l" | tee -a "$logs/self-test.log"
}

# kernel.sh's wait for another run's build of the same directory: a
# progress line every five seconds naming that run's last step, then the
# kernel it built (a cache of its own: a lock held 7 s by a stand-in for
# the other run, which marks the directory built and logs one step).  On
# 6.12, whose source is a system package: a newer one's would be fetched
# into that cache.
t=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-kwait.XXXXXX")
kd=$(KERNEL=6.12 ALLOCPROF_CACHE="$t" "$ALLOCPROF_ROOT/scripts/kernel.sh" path test)
mkdir -p "$t/logs" "$kd"
printf '  CC      kernel/stand-in.o\n' >"$t/logs/kernel-6.12-test-${kd##*-}.log.build"
flock "$kd.lock" sh -c 'echo held >"$1/held"; sleep 7; touch "$2/.allocprof-built"' - "$t" "$kd" &
hold=$!
while [ ! -f "$t/held" ]; do sleep 0.1; done
w_out=$(KERNEL=6.12 ALLOCPROF_CACHE="$t" "$ALLOCPROF_ROOT/scripts/kernel.sh" build test 2>&1)
w_rc=$?
wait "$hold"
printf '%s\n' "$w_out" | sed 's/^/#   /' >>"$logs/self-test.log"
w_ok=0
if [ "$w_rc" -eq 0 ] && grep -q 'another run is building' <<<"$w_out" &&
	grep -qE '^ +\[waiting for kernel 6\.12-test [0-9]+s\] its last step: CC +kernel/stand-in\.o$' <<<"$w_out" &&
	grep -q "built by that run: $kd" <<<"$w_out"; then
	w_ok=1
fi
self_line "$w_ok" "kernel.sh: a wait for another run's build prints its progress, then uses its kernel" \
	" exit $w_rc, its output:"$'\n'$(printf '%s\n' "$w_out" | sed 's/^/#   /')
rm -rf "$t"

# `make -s kdir`: the cached kernel's absolute path alone on stdout (the
# test kernel of this run, built by now), every message on stderr; an
# unknown KERNEL or FLAVOR: a message, nothing on stdout, a failing exit.
k_ok=1 k_why=
if [ -z "$user_kdir" ]; then
	k_out=$(make -s -C "$ALLOCPROF_ROOT" --no-print-directory kdir KERNEL="$KERNEL" 2>/dev/null) || { k_ok=0 k_why+=" (exit $?)"; }
	[ "$k_out" = "$KDIR" ] || { k_ok=0 k_why+=" (stdout '$k_out', not '$KDIR')"; }
fi
for bad in "KERNEL=5.4" "FLAVOR=nightly"; do
	k_rc=0
	k_out=$(make -s -C "$ALLOCPROF_ROOT" --no-print-directory kdir KERNEL="$KERNEL" "$bad" 2>"$logs/kdir-bad.err") || k_rc=$?
	{ [ "$k_rc" -ne 0 ] && [ -z "$k_out" ] && grep -q "${bad%%=*}=${bad#*=}" "$logs/kdir-bad.err"; } ||
		{ k_ok=0 k_why+=" ($bad: exit $k_rc, stdout '$k_out')"; }
done
self_line "$k_ok" "make -s kdir: the kernel's path alone on stdout; an unknown KERNEL or FLAVOR refused" "$k_why"

# scripts/modules.sh: a tree's objects are built for one kernel; a build
# against another (another KDIR, or the same directory configured again)
# removes them first, one against the same keeps them.  In a copy of the
# scripts, with two stand-in kernel directories A and B.
t=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-stale.XXXXXX")
mkdir -p "$t/tree/src" "$t/A/include/config" "$t/B/include/config"
cp -r "$ALLOCPROF_ROOT/scripts" "$ALLOCPROF_ROOT/kernels.mk" "$t/tree/"
for k in A B; do echo "7.3.4" >"$t/$k/include/config/kernel.release"; echo "CONFIG_$k=y" >"$t/$k/.config"; done
s_ok=1 s_why=
touch "$t/tree/src/old.o"
"$t/tree/scripts/modules.sh" for "$t/A" >/dev/null || { s_ok=0 s_why+=" (for A failed)"; }
[ ! -e "$t/tree/src/old.o" ] || { s_ok=0 s_why+=" (objects without a record kept)"; }
touch "$t/tree/src/a.o" "$t/tree/a.ko"
"$t/tree/scripts/modules.sh" for "$t/A" >/dev/null
[ -f "$t/tree/src/a.o" ] || { s_ok=0 s_why+=" (A again removed A's objects)"; }
"$t/tree/scripts/modules.sh" for "$t/B" >/dev/null
{ [ ! -e "$t/tree/src/a.o" ] && [ ! -e "$t/tree/a.ko" ]; } || { s_ok=0 s_why+=" (B kept A's objects)"; }
touch "$t/tree/src/b.o"
echo "CONFIG_B2=y" >"$t/B/.config"
"$t/tree/scripts/modules.sh" for "$t/B" >/dev/null
[ ! -e "$t/tree/src/b.o" ] || { s_ok=0 s_why+=" (B configured again kept its old objects)"; }
self_line "$s_ok" "modules.sh: objects of another kernel (or configuration) removed before a build, its own kept" "$s_why"
rm -rf "$t"

step "kselftests in the test VM"
export VM_CONSOLE_LOG="$logs/console.log"
t_start
"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$ALLOCPROF_ROOT/scripts/guest-check.sh" 2>&1 | tee "$out"
vm_rc=${PIPESTATUS[0]}
t_end "kselftests (VM)"

summary=$(sed -n 's/^allocprof-check: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 \2 \3/p' "$out" | tail -n 1)
if [ -z "$summary" ]; then
	echo "not ok - the guest never reported its results (VM exit status $vm_rc)"
	summary="0 1 0"
fi
read -r passed failed skipped <<<"$summary"

step "host tests (run beside the VM)"
wait "$host_pid"
for h in "${host_tests[@]}"; do
	cat "$logs/$h.log"
	read -r p f sk secs <"$logs/$h.counts" 2>/dev/null || { p=0 f=1 sk=0 secs=0; }
	host_passed=$((host_passed + p)) host_failed=$((host_failed + f)) host_skipped=$((host_skipped + sk))
	times+=("$h $secs s (beside the VM)")
done
passed=$((passed + host_passed)) failed=$((failed + host_failed)) skipped=$((skipped + host_skipped))
# Every kselftest of TEST_PROGS that did not report its exit status (left
# out by ALLOCPROF_TESTS, or after a guest that stopped) is named.
for t in $(sed -n 's/^TEST_PROGS *:= *//p' "$ALLOCPROF_SELFTESTS/Makefile"); do
	grep -q "^# selftests: allocprof: $t: exit status" "$out" || not_run+=("$t")
done

# Three more short runs in a full `make check` of the test kernel (not with
# ALLOCPROF_TESTS, nor in `make check-debug`, which sets CHECK_EXTRA=0):
# the drop-in mode against upstream's own profiler (scripts/differential.sh:
# its own two VMs), the drop-in pointer table under multi-threaded TCG
# (allocprof_dropin_mttcg.sh, a VM of its own), and two VMs at once
# (scripts/vm.sh keeps their state apart), each counted in the totals.
if [ "$extra" = 1 ] && [ "$rsdropin" = 0 ]; then
	not_run+=(differential mttcg demo)
	step "two VMs at once (scripts/vm.sh: each run its own console and status)"
	t_start
	two_vms | tee "$logs/two-vms.log"
	add_suite two-vms "$logs/two-vms.log"
	t_end two-vms
elif [ "$extra" = 1 ]; then
	if [ -n "$upstream_pid" ]; then
		step "waiting for the upstream-profiling kernel (building since $((SECONDS - upstream_t0)) s)"
		while kill -0 "$upstream_pid" 2>/dev/null; do
			sleep 10
			tail -n 1 "$logs/kernel-upstream.log" | sed 's/^ */    /'
		done
		wait "$upstream_pid" || echo "    its build failed (log: $logs/kernel-upstream.log)"
		times+=("upstream kernel $((SECONDS - upstream_t0)) s (in the background)")
	fi
	step "differential test against upstream's profiler"
	t_start
	"$ALLOCPROF_ROOT/scripts/differential.sh" 2>&1 | tee "$logs/differential.log"
	t_end differential
	add_suite differential "$logs/differential.log"

	step "drop-in pointer table under MTTCG (TCG_THREAD=multi)"
	t_start
	m_out="$logs/mttcg.log" m_console="$logs/mttcg-console.log"
	TCG_THREAD=multi ALLOCPROF_TESTS=allocprof_dropin_mttcg.sh VM_CONSOLE_LOG="$m_console" \
		"$ALLOCPROF_ROOT/scripts/vm.sh" exec "$ALLOCPROF_ROOT/scripts/guest-check.sh" 2>&1 | tee "$m_out"
	m_rc=${PIPESTATUS[0]}
	m=$(sed -n 's/^allocprof-check: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 \2 \3/p' "$m_out" | tail -n 1)
	[ -n "$m" ] || { echo "not ok - MTTCG run: no results (VM exit status $m_rc)"; m="0 1 0"; }
	read -r m_passed m_failed m_skipped <<<"$m"
	[ "$m_rc" -ne 0 ] && [ "$m_failed" -eq 0 ] && { echo "not ok - MTTCG VM exit status $m_rc"; m_failed=1; }
	if grep -aEq "$BAD" "$m_console"; then
		echo "not ok - MTTCG guest console: kernel error reports:"
		grep -aEn "$BAD" "$m_console" | head -n 20
		m_failed=$((m_failed + 1))
	else
		echo "ok - MTTCG guest console: no kernel error report"
		m_passed=$((m_passed + 1))
	fi
	passed=$((passed + m_passed)) failed=$((failed + m_failed)) skipped=$((skipped + m_skipped))
	t_end mttcg

	step "two VMs at once (scripts/vm.sh: each run its own console and status)"
	t_start
	two_vms | tee "$logs/two-vms.log"
	add_suite two-vms "$logs/two-vms.log"
	t_end two-vms

	step "make demo (scripts/demo.sh: its rows, report and console judged)"
	t_start
	demo_test "$logs" | tee "$logs/demo.log"
	add_suite demo "$logs/demo.log"
	t_end demo
else
	not_run+=(differential mttcg two-vms demo)
fi

# The OOM test (allocprof_features.sh) makes the OOM killer run, whose
# report prints a Call Trace: between its markers, that one word is not a
# failure (every other word still is).
reports() {
	awk '/allocprof-selftest: oom-begin/ { oom = 1 } /allocprof-selftest: oom-end/ { oom = 0 }
		!(oom && /Call Trace/) { print NR ":" $0 }' "$VM_CONSOLE_LOG" | grep -aE "$BAD"
}
if reports >/dev/null; then
	{
		echo "not ok - guest console: kernel error reports:"
		reports | head -n 20
	} | tee -a "$out"
	failed=$((failed + 1))
else
	echo "ok - guest console: no kernel error report" | tee -a "$out"
	passed=$((passed + 1))
fi
if [ "$vm_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "not ok - VM exit status $vm_rc"
	failed=1
fi
totals="$passed passed, $failed failed, $skipped skipped"
if [ ${#not_run[@]} -gt 0 ]; then
	totals+=" (not run: $(printf '%s, ' "${not_run[@]}" | sed 's/, $//'))"
fi
{
	echo "time: $(printf '%s, ' "${times[@]}" | sed 's/, $//'); $SECONDS s in all"
	echo "logs: $logs (check.log: $out, console: $VM_CONSOLE_LOG)"
	echo "$totals"
} | tee -a "$out"
[ "$failed" -eq 0 ] && [ "$vm_rc" -eq 0 ]
