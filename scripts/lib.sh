# SPDX-License-Identifier: GPL-2.0
# Shared helpers for allocprof's scripts: messages, the cache, long steps.
# Sourced, never run.

ALLOCPROF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The kselftests, their test modules and the kernel config fragments.
ALLOCPROF_SELFTESTS=$ALLOCPROF_ROOT/tools/testing/selftests/allocprof
# Kernel trees, initramfs pieces and logs live outside the clone, here.
ALLOCPROF_CACHE=${ALLOCPROF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/allocprof}
ALLOCPROF_LOGS=${ALLOCPROF_LOGS:-$ALLOCPROF_CACHE/logs}
# The pinned bindgen the kernel's Rust build uses.
ALLOCPROF_BINDGEN_VERSION=0.73.2
export PATH="$HOME/.cargo/bin:$PATH"
# The kernels of the test matrix (kernels.mk's list, oldest first) and the
# one selected: KERNEL (make's KERNEL=, exported), by default the newest.
ALLOCPROF_KERNELS=$(sed -n 's/^allocprof_kernels := //p' "$ALLOCPROF_ROOT/kernels.mk")
KERNEL=${KERNEL:-${ALLOCPROF_KERNELS##* }}
export KERNEL
# kernel_known V: whether V is a kernel of the matrix.
kernel_known() { [[ " $ALLOCPROF_KERNELS " == *" $1 "* ]]; }
# The kernels the C drop-in is tested on (kernels.mk's
# allocprof_dropin_kernels), and the Rust drop-in (allocprof_rs_dropin_kernels).
# dropin_kernel V: whether the C drop-in is tested on V; rs_dropin_kernel V:
# whether both are (the Rust drop-in's tests build modules of Rust and C
# objects, as do the differential, MTTCG, the demo and the benchmarks).
ALLOCPROF_DROPIN_KERNELS=$(sed -n 's/^allocprof_dropin_kernels := //p' "$ALLOCPROF_ROOT/kernels.mk")
ALLOCPROF_RS_DROPIN_KERNELS=$(sed -n 's/^allocprof_rs_dropin_kernels := //p' "$ALLOCPROF_ROOT/kernels.mk")
dropin_kernel() { [[ " $ALLOCPROF_DROPIN_KERNELS " == *" $1 "* ]]; }
rs_dropin_kernel() { dropin_kernel "$1" && [[ " $ALLOCPROF_RS_DROPIN_KERNELS " == *" $1 "* ]]; }
# rs_samples V: the files of the kernel's samples/rust/ that the Rust
# drop-in's kselftest builds unmodified on Linux V (modules.sh copies them
# into dropin_rust_samples/, whose Kbuild names their modules).
rs_samples() {
	case $1 in
	6.12) echo rust_minimal.rs rust_print.rs ;;
	*) echo rust_minimal.rs rust_print_main.rs rust_print_events.c rust_misc_device.rs rust_driver_faux.rs ;;
	esac
}
# kdir_version KDIR: the VERSION.PATCHLEVEL of the kernel built in KDIR.
kdir_version() {
	local r
	r=$(cat "$1/include/config/kernel.release" 2>/dev/null) || die "$1: no include/config/kernel.release (not a built kernel)"
	echo "$r" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p'
}
# run_kernel: the version a run is for: that of the KDIR given, else KERNEL.
run_kernel() {
	if [ -n "${KDIR:-}" ]; then kdir_version "$KDIR"; else echo "$KERNEL"; fi
}

# A line of the guest console that says the kernel crashed: scripts/vm.sh
# stops the VM at the first one, scripts/check.sh counts it (with the
# non-fatal reports: WARNING:, UBSAN, KASAN, kmemleak) as a failure.
# Covers "Oops: ...", "BUG: ..." (with "BUG: unable to handle page fault",
# "BUG: KASAN: ...", "BUG: sleeping function called from invalid
# context"), "kernel BUG at ...", "general protection fault",
# "PANIC: double fault" and "Kernel panic - not syncing".
ALLOCPROF_CRASH_RE='Kernel panic|Oops|BUG:|kernel BUG at|general protection fault|[Uu]nable to handle (kernel|page fault)|PANIC:'

# run_dir NAME: sets and exports ALLOCPROF_RUN_DIR, the directory of this
# run's logs and scratch state: the caller's when a script runs another
# (check-debug.sh runs check.sh, check.sh runs differential.sh: one
# directory for the whole run), else a new $ALLOCPROF_LOGS/runs/NAME-DATE-PID,
# at which $ALLOCPROF_LOGS/NAME (a symlink) then points: the latest run of
# NAME.  Two runs at once (two clones, a check beside a demo) never share
# a file.  The 10 newest runs of each NAME are kept.
run_dir() {
	local name=$1 d link
	if [ -n "${ALLOCPROF_RUN_DIR:-}" ] && [ -d "$ALLOCPROF_RUN_DIR" ]; then
		export ALLOCPROF_RUN_DIR
		return 0
	fi
	d="$ALLOCPROF_LOGS/runs/$name-$(date +%Y%m%d-%H%M%S)-$$"
	mkdir -p "$d"
	# Replaced in one rename: a reader never finds the link missing.
	link="$ALLOCPROF_LOGS/.$name.$$"
	ln -sfn "runs/${d##*/}" "$link" && mv -Tf "$link" "$ALLOCPROF_LOGS/$name"
	# NAME-<digit>: the runs of NAME, not those of NAME-debug.
	find "$ALLOCPROF_LOGS/runs" -mindepth 1 -maxdepth 1 -name "$name-[0-9]*" -printf '%f\n' |
		sort -r | tail -n +11 | sed "s|^|$ALLOCPROF_LOGS/runs/|" | xargs -r rm -rf
	export ALLOCPROF_RUN_DIR=$d
}

