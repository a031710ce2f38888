#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (scripts/vm.sh exec): every kselftest listed in
# TEST_PROGS of tools/testing/selftests/allocprof/Makefile, in order, then
# prints one line "allocprof-check: P passed, F failed, S skipped" over all
# of their subtests.  A test that exits non-zero without reporting a
# failing subtest counts as one failure.

# counts FILE RC: "P F S", the passed, failed and skipped subtests of one
# test's output FILE, RC its exit status.  A skipped subtest is an
# "ok ... # SKIP" line: skipped, not passed.  scripts/check.sh tests this
# function on the host (GUEST_CHECK_FUNCTIONS=1: define it, run nothing).
counts() {
	s=$(grep -c '^ok [0-9]* .*# SKIP' "$1")
	p=$(($(grep -c '^ok [0-9]* .*' "$1") - s))
	f=$(grep -c '^not ok [0-9]* ' "$1")
	if [ "$2" -eq 4 ] && grep -q '^1\.\.0 # SKIP' "$1"; then
		s=$((s + 1)) # the whole test skipped itself (KSFT_SKIP): no "ok" line
	elif [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # exited non-zero without a failing subtest
	fi
	echo "$p $f $s"
}
[ "${GUEST_CHECK_FUNCTIONS:-0}" = 1 ] && return 0

cd /allocprof/selftests/allocprof || exit 1
progs=$(sed -n 's/^TEST_PROGS *:= *//p' Makefile)
[ -n "$ALLOCPROF_TESTS" ] && progs=$ALLOCPROF_TESTS
# The kselftest timeout of each test (settings, or ALLOCPROF_TEST_TIMEOUT),
# enforced here.
limit=${ALLOCPROF_TEST_TIMEOUT:-$(sed -n 's/^timeout=//p' settings)}
pass=0 fail=0 skip=0
# On a kernel with kmemleak: forget what boot left, scan again at the end.
KMEMLEAK=/sys/kernel/debug/kmemleak
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ -e $KMEMLEAK ]; then
	echo scan >$KMEMLEAK
	echo clear >$KMEMLEAK
fi
for t in $progs; do
	echo "# selftests: allocprof: $t"
	t0=$(date +%s)
	timeout "${limit:-300}" sh "./$t" >/tmp/out 2>&1
	rc=$?
	[ "$rc" -eq 143 ] && echo "not ok - $t timed out after ${limit:-300}s" >>/tmp/out
	cat /tmp/out
	# shellcheck disable=SC2046 # three numbers
	set -- $(counts /tmp/out "$rc")
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok [0-9]* ' /tmp/out &&
		! { [ "$rc" -eq 4 ] && grep -q '^1\.\.0 # SKIP' /tmp/out; }; then
		echo "# $t exited with status $rc"
	fi
	pass=$((pass + $1)) fail=$((fail + $2)) skip=$((skip + $3))
	echo "# selftests: allocprof: $t: exit status $rc ($(($(date +%s) - t0)) s)"
done
if [ -e $KMEMLEAK ]; then
	# Objects younger than 5 s are not reported; two scans confirm.
	sleep 6
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	cat $KMEMLEAK >/tmp/leaks
	if [ -s /tmp/leaks ]; then
		cat /tmp/leaks
		echo "not ok - kmemleak: $(grep -c 'unreferenced object' /tmp/leaks) suspected leaks"
		fail=$((fail + 1))
	else
		echo "ok - kmemleak: no leak"
		pass=$((pass + 1))
	fi
fi
echo "allocprof-check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
