#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every page of Documentation/allocprof/ parses as reStructuredText
without an error: docutils' messages of level ERROR or SEVERE (a
malformed table, text in a column's margin, a broken title) are printed,
one line each, and make the exit status 1.  Sphinx's toctree is the
one directive known beyond docutils'.  Usage: rst-check.py ROOT
"""
import io
import pathlib
import sys

import docutils.core
import docutils.utils
from docutils.parsers.rst import Directive, directives


class SphinxOnly(Directive):
    """A directive of Sphinx's (index.rst's toctree), not docutils': its
    content is not checked."""
    has_content = True
    optional_arguments = 99
    final_argument_whitespace = True
    option_spec = {"maxdepth": directives.unchanged, "caption": directives.unchanged}

    def run(self):
        return []


directives.register_directive("toctree", SphinxOnly)


def errors(path):
    """docutils' messages of level ERROR or above for the page at path."""
    out = []
    stream = io.StringIO()
    doctree = docutils.core.publish_doctree(
        path.read_text(), source_path=str(path),
        settings_overrides={"report_level": 5, "halt_level": 5, "warning_stream": stream})
    for msg in doctree.traverse(docutils.nodes.system_message):
        if msg["level"] >= docutils.utils.Reporter.ERROR_LEVEL:
            text = msg.astext().splitlines()
            detail = f" ({text[1].strip()})" if len(text) > 1 and text[1].strip() else ""
            out.append(f"{path}:{msg.get('line', '?')}: {msg['type']}: {text[0].split(') ', 1)[-1]}{detail}")
    return out


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    pages = sorted(root.joinpath("Documentation", "allocprof").glob("*.rst"))
    if not pages:
        print("rst-check: no page under Documentation/allocprof/", file=sys.stderr)
        return 1
    bad = [e for p in pages for e in errors(p)]
    for e in bad:
        print(f"rst-check: {e}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
