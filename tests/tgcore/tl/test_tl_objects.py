"""The generated classes as values: construction, equality, repr, dicts, flags, results."""

from __future__ import annotations

import copy
import pickle

import pytest
from tl_support import COMBINATORS, RandomSource, ValueBuilder

from tgcore.tl import (
    LAYER,
    Reader,
    TLDecodeError,
    TLObject,
    TLRequest,
    functions,
    pack_int,
    read_object,
    types,
)
from tgcore.tl.errors import TLEncodeError

MSG = types.Message(
    id=7,
    peer_id=types.PeerUser(user_id=1),
    date=1_700_000_000,
    message="hi",
    out=True,
    entities=[types.MessageEntityBold(offset=0, length=2)],
)


def test_keyword_only_construction() -> None:
    with pytest.raises(TypeError):
        types.PeerUser(1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        types.PeerUser()  # type: ignore[call-arg]
    assert types.PeerUser(user_id=1).user_id == 1


def test_slots_and_class_metadata() -> None:
    peer = types.PeerUser(user_id=1)
    with pytest.raises(AttributeError):
        peer.other = 1  # type: ignore[attr-defined]
    assert not hasattr(peer, "__dict__")
    assert types.PeerUser.CONSTRUCTOR_ID == 0x59511722
    assert types.PeerUser.TL_NAME == "peerUser"
    assert types.auth.SentCode.TL_NAME == "auth.sentCode"
    assert "peerUser#59511722 user_id:long = Peer;" in (types.PeerUser.__doc__ or "")
    assert issubclass(functions.help.GetConfig, TLRequest)
    assert not issubclass(types.Config, TLRequest)


def test_equality_and_hash() -> None:
    assert types.PeerUser(user_id=1) == types.PeerUser(user_id=1)
    assert types.PeerUser(user_id=1) != types.PeerUser(user_id=2)
    assert types.PeerUser(user_id=1) != types.PeerChat(chat_id=1)
    assert types.PeerUser(user_id=1) != 1
    with pytest.raises(TypeError):
        hash(types.PeerUser(user_id=1))


def test_repr_and_to_dict() -> None:
    assert repr(types.PeerUser(user_id=1)) == "PeerUser(user_id=1)"
    d = MSG.to_dict()
    assert d["_"] == "Message" and d["id"] == 7 and d["out"] is True and d["media"] is None
    assert d["peer_id"] == {"_": "PeerUser", "user_id": 1}
    assert d["entities"] == [{"_": "MessageEntityBold", "offset": 0, "length": 2}]
    assert "Message(out=True" in repr(MSG)


def test_copy_and_pickle() -> None:
    assert copy.deepcopy(MSG) == MSG
    assert pickle.loads(pickle.dumps(MSG)) == MSG


def test_boxed_encoding() -> None:
    data = bytes(types.PeerUser(user_id=1))
    assert data == types.PeerUser(user_id=1).to_bytes()
    assert data == bytes.fromhex("22175159") + (1).to_bytes(8, "little")
    assert types.PeerUser.from_reader(Reader(data[4:])) == types.PeerUser(user_id=1)


def test_flags_present_and_omitted() -> None:
    data = bytes(MSG)
    flags = int.from_bytes(data[4:8], "little")
    assert flags == 2 | 128  # out, entities
    assert data[8:12] == b"\x00\x00\x00\x00"  # flags2
    bare = types.Message(id=7, peer_id=types.PeerUser(user_id=1), date=1, message="")
    assert int.from_bytes(bytes(bare)[4:8], "little") == 0
    assert len(bytes(bare)) < len(data)
    again = read_object(data)
    assert isinstance(again, types.Message)
    assert again.out is True and again.mentioned is False and again.media is None
    assert again == MSG


def test_fields_sharing_a_flag_bit() -> None:
    ok = types.Message(
        id=1, peer_id=types.PeerUser(user_id=1), date=1, message="", views=3, forwards=0
    )
    assert read_object(bytes(ok)) == ok
    half = types.Message(id=1, peer_id=types.PeerUser(user_id=1), date=1, message="", views=3)
    with pytest.raises(TLEncodeError, match=r"views, forwards share flags\.10"):
        bytes(half)
    # a true flag sharing a bit with a value: both or neither
    with pytest.raises(TLEncodeError, match="bot, bot_info_version"):
        bytes(types.User(id=1, bot=True))
    bot = types.User(id=1, bot=True, bot_info_version=3)
    assert read_object(bytes(bot)) == bot


def test_python_names_for_awkward_field_names() -> None:
    user = types.User(id=1, self=True)
    assert user.self is True
    assert read_object(bytes(user)) == user


def test_flags_with_high_bits() -> None:
    # flags.30 sets the sign bit of the int32 flags word: it must survive both ways.
    user = types.User(id=1, emoji_status=types.EmojiStatusEmpty())
    data = bytes(user)
    assert int.from_bytes(data[4:8], "little") & (1 << 30)
    assert read_object(data) == user


@pytest.mark.parametrize(
    ("result", "payload", "expected"),
    [
        ("Bool", "b5757299", True),
        ("Bool", "379779bc", False),
        ("Vector<int>", "15c4b51c 02000000 01000000 feffffff", [1, -2]),
        ("Vector<long>", "15c4b51c 01000000 ffffffffffffffff", [-1]),
    ],
)
def test_primitive_results(result: str, payload: str, expected: object) -> None:
    calls = [c for c in COMBINATORS if c.is_function and str(c.result) == result]
    assert calls, f"the schema has no function returning {result}"
    for comb in calls:
        call = ValueBuilder(RandomSource(0), presence="none").build(comb)
        assert isinstance(call, TLRequest)
        assert call.read_result(Reader(bytes.fromhex(payload))) == expected


def test_vector_of_objects_result() -> None:
    users = [types.UserEmpty(id=1), types.User(id=2)]
    data = bytes.fromhex("15c4b51c") + pack_int(2) + b"".join(map(bytes, users))
    call = functions.users.GetUsers(id=[types.InputUserSelf()])
    assert call.read_result(Reader(data)) == users
    with pytest.raises(TLDecodeError, match="not of the expected type"):
        call.read_result(
            Reader(bytes.fromhex("15c4b51c") + pack_int(1) + bytes(types.PeerUser(user_id=1)))
        )


def test_generic_functions_delegate_read_result() -> None:
    config_call = functions.InvokeWithLayer(
        layer=LAYER,
        query=functions.InitConnection(
            api_id=1,
            device_model="d",
            system_version="s",
            app_version="a",
            system_lang_code="en",
            lang_pack="",
            lang_code="en",
            query=functions.help.GetConfig(),
        ),
    )
    again = read_object(bytes(config_call))
    assert again == config_call
    pong = types.Pong(msg_id=1, ping_id=2)
    ping = functions.InvokeWithLayer(layer=LAYER, query=functions.Ping(ping_id=2))
    assert ping.read_result(Reader(bytes(pong))) == pong


def test_base_classes_are_abstract() -> None:
    with pytest.raises(NotImplementedError):
        bytes(TLObject())
    with pytest.raises(NotImplementedError):
        TLObject.from_reader(Reader(b""))
    with pytest.raises(NotImplementedError):
        TLRequest().read_result(Reader(b""))
    assert TLObject() == TLObject() and TLObject().to_dict() == {"_": "TLObject"}
