#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.mem_profiling takes 0 or 1 and refuses everything else, unchanged;
# only root writes it; debug=1 makes it read-only; allocprof refuses to
# load where vm.mem_profiling exists already.
. "$(dirname "$0")/lib.sh"
start 26 allocprof


# bad VALUE DESCRIPTION: writing VALUE fails with EINVAL and leaves 1.
bad() {
	if refused "Invalid argument" write_once "$SYSCTL" "$1" &&
		[ "$(cat "$SYSCTL")" = 1 ]; then
		ktap_test_pass "$2 is refused with EINVAL, value unchanged"
	else
		ktap_test_fail "$2 is refused with EINVAL, value unchanged"
	fi
}
bad 2 "'2'"
bad -1 "'-1'"
bad abc "'abc'"
bad "
" "an empty line"
bad "1 1" "'1 1'"
bad "01" "'01'"
bad " 1" "' 1'"
bad "1

" "'1' and two newlines"
bad "$(head -c 5000 /dev/zero | tr '\0' 1)" "a 5000-byte string"
bad "$(printf '\001\377')" "binary bytes"

good() { # VALUE EXPECT DESCRIPTION
	write_once "$SYSCTL" "$1" >/dev/null && [ "$(cat "$SYSCTL")" = "$2" ]
}
check "'0' is accepted" good 0 0
check "'1' is accepted" good 1 1
check "'0\\n' is accepted" good "0
" 0
check "'1\\n' is accepted" good "1
" 1
check "a write at offset 1 is refused" \
	refused "Invalid argument" sh -c "printf 0 | dd of=$SYSCTL bs=1 seek=1 conv=notrunc 2>&1 >/dev/null || exit 1"
check "a non-root write is refused" \
	refused "Permission denied" su -s /bin/sh nobody -c "echo 0 > $SYSCTL"
check "value still 1" test "$(cat "$SYSCTL")" = 1

# debug=1: read-only.
rmmod allocprof
load allocprof debug=1
check "debug=1: vm.mem_profiling is mode 0444" test "$(stat -c %a "$SYSCTL")" = 444
check "debug=1: writing 0 fails" refused "denied" sh -c "echo 0 > $SYSCTL"
check "debug=1: value still 1" test "$(cat "$SYSCTL")" = 1
rmmod allocprof

# An existing vm.mem_profiling (CONFIG_MEM_ALLOC_PROFILING's) wins.
load allocprof_squatter
dmesg -c >/dev/null
check "with vm.mem_profiling taken, insmod allocprof fails and says why" \
	sh -c "! insmod $MODDIR/allocprof.ko 2>/dev/null && dmesg | grep -q 'vm.mem_profiling already exists (a kernel built with CONFIG_MEM_ALLOC_PROFILING owns it); not loading'"
check "allocprof is not loaded" sh -c "! grep -q '^allocprof ' /proc/modules"
check "the existing vm.mem_profiling is intact" test "$(cat "$SYSCTL")" = 0
# The same from a mount namespace without /proc: allocprof looks in a
# mount of its own, not the caller's.
dmesg -c >/dev/null
check "without /proc mounted, insmod allocprof still fails and says why" \
	sh -c "! unshare -m sh -c 'umount /proc && insmod $MODDIR/allocprof.ko' 2>/dev/null && dmesg | grep -q 'vm.mem_profiling already exists'"
check "allocprof is not loaded" sh -c "! grep -q '^allocprof ' /proc/modules"
check "vm.mem_profiling and its neighbours are intact" \
	sh -c "test \"\$(cat $SYSCTL)\" = 0 && test -e /proc/sys/vm/overcommit_memory"
rmmod allocprof_squatter
unload_all
ktap_finished
