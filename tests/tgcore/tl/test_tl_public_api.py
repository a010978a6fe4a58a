"""The contract of tgcore.tl as other packages use it."""

from __future__ import annotations

import tgcore.tl as tl
from tgcore.tl import functions, primitives, types


def test_contract_names() -> None:
    assert tl.LAYER == 229
    assert tl.RPC_RESULT_ID == 0xF35C6D01
    assert tl.MSG_CONTAINER_ID == 0x73F1F8DC
    assert tl.GZIP_PACKED_ID == 0x3072CFA1 == primitives._GZIP_PACKED_ID
    assert tl.MSG_COPY_ID == 0xE06046B2
    assert tl.MESSAGE_ID == 0x5BB8E511
    assert tl.VECTOR_ID == 0x1CB5C415
    assert types.ResPQ.CONSTRUCTOR_ID == 0x05162463
    assert types.PQInnerDataDc.CONSTRUCTOR_ID == 0xA9F55F95
    assert functions.ReqPqMulti.CONSTRUCTOR_ID == 0xBE7E8EF1
    assert functions.ReqDHParams.CONSTRUCTOR_ID == 0xD712E4BE
    assert functions.SetClientDHParams.CONSTRUCTOR_ID == 0xF5045F1F
    assert types.auth.SentCode.TL_NAME == "auth.sentCode"
    assert functions.help.GetConfig.TL_NAME == "help.getConfig"
    for name in (
        "RpcError",
        "MsgsAck",
        "Pong",
        "BadMsgNotification",
        "BadServerSalt",
        "NewSessionCreated",
        "MsgsStateReq",
        "MsgsStateInfo",
        "MsgResendReq",
        "MsgsAllInfo",
        "MsgDetailedInfo",
        "MsgNewDetailedInfo",
        "FutureSalt",
        "FutureSalts",
        "DestroySessionOk",
        "DestroySessionNone",
        "HttpWait",
        "ServerDHParamsOk",
        "ServerDHParamsFail",
        "ServerDHInnerData",
        "ClientDHInnerData",
        "DhGenOk",
        "DhGenRetry",
        "DhGenFail",
        "PQInnerData",
    ):
        assert issubclass(getattr(types, name), tl.TLObject), name
    for name in ("GetFutureSalts", "DestroySession", "Ping", "PingDelayDisconnect", "ReqPq"):
        assert issubclass(getattr(functions, name), tl.TLRequest), name


def test_envelopes_are_not_classes() -> None:
    for cid in (tl.RPC_RESULT_ID, tl.MSG_CONTAINER_ID, tl.GZIP_PACKED_ID, tl.MSG_COPY_ID):
        assert tl.lookup(cid) is None


def test_type_aliases() -> None:
    assert isinstance(types.UserEmpty(id=1), types.TypeUser)
    assert isinstance(types.auth.SentCodeSuccess, type)
    assert types.TypeResPQ is types.ResPQ


def test_namespaces_list_their_classes() -> None:
    assert "ResPQ" in types.__all__ and "auth" in types.__all__
    assert "ReqPqMulti" in functions.__all__ and "help" in functions.__all__
    assert types.__all__ == sorted(types.__all__)
    for name in types.auth.__all__:
        assert hasattr(types.auth, name)


def test_handshake_values_are_python_ints_and_bytes() -> None:
    inner = types.PQInnerDataDc(
        pq=b"\x17\xed\x48\x94\x1a\x08\xf9\x81",
        p=b"\x49\x4c\x55\x3b",
        q=b"\x53\x91\x10\x73",
        nonce=-(2**127),
        server_nonce=2**127 - 1,
        new_nonce=-1,
        dc=2,
    )
    data = bytes(inner)
    assert data[:4] == bytes.fromhex("955ff5a9")
    assert data[4:16] == bytes.fromhex("0817ed48941a08f981000000")
    assert tl.read_object(data) == inner
