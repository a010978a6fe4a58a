"""TL primitive encoding: little-endian integers, padded byte strings, and a :class:`Reader`.

Everything here is pure and allocation-light; generated classes call these helpers (or
inline ``struct`` calls with the same layout) in their hot paths.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from tgcore.tl.errors import TLDecodeError, UnknownConstructorError
from tgcore.tl.registry import CONSTRUCTORS, FUNCTIONS

if TYPE_CHECKING:
    from tgcore.tl.tlobject import TLObject, TLRequest

__all__ = [
    "BOOL_FALSE_ID",
    "BOOL_TRUE_ID",
    "MAX_GZIP_SIZE",
    "VECTOR_ID",
    "Reader",
    "pack_bool",
    "pack_bytes",
    "pack_double",
    "pack_int",
    "pack_int128",
    "pack_int256",
    "pack_int_vector",
    "pack_long",
    "pack_long_vector",
    "pack_object_vector",
    "pack_string",
    "pack_vector_header",
]

T = TypeVar("T")

VECTOR_ID = 0x1CB5C415
BOOL_TRUE_ID = 0x997275B5
BOOL_FALSE_ID = 0xBC799737
_GZIP_PACKED_ID = 0x3072CFA1
#: Largest decompressed size accepted from a ``gzip_packed`` object (a guard against
#: decompression bombs; Telegram's own payloads stay far below it).
MAX_GZIP_SIZE = 16 * 1024 * 1024

_INT = struct.Struct("<i")
_UINT = struct.Struct("<I")
_LONG = struct.Struct("<q")
_DOUBLE = struct.Struct("<d")
_VECTOR_HEADER = struct.Struct("<Ii")
_unpack_int = _INT.unpack_from
_unpack_uint = _UINT.unpack_from
_unpack_long = _LONG.unpack_from
_unpack_double = _DOUBLE.unpack_from
_unpack_vector_header = _VECTOR_HEADER.unpack_from
_pack_vector_header = _VECTOR_HEADER.pack
_SHORT_PREFIX = [bytes((n,)) for n in range(254)]
_ZEROS = (b"", b"\0", b"\0\0", b"\0\0\0")
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
        return _SHORT_PREFIX[n] + data + _ZEROS[-(n + 1) & 3]
    if n >= 1 << 24:
        raise ValueError(f"TL bytes too long: {n} bytes")
    return b"\xfe" + n.to_bytes(3, "little") + data + _ZEROS[-n & 3]


def pack_string(text: str) -> bytes:
    """TL ``string``: UTF-8 encoded, then laid out as ``bytes``."""
    data = text.encode()
    n = len(data)
    if n < 254:  # the common case, inlined: strings are in nearly every object
        return _SHORT_PREFIX[n] + data + _ZEROS[-(n + 1) & 3]
    return pack_bytes(data)


def pack_vector_header(count: int) -> bytes:
    """The ``vector`` constructor id and the item count that start a boxed ``Vector<T>``."""
    return _pack_vector_header(VECTOR_ID, count)


def pack_int_vector(values: Sequence[int]) -> bytes:
    """A boxed ``Vector<int>``."""
    n = len(values)
    return _pack_vector_header(VECTOR_ID, n) + struct.pack(f"<{n}i", *values)


def pack_long_vector(values: Sequence[int]) -> bytes:
    """A boxed ``Vector<long>``."""
    n = len(values)
    return _pack_vector_header(VECTOR_ID, n) + struct.pack(f"<{n}q", *values)


def pack_object_vector(values: Sequence[TLObject]) -> bytes:
    """A boxed ``Vector<T>`` of boxed objects."""
    return _pack_vector_header(VECTOR_ID, len(values)) + b"".join([v.to_bytes() for v in values])


class Reader:
    """Reads TL primitives from a buffer, advancing ``position``.

    Reading past the end raises :class:`~tgcore.tl.errors.TLDecodeError`; boxed objects are
    read with :meth:`read_object`, which consults the constructor registry, inflates
    ``gzip_packed`` transparently and raises
    :class:`~tgcore.tl.errors.UnknownConstructorError` for an id the schema lacks.
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

    def _eof(self, need: int, pos: int | None = None) -> NoReturn:
        if pos is None:
            pos = self.position
        have = max(len(self._data) - pos, 0)
        raise TLDecodeError(
            f"unexpected end of TL data: need {need} bytes at offset {pos}, have {have}"
        )

    def read_raw(self, n: int) -> bytes:
        """Exactly ``n`` raw bytes."""
        pos = self.position
        end = pos + n
        if n < 0 or end > len(self._data):
            self._eof(n)
        self.position = end
        return self._data[pos:end]

    def unpack(self, layout: struct.Struct) -> tuple[Any, ...]:
        """Several fixed-size fields at once, laid out by ``layout`` (a little-endian Struct)."""
        pos = self.position
        try:
            values = layout.unpack_from(self._data, pos)
        except struct.error:
            self._eof(layout.size)
        self.position = pos + layout.size
        return values

    def read_int(self) -> int:
        """A signed 32-bit int."""
        pos = self.position
        try:
            value: int = _unpack_int(self._data, pos)[0]
        except struct.error:
            self._eof(4)
        self.position = pos + 4
        return value

    def read_uint(self) -> int:
        """An unsigned 32-bit int (constructor ids are read this way)."""
        pos = self.position
        try:
            value: int = _unpack_uint(self._data, pos)[0]
        except struct.error:
            self._eof(4)
        self.position = pos + 4
        return value

    def read_long(self) -> int:
        """A signed 64-bit long."""
        pos = self.position
        try:
            value: int = _unpack_long(self._data, pos)[0]
        except struct.error:
            self._eof(8)
        self.position = pos + 8
        return value

    def read_int128(self) -> int:
        """A signed little-endian 128-bit integer."""
        return int.from_bytes(self.read_raw(16), "little", signed=True)

    def read_int256(self) -> int:
        """A signed little-endian 256-bit integer."""
        return int.from_bytes(self.read_raw(32), "little", signed=True)

    def read_double(self) -> float:
        """An IEEE-754 double."""
        pos = self.position
        try:
            value: float = _unpack_double(self._data, pos)[0]
        except struct.error:
            self._eof(8)
        self.position = pos + 8
        return value

    def read_bool(self) -> bool:
        """``boolTrue``/``boolFalse``; any other id is a decode error."""
        cid = self.read_uint()
        if cid == BOOL_TRUE_ID:
            return True
        if cid == BOOL_FALSE_ID:
            return False
        raise TLDecodeError(f"expected Bool, got constructor 0x{cid:08x}")

    def read_bytes(self) -> bytes:
        """TL ``bytes`` (length prefix, data, padding)."""
        data = self._data
        pos = self.position
        if pos >= len(data):
            self._eof(1)
        n = data[pos]
        if n < 254:
            start = pos + 1
            end = pos + ((n + 4) & -4)
        elif n == 254:
            if pos + 4 > len(data):
                self._eof(4)
            n = data[pos + 1] | data[pos + 2] << 8 | data[pos + 3] << 16
            start = pos + 4
            end = start + ((n + 3) & -4)
        else:
            raise TLDecodeError(f"invalid TL bytes length prefix 0xff at offset {pos}")
        if end > len(data):
            self._eof(end - pos, pos)
        self.position = end
        return data[start : start + n]

    def read_string(self) -> str:
        """TL ``string``; invalid UTF-8 is replaced rather than raised, as Telegram clients do."""
        data = self._data
        pos = self.position
        # Short strings (nearly all) are read inline; anything else goes through read_bytes.
        if pos < len(data):
            n = data[pos]
            end = pos + ((n + 4) & -4)
            if n < 254 and end <= len(data):
                self.position = end
                return data[pos + 1 : pos + 1 + n].decode("utf-8", "replace")
        return self.read_bytes().decode("utf-8", "replace")

    def read_vector_header(self, *, bare: bool = False) -> int:
        """The item count of a ``Vector<T>`` (after checking its constructor unless ``bare``)."""
        if not bare:
            cid = self.read_uint()
            if cid != VECTOR_ID:
                raise TLDecodeError(f"expected Vector, got constructor 0x{cid:08x}")
        count = self.read_int()
        # Every TL value takes at least one byte: a larger count is hostile, not a big vector.
        if count < 0 or count > len(self._data) - self.position:
            raise TLDecodeError(f"invalid vector length {count}")
        return count

    def read_vector(self, read_item: Callable[[Reader], T], *, bare: bool = False) -> list[T]:
        """A ``Vector<T>`` (boxed unless ``bare``), each item read by ``read_item(self)``."""
        return [read_item(self) for _ in range(self.read_vector_header(bare=bare))]

    def _read_fixed_vector(self, code: str, size: int) -> list[Any]:
        pos = self.position
        try:
            cid, count = _unpack_vector_header(self._data, pos)
        except struct.error:
            self._eof(8)
        if cid != VECTOR_ID:
            raise TLDecodeError(f"expected Vector, got constructor 0x{cid:08x}")
        pos += 8
        if count < 0 or pos + count * size > len(self._data):
            raise TLDecodeError(f"invalid vector length {count}")
        values = list(struct.unpack_from(f"<{count}{code}", self._data, pos))
        self.position = pos + count * size
        return values

    def read_int_vector(self) -> list[int]:
        """A boxed ``Vector<int>``."""
        return self._read_fixed_vector("i", 4)

    def read_long_vector(self) -> list[int]:
        """A boxed ``Vector<long>``."""
        return self._read_fixed_vector("q", 8)

    def read_object(self) -> TLObject:
        """A boxed object of any type (constructor or function), looked up in the registry."""
        pos = self.position
        try:
            cid: int = _unpack_uint(self._data, pos)[0]
        except struct.error:
            self._eof(4)
        self.position = pos + 4
        cls = CONSTRUCTORS.get(cid) or FUNCTIONS.get(cid)
        if cls is None:
            if cid == _GZIP_PACKED_ID:
                return self._inflated().read_object()
            raise UnknownConstructorError(cid, self.position - 4)
        try:
            return cls.from_reader(self)
        except RecursionError:
            # Hostile input can nest objects (InputPeer, RichText, invokeWithLayer, ...) deeper
            # than the interpreter allows; that is malformed input, not a crash.
            raise TLDecodeError("TL objects nested too deeply") from None

    def read_object_of(self, subclass_id: int) -> Any:
        """A boxed constructor of the TL type whose ``SUBCLASS_OF_ID`` is ``subclass_id``.

        A constructor of another type, or a function, is a decode error.
        """
        # The hottest path of decoding: the id is read inline rather than via read_uint().
        pos = self.position
        try:
            cid: int = _unpack_uint(self._data, pos)[0]
        except struct.error:
            self._eof(4)
        self.position = pos + 4
        cls = CONSTRUCTORS.get(cid)
        if cls is None or subclass_id != cls.SUBCLASS_OF_ID:
            if cid == _GZIP_PACKED_ID:
                return self._inflated().read_object_of(subclass_id)
            if cls is None and cid not in FUNCTIONS:
                raise UnknownConstructorError(cid, self.position - 4)
            name = (cls or FUNCTIONS[cid]).TL_NAME
            raise TLDecodeError(
                f"{name}#{cid:08x} at offset {self.position - 4} is not of the expected type"
            )
        try:
            return cls.from_reader(self)
        except RecursionError:
            raise TLDecodeError("TL objects nested too deeply") from None

    def read_request(self) -> TLRequest:
        """A boxed TL function call (the ``query:!X`` of ``invokeWithLayer`` and the like)."""
        cid = self.read_uint()
        cls = FUNCTIONS.get(cid)
        if cls is None:
            if cid == _GZIP_PACKED_ID:
                return self._inflated().read_request()
            if cid in CONSTRUCTORS:
                raise TLDecodeError(
                    f"expected a function call, got constructor {CONSTRUCTORS[cid].TL_NAME}"
                )
            raise UnknownConstructorError(cid, self.position - 4)
        try:
            return cls.from_reader(self)
        except RecursionError:
            raise TLDecodeError("TL objects nested too deeply") from None

    def read_object_vector(self, subclass_id: int) -> list[Any]:
        """A boxed ``Vector<T>`` of boxed constructors of one type (see :meth:`read_object_of`)."""
        return [self.read_object_of(subclass_id) for _ in range(self.read_vector_header())]

    def _inflated(self) -> Reader:
        """The body of a ``gzip_packed`` (its id consumed) as a new reader."""
        packed = self.read_bytes()
        inflater = zlib.decompressobj(wbits=47)  # 32 + 15: accept gzip or zlib headers
        try:
            data = inflater.decompress(packed, MAX_GZIP_SIZE)
        except zlib.error as exc:
            raise TLDecodeError(f"corrupt gzip_packed data: {exc}") from None
        if inflater.unconsumed_tail:
            raise TLDecodeError(f"gzip_packed data inflates beyond {MAX_GZIP_SIZE} bytes")
        return Reader(data)
