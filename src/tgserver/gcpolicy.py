"""Garbage-collector settings for a long-running server process.

With thousands of connected sessions the server holds millions of objects, and CPython's
default thresholds (700, 10, 10) run a full collection, which walks all of them, every
100 young collections: with 5,000 sessions that is 0.3-2 s of stalled event loop several
times per fan-out burst (``bench/groups.py`` measured 40 % of the server's CPU in the
collector while posting into a 200,000-member group). Nearly all of that memory is freed by
reference counting anyway; the collector is only needed for reference cycles.

:func:`server_gc` (around ``tgserver run``'s event loop, not used by embedders: the
settings are process-wide) moves everything alive at start-up (modules, the TL classes) out
of the collector's sight with :func:`gc.freeze` and makes collections rarer, and puts both
back when the server stops.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

__all__ = ["GC_THRESHOLDS", "server_gc"]

#: Allocations (net) between young collections, then young collections per middle one and
#: middle ones per full one. A full collection then comes after about 10 M net allocations
#: (and only when the old generation grew by a quarter, CPython's own rule).
GC_THRESHOLDS: Final = (10_000, 10, 100)


@contextmanager
def server_gc() -> Iterator[None]:
    """Freeze the heap and raise the collection thresholds (process-wide) for the block."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
