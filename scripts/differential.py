#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compares the drop-in rows with upstream's (scripts/differential.sh).

Usage: differential.py ALLOCPROF_LOG UPSTREAM_LOG RC_A RC_U SRCDIR CONSOLE...

Each log holds "diff-row: SNAPSHOT BYTES CALLS FILE:LINE [MODULE]
func:FUNCTION[ rest]" lines and "diff-snapshot: SNAPSHOT" after each
snapshot.  A row is keyed by module, file name (without its directory: the
two builds compile from different directories), line and function.  In
every snapshot both kernels must show the same rows, and each row the same
bytes and calls, or the relation Documentation/allocprof/dropin.rst
("Compared with upstream's profiler") states for its kind, which the
source line of the call site tells (SRCDIR holds the module sources):

  vmalloc  upstream also charges the page-pointer array and counts each
           page: bytes + calls * kmalloc_size(8 * P), calls * (P + 1),
           P = pages per area
  exact    alloc_pages_exact: same bytes, upstream counts each page a call
           (split_page gives every page its own reference): calls = pages
  percpu   upstream charges nothing for the first percpu chunk (no
           obj_exts): 0 0 where allocprof has size * possible CPUs
  kfree_rcu (site_rcu, snapshot rcu_at_call): allocprof uncharged at the
           call (0 0); upstream at the real free after a grace period:
           0 <= calls <= 5 objects, bytes = calls * 64
  devm     devm_ helpers are functions: upstream charges their objects to
           drivers/base/devres.c's alloc_dr(), not to the module, so these
           rows exist only under allocprof; in every snapshot their sum
           (bytes and calls) is exactly the change of upstream's alloc_dr
           row since before the modules were loaded ("diff-devres:" lines)
"""
import os
import re
import sys

ROW = re.compile(r"^diff-row: (\S+) +(-?\d+) +(\d+) (\S+):(\d+) \[(\S+)\] func:(\S+)(.*)$")
PAGE = 4096
SNAPSHOTS = ["loaded", "held", "rcu_at_call", "rcu_later", "freed", "mp_held", "mp_resized",
             "mp_destroyed", "devm_changed", "devm_unbound", "devm_rebound", "kset_gone"]
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


def parse(path):
    snaps, rows, errors, seen = {}, {}, [], set()
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        m = ROW.match(line)
        if m:
            snap, b, c, f, ln, mod, fn, rest = m.groups()
            key = (mod, os.path.basename(f), int(ln), fn)
            rows.setdefault(snap, {})[key] = (int(b), int(c), rest.strip())
        elif line.startswith("diff-snapshot: "):
            seen.add(line.split()[1])
        elif line.startswith("diff-error: "):
            errors.append(line)
        elif line.startswith("diff-tool: "):
            snaps.setdefault("tool", []).append(line[len("diff-tool: "):])
        elif line.startswith("diff-possible: "):
            snaps["possible"] = int(line.split()[1])
        elif line.startswith("diff-devres: "):
            _, snap, b, c = line.split()
            snaps.setdefault("devres", {})[snap] = (int(b), int(c))
    for s in seen:
        rows.setdefault(s, {})
    return rows, seen, errors, snaps


def kind_of(key, srcdir):
    mod, fname, ln, fn = key
    try:
        with open(os.path.join(srcdir, fname), errors="replace") as f:
            text = f.read().splitlines()[ln - 1]
    except (OSError, IndexError):
        return "equal"
    if re.search(r"\bdevm_k\w*\(", text):
        return "devm"
    if re.search(r"\bv[mz]alloc\w*\(", text):
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
        pages = b // (c * PAGE)
        if b != pages * c * PAGE:
            return (-1, -1)  # not areas of one size: no relation
        return (b + c * kmalloc_size(8 * pages), c * (pages + 1))
    if kind == "exact":
        return (b, b // PAGE)
    if kind == "percpu":
        return (0, 0)
    return (b, c)


def main():
    alog, ulog, rc_a, rc_u, srcdir = sys.argv[1:6]
    consoles = sys.argv[6:]
    A, aseen, aerr, ainfo = parse(alog)
    U, useen, uerr, uinfo = parse(ulog)
    results = []

    def test(ok, desc, details=()):
        results.append(ok)
        print(f"{'ok' if ok else 'not ok'} - differential: {desc}")
        if not ok:
            for d in list(details)[:20]:
                print(f"#   {d}")

    for name, rc, seen, err in (("allocprof", rc_a, aseen, aerr), ("upstream", rc_u, useen, uerr)):
        missing = [s for s in SNAPSHOTS if s not in seen]
        test(rc == "0" and not missing and not err,
             f"{name} VM ran the workload (exit {rc}, every snapshot, no error)",
             [f"missing snapshots: {missing}"] + err)
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
                if arest or urest:
                    ok = False
                if not ok:
                    bad.append(f"{key[1]}:{key[2]} {key[3]} ({kind}): allocprof {ab} {ac}{' ' + arest if arest else ''}, "
                               f"upstream {ub} {uc}{' ' + urest if urest else ''}, expected upstream {want}")
            compared += n
            test(not bad, f"{snap}: {mod}: {n} rows, bytes and calls equal or in their documented relation", bad)
    print("# rows compared: %d; rows with allocations by relation: %s" % (
        compared, ", ".join(f"{k} {len(v)}" for k, v in sorted(kinds.items()))))
    # Every relation must have been exercised, or the test proves nothing of it.
    test(all(k in kinds for k in ("equal", "vmalloc", "exact", "percpu", "kfree_rcu", "devm")),
         "every relation (equal, vmalloc, exact, percpu, kfree_rcu, devm) exercised", [sorted(kinds)])
    # The allocprof tool, run in both VMs on their own tables.
    for name, info in (("allocprof", ainfo), ("upstream", uinfo)):
        lines = info.get("tool", [])
        test(len(lines) >= 4, f"{name} kernel: the allocprof tool ran ({len(lines)} checks)", [])
        for line in lines:
            ok = line.startswith("ok ")
            test(ok, f"{name} kernel: tool {line.split(' ', 1 if ok else 2)[-1]}", [])
    print(f"differential: {results.count(True)} passed, {results.count(False)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
