"""tgserver: a Trio-based, Telegram-compatible reference server built on tgcore."""

from __future__ import annotations

from tgcore import __version__

__all__ = ["__version__"]
