"""Locate schema files, write the generated package, and compare it with what is on disk."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tools.tlgen.generator import GeneratedFile

__all__ = ["diff_tree", "schema_paths", "write_tree"]


def schema_paths(schema_dir: Path) -> list[Path]:
    """``mtproto.tl`` first, then every ``api/*.tl`` in sorted order."""
    paths = [schema_dir / "mtproto.tl"]
    api = schema_dir / "api"
    if api.is_dir():
        paths += sorted(api.glob("*.tl"))
    return paths


def _existing(out_dir: Path) -> dict[str, Path]:
    if not out_dir.is_dir():
        return {}
    return {
        p.relative_to(out_dir).as_posix(): p
        for p in out_dir.rglob("*.py")
        if "__pycache__" not in p.parts
    }


def diff_tree(files: Sequence[GeneratedFile], out_dir: Path) -> list[str]:
    """Paths (relative to ``out_dir``) that are missing, stale or extra on disk."""
    existing = _existing(out_dir)
    problems = []
    for f in files:
        path = existing.pop(f.path, None)
        if path is None:
            problems.append(f"missing: {f.path}")
        elif path.read_text(encoding="utf-8") != f.text:
            problems.append(f"stale: {f.path}")
    problems += [f"extra: {name}" for name in sorted(existing)]
    return problems


def write_tree(files: Sequence[GeneratedFile], out_dir: Path) -> int:
    """Write ``files`` under ``out_dir``, removing generated modules no longer produced.

    Returns the number of files written or removed.
    """
    existing = _existing(out_dir)
    changed = 0
    for f in files:
        existing.pop(f.path, None)
        path = out_dir / f.path
        if path.is_file() and path.read_text(encoding="utf-8") == f.text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f.text, encoding="utf-8")
        changed += 1
    for stale in existing.values():
        stale.unlink()
        changed += 1
    return changed
