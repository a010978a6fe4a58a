"""Request parameters: query strings, urlencoded, JSON and multipart bodies, typed accessors."""

from __future__ import annotations

import pytest

from tgserver.botapi import (
    BotApiError,
    HttpRequest,
    Params,
    UploadedFile,
    parse_multipart,
    parse_params,
)


def _request(body: bytes, content_type: str = "", target: str = "/bot1:x/m") -> HttpRequest:
    headers = (("content-type", content_type),) if content_type else ()
    return HttpRequest("POST", target, headers, body)


def test_query_and_urlencoded_body() -> None:
    params = parse_params(
        _request(b"text=a%20b&n=5&flag=true", "application/x-www-form-urlencoded", "/x?n=1&q=2")
    )
    assert params.str("text") == "a b" and params.int("n") == 5 and params.int("q") == 2
    assert params.bool("flag") is True and params.bool("missing") is False
    assert "text" in params and "missing" not in params


def test_json_body_keeps_types() -> None:
    params = parse_params(
        _request(
            b'{"chat_id": 7, "markup": {"a": 1}, "on": false, "x": 1.0}',
            "application/json; charset=utf-8",
        )
    )
    assert params.int("chat_id") == 7 and params.json("markup") == {"a": 1}
    assert params.bool("on") is False and params.int("x") == 1 and params.str("chat_id") == "7"
    assert params.float("x") == 1.0


@pytest.mark.parametrize(
    ("body", "content_type", "description"),
    [
        (b"{oops", "application/json", "Bad Request: can't parse JSON object"),
        (b"[]", "application/json", "Bad Request: JSON object expected"),
        (
            b"\xff\xfe",
            "application/x-www-form-urlencoded",
            "Bad Request: request body is not valid UTF-8",
        ),
        (
            b"no boundary here",
            "multipart/form-data; boundary=zz",
            "Bad Request: can't parse multipart/form-data: no boundary found",
        ),
        (
            b"--zz\r\nContent-Disposition: form-data; name=a\r\n\r\nunterminated",
            "multipart/form-data; boundary=zz",
            "Bad Request: can't parse multipart/form-data: unterminated part",
        ),
        (b"x", "multipart/form-data", "Bad Request: can't parse multipart/form-data: bad boundary"),
    ],
)
def test_malformed_bodies(body: bytes, content_type: str, description: str) -> None:
    with pytest.raises(BotApiError) as caught:
        parse_params(_request(body, content_type))
    assert caught.value.code == 400 and caught.value.description == description


def test_multipart_fields_files_and_attach() -> None:
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="chat_id"\r\n\r\n'
        b"42\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="doc"; filename="a \\"q\\".bin"\r\n'
        b"Content-Type: application/pdf\r\n\r\n"
        b"\x00\r\n--not-the-boundary\r\n\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="document"\r\n\r\n'
        b"attach://doc\r\n"
        b"--XyZ--\r\n"
    )
    fields = parse_multipart(body, "XyZ")
    assert fields["chat_id"] == "42"
    upload = fields["doc"]
    assert isinstance(upload, UploadedFile)
    assert upload.filename == 'a "q".bin' and upload.content_type == "application/pdf"
    assert upload.data == b"\x00\r\n--not-the-boundary\r\n"
    params = parse_params(_request(body, 'multipart/form-data; boundary="XyZ"'))
    assert params.file("document") == upload and params.file("doc") == upload
    assert params.int("chat_id") == 42


def test_typed_accessors_reject_wrong_types() -> None:
    params = Params(
        {
            "n": "abc",
            "b": "maybe",
            "f": "x",
            "j": "{",
            "file": 5,
            "obj": {"a": 1},
            "up": UploadedFile("a", "b", b""),
        }
    )
    for call, message in (
        (lambda: params.int("n"), 'Bad Request: field "n" must be of type Integer'),
        (lambda: params.bool("b"), 'Bad Request: field "b" must be of type Boolean'),
        (lambda: params.float("f"), 'Bad Request: field "f" must be of type Float'),
        (lambda: params.json("j", what="thing"), "Bad Request: can't parse thing JSON object"),
        (
            lambda: params.file("file"),
            'Bad Request: field "file" must be of type InputFile or String',
        ),
        (lambda: params.int("missing", required=True), "Bad Request: missing is empty"),
        (lambda: params.str("up"), 'Bad Request: field "up" must be of type String'),
    ):
        with pytest.raises(BotApiError) as caught:
            call()
        assert caught.value.description == message
    assert params.str("obj") == '{"a": 1}'
    assert params.int("missing", default=3) == 3
