"""Decoding boxed objects: the registry, gzip_packed, type checks and hostile input."""

from __future__ import annotations

import contextlib
import gzip
import sys
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tl_support import instances

from tgcore.tl import (
    CONSTRUCTORS,
    FUNCTIONS,
    GZIP_PACKED_ID,
    LAYER,
    Reader,
    TLDecodeError,
    TLObject,
    UnknownConstructorError,
    functions,
    lookup,
    pack_bytes,
    pack_int,
    pack_object_vector,
    primitives,
    read_object,
    register,
    types,
)


def gzipped(obj: TLObject | bytes, *, zlib_header: bool = False) -> bytes:
    raw = obj if isinstance(obj, bytes) else bytes(obj)
    packed = zlib.compress(raw) if zlib_header else gzip.compress(raw)
    return GZIP_PACKED_ID.to_bytes(4, "little") + pack_bytes(packed)


USER = types.User(id=5, first_name="Ann", self=True, status=types.UserStatusRecently())


def test_read_object_of_constructors_and_functions() -> None:
    assert read_object(bytes(USER)) == USER
    ping = functions.Ping(ping_id=-3)
    assert read_object(bytes(ping)) == ping
    assert Reader(bytes(ping)).read_request() == ping
    assert lookup(ping.CONSTRUCTOR_ID) is functions.Ping
    assert lookup(USER.CONSTRUCTOR_ID) is types.User
    assert lookup(0x12345678) is None
    assert CONSTRUCTORS[types.ResPQ.CONSTRUCTOR_ID] is types.ResPQ
    assert FUNCTIONS[functions.ReqPqMulti.CONSTRUCTOR_ID] is functions.ReqPqMulti


def test_unknown_constructor() -> None:
    data = pack_int(0) + bytes(USER)[:0] + pack_int(0x0BADF00D)
    r = Reader(data)
    r.read_int()
    with pytest.raises(UnknownConstructorError) as info:
        r.read_object()
    assert info.value.constructor_id == 0x0BADF00D and info.value.position == 4
    assert "0x0badf00d at offset 4" in str(info.value)
    assert isinstance(info.value, TLDecodeError)
    for read in (Reader.read_request, Reader.read_object):
        with pytest.raises(UnknownConstructorError):
            read(Reader(pack_int(0x0BADF00D)))
    with pytest.raises(UnknownConstructorError):
        Reader(pack_int(0x0BADF00D)).read_object_of(types.User.SUBCLASS_OF_ID)
    assert str(UnknownConstructorError(1)) == "unknown TL constructor 0x00000001"


def test_unknown_constructor_nested_in_a_field() -> None:
    data = bytearray(bytes(types.UpdateShort(update=types.UpdateConfig(), date=1)))
    data[4:8] = (0x0BADF00D).to_bytes(4, "little")
    with pytest.raises(UnknownConstructorError) as info:
        read_object(bytes(data))
    assert info.value.position == 4


@pytest.mark.parametrize("zlib_header", [False, True])
def test_gzip_packed_is_transparent(zlib_header: bool) -> None:
    assert read_object(gzipped(USER, zlib_header=zlib_header)) == USER
    ping = functions.Ping(ping_id=1)
    assert Reader(gzipped(ping)).read_request() == ping
    assert Reader(gzipped(USER)).read_object_of(types.User.SUBCLASS_OF_ID) == USER
    # Nested: a gzip_packed inside a gzip_packed, and one in a field of a plain object.
    assert read_object(gzipped(gzipped(USER))) == USER
    upd = types.UpdateShort(update=types.UpdateConfig(), date=1)
    inner = gzipped(types.UpdateConfig())
    assert read_object(bytes(upd)[:4] + inner + bytes(upd)[8:]) == upd
    # A whole vector result can come gzipped item by item.
    data = pack_object_vector([])[:4] + pack_int(2) + gzipped(USER) + bytes(USER)
    assert functions.users.GetUsers(id=[]).read_result(Reader(data)) == [USER, USER]


def test_gzip_packed_result() -> None:
    call = functions.users.GetFullUser(id=types.InputUserSelf())
    full = types.users.UserFull(
        full_user=types.UserFull(
            id=5,
            settings=types.PeerSettings(),
            notify_settings=types.PeerNotifySettings(),
            common_chats_count=0,
        ),
        chats=[],
        users=[USER],
    )
    assert call.read_result(Reader(gzipped(full))) == full


