"""SMS providers: the console log line, and Twilio's Messages API against a local fake."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import attrs
import h11
import pytest
import trio

from tgserver.services.sms import (
    ConsoleSmsProvider,
    SmsError,
    TwilioConfig,
    TwilioSmsProvider,
    code_text,
    post_form,
)


async def test_console_provider_logs_the_code(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tgserver.sms")
    await ConsoleSmsProvider().send_code("15550001", "12345")
    assert [r.getMessage() for r in caplog.records] == ["code for +15550001: 12345"]


@attrs.define
class Received:
    method: str = ""
    target: str = ""
    headers: dict[str, str] = attrs.Factory(dict)
    body: bytes = b""


@attrs.define
class FakeHttp:
    """One-request-per-connection HTTP server on 127.0.0.1 answering a canned response."""

    port: int = 0
    status: int = 201
    body: bytes = b'{"sid": "SM1", "status": "queued"}'
    chunked: bool = False
    stall: bool = False
    requests: list[Received] = attrs.Factory(list)

    async def handle(self, stream: trio.SocketStream) -> None:
        conn = h11.Connection(our_role=h11.SERVER)
        received = Received()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive_some(65536))
            elif isinstance(event, h11.Request):
                received.method = event.method.decode()
                received.target = event.target.decode()
                received.headers = {k.decode(): v.decode() for k, v in event.headers}
            elif isinstance(event, h11.Data):
                received.body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
        self.requests.append(received)
        if self.stall:
            await trio.sleep_forever()
        headers = [("Content-Type", "application/json")]
        if not self.chunked:
            headers.append(("Content-Length", str(len(self.body))))
        await stream.send_all(conn.send(h11.Response(status_code=self.status, headers=headers)))
        if self.chunked:
            for i in range(0, len(self.body), 7):
                await stream.send_all(conn.send(h11.Data(data=self.body[i : i + 7])))
        elif self.body:
            await stream.send_all(conn.send(h11.Data(data=self.body)))
        await stream.send_all(conn.send(h11.EndOfMessage()))
        await stream.aclose()


@pytest.fixture
async def fake_http(nursery: trio.Nursery) -> AsyncIterator[FakeHttp]:
    fake = FakeHttp()
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    fake.port = listeners[0].socket.getsockname()[1]
    nursery.start_soon(trio.serve_listeners, fake.handle, listeners)
    yield fake


def twilio(fake: FakeHttp, **kwargs: object) -> TwilioSmsProvider:
    fields: dict[str, object] = {
        "account_sid": "AC0123",
        "auth_token": "tok/en",
        "from_number": "+15559990000",
        "base_url": f"http://127.0.0.1:{fake.port}/",
        "timeout": 5.0,
    }
    fields.update(kwargs)
    return TwilioSmsProvider(TwilioConfig(**fields))  # type: ignore[arg-type]


async def test_twilio_request(fake_http: FakeHttp) -> None:
    await twilio(fake_http).send_code("15550001", "54321")
    [request] = fake_http.requests
    assert request.method == "POST"
    assert request.target == "/2010-04-01/Accounts/AC0123/Messages.json"
    expected = "Basic " + base64.b64encode(b"AC0123:tok/en").decode()
    assert request.headers["authorization"] == expected
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["host"] == f"127.0.0.1:{fake_http.port}"
    assert parse_qsl(request.body.decode(), strict_parsing=True) == [
        ("To", "+15550001"),
        ("From", "+15559990000"),
        ("Body", code_text("54321")),
    ]
    assert "54321" in code_text("54321")


async def test_twilio_messaging_service(fake_http: FakeHttp) -> None:
    fake_http.chunked = True
    provider = twilio(fake_http, from_number=None, messaging_service_sid="MG77")
    await provider.send_code("15550001", "11111")
    form = dict(parse_qsl(fake_http.requests[0].body.decode()))
    assert form["MessagingServiceSid"] == "MG77" and "From" not in form


@pytest.mark.parametrize(("code", "invalid"), [(21211, True), (20003, False)])
async def test_twilio_errors(fake_http: FakeHttp, code: int, invalid: bool) -> None:
    fake_http.status = 400
    fake_http.body = json.dumps({"code": code, "message": "nope", "status": 400}).encode()
    with pytest.raises(SmsError) as info:
        await twilio(fake_http).send_code("15550001", "1")
    assert info.value.invalid_number is invalid
    assert f"HTTP 400: nope (error {code})" in str(info.value)
    assert "tok/en" not in str(info.value)


async def test_twilio_error_without_json(fake_http: FakeHttp) -> None:
    fake_http.status = 503
    fake_http.body = b"<html>down</html>"
    with pytest.raises(SmsError, match=r"^Twilio answered HTTP 503$"):
        await twilio(fake_http).send_code("15550001", "1")


async def test_timeout(fake_http: FakeHttp) -> None:
    fake_http.stall = True
    with pytest.raises(SmsError, match="no answer"):
        await twilio(fake_http, timeout=0.2).send_code("15550001", "1")


async def test_oversized_response(fake_http: FakeHttp) -> None:
    fake_http.body = b"x" * 5000
    with pytest.raises(SmsError, match="larger than"):
        await post_form(f"http://127.0.0.1:{fake_http.port}/", [], max_body=1000)


async def test_connection_refused_and_bad_urls() -> None:
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    await listeners[0].aclose()
    with pytest.raises(SmsError, match="failed"):
        await post_form(f"http://127.0.0.1:{port}/x?y=1", [("a", "b")])
    for url in ["ftp://example.org/", "http:///nohost", "nonsense"]:
        with pytest.raises(SmsError, match="not an http"):
            await post_form(url, [])


def test_twilio_config_checks() -> None:
    with pytest.raises(ValueError, match="SID"):
        TwilioConfig(account_sid="", auth_token="t", from_number="+1")
    with pytest.raises(ValueError, match="sender"):
        TwilioConfig(account_sid="AC", auth_token="t")
    config = TwilioConfig(account_sid="AC/../x", auth_token="secret", from_number="+1")
    assert "secret" not in repr(config)
    assert (
        config.messages_url
        == "https://api.twilio.com/2010-04-01/Accounts/AC%2F..%2Fx/Messages.json"
    )


def test_provider_from_config() -> None:
    from tgserver.config import ConfigError, ServerConfig
    from tgserver.sms_config import sms_provider

    assert isinstance(sms_provider(ServerConfig()), ConsoleSmsProvider)
    with pytest.raises(ConfigError, match="twilio"):
        sms_provider(ServerConfig(sms_provider="twilio", twilio_account_sid="AC1"))
    provider = sms_provider(
        ServerConfig(
            sms_provider="twilio",
            twilio_account_sid="AC1",
            twilio_auth_token="t",
            twilio_from="+1555",
            twilio_base_url="http://127.0.0.1:1",
        )
    )
    assert isinstance(provider, TwilioSmsProvider)
    assert provider.config.messages_url.startswith("http://127.0.0.1:1/2010-04-01/Accounts/AC1/")
