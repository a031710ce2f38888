#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The import graph of allocprof's kernel side: fails on a circle or on an
import of the crate root.

    scripts/imports.py [ROOT]          (ROOT: the project, default: ..)

Builds the module tree from the crate root that Kbuild names (the source
of src/allocprof.o), following `mod NAME;` and `#[path = "..."]`, then
reads every `crate::...` path of every file under src/ (`use` groups
included, comments and strings left out; `$crate::` in macros is the
client's crate, not this one) and maps each to the file of its longest
module prefix.  It fails, exit status 1, if:

- a file names an item of the crate root (the module glue: nothing uses
  it, it uses the rest), the root itself, or a macro's `crate::NAME!` is
  not one the client API exports;
- two files use each other, directly or around a circle;
- two folders of src/ (and the root file) do: data flows one way.

`--self-test` checks the parser on small inputs.  `make lint` runs it.
"""

import os
import re
import sys

# Path segments of a `crate::` path: identifiers and `::`.
PATH_RE = re.compile(r"(?<![\w$])crate((?:::[A-Za-z_][A-Za-z0-9_]*)+)(!?)")
MOD_RE = re.compile(
    r"""(?:\#\[path\s*=\s*"([^"]+)"\]\s*)?   # optional #[path = "..."]
        (?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;""",
    re.X,
)
USE_RE = re.compile(r"\buse\s+crate::([^;]*);", re.S)


def strip(text):
    """`text` without comments, string and char literals (kept as blanks
    of the same lines, so that line numbers hold)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == '"' or (c == "r" and re.match(r'r#*"', text[i:i + 10])):
            m = re.match(r'r(#*)"', text[i:i + 10])
            if m:
                end = '"' + m.group(1)
                j = text.find(end, i + len(m.group(0)))
                j = n if j < 0 else j + len(end)
            else:
                j = i + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                j += 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]):
            m = re.match(r"'(\\.|[^\\'])'", text[i:i + 4])
            out.append("' '")
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def module_tree(src_root, root_file, alternatives=None):
    """{module path (tuple): file}, from the crate root down.  A module
    declared twice (two `mod NAME;` under opposite `#[cfg]`s, one with a
    `#[path]`: src/dropin/mod.rs's kcalls, one file per kernel) maps to
    its first file; with `alternatives` (a list), (path, file) of each
    later one is appended to it."""
    tree = {(): root_file}
    todo = [((), root_file)]
    while todo:
        path, f = todo.pop()
        with open(f) as fh:
            text = strip_keep_attrs(fh.read())
        base = os.path.dirname(f)
        # A non-root, non-mod.rs file's children live in a folder of its
        # name (not used here, but followed for completeness).
        if path and os.path.basename(f) != "mod.rs":
            base = os.path.join(base, os.path.splitext(os.path.basename(f))[0])
        for m in MOD_RE.finditer(text):
            attr, name = m.group(1), m.group(2)
            if attr:
                child = os.path.normpath(os.path.join(os.path.dirname(f), attr))
            else:
                child = os.path.join(base, name + ".rs")
                if not os.path.exists(child):
                    child = os.path.join(base, name, "mod.rs")
            if not os.path.exists(child):
                raise SystemExit(f"imports: {f}: no file for mod {name}")
            if path + (name,) in tree:
                if alternatives is not None:
                    alternatives.append((path + (name,), child))
            else:
                tree[path + (name,)] = child
            todo.append((path + (name,), child))
    return tree


def strip_keep_attrs(text):
    """`strip()`, but keeping the strings of `#[path = "..."]`."""
    kept = {}

    def keep(m):
        key = f"__PATH{len(kept)}__"
        kept[key] = m.group(0)
        return key

    text = re.sub(r'#\[path\s*=\s*"[^"]*"\]', keep, text)
    text = strip(text)
    for k, v in kept.items():
        text = text.replace(k, v)
    return text


def references(text):
    """Every `crate::` path of `text` (stripped), as (segments, is_macro,
    line)."""
    refs = []
    for m in USE_RE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        for item in split_group(m.group(1)):
            segs = [s for s in re.split(r"\s*::\s*", item.strip()) if s]
            segs = [s.split(" as ")[0].strip() for s in segs]
            segs = [s for s in segs if s not in ("self", "*")]
            if segs:
                refs.append((segs, False, line))
    text = USE_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for m in PATH_RE.finditer(text):
        segs = m.group(1).split("::")[1:]
        line = text.count("\n", 0, m.start()) + 1
        refs.append((segs, m.group(2) == "!", line))
    return refs


def split_group(group):
    """The paths of a `use crate::` tree (`a::{b, c::{d, e}}`), its groups
    expanded."""
    out, depth, cur = [], 0, ""
    for c in group + ",":
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if c == "," and depth == 0:
            item = cur.strip()
            cur = ""
            if not item:
                continue
            m = re.match(r"^(.*?)(?:::)?\s*\{(.*)\}$", item, re.S)
            if m and not m.group(1):
                out.extend(split_group(m.group(2)))
            elif m:
                for sub in split_group(m.group(2)):
                    out.append(m.group(1) + "::" + sub)
            else:
                out.append(item)
        else:
            cur += c
    return out


def exported_macros(tree):
    """The names of the client API's `#[macro_export]` macros."""
    names = set()
    for path, f in tree.items():
        if path[:1] != ("allocprof",):
            continue
        with open(f) as fh:
            text = fh.read()
        names |= set(re.findall(r"#\[macro_export\]\s*macro_rules!\s*(\w+)", text))
    return names


def cycles(graph):
    """The strongly connected components of `graph` with more than one
    node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def folder(rel):
    """The entry of src/ a file belongs to: its folder, or the file."""
    parts = rel.split(os.sep)
    return parts[1] if len(parts) > 2 else rel


def check(root):
    src = os.path.join(root, "src")
    with open(os.path.join(root, "Kbuild")) as fh:
        kbuild = fh.read()
    m = re.search(r"src/allocprof\.o:\s*\$\(src\)/(\S+\.rs)", kbuild)
    root_file = os.path.join(root, m.group(1) if m else "src/allocprof.rs")
    alternatives = []
    tree = module_tree(src, root_file, alternatives)
    by_file = {os.path.normpath(f): p for p, f in list(tree.items()) + alternatives}
    macros = exported_macros(tree)
    errors = []
    graph = {}
    rel = lambda f: os.path.relpath(f, root)
    for dirpath, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith(".rs"):
                continue
            f = os.path.normpath(os.path.join(dirpath, name))
            if f not in by_file:
                errors.append(f"{rel(f)}: not a module of the crate")
                continue
            with open(f) as fh:
                text = strip(fh.read())
            graph.setdefault(rel(f), set())
            for segs, is_macro, line in references(text):
                where = f"{rel(f)}:{line}: crate::{'::'.join(segs)}"
                if is_macro:
                    if len(segs) != 1 or segs[0] not in macros:
                        errors.append(f"{where}!: not a macro of the client API")
                    target = tree[("allocprof",)]
                else:
                    k = len(segs)
                    while k > 0 and tuple(segs[:k]) not in tree:
                        k -= 1
                    if k == 0:
                        errors.append(f"{where}: an import of the crate root")
                        continue
                    target = tree[tuple(segs[:k])]
                if os.path.normpath(target) != f:
                    graph[rel(f)].add(rel(target))
    for comp in cycles(graph):
        errors.append("files that use each other: " + " -> ".join(comp))
    folders = {}
    for a, targets in graph.items():
        for b in targets:
            fa, fb = folder(a), folder(b)
            if fa != fb:
                folders.setdefault(fa, set()).add(fb)
            if b == rel(root_file):
                errors.append(f"{a}: uses the crate root ({b})")
    for comp in cycles(folders):
        errors.append("folders that use each other: " + " -> ".join(comp))
    return errors, graph, folders


def self_test():
    text = strip('''
        use crate::a::{b, c::{d, e as f}, self};
        // crate::commented::out
        let s = "crate::in::string";
        x = crate::g::h(1); $crate::i::j!();
        crate::mac!(1);
        /* crate::block */ let c = '"';
    ''')
    refs = sorted((tuple(s), m) for s, m, _ in references(text))
    want = sorted([
        (("a",), False), (("a", "b"), False), (("a", "c", "d"), False), (("a", "c", "e"), False),
        (("g", "h"), False), (("mac",), True),
    ])
    assert refs == want, refs
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    # A module declared twice under opposite cfgs: both files its.
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        for name, text in (("root.rs", "mod m;\n"),
                           ("m/mod.rs", '#[cfg(x)]\nmod k;\n#[cfg(not(x))]\n#[path = "k_none.rs"]\nmod k;\n'),
                           ("m/k.rs", ""), ("m/k_none.rs", "")):
            os.makedirs(os.path.dirname(os.path.join(d, name)), exist_ok=True)
            with open(os.path.join(d, name), "w") as fh:
                fh.write(text)
        alt = []
        tree = module_tree(d, os.path.join(d, "root.rs"), alt)
        assert tree[("m", "k")] == os.path.join(d, "m", "k.rs"), tree
        assert alt == [(("m", "k"), os.path.join(d, "m", "k_none.rs"))], alt
    print("imports: self-test passed")


def main():
    args = sys.argv[1:]
    if args == ["--self-test"]:
        self_test()
        return 0
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    errors, graph, folders = check(root)
    for e in errors:
        print(f"imports: {e}")
    if errors:
        return 1
    order = " ".join(
        f"{a} -> {','.join(sorted(b))};" for a, b in sorted(folders.items())
    )
    print(f"imports: {len(graph)} files, no circle, no import of the crate root ({order})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