def test_corrupt_gzip() -> None:
    data = GZIP_PACKED_ID.to_bytes(4, "little") + pack_bytes(b"not gzip at all")
    with pytest.raises(TLDecodeError, match="corrupt gzip_packed"):
        read_object(data)


def test_gzip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(primitives, "MAX_GZIP_SIZE", 1000)
    data = gzipped(bytes(types.Pong(msg_id=1, ping_id=2)) + b"\x00" * 5000)
    with pytest.raises(TLDecodeError, match="inflates beyond 1000 bytes"):
        read_object(data)
    assert read_object(gzipped(types.Pong(msg_id=1, ping_id=2))) == types.Pong(msg_id=1, ping_id=2)


def test_constructor_of_the_wrong_type_is_rejected() -> None:
    upd = bytes(types.UpdateShort(update=types.UpdateConfig(), date=1))
    bad = upd[:4] + bytes(types.PeerUser(user_id=1)) + upd[8:]
    with pytest.raises(TLDecodeError, match="peerUser#59511722 at offset 4 is not of the expected"):
        read_object(bad)
    # A function where a constructor is expected is rejected as well.
    bad = upd[:4] + bytes(functions.help.GetConfig()) + upd[8:]
    with pytest.raises(TLDecodeError, match=r"help\.getConfig"):
        read_object(bad)


def test_constructor_where_a_function_is_expected() -> None:
    data = bytes(functions.InvokeWithLayer(layer=LAYER, query=functions.help.GetConfig()))
    bad = data[:8] + bytes(types.PeerUser(user_id=1))
    with pytest.raises(TLDecodeError, match="expected a function call, got constructor peerUser"):
        read_object(bad)


def test_deep_nesting_is_a_decode_error() -> None:
    depth = sys.getrecursionlimit() + 100
    # invokeWithLayer(invokeWithLayer(...(ping))): nested queries through read_request.
    layer = functions.InvokeWithLayer(layer=1, query=functions.Ping(ping_id=1))
    prefix = bytes(layer)[:8]
    data = prefix * depth + bytes(functions.Ping(ping_id=1))
    with pytest.raises(TLDecodeError, match="nested too deeply"):
        read_object(data)
    # inputPeerUserFromMessage(peer=inputPeerUserFromMessage(...)): through read_object_of.
    peer = types.InputPeerUserFromMessage(peer=types.InputPeerEmpty(), msg_id=1, user_id=2)
    head = bytes(peer)[:4]
    tail = bytes(peer)[8:]
    data = head * depth + bytes(types.InputPeerEmpty()) + tail * depth
    with pytest.raises(TLDecodeError, match="nested too deeply"):
        read_object(data)


def test_recursion_error_is_converted_on_every_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(cls: type, reader: Reader) -> TLObject:
        raise RecursionError

    monkeypatch.setattr(types.PeerUser, "from_reader", classmethod(explode))
    monkeypatch.setattr(functions.Ping, "from_reader", classmethod(explode))
    user = bytes(types.PeerUser(user_id=1))
    with pytest.raises(TLDecodeError, match="nested too deeply"):
        read_object(user)
    with pytest.raises(TLDecodeError, match="nested too deeply"):
        Reader(user).read_object_of(types.PeerUser.SUBCLASS_OF_ID)
    with pytest.raises(TLDecodeError, match="nested too deeply"):
        Reader(bytes(functions.Ping(ping_id=1))).read_request()


def test_register_rejects_a_conflicting_id() -> None:
    class Impostor(TLObject):
        """Claims an id that is taken."""

        CONSTRUCTOR_ID = types.User.CONSTRUCTOR_ID

    with pytest.raises(ValueError, match="already taken by User"):
        register(Impostor)
    register(types.User)  # re-registering the same class is harmless
    assert CONSTRUCTORS[types.User.CONSTRUCTOR_ID] is types.User


@settings(deadline=None, max_examples=300)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(data: bytes) -> None:
    with contextlib.suppress(TLDecodeError):
        read_object(data)


@settings(deadline=None, max_examples=300)
@given(instances(), st.data())
def test_truncated_or_mutated_encodings_never_crash(obj: TLObject, data: st.DataObject) -> None:
    encoded = bytes(obj)
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(TLDecodeError):
        read_object(encoded[:cut])
    pos = data.draw(st.integers(0, len(encoded) - 1))
    mutated = bytearray(encoded)
    mutated[pos] ^= data.draw(st.integers(1, 255))
    with contextlib.suppress(TLDecodeError):
        read_object(bytes(mutated))