# cargo_test_report LOG RC: what a `cargo test` that wrote LOG and exited
# RC did: its "test result:" lines, then "cargo test: P passed, F failed,
# S skipped" (S: the tests cargo reports ignored; scripts/check.sh counts
# this line), and on a failure the failing tests and the log's path.
cargo_test_report() {
	local log=$1 rc=$2 passed failed skipped
	grep '^test result:' "$log" | sed 's/^/    /' || true
	read -r passed failed skipped < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed; \([0-9]*\) ignored.*/\1 \2 \3/p' "$log" |
		awk '{ p += $1; f += $2; s += $3 } END { print p + 0, f + 0, s + 0 }')
	printf 'cargo test: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
	if [ "$rc" -ne 0 ]; then
		grep -E '^(test .* FAILED|error)' "$log" | head -n 20 | sed 's/^/    /' >&2 || true
		printf 'error: cargo test failed (exit %d); full log: %s\n' "$rc" "$log" >&2
	fi
}

# kernel_make_vars KDIR: the make variables that build modules against
# KDIR with its own toolchain, one a line (LLVM=-19, LIBCLANG_PATH=...):
# the record scripts/kernel.sh keeps in KDIR/.allocprof-toolchain.  A
# kernel without one (not built by kernel.sh): LLVM as given (LLVM=
# empty: GCC), else LLVM=1.  An LLVM given (environment, make's command line) that is not
# the kernel's is an error: an external module is built with the
# compiler of its kernel (kCFI's types, the flags kbuild passes).
kernel_make_vars() {
	local rec=$1/.allocprof-toolchain want
	# A module's alloc_tags bounds (__start_alloc_tags, __stop_alloc_tags):
	# where the kernel's module linker script has none (7.3 without
	# CONFIG_MEM_ALLOC_PROFILING), allocprof's alloc_tags.lds is linked in
	# too (one word: the Makefile splits these lines on blanks).
	grep -qs __start_alloc_tags "$1/scripts/module.lds" ||
		echo "LDFLAGS_MODULE=--script=$ALLOCPROF_ROOT/alloc_tags.lds"
	if [ ! -f "$rec" ]; then
		echo "LLVM=${LLVM-1}"
		return 0
	fi
	want=$(sed -n 's/^LLVM=//p' "$rec")
	if [ -n "${LLVM:-}" ] && [ "$LLVM" != "$want" ]; then
		printf 'error: %s was built with LLVM=%s (%s), not LLVM=%s: modules are built with their kernel'"'"'s compiler; leave LLVM out\n' \
			"$1" "$want" "$rec" "$LLVM" >&2
		return 1
	fi
	cat "$rec"
}

# module_make KDIR ARG...: make -C KDIR ARG... with KDIR's toolchain
# (kernel_make_vars): the builds of external modules (M=...).
module_make() {
	local k=$1 vars
	shift
	vars=$(kernel_make_vars "$k") || return 1
	mapfile -t vars <<<"$vars"
	make -C "$k" "${vars[@]}" "$@"
}

step() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# last_step LOG: the last step line of a kernel build's LOG ("CC mm/slub.o"),
# or nothing.
last_step() {
	{ grep -E '^ +[A-Z]+' "$1" 2>/dev/null || true; } | tail -n 1 | sed 's/^ *//'
}

# run_long LABEL LOG CMD...: run CMD with its output in LOG, printing a
# condensed progress line every few seconds; on failure print the log's
# tail and path and return CMD's status.
run_long() {
	local label=$1 log=$2 pid rc last n start
	shift 2
	mkdir -p "$(dirname "$log")"
	start=$SECONDS
	"$@" >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 5
		kill -0 "$pid" 2>/dev/null || break
		n=$(grep -c -E '^ +(CC|RUSTC|LD|AR|AS|BINDGEN|HOSTCC|OBJCOPY)' "$log" 2>/dev/null || true)
		last=$(last_step "$log")
		printf '    [%s %ds] %s steps done%s\n' "$label" $((SECONDS - start)) "${n:-0}" \
			"${last:+, last: $last}"
	done
	rc=0
	wait "$pid" || rc=$?
	if [ "$rc" -ne 0 ]; then
		printf 'error: %s failed (exit %d); last lines of %s:\n' "$label" "$rc" "$log" >&2
		tail -n 40 "$log" >&2
		printf 'full log: %s\n' "$log" >&2
	fi
	return "$rc"
}
