#!/usr/bin/env python3
"""The raw kernel calls of src/ stay in the FFI-facing layer, within budget.

Counts, in the Rust files of src/, the occurrences of ``bindings::`` and
of ``unsafe {`` (as issue 19 counted them), and checks:

- at most 100 ``bindings::`` and 150 ``unsafe {`` in all;
- none of either in the layers above the FFI boundary (src/files/,
  src/profiler/ and the module glue src/module.rs may hold no
  ``bindings::``; src/files/, src/module.rs and src/profiler/ but its
  ABI entry points, profiler/abi.rs, no ``unsafe {``), as design.rst
  says;
- every ``unsafe {`` has a ``// SAFETY:`` comment on its line or in the
  comment lines right above the statement it opens.

Exits 1 with one line per breach.  Usage: unsafe-budget.py ROOT
"""
import pathlib
import re
import sys

MAX_BINDINGS = 100
MAX_UNSAFE = 150
NO_BINDINGS = ("src/files/", "src/profiler/", "src/module.rs")
NO_UNSAFE = ("src/files/", "src/profiler/", "src/module.rs")
# profiler/'s registration entry points, called by clients through the ABI.
UNSAFE_OK = ("src/profiler/abi.rs",)


def safety_above(lines, i):
    """Whether line i, or the comment block above its statement, says SAFETY."""
    if "SAFETY:" in lines[i]:
        return True
    j = i - 1
    # Walk up through the statement's own continuation lines, then its comments.
    while j >= 0 and j >= i - 12:
        s = lines[j].strip()
        if "SAFETY:" in s:
            return True
        if s.startswith("//") or not s.endswith((";", "{", "}")):
            j -= 1
            continue
        break
    return False


def check(root):
    bad = []
    nb = nu = 0
    for f in sorted(root.joinpath("src").rglob("*.rs")):
        rel = f.relative_to(root).as_posix()
        lines = f.read_text().splitlines()
        for i, line in enumerate(lines):
            code = line.split("//", 1)[0]
            b = code.count("bindings::")
            u = len(re.findall(r"\bunsafe \{", code))
            nb += b
            nu += u
            if b and rel.startswith(NO_BINDINGS):
                bad.append(f"{rel}:{i + 1}: bindings:: above the FFI layer")
            if u and rel.startswith(NO_UNSAFE) and rel not in UNSAFE_OK:
                bad.append(f"{rel}:{i + 1}: unsafe block above the FFI layer")
            if u and not safety_above(lines, i):
                bad.append(f"{rel}:{i + 1}: unsafe block without a SAFETY comment")
    if nb > MAX_BINDINGS:
        bad.append(f"src/: {nb} bindings:: (at most {MAX_BINDINGS})")
    if nu > MAX_UNSAFE:
        bad.append(f"src/: {nu} unsafe blocks (at most {MAX_UNSAFE})")
    return nb, nu, bad


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    nb, nu, bad = check(root)
    for line in bad:
        print(f"unsafe-budget: {line}", file=sys.stderr)
    if not bad:
        print(f"    src/: {nb} bindings:: (at most {MAX_BINDINGS}), "
              f"{nu} unsafe blocks (at most {MAX_UNSAFE}), each with its SAFETY comment")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
