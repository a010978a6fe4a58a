"""The envelope constructors inside an encrypted payload: msg_container, rpc_result, gzip_packed.

These are handled at the byte level: a container holds raw message bodies, rpc_result holds a
result whose type only the original request knows, and gzip_packed may hide any of them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable

import attrs

from tgcore.errors import RemoteProtocolError, SecurityError
from tgcore.mtproto.session._service import GZIP_PACKED_ID, MSG_CONTAINER_ID, RPC_RESULT_ID
from tgcore.tl.errors import TLDecodeError
from tgcore.tl.primitives import Reader, pack_bytes

__all__ = [
    "CONTAINER_OVERHEAD",
    "MESSAGE_OVERHEAD",
    "ContainerError",
    "Message",
    "gzip_pack",
    "gzip_unpack",
    "maybe_gzip",
    "pack_container",
    "pack_rpc_result",
    "unpack_container",
    "unpack_rpc_result",
]

#: Bytes a message adds inside a container: msg_id (8), seqno (4), bytes (4).
MESSAGE_OVERHEAD = 16
#: Bytes of the container's own header: constructor id (4) and message count (4).
CONTAINER_OVERHEAD = 8

_HEADER = struct.Struct("<qii")
_CONTAINER_HEAD = struct.Struct("<Ii")
_RPC_RESULT_HEAD = struct.Struct("<Iq")
_CONTAINER_ID_BYTES = struct.pack("<I", MSG_CONTAINER_ID)
# Large bodies are probed with a sample before compressing all of them: already-compressed
# data (photos, file parts) would waste milliseconds of CPU for nothing.
_SAMPLE_FROM = 64 * 1024
_SAMPLE_SIZE = 16 * 1024


class ContainerError(RemoteProtocolError):
    """A msg_container breaks the layout rules (answered with bad_msg_notification 64)."""


@attrs.frozen
class Message:
    """One message: ``msg_id``, ``seq_no`` and the serialized ``body`` (a boxed object)."""

    msg_id: int
    seq_no: int
    body: bytes


def pack_container(messages: Iterable[Message]) -> bytes:
    """A msg_container body holding ``messages`` in order."""
    items = list(messages)
    parts = [_CONTAINER_HEAD.pack(MSG_CONTAINER_ID, len(items))]
    for message in items:
        parts.append(_HEADER.pack(message.msg_id, message.seq_no, len(message.body)))
        parts.append(message.body)
    return b"".join(parts)


def unpack_container(body: bytes, *, max_messages: int = 1024) -> list[Message]:
    """The messages of a msg_container body.

    Raises :class:`ContainerError` for a truncated container, a body length that is negative,
    not a multiple of 4 or past the end, more than ``max_messages`` messages, trailing bytes,
    or a container nested inside.
    """
    if len(body) < _CONTAINER_HEAD.size:
        raise ContainerError("truncated msg_container")
    cid, count = _CONTAINER_HEAD.unpack_from(body)
    if cid != MSG_CONTAINER_ID:
        raise ContainerError(f"not a msg_container: 0x{cid:08x}")
    if not 0 <= count <= max_messages:
        raise ContainerError(f"msg_container with {count} messages (at most {max_messages})")
    pos = _CONTAINER_HEAD.size
    end = len(body)
    messages = []
    for _ in range(count):
        if pos + _HEADER.size > end:
            raise ContainerError("truncated message header in msg_container")
        msg_id, seq_no, length = _HEADER.unpack_from(body, pos)
        pos += _HEADER.size
        if length < 4 or length % 4 or pos + length > end:
            raise ContainerError(f"bad message length {length} in msg_container")
        inner = body[pos : pos + length]
        pos += length
        if inner[:4] == _CONTAINER_ID_BYTES:
            raise ContainerError("nested msg_container")
        messages.append(Message(msg_id, seq_no, inner))
    if pos != end:
        raise ContainerError(f"{end - pos} trailing bytes after msg_container")
    return messages


def pack_rpc_result(req_msg_id: int, result: bytes) -> bytes:
    """``rpc_result req_msg_id:long result:Object`` around an already serialized result."""
    return _RPC_RESULT_HEAD.pack(RPC_RESULT_ID, req_msg_id) + result


def unpack_rpc_result(body: bytes) -> tuple[int, bytes]:
    """``(req_msg_id, result bytes)`` of an rpc_result (the result possibly gzip_packed)."""
    if len(body) < _RPC_RESULT_HEAD.size + 4:
        raise TLDecodeError("truncated rpc_result")
    cid, req_msg_id = _RPC_RESULT_HEAD.unpack_from(body)
    if cid != RPC_RESULT_ID:
        raise TLDecodeError(f"not an rpc_result: 0x{cid:08x}")
    return req_msg_id, body[_RPC_RESULT_HEAD.size :]


def gzip_pack(body: bytes, level: int = 6) -> bytes:
    """``gzip_packed packed_data:bytes`` holding ``body`` (gzip format, zero mtime)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    packed = compressor.compress(body) + compressor.flush()
    return struct.pack("<I", GZIP_PACKED_ID) + pack_bytes(packed)


def maybe_gzip(body: bytes, *, threshold: int = 512, level: int = 6) -> bytes:
    """``body`` gzip_packed when it is longer than ``threshold`` and packing makes it smaller."""
    if len(body) <= threshold:
        return body
    if len(body) > _SAMPLE_FROM:
        sample = body[:_SAMPLE_SIZE]
        if len(zlib.compress(sample, 1)) > len(sample) * 0.9:
            return body
    packed = gzip_pack(body, level)
    return packed if len(packed) < len(body) else body


def gzip_unpack(body: bytes, *, max_size: int) -> bytes:
    """The object inside a gzip_packed body, decompressing at most ``max_size`` bytes.

    A stream that would inflate past ``max_size`` (a decompression bomb) raises
    :class:`SecurityError`; a corrupt or truncated stream, or one holding nothing or yet
    another gzip_packed, raises :class:`~tgcore.tl.errors.TLDecodeError`.
    """
    reader = Reader(body)
    if reader.read_uint() != GZIP_PACKED_ID:
        raise TLDecodeError("not a gzip_packed")
    packed = reader.read_bytes()
    inflater = zlib.decompressobj(47)  # gzip or zlib header, detected
    try:
        data = inflater.decompress(packed, max_size + 1)
    except zlib.error as exc:
        raise TLDecodeError(f"corrupt gzip_packed: {exc}") from None
    if len(data) > max_size:
        raise SecurityError(f"gzip_packed inflates past {max_size} bytes")
    if not inflater.eof:
        raise TLDecodeError("truncated gzip_packed stream")
    if len(data) < 4 or data[:4] == body[:4]:
        raise TLDecodeError("gzip_packed holding nothing or another gzip_packed")
    return data
