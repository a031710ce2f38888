#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The test VM.
#
#   scripts/vm.sh exec FILE
#
# Boots a fresh QEMU VM (TCG, 2 vCPUs) on the test kernel with a busybox
# initramfs holding the built modules, the kselftests and ktap_helpers.sh,
# runs FILE as root inside, streams its output and exits with FILE's exit
# status: non-zero as well if the guest panics, oopses or times out.  The
# VM stops at the first console line saying the kernel crashed
# (ALLOCPROF_CRASH_RE of scripts/lib.sh): exit 125 at once, with the
# console lines around it.
#
# Inside the guest:
#   /allocprof/modules/*.ko                  allocprof.ko and the test modules
#   /allocprof/selftests/allocprof/          the kselftests (this repo's dir)
#   /allocprof/selftests/kselftest/ktap_helpers.sh
#   /allocprof/run                           FILE
#   /bin/allocprof                           the static tools/allocprof, if built
#
# Environment: KDIR (kernel build; default: the cached test kernel),
# ACCEL=tcg|kvm (default tcg), TIMEOUT seconds (default 600),
# VM_SMP (default 2), VM_MEM (default 1G), VM_NUMA (guest NUMA nodes, each
# with an equal share of VM_SMP and VM_MEM; default 1: no NUMA), TCG_THREAD=multi|single
# (default single: see Documentation/allocprof/design.rst, Testing), ICOUNT=1 for
# `-accel tcg,thread=single -icount shift=0,sleep=off`, VM_APPEND (extra
# kernel command line), VM_CONSOLE_LOG (default: console.log in a directory
# of this run's own, $ALLOCPROF_LOGS/runs/vm-DATE-PID, which
# $ALLOCPROF_LOGS/vm points at: two VMs at once never share a console),
# VM_MODULES (the .ko files to ship; default: every .ko under the repo).
# ALLOCPROF_TESTS, ALLOCPROF_TEST_TIMEOUT, LIFECYCLE_CYCLES, STRESS_SECONDS, TABLE_BS1_BYTES,
# FEATURES_LOCK_MS and
# BENCH_* variables are passed into the guest's
# environment.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] && [ "$1" = exec ] || die "usage: $0 exec FILE"
file=$2
[ -f "$file" ] || die "no such file: $file"

KDIR=${KDIR:-$("$ALLOCPROF_ROOT/scripts/kernel.sh" path test)}
bzimage="$KDIR/arch/x86/boot/bzImage"
[ -f "$bzimage" ] || die "no kernel image at $bzimage: run 'make kernel' (or set KDIR)"
ktap="$KDIR/source/tools/testing/selftests/kselftest/ktap_helpers.sh"
[ -f "$ktap" ] || die "no $ktap in the kernel tree"
busybox=/bin/busybox
[ -x "$busybox" ] || die "no $busybox: run scripts/deps.sh"
if [ -n "${VM_MODULES:-}" ]; then
	read -r -a modules <<<"$VM_MODULES"
else
	mapfile -t modules < <(find "$ALLOCPROF_ROOT" -name '*.ko' -not -path '*/.git/*')
fi
[ ${#modules[@]} -gt 0 ] || die "no .ko files: run 'make' first"

ACCEL=${ACCEL:-tcg}
TIMEOUT=${TIMEOUT:-600}
VM_SMP=${VM_SMP:-2}
VM_MEM=${VM_MEM:-1G}
VM_NUMA=${VM_NUMA:-1}
mkdir -p "$ALLOCPROF_LOGS"
# The console is this run's alone: vm.sh reads its own exit status and
# crash lines from it, so a log shared with another VM (two clones, a
# check beside a demo) would hand one run the other's result.  Without
# VM_CONSOLE_LOG, a run directory of its own (never the caller's: two VMs
# started by one script at once must not share one either).
if [ -n "${VM_CONSOLE_LOG:-}" ]; then
	console=$VM_CONSOLE_LOG
else
	unset ALLOCPROF_RUN_DIR
	run_dir vm
	console="$ALLOCPROF_RUN_DIR/console.log"
fi
mkdir -p "$(dirname "$console")"

work=$(mktemp -d "${TMPDIR:-/tmp}/allocprof-vm.XXXXXX")
qemu_pid=
cleanup() {
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# The initramfs.
root="$work/root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,allocprof/modules,allocprof/selftests/kselftest}
cp "$busybox" "$root/bin/busybox"
# The allocprof tool, when built (scripts/tool.sh): /bin/allocprof.
tool="$ALLOCPROF_ROOT/tools/allocprof/target/x86_64-unknown-linux-musl/release/allocprof"
if [ -x "$tool" ]; then cp "$tool" "$root/bin/allocprof"; fi
ln -s busybox "$root/bin/sh"
cp "${modules[@]}" "$root/allocprof/modules/"
cp -r "$ALLOCPROF_ROOT/tools/testing/selftests/allocprof" "$root/allocprof/selftests/"
find "$root/allocprof/selftests" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \
	-o -name '*.rs' -o -name 'modules.order' -o -name '*.d' \) -delete
cp "$ktap" "$root/allocprof/selftests/kselftest/"
cp "$file" "$root/allocprof/run"
# Variables passed into the guest's environment.
for v in ALLOCPROF_TESTS ALLOCPROF_TEST_TIMEOUT LIFECYCLE_CYCLES STRESS_SECONDS TABLE_BS1_BYTES FEATURES_LOCK_MS $(compgen -v BENCH_); do
	[ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}" >>"$root/allocprof/env"
done
touch "$root/allocprof/env"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp 2>/dev/null
export PATH=/bin:/sbin HOME=/ TERM=dumb
. /allocprof/env
echo "allocprof-vm: running /allocprof/run"
cd /allocprof
sh /allocprof/run
rc=$?
echo "allocprof-vm: exit status $rc"
sync
reboot -f
INIT
chmod +x "$root/init" "$root/allocprof/run"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio"

# NUMA: one socket per node (sockets sharing a last-level cache across
# nodes make the guest warn at boot), each with its share of memory.
smp=$VM_SMP numa=()
if [ "$VM_NUMA" -gt 1 ]; then
	case "$VM_MEM" in
	*[Gg]) mem_mb=$((${VM_MEM%[Gg]} * 1024)) ;;
	*[Mm]) mem_mb=${VM_MEM%[Mm]} ;;
	*) die "VM_NUMA needs VM_MEM in M or G, not $VM_MEM" ;;
	esac
	[ $((VM_SMP % VM_NUMA)) -eq 0 ] && [ $((mem_mb % VM_NUMA)) -eq 0 ] ||
		die "VM_NUMA=$VM_NUMA must divide VM_SMP=$VM_SMP and VM_MEM=$VM_MEM"
	per_node=$((VM_SMP / VM_NUMA))
	smp="$VM_SMP,sockets=$VM_NUMA,cores=$per_node,threads=1"
	for ((n = 0; n < VM_NUMA; n++)); do
		numa+=(-object "memory-backend-ram,id=mem$n,size=$((mem_mb / VM_NUMA))M"
			-numa "node,nodeid=$n,cpus=$((n * per_node))-$(((n + 1) * per_node - 1)),memdev=mem$n")
	done
