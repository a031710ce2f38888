#!/usr/bin/env python3
"""Every module parameter of allocprof is documented in admin-guide.rst.

Reads each module parameter of src/ (C glue: module_param*() and
src/ffi/keys.c's allocprof_param(), at the start of a line, not in a
macro's body) and checks that the admin
guide names it three times over: in the insmod synopsis (``NAME=``), in
the table of files (``/sys/module/allocprof/parameters/NAME``) and in the
list of parameters (a line ````NAME```` opening its entry).  Exits 1 with
one line per gap.  Usage: params-doc.py ROOT
"""
import pathlib
import re
import sys


def params(root):
    names = set()
    for f in sorted(root.joinpath("src").rglob("*.c")):
        for m in re.finditer(r"^(?:module_param(?:_named)?|allocprof_param)\(\s*(\w+)",
                             f.read_text(), re.M):
            names.add(m.group(1))
    return names


def gaps(names, guide):
    out = []
    for n in sorted(names):
        if f"[{n}=" not in guide and f" {n}=" not in guide:
            out.append(f"{n}: not in the insmod synopsis")
        if f"/sys/module/allocprof/parameters/{n}``" not in guide:
            out.append(f"{n}: not in the table of files")
        if not re.search(rf"^``{n}`` \(", guide, re.M):
            out.append(f"{n}: no entry in the list of parameters")
    return out


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    names = params(root)
    if not names:
        print("params-doc: no module_param() found under src/", file=sys.stderr)
        return 1
    guide = root.joinpath("Documentation/allocprof/admin-guide.rst").read_text()
    bad = gaps(names, guide)
    for line in bad:
        print(f"params-doc: admin-guide.rst: {line}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
