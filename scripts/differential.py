#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compares the drop-in rows with upstream's (scripts/differential.sh).

Usage: differential.py ALLOCPROF_LOG UPSTREAM_LOG RC_A RC_U SRCDIR CONSOLE...
       differential.py --self-test

Each log holds "diff-row: SNAPSHOT BYTES CALLS FILE:LINE [MODULE]
func:FUNCTION[ rest]" lines and "diff-snapshot: SNAPSHOT" after each
snapshot, and "diff-cmd: COMMAND" for each command of the workload.  A row
is keyed by module, file name (without its directory: the two builds
compile from different directories), line and function; two rows of one
key in one snapshot fail (a dict would keep one of them silently).  In
every snapshot both kernels must show the same rows, and each row the same
bytes and calls, or the relation Documentation/allocprof/dropin.rst
("Compared with upstream's profiler") states for its kind, which the
source line of the call site tells (SRCDIR holds the module sources):

  vmalloc  upstream also charges the page-pointer array and counts each
           page: bytes + calls * kmalloc_size(8 * P), calls * (P + 1),
           P = pages per area (past 512 pages the array is a vmalloc area
           of Q = 8 * P / 4096 pages: bytes + calls * (Q * 4096 +
           kmalloc_size(8 * Q)), calls * (P + Q + 1))
  exact    alloc_pages_exact: equal, bytes and calls (both count each page
           a call: split_page gives every page its own reference, and
           allocprof charges one call per page as upstream does)
  percpu   upstream charges nothing for the first percpu chunk (no
           obj_exts): 0 0; allocprof's row must be calls * SIZE * possible
           CPUs (the "diff-possible:" line), SIZE the literal first
           argument of the call in the source, or the SIZE of the
           workload's "percpu N SIZE" commands for a site whose size is a
           variable
  kfree_rcu (site_rcu, snapshot rcu_at_call): allocprof uncharged at the
           call (0 0); upstream at the real free after a grace period:
           0 <= calls <= 5 objects, bytes = calls * 64
  devm     devm_ helpers are functions: upstream charges their objects to
           drivers/base/devres.c's alloc_dr(), not to the module, so these
           rows exist only under allocprof; in every snapshot their sum
           (bytes and calls) is exactly the change of upstream's alloc_dr
           row since before the modules were loaded ("diff-devres:" lines)

An empty or truncated table must not pass as "the same rows on both
kernels": MIN_CHARGED sets, from the workload, how many rows of each
module allocprof must show charged in each snapshot.

