"""Peeling the ``invokeWith*`` / ``initConnection`` wrappers off a query, at the byte level.

The wrappers are parsed by hand rather than through the generated classes: those decode the
inner query too, and a query the server's schema does not know would then make the whole call
undecodable, while the right answer is ``INPUT_METHOD_INVALID_<id>`` for the inner method.
"""

from __future__ import annotations

import struct

import attrs

from tgcore.errors import RpcError, TgError
from tgcore.tl import Reader, functions
from tgcore.tl.errors import UnknownConstructorError
from tgserver.rpc.errors import INPUT_CONSTRUCTOR_INVALID, INPUT_FETCH_ERROR
from tgserver.store.records import ClientInfo

__all__ = ["MAX_WRAPPERS", "Unwrapped", "unwrap"]

#: More nested wrappers than this is not a client, it is an attack on the parser.
MAX_WRAPPERS = 8

_WITH_LAYER = functions.InvokeWithLayer.CONSTRUCTOR_ID
_INIT_CONNECTION = functions.InitConnection.CONSTRUCTOR_ID
_AFTER_MSG = functions.InvokeAfterMsg.CONSTRUCTOR_ID
_AFTER_MSGS = functions.InvokeAfterMsgs.CONSTRUCTOR_ID
_WITHOUT_UPDATES = functions.InvokeWithoutUpdates.CONSTRUCTOR_ID

_DECODE_ERRORS = (TgError, ValueError, struct.error, RecursionError)


@attrs.frozen
class Unwrapped:
    """A query with its wrappers taken off, and what the wrappers said.

    Attributes:
        query: The innermost query's bytes (boxed: constructor id first).
        layer: From ``invokeWithLayer``, if present.
        client: From ``initConnection``, if present.
        after: msg_ids from ``invokeAfterMsg``/``invokeAfterMsgs`` to wait for.
        without_updates: ``invokeWithoutUpdates`` was among the wrappers.
    """

    query: bytes
    layer: int | None = None
    client: ClientInfo | None = None
    after: tuple[int, ...] = ()
    without_updates: bool = False

    @property
    def constructor_id(self) -> int:
        """The inner query's constructor id."""
        return int.from_bytes(self.query[:4], "little")


def _read_init_connection(reader: Reader) -> ClientInfo:
    flags = reader.read_uint()
    api_id = reader.read_int()
    strings = [reader.read_string() for _ in range(6)]
    # proxy (flags.0) and params (flags.1) are read to get past them; nothing uses them yet.
    if flags & 1:
        reader.read_object()
    if flags & 2:
        reader.read_object()
    return ClientInfo(api_id, *strings)


def unwrap(body: bytes) -> Unwrapped:
    """Take the known wrappers off ``body`` (a boxed query).

    Handles invokeWithLayer, initConnection, invokeAfterMsg(s) and invokeWithoutUpdates, in
    any order and nesting. Other constructors end the peeling: they are the query.

    Raises:
        RpcError: ``400 INPUT_FETCH_ERROR`` when a wrapper is truncated or nested too deeply,
            ``400 INPUT_CONSTRUCTOR_INVALID`` when initConnection carries an unknown object.
    """
    reader = Reader(body)
    layer: int | None = None
    client: ClientInfo | None = None
    after: list[int] = []
    without_updates = False
    try:
        for _ in range(MAX_WRAPPERS + 1):
            start = reader.position
            cid = reader.read_uint()
            if cid == _WITH_LAYER:
                layer = reader.read_int()
            elif cid == _INIT_CONNECTION:
                client = _read_init_connection(reader)
            elif cid == _AFTER_MSG:
                after.append(reader.read_long())
            elif cid == _AFTER_MSGS:
                after.extend(reader.read_long_vector())
            elif cid == _WITHOUT_UPDATES:
                without_updates = True
            else:
                return Unwrapped(body[start:], layer, client, tuple(after), without_updates)
    except UnknownConstructorError as exc:
        raise RpcError(400, INPUT_CONSTRUCTOR_INVALID, str(exc)) from exc
    except _DECODE_ERRORS as exc:
        raise RpcError(400, INPUT_FETCH_ERROR, f"malformed wrapper: {exc}") from exc
    raise RpcError(400, INPUT_FETCH_ERROR, f"more than {MAX_WRAPPERS} nested wrappers")
