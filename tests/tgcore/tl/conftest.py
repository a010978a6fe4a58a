"""Fixtures of the TL tests."""

from __future__ import annotations

import sys
from pathlib import Path

# pytest runs with --import-mode=importlib, which puts no test directory on sys.path: the TL
# tests share helpers through tl_support, and import tools.tlgen from the repository root.
_HERE = Path(__file__).parent
for _path in (str(_HERE), str(_HERE.parents[2])):
    if _path not in sys.path:
        sys.path.insert(0, _path)
