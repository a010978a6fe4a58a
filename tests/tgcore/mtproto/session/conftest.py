"""Fixtures of the session tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tgcore.testing import FakeClock

# pytest runs with --import-mode=importlib, which puts no test directory on sys.path; the test
# modules here share helpers through session_support (a name unique in the suite).
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock shared by both roles."""
    return FakeClock()