The Rust drop-in ("diff-rsrow:", "diff-rshelper:", "diff-rssnapshot:"
lines): upstream charges every allocation of kernel::alloc to one of
three rows of rust/helpers/ (rust_helper_krealloc, _kvrealloc,
_vrealloc), whatever the module, and every page of Page::alloc_page to
a fourth (rust_helper_alloc_pages).  For each Rust module and snapshot
(RS_SNAPSHOTS: after its load, after the test module's workload, after
its free, after its unload) the change of each of those rows since
before the module's load must equal the sum of the module's rows under
allocprof that allocate through it: Vmalloc (a source line naming VBox
or VVec) in the vmalloc relation above, KVmalloc (KVBox, KVVec) equal,
or in the vmalloc relation for an object past KMALLOC_MAX_SIZE (4 MiB:
kvrealloc() then falls back to vmalloc), a page (a line naming
Page::alloc_page) equal, Kmalloc (every other line) equal; after the unload, no row of the module and every change back to
0 0.  RS_MIN_CHARGED: the rows the workload charges.
"""
import os
import re
import sys

ROW = re.compile(r"^diff-row: (\S+) +(-?\d+) +(\d+) (\S+):(\d+) \[(\S+)\] func:(\S+)(.*)$")
PAGE = 4096
SNAPSHOTS = ["loaded", "held", "rcu_at_call", "rcu_later", "freed", "pages_held", "pages_freed",
             "mp_held", "mp_resized", "mp_destroyed", "devm_changed", "devm_unbound",
             "devm_rebound", "kset_gone"]
# The least number of rows charged (bytes or calls non-zero) under
# allocprof, per snapshot and module, from the workload of
# scripts/guest-differential.sh (devm rows counted apart: "devm"); a
# run of 2026-12-06 showed exactly these.
#   kmemleak_test: its init leaves everything live, never freed: 8
#     kmalloc, 5 vmalloc, 1 kzalloc (a list), 1 kmalloc(129) (one per
#     CPU), 1 __alloc_percpu: 16 rows (its kmem_cache_alloc lines are
#     #ifndef CONFIG_MODULES);
#   kset_example: its 3 kobjects, one kzalloc site, until it is unloaded
#     (kset_gone: no row at all);
#   test_memcat_p: its init's 4 sites (two arrays, their elements) free
#     everything before the init returns: 4 rows of no bytes and no live
#     calls on both kernels (the "same rows" test: its tags at the lines
#     of kzalloc_objs/kmalloc_obj on 7.3), none charged;
#   allocprof_dropin_test: its init's object (dropin_test_init), kept
#     while loaded: 1 row; "held" 18 more (kmalloc, kzalloc, kcalloc,
#     kmalloc_node, kmemdup, kvmalloc, kvzalloc, vmalloc, vzalloc, pages,
#     folio, getpages, zeroed, exact, cache, bulk, percpu, krealloc);
#     "pages_held" 2 more (pages held by a second reference and split
#     blocks at site_pages, one held at site_getpages);
#     "mp_held" 8 more (4 pool creation sites, 4 mempool_alloc sites);
#     "mp_resized" 4 more (the creation sites: the pools and reserves);
#   devm: the platform device's probe holds one object at 12 sites; 9
#     after devm_changed (3 devm_kfree()d, 2 moved by devm_krealloc to
#     its 2 sites); none once unbound, 12 again once bound.
MIN_CHARGED = {snap: {"kmemleak_test": 16, "kset_example": 1, "allocprof_dropin_test": 1, "devm": 12}
               for snap in SNAPSHOTS}
del MIN_CHARGED["kset_gone"]["kset_example"]
MIN_CHARGED["held"]["allocprof_dropin_test"] = 19
MIN_CHARGED["pages_held"]["allocprof_dropin_test"] = 3
MIN_CHARGED["mp_held"]["allocprof_dropin_test"] = 9
MIN_CHARGED["mp_resized"]["allocprof_dropin_test"] = 5
MIN_CHARGED["devm_changed"]["devm"] = 9
del MIN_CHARGED["devm_unbound"]["devm"]
# The Rust modules: their snapshots (PREFIX_pre, then these), the rows
# charged (at least) in each, from the workload of
# scripts/guest-differential.sh: rust_minimal's vector (line 27);
# rust_print frees in its init what it allocates; the test module's load
# holds 6 objects (init_kbox, init_kvec, init_arc, init_vbox, init_held,
# DropinRustTest::init), its workload 19 more (kbox, vbox, kvbox, kvec,
# vvec, kvvec, from_elem, inplace_cap, shrink_cap, vshrink_cap, arc,
# unique, unique_uninit, pin_init, arc_pin_init, box_pin, rbtree, work,
# grow, reader_read_all, cstring_fmt, cstring_from, to_cstring, lowercase,
# uppercase, page).
RS_MODULES = {"rust_minimal": "rust_minimal", "rust_print": "rust_print",
              "rstest": "allocprof_dropin_rust_test"}
RS_SNAPSHOTS = {"rust_minimal": ["loaded", "unloaded"], "rust_print": ["loaded", "unloaded"],
                "rstest": ["loaded", "held", "freed", "unloaded"]}
RS_MIN_CHARGED = {"rust_minimal_loaded": 1, "rust_print_loaded": 0, "rstest_loaded": 6,
                  "rstest_held": 32, "rstest_freed": 6}
# Linux 7.3: allocprof wraps none of the kernel crate's functions that
# allocate for a module (CString's, Page::alloc_page: dropin-rust.rst;
# their rows are marked accurate:no, which allocprof_dropin_rust.sh
# checks): the workload leaves them out (cstring, page, and foreign_in,
# which makes a CString too), so no page row and 6 rows fewer charged.
RS_LEFT_OUT = {"7.3": {"kinds": {"page"}, "rows": 6}}
RS_HELPERS = ("krealloc", "kvrealloc", "vrealloc", "alloc_pages")
# KMALLOC_MAX_SIZE: kvrealloc() falls back to vmalloc past it.
KMALLOC_MAX = 4 << 20
BAD = re.compile(r"Kernel panic|Oops|BUG:|kernel BUG at|general protection fault|"
                 r"[Uu]nable to handle (kernel|page fault)|PANIC:|WARNING:|Call Trace|UBSAN|KASAN")


def kmalloc_size(n):
    """kmalloc's bucket for n bytes (SLUB, 4 KiB pages, no RANDOM_KMALLOC)."""
    for b in (8, 16, 32, 64, 96, 128, 192):
        if n <= b:
            return b
    b = 256
    while b < n:
        b *= 2
    return b


