"""TL primitive encoding: little-endian integers, padded byte strings, and a :class:`Reader`.

Everything here is pure and allocation-light; generated classes call these helpers
(or inline ``struct`` calls with the same layout) in their hot paths.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TypeVar

__all__ = [
    "BOOL_FALSE_ID",
    "BOOL_TRUE_ID",
    "VECTOR_ID",
    "Reader",
    "pack_bool",
    "pack_bytes",
    "pack_double",
    "pack_int",
    "pack_int128",
    "pack_int256",
    "pack_long",
    "pack_string",
]

T = TypeVar("T")

VECTOR_ID = 0x1CB5C415
BOOL_TRUE_ID = 0x997275B5
BOOL_FALSE_ID = 0xBC799737

_INT = struct.Struct("<i")
_UINT = struct.Struct("<I")
_LONG = struct.Struct("<q")
_DOUBLE = struct.Struct("<d")
_BOOL_TRUE = _UINT.pack(BOOL_TRUE_ID)
_BOOL_FALSE = _UINT.pack(BOOL_FALSE_ID)


def pack_int(value: int) -> bytes:
    """A signed 32-bit little-endian int (unsigned values up to 2**32 are accepted too)."""
    if value >= 0x80000000:
        return _UINT.pack(value)
    return _INT.pack(value)


def pack_long(value: int) -> bytes:
    """A signed 64-bit little-endian long (unsigned values up to 2**64 are accepted too)."""
    if value >= 0x8000000000000000:
        value -= 1 << 64
    return _LONG.pack(value)


def pack_int128(value: int) -> bytes:
    """A 128-bit integer, little-endian, signed (as the reference clients represent nonces)."""
    return value.to_bytes(16, "little", signed=True)


def pack_int256(value: int) -> bytes:
    """A 256-bit integer, little-endian, signed."""
    return value.to_bytes(32, "little", signed=True)


def pack_double(value: float) -> bytes:
    """An IEEE-754 double, little-endian."""
    return _DOUBLE.pack(value)


def pack_bool(value: bool) -> bytes:
    """``boolTrue`` or ``boolFalse`` (a boxed constructor id)."""
    return _BOOL_TRUE if value else _BOOL_FALSE


def pack_bytes(data: bytes) -> bytes:
    """TL ``bytes``: a 1- or 4-byte length prefix, the data, zero padding to a multiple of 4."""
    n = len(data)
    if n < 254:
        padding = -(n + 1) & 3
        return bytes((n,)) + data + b"\0" * padding
    if n >= 1 << 24:
        raise ValueError(f"TL bytes too long: {n} bytes")
    padding = -n & 3
    return b"\xfe" + n.to_bytes(3, "little") + data + b"\0" * padding


def pack_string(text: str) -> bytes:
    """TL ``string``: UTF-8 encoded, then laid out as ``bytes``."""
    return pack_bytes(text.encode("utf-8"))


class Reader:
    """Reads TL primitives from a buffer, advancing ``position``.

    Reading past the end raises :class:`~tgcore.tl.errors.TLDecodeError`; boxed objects are
    read with :meth:`read_object`, which consults the constructor registry.
    """

    __slots__ = ("_data", "position")

    def __init__(self, data: bytes | bytearray | memoryview, position: int = 0) -> None:
        self._data = bytes(data)
        self.position = position

    @property
    def data(self) -> bytes:
        """The whole underlying buffer."""
        return self._data

    def remaining(self) -> int:
        """How many unread bytes are left."""
        return len(self._data) - self.position

    def _need(self, n: int) -> int:
        pos = self.position
        if pos + n > len(self._data):
            from tgcore.tl.errors import TLDecodeError

            raise TLDecodeError(
                f"unexpected end of TL data: need {n} bytes at offset {pos}, have {len(self._data) - pos}"
            )
        self.position = pos + n
        return pos

    def read_raw(self, n: int) -> bytes:
        """Exactly ``n`` raw bytes."""
        pos = self._need(n)
        return self._data[pos : pos + n]

    def read_int(self) -> int:
        """A signed 32-bit int."""
        return int(_INT.unpack_from(self._data, self._need(4))[0])

    def read_uint(self) -> int:
        """An unsigned 32-bit int (constructor ids are read this way)."""
        return int(_UINT.unpack_from(self._data, self._need(4))[0])

    def read_long(self) -> int:
        """A signed 64-bit long."""
        return int(_LONG.unpack_from(self._data, self._need(8))[0])

    def read_int128(self) -> int:
        """A signed little-endian 128-bit integer."""
        return int.from_bytes(self.read_raw(16), "little", signed=True)

    def read_int256(self) -> int:
        """A signed little-endian 256-bit integer."""
        return int.from_bytes(self.read_raw(32), "little", signed=True)

    def read_double(self) -> float:
        """An IEEE-754 double."""
        return float(_DOUBLE.unpack_from(self._data, self._need(8))[0])

    def read_bool(self) -> bool:
        """``boolTrue``/``boolFalse``; any other id is a decode error."""
        cid = self.read_uint()
        if cid == BOOL_TRUE_ID:
            return True
        if cid == BOOL_FALSE_ID:
            return False
        from tgcore.tl.errors import TLDecodeError

        raise TLDecodeError(f"expected Bool, got constructor 0x{cid:08x}")

    def read_bytes(self) -> bytes:
        """TL ``bytes`` (length prefix, data, padding)."""
        first = self._data[self._need(1)]
        if first == 254:
            n = int.from_bytes(self.read_raw(3), "little")
            data = self.read_raw(n)
            self.read_raw(-n & 3)
        elif first == 255:
            from tgcore.tl.errors import TLDecodeError

            raise TLDecodeError("invalid TL bytes length prefix 0xff")
        else:
            data = self.read_raw(first)
            self.read_raw(-(first + 1) & 3)
        return data

    def read_string(self) -> str:
        """TL ``string``; invalid UTF-8 is replaced rather than raised, as Telegram clients do."""
        return self.read_bytes().decode("utf-8", errors="replace")

    def read_vector(self, read_item: Callable[[Reader], T], *, bare: bool = False) -> list[T]:
        """A ``Vector<T>`` (boxed unless ``bare``), each item read by ``read_item(self)``."""
        if not bare:
            cid = self.read_uint()
            if cid != VECTOR_ID:
                from tgcore.tl.errors import TLDecodeError

                raise TLDecodeError(f"expected Vector, got constructor 0x{cid:08x}")
        count = self.read_int()
        if count < 0 or count > self.remaining():
            from tgcore.tl.errors import TLDecodeError

            raise TLDecodeError(f"invalid vector length {count}")
        return [read_item(self) for _ in range(count)]
