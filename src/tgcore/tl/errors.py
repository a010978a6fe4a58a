"""Errors raised while encoding or decoding TL."""

from __future__ import annotations

from tgcore.errors import LocalProtocolError, RemoteProtocolError

__all__ = ["TLDecodeError", "TLEncodeError", "UnknownConstructorError"]


class TLDecodeError(RemoteProtocolError):
    """The bytes are not a valid TL encoding of what was expected (truncated, bad prefix, ...)."""


class UnknownConstructorError(TLDecodeError):
    """A boxed object carried a constructor id that the schema does not define."""

    def __init__(self, constructor_id: int, position: int = -1) -> None:
        self.constructor_id = constructor_id
        self.position = position
        where = f" at offset {position}" if position >= 0 else ""
        super().__init__(f"unknown TL constructor 0x{constructor_id:08x}{where}")


class TLEncodeError(LocalProtocolError):
    """An object cannot be encoded as given (e.g. fields sharing a flag bit set inconsistently)."""