def parse(lines):
    """The snapshots' rows, the snapshots seen, the diff-error lines and
    the other lines ("tool", "possible", "devres", "cmds"; "dups": the
    rows whose key repeats in a snapshot)."""
    snaps, rows, errors, seen = {}, {}, [], set()
    for line in lines:
        line = line.rstrip("\n")
        m = ROW.match(line)
        if m:
            snap, b, c, f, ln, mod, fn, rest = m.groups()
            key = (mod, os.path.basename(f), int(ln), fn)
            if key in rows.setdefault(snap, {}):
                snaps.setdefault("dups", []).append(f"{snap}: two rows of {key[0]} {key[1]}:{key[2]} {key[3]}: "
                              f"{rows[snap][key][:2]} and {(int(b), int(c))}")
            rows[snap][key] = (int(b), int(c), rest.strip())
        elif line.startswith("diff-snapshot: "):
            seen.add(line.split()[1])
        elif line.startswith("diff-error: "):
            errors.append(line)
        elif line.startswith("diff-tool: "):
            snaps.setdefault("tool", []).append(line[len("diff-tool: "):])
        elif line.startswith("diff-possible: "):
            snaps["possible"] = int(line.split()[1])
        elif line.startswith("diff-kernel: "):
            snaps["kernel"] = line.split()[1]
        elif line.startswith("diff-cmd: "):
            snaps.setdefault("cmds", []).append(line.split()[1:])
        elif line.startswith("diff-devres: "):
            _, snap, b, c = line.split()
            snaps.setdefault("devres", {})[snap] = (int(b), int(c))
        elif line.startswith("diff-rsrow: "):
            m = ROW.match("diff-row: " + line[len("diff-rsrow: "):])
            if m:
                snap, b, c, f, ln, mod, fn, rest = m.groups()
                key = (mod, os.path.basename(f), int(ln), fn)
                rs = snaps.setdefault("rsrows", {}).setdefault(snap, {})
                if key in rs:
                    snaps.setdefault("dups", []).append(f"{snap}: two rows of {key}")
                rs[key] = (int(b), int(c), rest.strip())
        elif line.startswith("diff-rshelper: "):
            _, snap, helper, b, c = line.split()
            snaps.setdefault("rshelpers", {}).setdefault(snap, {})[helper] = (int(b), int(c))
        elif line.startswith("diff-rssnapshot: "):
            snaps.setdefault("rsseen", set()).add(line.split()[1])
    for s in seen:
        rows.setdefault(s, {})
    return rows, seen, errors, snaps


def source_line(key, srcdir):
    try:
        with open(os.path.join(srcdir, key[1]), errors="replace") as f:
            return f.read().splitlines()[key[2] - 1]
    except (OSError, IndexError):
        return ""


def kind_of(key, srcdir):
    text = source_line(key, srcdir)
    if re.search(r"\bdevm_k\w*\(", text):
        return "devm"
    if re.search(r"\bv([mz]|re)alloc\w*\(", text):
        return "vmalloc"
    if "alloc_pages_exact" in text:
        return "exact"
    if "alloc_percpu" in text:
        return "percpu"
    return "equal"


def expected(kind, snap, key, a):
    """Upstream's (bytes, calls) from allocprof's, or None if the relation
    is a range (checked by in_range)."""
    b, c = a
    if key[3] == "site_rcu" and snap == "rcu_at_call":
        return None
    if kind == "vmalloc" and c:
        # (-1, -1): not areas of one size, no relation.
        return vmalloc_relation(b, c) or (-1, -1)
    if kind == "exact":
        return (b, c)
    if kind == "percpu":
        return (0, 0)
    return (b, c)


def percpu_size(key, srcdir, cmds):
    """The size of each allocation of a percpu call site: the literal first
    argument of __alloc_percpu()/alloc_percpu() in its source line, or,
    for a site whose size is a variable (allocprof_dropin_test's
    site_percpu), the SIZE of the workload's "percpu N SIZE" commands (one
    size, or None)."""
    m = re.search(r"alloc_percpu\w*\(\s*(\d+)\s*[,)]", source_line(key, srcdir))
    if m:
        return int(m.group(1))
    sizes = {int(c[2]) for c in cmds if len(c) == 3 and c[0] == "percpu"}
    return sizes.pop() if len(sizes) == 1 else None


def rs_kind(key, srcdir):
    """The allocator of a Rust row's call site, from its source line:
    "page" (Page::alloc_page), "vmalloc" (VBox, VVec), "kvmalloc" (KVBox,
    KVVec) or "kmalloc"."""
    text = source_line(key, srcdir)
    if re.search(r"\bPage::alloc_page\b", text):
        return "page"
    if re.search(r"\bV(Box|Vec)\b", text):
        return "vmalloc"
    if re.search(r"\bKV(Box|Vec)\b", text):
        return "kvmalloc"
    return "kmalloc"


