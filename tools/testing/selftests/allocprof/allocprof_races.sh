#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Races and forgetful clients, each window widened by a test hook:
# - allocinfo cannot be opened before allocprof has set it up
#   (allocprof test_delay_ms= sleeps inside that window);
# - a charge that loaded its tag's counters before the client unregisters
#   lands in counters that are summed after it, never in freed memory
#   (allocprof_test race_charge spins inside the charge);
# - a module that registers and never unregisters (C client without
#   unregister, an init that fails after registering, a Rust client that
#   leaks its Registration) is unregistered when it goes: allocinfo stays
#   readable and names nothing of it.
. "$(dirname "$0")/lib.sh"
start 18
T=allocprof_test

# 1. An open during setup.  The file appears 3 s before allocprof's own
# operations are in place (mode 0 until then); an open in that window is
# refused with EACCES.  (Before: it got sysfs's operations, and its first
# read after setup oopsed.)  The refusal itself is asserted, on a file
# that existed when it was opened: an open of a file not there yet
# (ENOENT) proves nothing.
insmod "$MODDIR/allocprof.ko" test_delay_ms=3000 &
pid=$!
i=0
while [ ! -e "$ALLOCINFO" ] && [ $i -lt 400 ]; do
	sleep 0.01
	i=$((i + 1))
done
# Exit 4: no file before the open; 3: the open failed, the file there
# before and after it; 5: it failed and the file was gone after.  (A
# failed redirection of `exec` ends the shell: try it in a subshell.)
sh -c '[ -e "$0" ] || exit 4
	if ! (exec 3<"$0"); then [ -e "$0" ] && exit 3; exit 5; fi
	exec 3<"$0"; sleep 4; head -n 1 <&3' "$ALLOCINFO" >/tmp/early 2>&1
rc=$?
wait $pid
check "insmod allocprof test_delay_ms=3000" grep -q '^allocprof ' /proc/modules
check "allocinfo exists during setup, before and after the early open" \
	sh -c "[ $rc != 4 ] && [ $rc != 5 ]"
check "an open during setup is refused with EACCES (Permission denied)" \
	sh -c "[ $rc = 3 ] && grep -q 'Permission denied' /tmp/early"
[ "$rc" = 3 ] && grep -q 'Permission denied' /tmp/early ||
	ktap_print_msg "early open: exit $rc, said: $(cat /tmp/early)"
check "allocinfo reads normally once set up" test "$(head -n 1 "$ALLOCINFO")" = "$HEADER1"

# 2. A charge racing its client's unregistration: race_charge loads the
# tag's counters, then spins 1.5 s with preemption off before updating
# them; meanwhile the client unregisters (on the other CPU) and registers
# again.  The unregistration waits for the charge, which lands in the old
# counters: reported as live, kept as an orphan row.  (Before: the old
# counters were freed under the charge, which then wrote into per-CPU
# memory that the new registration may have been given.)
load allocprof_test || ktap_exit_fail_msg "insmod allocprof_test failed"
dmesg -c >/dev/null
taskset -c 0 sh -c "echo race_charge 1500 > $CONTROL" &
pid=$!
sleep 0.5
taskset -c 1 sh -c "echo unregister > $CONTROL"
urc=$?
taskset -c 1 sh -c "echo register > $CONTROL"
wait $pid
rrc=$?
check "race_charge, unregister and register succeed" test "$rrc$urc" = 00
check "the unregistration reports the charge that raced it: 128 bytes in 1" \
	sh -c "dmesg | grep -q '\[$T\] func:$T::site_race: 128 bytes in 1 allocations still live at module unload'"
live=$(awk '/\['$T'\]/ && $NF != "func:'$T'::site_race" { b += $1; c += $2 } END { print b + 0, c + 0 }' "$ALLOCINFO")
check "the new registration's rows are all 0 0" test "$live" = "0 0"
orph=$(grep -c "\[$T\] func:$T::site_race " "$ALLOCINFO")
check "two site_race rows: the new one and the orphan" test "$orph" = 2
expect_row_n() { # FUNCTION BYTES CALLS DESC: the row with these numbers exists
	if awk -v f="func:$1" -v b="$2" -v c="$3" '$NF == f && $1 == b && $2 == c { found = 1 } END { exit !found }' "$ALLOCINFO"; then
		ktap_test_pass "$4"
	else
		ktap_print_msg "rows of $1: $(grep "func:$1 " "$ALLOCINFO" | tr -s ' ')"
		ktap_test_fail "$4"
	fi
}
expect_row_n $T::site_race 128 1 "the orphan row holds the raced charge: 128 1"
control free
check "freeing it empties the orphan, which leaves the table" \
	test "$(grep -c "\[$T\] func:$T::site_race " "$ALLOCINFO")" = 1
rmmod $T

# 3. Modules that never unregister.
load allocprof_ctest count=3 no_unregister=1
check "C client that exits without unregistering: rmmod" rmmod allocprof_ctest
check "allocinfo is readable after it" sh -c "cat $ALLOCINFO >/dev/null"
check "... and names nothing of it" sh -c "! grep -q '\[allocprof_ctest\]' $ALLOCINFO"
check "C client whose init fails after registering: insmod fails" \
	sh -c "! insmod $MODDIR/allocprof_ctest.ko fail_init=1 2>/dev/null"
check "allocinfo is readable after it, naming nothing of it" \
	sh -c "cat $ALLOCINFO >/dev/null && ! grep -q '\[allocprof_ctest\]' $ALLOCINFO"
load allocprof_test
control forget
control kmalloc 2 100
check "Rust client that leaked its Registration: rows still counted" \
	test "$(row $T::site_kmalloc)" = "256 2"
check "... rmmod" rmmod $T
check "allocinfo is readable after it, naming nothing of it" \
	sh -c "cat $ALLOCINFO >/dev/null && ! grep -q '\[$T\]' $ALLOCINFO"
unload_all
ktap_finished
