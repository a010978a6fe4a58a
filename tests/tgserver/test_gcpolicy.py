"""The server process's garbage-collector settings."""

from __future__ import annotations

import gc

from tgserver.gcpolicy import GC_THRESHOLDS, server_gc


def test_server_gc_freezes_the_heap_and_raises_thresholds_for_the_block() -> None:
    before = gc.get_threshold()
    assert GC_THRESHOLDS[0] > before[0]
    with server_gc():
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