def vmalloc_relation(b, c):
    """Upstream's (bytes, calls) for allocprof's row of c vmalloc areas of
    b bytes in all (one size: P pages each), or None.  Upstream charges
    each page a call and the page-pointer array of 8 * P bytes:
    kmalloc'd, or past a page vmalloc'd itself (__vmalloc_area_node():
    its Q pages, a call each, and its own array, kmalloc'd)."""
    if not c:
        return (b, c)
    pages = b // (c * PAGE)
    if b != pages * c * PAGE:
        return None
    array = 8 * pages
    if array <= PAGE:
        extra = (kmalloc_size(array), 1)
    else:
        q = -(-array // PAGE)
        extra = (q * PAGE + kmalloc_size(8 * q), q + 1)
    return (b + c * extra[0], c * (pages + extra[1]))


def rs_expected(rows, srcdir):
    """What upstream's four helper rows must have changed by, from a Rust
    module's rows under allocprof: {helper: (bytes, calls)}, and the
    rows in no relation (a vmalloc row of areas of several sizes)."""
    want = {h: (0, 0) for h in RS_HELPERS}
    bad = []
    for key, (b, c, _) in rows.items():
        kind = rs_kind(key, srcdir)
        helper = {"kmalloc": "krealloc", "kvmalloc": "kvrealloc", "vmalloc": "vrealloc",
                  "page": "alloc_pages"}[kind]
        v = (b, c)
        if kind == "vmalloc" or (kind == "kvmalloc" and c and b // c > KMALLOC_MAX):
            v = vmalloc_relation(b, c)
            if v is None:
                bad.append(f"{key[1]}:{key[2]} {key[3]}: {b} {c}: not areas of one size")
                continue
        want[helper] = (want[helper][0] + v[0], want[helper][1] + v[1])
    return want, bad


def compare_rust(ainfo, uinfo, srcdir, test):
    """The Rust modules' rows against upstream's rust/helpers/ rows."""
    arows, urows = ainfo.get("rsrows", {}), uinfo.get("rshelpers", {})
    left_out = RS_LEFT_OUT.get(ainfo.get("kernel"), {})
    kinds = set()
    for name, info in (("allocprof", ainfo), ("upstream", uinfo)):
        seen = info.get("rsseen", set())
        missing = [f"{p}_{s}" for p, ss in RS_SNAPSHOTS.items() for s in ["pre"] + ss
                   if f"{p}_{s}" not in seen]
        test(not missing, f"{name} VM: every Rust module's snapshot", [f"missing: {missing}"])
    for prefix, snaps in RS_SNAPSHOTS.items():
        mod = RS_MODULES[prefix]
        pre = urows.get(f"{prefix}_pre", {})
        for s in snaps:
            snap = f"{prefix}_{s}"
            rows = {k: v for k, v in arows.get(snap, {}).items() if k[0] == mod}
            up = urows.get(snap, {})
            delta = {h: (up.get(h, (0, 0))[0] - pre.get(h, (0, 0))[0],
                         up.get(h, (0, 0))[1] - pre.get(h, (0, 0))[1]) for h in RS_HELPERS}
            if s == "unloaded":
                test(not rows and all(d == (0, 0) for d in delta.values()),
                     f"{snap}: {mod} unloaded: no row of it, upstream's rust/helpers/ rows back where they were",
                     [f"allocprof rows: {sorted(rows)}"] + [f"upstream {h}: {d[0]} {d[1]}" for h, d in delta.items()])
                continue
            want, bad = rs_expected(rows, srcdir)
            for k, v in rows.items():
                if v[0] or v[1]:
                    kinds.add(rs_kind(k, srcdir))
            marked = [f"{k[1]}:{k[2]} {k[3]}: {v[2]}" for k, v in rows.items() if v[2]]
            test(want == delta and not bad and not marked,
                 f"{snap}: {mod}: the sum of its {len(rows)} rows is upstream's change of "
                 f"rust_helper_krealloc, _kvrealloc, _vrealloc, _alloc_pages, bytes and calls",
                 [f"{h}: allocprof {want[h][0]} {want[h][1]}, upstream {delta[h][0]} {delta[h][1]}"
                  for h in RS_HELPERS] + bad + marked
                 + [f"  {k[1]}:{k[2]} {k[3]} ({rs_kind(k, srcdir)}): {v[0]} {v[1]}" for k, v in sorted(rows.items())
                    if v[0] or v[1]])
            charged = sum(1 for v in rows.values() if v[0] or v[1])
            n = RS_MIN_CHARGED.get(snap, 0)
            if snap == "rstest_held":
                n -= left_out.get("rows", 0)
            test(charged >= n, f"{snap}: {mod}: the workload's rows charged under allocprof (>= {n})",
                 [f"{charged} rows charged"])
    want = {"kmalloc", "kvmalloc", "vmalloc", "page"} - left_out.get("kinds", set())
    test(kinds >= want, "Rust rows of each allocator (" + ", ".join(sorted(want)) + ") compared"
         + (f" (Linux {ainfo.get('kernel')}: not {', '.join(sorted(left_out['kinds']))})" if left_out else ""),
         [sorted(kinds)])


def compare(alog_lines, ulog_lines, rc_a, rc_u, srcdir, consoles, out=print):
    """Every test of the comparison; returns the list of their results."""
    A, aseen, aerr, ainfo = parse(alog_lines)
    U, useen, uerr, uinfo = parse(ulog_lines)
    results = []

    def test(ok, desc, details=()):
        results.append(ok)
        out(f"{'ok' if ok else 'not ok'} - differential: {desc}")
        if not ok:
            for d in list(details)[:20]:
                out(f"#   {d}")

    for name, rc, seen, err in (("allocprof", rc_a, aseen, aerr), ("upstream", rc_u, useen, uerr)):
        missing = [s for s in SNAPSHOTS if s not in seen]
        test(rc == "0" and not missing and not err,
             f"{name} VM ran the workload (exit {rc}, every snapshot, no error)",
             [f"missing snapshots: {missing}"] + err)
    for name, info in (("allocprof", ainfo), ("upstream", uinfo)):
        dups = info.get("dups", [])
        test(not dups, f"{name}: no two rows of one key (file:line func) in a snapshot", dups)
    possible = ainfo.get("possible")
    test(bool(possible), f"allocprof VM: possible CPUs read ({possible})", [])
    for con in consoles:
        bad = [ln.strip() for ln in open(con, errors="replace") if BAD.search(ln)] \
            if os.path.exists(con) else ["no console log"]
        test(not bad, f"console {os.path.basename(con)}: no kernel error report", bad)

    kinds, compared = {}, 0
    devres = uinfo.get("devres", {})
    test("pre" in devres and all(s in devres for s in SNAPSHOTS),
         "upstream VM: devres.c alloc_dr row read before the modules and at every snapshot",
         [f"read at: {sorted(devres)}"])
    for snap in SNAPSHOTS:
        a, u = A.get(snap, {}), U.get(snap, {})
        # The devm rows: allocprof's only, their sum upstream's devres change.
        devm = {k: v for k, v in a.items() if kind_of(k, srcdir) == "devm"}
        if any(v[0] or v[1] for v in devm.values()):
            kinds.setdefault("devm", set()).update(k for k, v in devm.items() if v[0] or v[1])
        a = {k: v for k, v in a.items() if k not in devm}
        if "pre" in devres and snap in devres:
            got = (sum(v[0] for v in devm.values()), sum(v[1] for v in devm.values()))
            want = (devres[snap][0] - devres["pre"][0], devres[snap][1] - devres["pre"][1])
            marked = [f"{k[1]}:{k[2]} {k[3]}: {v[2]}" for k, v in devm.items() if v[2]]
            test(got == want and not marked and not [k for k in devm if k in u],
                 f"{snap}: {len(devm)} devm rows (allocprof only) sum to upstream's devres.c alloc_dr change",
                 [f"allocprof devm rows: {got[0]} {got[1]}; upstream alloc_dr since pre: {want[0]} {want[1]}"]
                 + [f"  {k[1]}:{k[2]} {k[3]}: {v[0]} {v[1]}" for k, v in sorted(devm.items())] + marked)
        # An empty or truncated table on both sides would pass as "the
        # same rows": the workload's charged rows must be there.
        charged = {}
        for k, v in a.items():
            if v[0] or v[1]:
                charged[k[0]] = charged.get(k[0], 0) + 1
        charged["devm"] = sum(1 for v in devm.values() if v[0] or v[1])
        short = [f"{m}: {charged.get(m, 0)} rows charged, at least {n} expected"
                 for m, n in sorted(MIN_CHARGED.get(snap, {}).items()) if charged.get(m, 0) < n]
        test(not short, f"{snap}: the workload's rows charged under allocprof ("
             + ", ".join(f"{m} >= {n}" for m, n in sorted(MIN_CHARGED.get(snap, {}).items())) + ")",
             short)
        only_a = sorted(set(a) - set(u))
        only_u = sorted(set(u) - set(a))
        test(not only_a and not only_u and (a or snap == "kset_gone"),
             f"{snap}: the same {len(a)} rows (file:line func) on both kernels",
             [f"only allocprof: {k}" for k in only_a] + [f"only upstream: {k}" for k in only_u])
        for mod in sorted({k[0] for k in a} | {k[0] for k in u}):
            bad, n = [], 0
            for key in sorted(k for k in set(a) & set(u) if k[0] == mod):
                (ab, ac, arest), (ub, uc, urest) = a[key], u[key]
                kind = kind_of(key, srcdir)
                if key[3] == "site_rcu" and snap == "rcu_at_call":
                    kind = "kfree_rcu"
                if ac or uc or ab or ub:
                    kinds.setdefault(kind, set()).add(key)
                n += 1
                want = expected(kind, snap, key, (ab, ac))
                if want is None:  # kfree_rcu at the call
                    ok = (ab, ac) == (0, 0) and 0 <= uc <= 5 and ub == uc * 64
                    want = "allocprof 0 0; upstream calls 0..5, bytes calls*64"
                else:
                    ok = (ub, uc) == want
                if kind == "percpu":
                    # allocprof's own figure: size x possible CPUs a call.
                    size = percpu_size(key, srcdir, ainfo.get("cmds", []))
                    if size is None or not possible or ab != ac * size * possible:
                        ok = False
                    want = f"{want}; allocprof calls * {size} * {possible} possible CPUs"
                if arest or urest:
                    ok = False
                if not ok:
                    bad.append(f"{key[1]}:{key[2]} {key[3]} ({kind}): allocprof {ab} {ac}{' ' + arest if arest else ''}, "
                               f"upstream {ub} {uc}{' ' + urest if urest else ''}, expected: upstream {want}")
            compared += n
            test(not bad, f"{snap}: {mod}: {n} rows, bytes and calls equal or in their documented relation", bad)
    out("# rows compared: %d; rows with allocations by relation: %s" % (
        compared, ", ".join(f"{k} {len(v)}" for k, v in sorted(kinds.items()))))
    # Every relation must have been exercised, or the test proves nothing of it.
    test(all(k in kinds for k in ("equal", "vmalloc", "exact", "percpu", "kfree_rcu", "devm")),
         "every relation (equal, vmalloc, exact, percpu, kfree_rcu, devm) exercised", [sorted(kinds)])
    compare_rust(ainfo, uinfo, srcdir, test)
    # The allocprof tool, run in both VMs on their own tables.
    for name, info in (("allocprof", ainfo), ("upstream", uinfo)):
        lines = info.get("tool", [])
        test(len(lines) >= 4, f"{name} kernel: the allocprof tool ran ({len(lines)} checks)", [])
        for line in lines:
            ok = line.startswith("ok ")
            test(ok, f"{name} kernel: tool {line.split(' ', 1 if ok else 2)[-1]}", [])
    return results


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    alog, ulog, rc_a, rc_u, srcdir = sys.argv[1:6]
    with open(alog, errors="replace") as fa, open(ulog, errors="replace") as fu:
        results = compare(fa.readlines(), fu.readlines(), rc_a, rc_u, srcdir, sys.argv[6:])
    print(f"differential: {results.count(True)} passed, {results.count(False)} failed")
    return 0 if all(results) else 1


def self_test():
    """compare() on synthetic logs: a clean pair passes every test; a
    duplicate row, a truncated table (on both kernels), allocprof's
    percpu bytes without the possible CPUs, and alloc_pages_exact's calls
    counted once each fail the test that guards them."""
    import tempfile
    src = {
        "kmemleak-test.c": ["kmalloc(32, GFP_KERNEL);"] * 12 + ["vmalloc(64);"] * 3
        + ["__alloc_percpu(64, 4);"],
        "kset-example.c": ["foo = kzalloc(sizeof(*foo), GFP_KERNEL);"],
        "test_memcat_p.c": ["in0 = kzalloc_objs(*in0, INPUT_MAX);"] * 2 + ["in0[i] = kmalloc_obj(**in0);"] * 2,
        "allocprof_dropin_test.c": ["return __alloc_percpu(s, 8);", "return alloc_pages_exact(s, GFP_KERNEL);",
                                    "return kmalloc(64, GFP_KERNEL);"] + ["return kmalloc(8, GFP_KERNEL);"] * 16
        + ["return devm_kmalloc(d, 100, GFP_KERNEL);"] * 12 + ["p = kmalloc(16, GFP_KERNEL);"],
        "rust_minimal.rs": ["numbers.push(72, GFP_KERNEL)?;"] * 3,
        "rust_print.rs": ["let a = Arc::new(1, GFP_KERNEL)?;"],
        "allocprof_dropin_rust_test.rs": ["Ok(KBox::new([1u64, 2, 3], GFP_KERNEL)?)"] * 40
        + ["Ok(VBox::new([2u8; 5000], GFP_KERNEL)?)", "KVVec::extend_with(&mut v, k, 5u8, GFP_KERNEL)?;",
           "Ok(KVBox::new([3u8; 100], GFP_KERNEL)?)", "Ok(Page::alloc_page(GFP_KERNEL)?)"],
    }
    possible = 2

    def logs():
        a = ["diff-possible: %d" % possible, "diff-cmd: percpu 3 64"]
        u = ["diff-possible: %d" % possible, "diff-devres: pre 1000 10"]
        row = lambda snap, b, c, f, ln, mod, fn: "diff-row: %s %d %d %s:%d [%s] func:%s" % (
            snap, b, c, f, ln, mod, fn)
        for snap in SNAPSHOTS:
            rows = []  # (file, line, module, function, allocprof, upstream)
            for i in range(12):
                rows.append(("kmemleak-test.c", i + 1, "kmemleak_test", "kmemleak_test_init", (32, 1), (32, 1)))
            for i in range(3):
                rows.append(("kmemleak-test.c", 13 + i, "kmemleak_test", "kmemleak_test_init", (4096, 1), (4104, 2)))
            rows.append(("kmemleak-test.c", 16, "kmemleak_test", "kmemleak_test_init", (64 * possible, 1), (0, 0)))
            if snap != "kset_gone":
                rows.append(("kset-example.c", 1, "kset_example", "create_foo_obj", (192, 3), (192, 3)))
                for i in range(4):
                    rows.append(("test_memcat_p.c", i + 1, "test_memcat_p", "test_memcat_p_init", (0, 0),
                                 (0, 0)))
            held = snap == "held"
            rows.append(("allocprof_dropin_test.c", 1, "allocprof_dropin_test", "site_percpu",
                         (3 * 64 * possible, 3) if held else (0, 0), (0, 0)))
            rows.append(("allocprof_dropin_test.c", 2, "allocprof_dropin_test", "site_exact",
                         (28672, 7) if held else (0, 0), (28672, 7) if held else (0, 0)))
            rows.append(("allocprof_dropin_test.c", 3, "allocprof_dropin_test", "site_rcu",
                         (0, 0), (320, 5) if snap == "rcu_at_call" else (0, 0)))
            n = {"held": 16, "pages_held": 2, "mp_held": 8, "mp_resized": 4}.get(snap, 0)
            for i in range(16):
                v = (8, 1) if i < n else (0, 0)
                rows.append(("allocprof_dropin_test.c", 4 + i, "allocprof_dropin_test", "site_k%d" % i, v, v))
            rows.append(("allocprof_dropin_test.c", 32, "allocprof_dropin_test", "dropin_test_init",
                         (16, 1), (16, 1)))
            for r in rows:
                a.append(row(snap, *r[4], r[0], r[1], r[2], r[3]))
                u.append(row(snap, *r[5], "/other/" + r[0], r[1], r[2], r[3]))
            devm = {"devm_unbound": 0, "devm_changed": 9}.get(snap, 12)
            for i in range(12):
                a.append(row(snap, 128 if i < devm else 0, 1 if i < devm else 0,
                             "allocprof_dropin_test.c", 20 + i, "allocprof_dropin_test", "site_devm_%d" % i))
            u.append("diff-devres: %s %d %d" % (snap, 1000 + 128 * devm, 10 + devm))
            a.append("diff-snapshot: " + snap)
            u.append("diff-snapshot: " + snap)
        for side in (a, u):
            side += ["diff-tool: ok t%d" % i for i in range(4)]
        # The Rust modules: rows under allocprof, rust/helpers/ rows upstream.
        rsrow = lambda snap, b, c, f, ln, mod, fn: row(snap, b, c, f, ln, mod, fn).replace("diff-row:", "diff-rsrow:", 1)
        helpers = lambda snap, k, kv, v, p=(0, 0): [
            "diff-rshelper: %s krealloc %d %d" % (snap, 1000 + k[0], 10 + k[1]),
            "diff-rshelper: %s vrealloc %d %d" % (snap, 500 + v[0], 5 + v[1])] \
            + (["diff-rshelper: %s kvrealloc %d %d" % (snap, kv[0], kv[1])] if kv != (0, 0) else []) \
            + (["diff-rshelper: %s alloc_pages %d %d" % (snap, p[0], p[1])] if p != (0, 0) else [])
        T = "allocprof_dropin_rust_test"
        for prefix, mod, f, loaded in (("rust_minimal", "rust_minimal", "rust_minimal.rs",
                                         [(0, 0), (0, 0), (16, 1)]),
                                        ("rust_print", "rust_print", "rust_print.rs", [(0, 0)])):
            for snap in ("pre", "loaded", "unloaded"):
                name = "%s_%s" % (prefix, snap)
                if snap == "loaded":
                    for i, v in enumerate(loaded):
                        a.append(rsrow(name, v[0], v[1], f, i + 1, mod, mod + "::init"))
                k = (sum(v[0] for v in loaded), sum(v[1] for v in loaded)) if snap == "loaded" else (0, 0)
                u.extend(helpers(name, k, (0, 0), (0, 0)))
                a.append("diff-rssnapshot: %s %s" % (name, mod))
                u.append("diff-rssnapshot: %s %s" % (name, mod))
        for snap in ("pre", "loaded", "held", "freed", "unloaded"):
            name = "rstest_" + snap
            k, kv, v, p = (0, 0), (0, 0), (0, 0), (0, 0)
            if snap in ("loaded", "held", "freed"):
                n = 32 if snap == "held" else 6
                for i in range(n):
                    a.append(rsrow(name, 32, 1, T + ".rs", i + 1, T, T + "::site_%d" % i))
                k = (32 * n, n)
                a.append(rsrow(name, 8192, 1, T + ".rs", 41, T, T + "::init_vbox"))
                v = (8192 + 16, 3)
                if snap == "held":
                    a.append(rsrow(name, 8388608, 1, T + ".rs", 42, T, T + "::site_kvvec"))
                    a.append(rsrow(name, 128, 1, T + ".rs", 43, T, T + "::site_kvbox"))
                    kv = (8388608 + 16384 + 32 + 128, 2048 + 4 + 1 + 1)
                    a.append(rsrow(name, 4096, 1, T + ".rs", 44, T, T + "::site_page"))
                    p = (4096, 1)
            u.extend(helpers(name, k, kv, v, p))
            a.append("diff-rssnapshot: %s %s" % (name, T))
            u.append("diff-rssnapshot: %s %s" % (name, T))
        return a, u

    def failed(a, u, d):
        lines = []
        compare(a, u, "0", "0", d, [], out=lines.append)
        return [ln for ln in lines if ln.startswith("not ok")]

    def mutate(lines, pat, new):
        return [re.sub(pat, new, ln) for ln in lines]

    results = []

    def check(ok, desc):
        results.append(ok)
        print(f"{'ok' if ok else 'not ok'} {len(results)} differential self-test: {desc}")

    with tempfile.TemporaryDirectory() as d:
        for name, text in src.items():
            with open(os.path.join(d, name), "w") as f:
                f.write("\n".join(text) + "\n")
        a, u = logs()
        bad = failed(a, u, d)
        check(not bad, "a clean pair of logs passes every test" + ("".join("\n#   " + b for b in bad)))
        dup = [ln for ln in a if ln.startswith("diff-row: held ") and "site_k0" in ln]
        bad = failed(a + dup, u, d)
        check(any("no two rows of one key" in b for b in bad), "a duplicate row fails")
        trunc = lambda lines: [ln for ln in lines if not (ln.startswith("diff-row: freed ") and "kmemleak" in ln)]
        bad = failed(trunc(a), trunc(u), d)
        check(any("freed: the workload's rows charged" in b for b in bad),
              "a table truncated alike on both kernels fails")
        bad = failed(mutate(a, r"^(diff-row: \S+) %d 1 (kmemleak-test.c:16 )" % (64 * possible), r"\1 64 1 \2"), u, d)
        check(any("kmemleak_test: " in b for b in bad), "allocprof's percpu bytes not x possible CPUs fail")
        bad = failed(mutate(a, r"^(diff-row: held) 28672 7 ", r"\1 28672 3 "), u, d)
        check(any("held: allocprof_dropin_test: " in b for b in bad),
              "alloc_pages_exact's calls counted once per allocation fail (equal relation)")
        bad = failed(mutate(a, r"^(diff-rsrow: rstest_held) 32 1 (\S+:1 )", r"\1 40 1 \2"), u, d)
        check(any("rstest_held: allocprof_dropin_rust_test: the sum" in b for b in bad),
              "a Rust row 8 bytes off upstream's rust/helpers/ change fails")
        bad = failed(mutate(a, r"^(diff-rsrow: rstest_held 8388608 1 .*)$", r"\1 accurate:no"), u, d)
        check(any("rstest_held: allocprof_dropin_rust_test: the sum" in b for b in bad),
              "a Rust row marked accurate:no fails")
        bad = failed(a, mutate(u, r"^(diff-rshelper: rstest_unloaded krealloc) (\d+)", r"\1 9999"), d)
        check(any("rstest_unloaded" in b for b in bad),
              "upstream's rust/helpers/ rows not back after the unload fail")
        bad = failed(mutate(a, r"^(diff-rsrow: rstest_held 8388608 1 \S+:)42 ", r"\g<1>1 "), u, d)
        check(any("rstest_held: allocprof_dropin_rust_test: the sum" in b for b in bad),
              "a KVVec past 4 MiB taken for a kmalloc row (its vmalloc relation not applied) fails")
    print(f"differential self-test: {results.count(True)} passed, {results.count(False)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
