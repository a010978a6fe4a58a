"""The built-in handlers: help.getConfig and friends, and the before-login answers."""

from __future__ import annotations

import pytest

from tgcore.errors import RpcError
from tgcore.tl import Reader, functions, types
from tgserver.rpc import (
    CONFIG_EXPIRES,
    Call,
    DcAddress,
    Dispatcher,
    RequestContext,
    SessionCalls,
    register_builtin_handlers,
    require_user,
)


def dispatcher(host: str = "127.0.0.1") -> Dispatcher:
    d = Dispatcher()
    register_builtin_handlers(d, DcAddress(dc_id=4, host=host, port=8443), clock=lambda: 1000.0)
    return d


async def call(d: Dispatcher, request: functions.help.GetConfig | object) -> object:
    body = request.to_bytes()  # type: ignore[attr-defined]
    data = await d.dispatch(Call(4, body, SessionCalls(auth_key_id=1, session_id=2)))
    return Reader(data).read_object()


async def test_get_config() -> None:
    config = await call(dispatcher(), functions.help.GetConfig())
    assert isinstance(config, types.Config)
    assert (config.date, config.expires) == (1000, 1000 + CONFIG_EXPIRES)
    assert (config.this_dc, config.webfile_dc_id, config.test_mode) == (4, 4, False)
    assert [(o.id, o.ip_address, o.port, o.ipv6) for o in config.dc_options] == [
        (4, "127.0.0.1", 8443, False)
    ]
    assert (config.chat_size_max, config.megagroup_size_max) == (200, 200000)
    assert (config.message_length_max, config.caption_length_max) == (4096, 1024)
    assert config.me_url_prefix == "https://t.me/"


async def test_get_config_ipv6() -> None:
    config = await call(dispatcher("::1"), functions.help.GetConfig())
    assert isinstance(config, types.Config)
    assert config.dc_options[0].ipv6


async def test_nearest_dc_and_app_config() -> None:
    d = dispatcher()
    nearest = await call(d, functions.help.GetNearestDc())
    assert nearest == types.NearestDc(country="ZZ", this_dc=4, nearest_dc=4)
    app = await call(d, functions.help.GetAppConfig(hash=0))
    assert isinstance(app, types.help.AppConfig)


@pytest.mark.parametrize(
    "request_",
    [functions.users.GetUsers(id=[types.InputUserSelf()]), functions.updates.GetState()],
)
async def test_before_login(request_: object) -> None:
    with pytest.raises(RpcError) as info:
        await call(dispatcher(), request_)
    assert (info.value.code, info.value.name) == (401, "AUTH_KEY_UNREGISTERED")


def test_require_user() -> None:
    ctx = RequestContext(auth_key_id=1, session_id=2, msg_id=3, layer=229)
    with pytest.raises(RpcError):
        require_user(ctx)
    assert (
        require_user(RequestContext(auth_key_id=1, session_id=2, msg_id=3, layer=1, user_id=5)) == 5
    )
