#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Rust drop-in on the shapes of a module's Kbuild (dropin_rust_build/,
# Documentation/allocprof/dropin-rust.rst): the drop-in lines before the
# module's obj-m line (allocprof_rsb_first), a composite of one Rust crate
# (allocprof_rsb_comp: M-y := X.o), a composite of a Rust crate and a C file
# (allocprof_rsb_mixed: M-objs, the C file's allocation recorded by the C
# drop-in, the module registered once).  Each allocates at lines it logs;
# every row is named after the module, at its file and line, exact.
. "$(dirname "$0")/lib.sh"
start 16 allocprof
dmesg -c >/dev/null
# logged MODULE KEY: the line the module logged as "lines: ... KEY=N".
logged() { dmesg | sed -n "s/^.*$1: lines: .*$2=\([0-9]*\).*\$/\1/p" | tail -n 1; }
# line FUNCTION: the whole row of FUNCTION, "BYTES CALLS FILE:LINE [MODULE] func:FUNCTION".
line() { awk -v f="func:$1" '$5 == f { print $1, $2, $3, $4, $5 }' "$ALLOCINFO"; }

check "insmod allocprof_rsb_first (the drop-in lines before its obj-m line)" load allocprof_rsb_first
L=$(logged allocprof_rsb_first held)
expect_eq "row" "$(line allocprof_rsb_first::RsbFirst::init)" \
	"64 1 allocprof_rsb_first.rs:$L [allocprof_rsb_first] func:allocprof_rsb_first::RsbFirst::init" \
	"its KBox<[u64; 5]> at its line: 64 bytes in 1 call"
check "its file!() is its file's name (the remap of macros)" \
	sh -c "dmesg | grep -q 'allocprof_rsb_first: file: allocprof_rsb_first.rs\$'"

check "insmod allocprof_rsb_comp (allocprof_rsb_comp-y := rsb_comp_main.o)" load allocprof_rsb_comp
LB=$(logged allocprof_rsb_comp box) LV=$(logged allocprof_rsb_comp vec)
LN=$(logged allocprof_rsb_comp name) LP=$(logged allocprof_rsb_comp page)
rows=$(grep '\[allocprof_rsb_comp\]' "$ALLOCINFO" | awk '{ print $1, $2, $3, $4, $5, $6 }' | sed 's/ *$//' | sort)
# (7.3: the kernel crate's CString and Page, not wrapped there, 0 0 and
# marked accurate:no.)
if [ "$(uname -r | cut -d. -f1,2)" = 6.12 ]; then
	KN="16 1" KP="4096 1" KM= KWHAT="the kernel crate's CString (16) and Page (4096)"
else
	KN="0 0" KP="0 0" KM=" accurate:no" KWHAT="the kernel crate's CString and Page (0 0, accurate:no: not wrapped on 7.3)"
fi
want=$(printf '%s\n' \
	"96 1 rsb_comp_main.rs:$LB [allocprof_rsb_comp] func:rsb_comp_main::RsbComp::init" \
	"256 1 rsb_comp_main.rs:$LV [allocprof_rsb_comp] func:rsb_comp_main::RsbComp::init" \
	"$KN rsb_comp_main.rs:$LN [allocprof_rsb_comp] func:rsb_comp_main::RsbComp::init$KM" \
	"$KP rsb_comp_main.rs:$LP [allocprof_rsb_comp] func:rsb_comp_main::RsbComp::init$KM" | sort)
expect_eq "rows" "$rows" "$want" \
	"its four rows, named after the module: the KBox (96), the KVec of 50 u32 (256), $KWHAT"

check "insmod allocprof_rsb_mixed (a Rust crate and a C file)" load allocprof_rsb_mixed
LB=$(logged allocprof_rsb_mixed box) LC=$(logged allocprof_rsb_mixed c)
expect_eq "Rust row" "$(line rsb_mixed_main::RsbMixed::init)" \
	"192 1 rsb_mixed_main.rs:$LB [allocprof_rsb_mixed] func:rsb_mixed_main::RsbMixed::init" \
	"the Rust crate's KBox<[u64; 20]> at its line: 192 bytes"
expect_eq "C row" "$(line rsb_mixed_c_alloc)" \
	"256 1 rsb_mixed_c.c:$LC [allocprof_rsb_mixed] func:rsb_mixed_c_alloc" \
	"the C file's kmalloc(200) at its line: 256 bytes"
expect_eq "rows" "$(grep -c '\[allocprof_rsb_mixed\]' "$ALLOCINFO")" 2 "no other row of it"
check "no row marked (but 7.3's two above), no untracked object" sh -c "
	! grep accurate:no $ALLOCINFO | grep -qv '\[allocprof_rsb_comp\] func:rsb_comp_main::RsbComp::init accurate:no' &&
	[ \$(cat /sys/kernel/allocprof/dropin_untracked) = 0 ]"

check "rmmod the three" sh -c "rmmod allocprof_rsb_first && rmmod allocprof_rsb_comp && rmmod allocprof_rsb_mixed"
check "their rows gone, no report of live objects" sh -c "
	! grep -q 'allocprof_rsb_' $ALLOCINFO && ! dmesg | grep -q 'still live at module unload'"
# Loaded again: registered again (one registration per load).
check "insmod allocprof_rsb_mixed again" load allocprof_rsb_mixed
expect_eq "rows again" "$(grep '\[allocprof_rsb_mixed\]' "$ALLOCINFO" | awk '{ s += $1 } END { print NR, s }')" \
	"2 448" "its two rows again, 448 bytes"
check "rmmod allocprof_rsb_mixed, rmmod allocprof" sh -c "rmmod allocprof_rsb_mixed && rmmod allocprof"
check "no report of live objects" sh -c "! dmesg | grep -q 'still live at module unload'"
ktap_finished