fi
qemu=(qemu-system-x86_64 -nodefaults -no-reboot -display none
	-smp "$smp" -m "$VM_MEM" "${numa[@]}"
	-kernel "$bzimage" -initrd "$work/initramfs.cpio"
	-append "console=ttyS0 loglevel=5 panic=-1 ${VM_APPEND:-}"
	-chardev "file,id=con,path=$console" -serial chardev:con)
case "$ACCEL" in
tcg)
	if [ "${ICOUNT:-0}" = 1 ]; then
		qemu+=(-accel tcg,thread=single -icount shift=0,sleep=off)
	else
		qemu+=(-accel "tcg,thread=${TCG_THREAD:-single}")
	fi
	;;
kvm) qemu+=(-accel kvm -cpu host) ;;
*) die "ACCEL must be tcg or kvm" ;;
esac

: >"$console"
"${qemu[@]}" </dev/null >"$work/qemu.out" 2>&1 &
qemu_pid=$!
# Stream the console from the job's start (boot messages stay in the log)
# while the VM runs; stop it at the timeout, or a few seconds after the
# first crash line (time for the report to reach its end marker).
tail -n +1 -f "$console" --pid="$qemu_pid" | sed -n '/^allocprof-vm: running/,$p' &
tail_pid=$!
deadline=$((SECONDS + TIMEOUT))
timed_out=0
crash_line= crash_deadline=
while kill -0 "$qemu_pid" 2>/dev/null; do
	if [ "$SECONDS" -ge "$deadline" ]; then
		timed_out=1
		kill "$qemu_pid" 2>/dev/null || true
		break
	fi
	if [ -z "$crash_line" ]; then
		crash_line=$(grep -anE -m 1 "$ALLOCPROF_CRASH_RE" "$console" | cut -d: -f1 || true)
		[ -n "$crash_line" ] && crash_deadline=$((SECONDS + 5))
	elif [ "$SECONDS" -ge "$crash_deadline" ] ||
		tail -n +"$crash_line" "$console" | grep -aqE -e '---\[ end ' -e '^(\[ *[0-9.]+\] )?={40}'; then
		kill "$qemu_pid" 2>/dev/null || true
		break
	fi
	sleep 0.2
done
wait "$qemu_pid" 2>/dev/null || true
qemu_pid=
wait "$tail_pid" 2>/dev/null || true

# A crash ends the VM by itself too (a panic, with panic=-1 -no-reboot).
[ -n "$crash_line" ] ||
	crash_line=$(grep -anE -m 1 "$ALLOCPROF_CRASH_RE" "$console" | cut -d: -f1 || true)
if [ -n "$crash_line" ]; then
	printf 'error: the guest kernel crashed (console: %s, line %s):\n' "$console" "$crash_line" >&2
	sed -n "$((crash_line > 10 ? crash_line - 10 : 1)),$((crash_line + 60))p" "$console" >&2
	exit 125
fi
grep -q '^allocprof-vm: running' "$console" || {
	echo "the guest never started the job; console tail:" >&2
	tail -n 40 "$console" >&2
}
if [ "$timed_out" = 1 ]; then
	printf 'error: the VM did not power off within %ss (console: %s)\n' "$TIMEOUT" "$console" >&2
	exit 124
fi
if [ -s "$work/qemu.out" ]; then
	cat "$work/qemu.out" >&2
fi
rc=$(sed -n 's/^allocprof-vm: exit status \([0-9]*\).*/\1/p' "$console" | tail -n 1)
if [ -z "$rc" ]; then
	printf 'error: the guest stopped without reporting an exit status (console: %s)\n' "$console" >&2
	exit 125
fi
exit "$rc"
