"""The dispatcher without sockets: unwrapping, errors, client info, invokeAfterMsg."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import trio

from tgcore.errors import RpcError
from tgcore.tl import LAYER, functions, types
from tgserver.rpc import (
    MAX_WRAPPERS,
    Call,
    CallTracker,
    ConnectionInfo,
    Dispatcher,
    RequestContext,
    SessionCalls,
    unwrap,
)
from tgserver.store import ClientInfo

INIT = functions.InitConnection(
    api_id=9,
    device_model="dm",
    system_version="sv",
    app_version="av",
    system_lang_code="en",
    lang_pack="lp",
    lang_code="lc",
    params=types.JsonObject(value=[]),
    proxy=types.InputClientProxy(address="p", port=1),
    query=functions.help.GetNearestDc(),
)
NEAREST = types.NearestDc(country="ZZ", this_dc=2, nearest_dc=2)


def session() -> SessionCalls:
    return SessionCalls(auth_key_id=11, session_id=22)


async def run(dispatcher: Dispatcher, body: bytes, calls: SessionCalls | None = None) -> bytes:
    return await dispatcher.dispatch(Call(100, body, calls or session(), ConnectionInfo("p:1")))


def test_unwrap_every_wrapper() -> None:
    body = functions.InvokeWithLayer(
        layer=200,
        query=functions.InvokeAfterMsgs(
            msg_ids=[4, 8],
            query=functions.InvokeWithoutUpdates(
                query=functions.InvokeAfterMsg(msg_id=12, query=INIT)
            ),
        ),
    ).to_bytes()
    unwrapped = unwrap(body)
    assert unwrapped.layer == 200
    assert unwrapped.after == (4, 8, 12)
    assert unwrapped.without_updates
    assert unwrapped.client == ClientInfo(9, "dm", "sv", "av", "en", "lp", "lc")
    assert unwrapped.query == functions.help.GetNearestDc().to_bytes()
    assert unwrapped.constructor_id == functions.help.GetNearestDc.CONSTRUCTOR_ID


def test_unwrap_keeps_unknown_inner_methods() -> None:
    inner = bytes.fromhex("78563412") + b"\x00" * 4
    body = functions.InvokeWithLayer.CONSTRUCTOR_ID.to_bytes(4, "little") + b"\xe5\x00\x00\x00"
    assert unwrap(body + inner).query == inner


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (
            functions.InvokeWithLayer.CONSTRUCTOR_ID.to_bytes(4, "little") + b"\x01",
            "INPUT_FETCH_ERROR",
        ),
        (
            functions.InvokeWithLayer(layer=1, query=functions.help.GetConfig()).to_bytes()[:8],
            "INPUT_FETCH_ERROR",
        ),
        (
            functions.InvokeWithoutUpdates.CONSTRUCTOR_ID.to_bytes(4, "little")
            * (MAX_WRAPPERS + 2),
            "INPUT_FETCH_ERROR",
        ),
        (
            INIT.to_bytes().replace(
                types.JsonObject.CONSTRUCTOR_ID.to_bytes(4, "little"), b"\x01\x02\x03\x04"
            ),
            "INPUT_CONSTRUCTOR_INVALID",
        ),
    ],
)
def test_unwrap_errors(body: bytes, name: str) -> None:
    with pytest.raises(RpcError) as info:
        unwrap(body)
    assert (info.value.code, info.value.name) == (400, name)


async def test_dispatch_passes_context_and_remembers_client() -> None:
    remembered: list[tuple[int, ClientInfo | None, int | None]] = []
    seen: list[RequestContext] = []

    async def remember(key_id: int, client: ClientInfo | None, layer: int | None) -> None:
        remembered.append((key_id, client, layer))

    async def lookup(key_id: int) -> int | None:
        return 777

    dispatcher = Dispatcher(remember_client=remember, lookup_user=lookup)

    @dispatcher.handler(functions.help.GetNearestDc)
    async def nearest(ctx: RequestContext, request: functions.help.GetNearestDc) -> types.NearestDc:
        seen.append(ctx)
        return NEAREST

    calls = session()
    body = functions.InvokeWithLayer(layer=LAYER, query=INIT).to_bytes()
    assert await run(dispatcher, body, calls) == NEAREST.to_bytes()
    assert await run(dispatcher, body, calls) == NEAREST.to_bytes()
    client = ClientInfo(9, "dm", "sv", "av", "en", "lp", "lc")
    assert remembered == [(11, client, LAYER)]  # once: the second call changed nothing
    ctx = seen[0]
    assert (ctx.auth_key_id, ctx.session_id, ctx.msg_id, ctx.layer) == (11, 22, 100, LAYER)
    assert (ctx.client, ctx.user_id, ctx.connection.peer) == (client, 777, "p:1")
    assert dispatcher.handles(functions.help.GetNearestDc.CONSTRUCTOR_ID)


async def test_other_layers_are_accepted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    dispatcher = Dispatcher()
    layers: list[int] = []

    async def nearest(ctx: RequestContext, request: Any) -> types.NearestDc:
        layers.append(ctx.layer)
        return NEAREST

    dispatcher.add(functions.help.GetNearestDc, nearest)
    calls = session()
    with caplog.at_level(logging.INFO, logger="tgserver.rpc"):
        for _ in range(2):
            await run(
                dispatcher,
                functions.InvokeWithLayer(
                    layer=190, query=functions.help.GetNearestDc()
                ).to_bytes(),
                calls,
            )
        await run(dispatcher, functions.help.GetNearestDc().to_bytes(), calls)
    assert layers == [190, 190, 190]
    assert sum("layer 190" in r.message for r in caplog.records) == 1
    # A session that never said gets the server's layer.
    await run(dispatcher, functions.help.GetNearestDc().to_bytes())
    assert layers[-1] == LAYER


async def test_failing_client_info_store_does_not_fail_the_call() -> None:
    async def remember(key_id: int, client: ClientInfo | None, layer: int | None) -> None:
        raise OSError("disk full")

    dispatcher = Dispatcher(remember_client=remember)

    async def nearest(ctx: RequestContext, request: Any) -> types.NearestDc:
        return NEAREST

    dispatcher.add(functions.help.GetNearestDc, nearest)
    assert await run(dispatcher, INIT.to_bytes()) == NEAREST.to_bytes()


@pytest.mark.parametrize(
    ("result", "code", "name"),
    [
        (RpcError(420, "FLOOD_WAIT_3"), 420, "FLOOD_WAIT_3"),
        (ValueError("bug"), 500, "INTERNAL"),
        (b"\x01\x02\x03", 500, "INTERNAL"),
        (types.Config, 500, "INTERNAL"),  # a class, not an object: to_bytes fails
    ],
)
async def test_handler_errors(result: object, code: int, name: str) -> None:
    dispatcher = Dispatcher()

    async def handler(ctx: RequestContext, request: Any) -> Any:
        if isinstance(result, BaseException):
            raise result
        return result

    dispatcher.add(functions.help.GetNearestDc, handler)
    with pytest.raises(RpcError) as info:
        await run(dispatcher, functions.help.GetNearestDc().to_bytes())
    assert (info.value.code, info.value.name) == (code, name)


async def test_missing_handlers_and_bad_bodies() -> None:
    dispatcher = Dispatcher()
    dispatcher.add(functions.users.GetUsers, lambda ctx, req: None)  # type: ignore[arg-type,return-value]
    cid = functions.help.GetConfig.CONSTRUCTOR_ID
    cases = [
        (functions.help.GetConfig().to_bytes(), f"INPUT_METHOD_INVALID_{cid}"),
        (bytes.fromhex("ffffffff"), "INPUT_METHOD_INVALID_4294967295"),
        (functions.users.GetUsers(id=[]).to_bytes() + b"\x00" * 4, "INPUT_FETCH_ERROR"),
        (functions.users.GetUsers(id=[]).to_bytes()[:-2], "INPUT_FETCH_ERROR"),
        (
            functions.users.GetUsers(id=[types.InputUserSelf()]).to_bytes()[:-4]
            + b"\x01\x02\x03\x04",
            "INPUT_CONSTRUCTOR_INVALID",
        ),
        (b"", "INPUT_FETCH_ERROR"),
    ]
    for body, name in cases:
        with pytest.raises(RpcError) as info:
            await run(dispatcher, body)
        assert (info.value.code, info.value.name) == (400, name), body


async def test_invoke_after_msg_waits_only_for_earlier_running_calls() -> None:
    tracker = CallTracker()
    tracker.started(10)
    tracker.started(200)
    assert tracker.is_running(10) and len(tracker) == 2
    done = []

    async def waiter() -> None:
        await tracker.wait_for([10, 200, 5], before=100)  # 200 is later: not waited for
        done.append(True)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(waiter)
        await trio.sleep(0.01)
        assert done == []
        tracker.finished(10)
        tracker.finished(10)  # twice is harmless
    assert done == [True]
    assert not tracker.is_running(10)
