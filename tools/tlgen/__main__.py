"""Command line: ``python -m tools.tlgen [--check] [--schema DIR] [--out DIR]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.tlgen.generator import generate
from tools.tlgen.parser import TLSchemaError, parse_files
from tools.tlgen.writer import diff_tree, schema_paths, write_tree

_ROOT = Path(__file__).resolve().parents[2]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator; return the process exit status."""
    ap = argparse.ArgumentParser(prog="python -m tools.tlgen", description=__doc__)
    ap.add_argument("--schema", type=Path, default=_ROOT / "src/tgcore/tl/schema")
    ap.add_argument("--out", type=Path, default=_ROOT / "src/tgcore/tl/generated")
    ap.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    ap.add_argument("--quiet", action="store_true", help="do not print warnings")
    args = ap.parse_args(argv)
    try:
        schema = parse_files(schema_paths(args.schema))
        files, warnings = generate(schema)
    except TLSchemaError as exc:
        print(f"tlgen: error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        for w in warnings:
            print(f"tlgen: warning: {w}", file=sys.stderr)
    counts = f"{len(schema.constructors)} constructors, {len(schema.functions)} functions"
    if args.check:
        problems = diff_tree(files, args.out)
        for p in problems:
            print(f"tlgen: {p}", file=sys.stderr)
        if problems:
            print(
                "tlgen: generated code is out of date; run `python -m tools.tlgen`", file=sys.stderr
            )
            return 1
        print(f"tlgen: {args.out} is up to date ({counts})")
        return 0
    changed = write_tree(files, args.out)
    print(f"tlgen: {changed} file(s) written to {args.out} ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
