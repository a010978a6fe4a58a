"""Logging for the ``tgserver`` command: stdlib logging, one line per record, to stderr."""

from __future__ import annotations

import logging
import sys
from typing import Final

__all__ = ["LOG_FORMAT", "configure_logging"]

#: ``2025-01-31 12:00:00,123 INFO    tgserver.cli: tgserver listening on ...``
LOG_FORMAT: Final = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record, so a replaced stderr
    (click's test runner, a daemonizing wrapper) never leaves the handler on a closed stream."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str) -> None:
    """Send records at ``level`` and above to stderr, replacing an earlier call's handler.

    Args:
        level: a level name (``"INFO"``, ``"DEBUG"``, ...).
    """
    root = logging.getLogger()
    for handler in root.handlers[:]:
        if isinstance(handler, _StderrHandler):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
