"""Request parameters: the query string plus an urlencoded, JSON or multipart body, with typed
accessors that answer Bot API errors for missing or malformed values."""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import attrs

from tgserver.botapi.errors import bad_request
from tgserver.botapi.http import HttpRequest

__all__ = ["Params", "UploadedFile", "parse_multipart", "parse_params"]


@attrs.frozen
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes = attrs.field(repr=False)


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    """``text/plain; charset=utf-8`` -> (``text/plain``, {charset: utf-8})."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    while rest:
        item, _, rest = _split_param(rest)
        key, eq, val = item.partition("=")
        if eq:
            val = val.strip()
            if len(val) >= 2 and val[0] == val[-1] == '"':
                val = val[1:-1].replace('\\"', '"')
            params[key.strip().lower()] = val
    return main.strip().lower(), params


def _split_param(text: str) -> tuple[str, str, str]:
    # Split at the first ';' outside quotes.
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            return text[:i], ";", text[i + 1 :]
    return text, "", ""


def parse_multipart(body: bytes, boundary: str) -> dict[str, str | UploadedFile]:
    """The fields of a ``multipart/form-data`` body (text parts as str, files as
    :class:`UploadedFile`).

    Raises:
        BotApiError: 400 when the body is not multipart with this boundary.
    """
    if not boundary or len(boundary) > 200:
        raise bad_request("can't parse multipart/form-data: bad boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    fields: dict[str, str | UploadedFile] = {}
    start = body.find(delimiter)
    if start < 0:
        raise bad_request("can't parse multipart/form-data: no boundary found")
    pos = start + len(delimiter)
    while True:
        if body.startswith(b"--", pos):
            return fields
        if body.startswith(b"\r\n", pos):
            pos += 2
        head_end = body.find(b"\r\n\r\n", pos)
        if head_end < 0:
            raise bad_request("can't parse multipart/form-data: truncated part")
        head = body[pos:head_end].decode("utf-8", "replace")
        data_start = head_end + 4
        end = body.find(b"\r\n" + delimiter, data_start)
        if end < 0:
            raise bad_request("can't parse multipart/form-data: unterminated part")
        data = body[data_start:end]
        pos = end + 2 + len(delimiter)
        name: str | None = None
        filename: str | None = None
        content_type = "application/octet-stream"
        for line in head.split("\r\n"):
            key, _, value = line.partition(":")
            key = key.strip().lower()
            if key == "content-disposition":
                _, params = _header_params(value)
                name = params.get("name")
                filename = params.get("filename")
            elif key == "content-type":
                content_type = value.strip()
        if name is None:
            continue
        if filename is not None:
            fields[name] = UploadedFile(filename, content_type, data)
        else:
            fields[name] = data.decode("utf-8", "replace")


def parse_params(request: HttpRequest) -> Params:
    """The parameters of a Bot API request (query string first, the body's values win).

    Raises:
        BotApiError: 400 for a body that does not parse as its Content-Type says.
    """
    values: dict[str, Any] = {}
    _, _, query = request.target.partition("?")
    if query:
        values.update(parse_qsl(query, keep_blank_values=True))
    body = request.body
    mime, params = _header_params(request.header("content-type") or "")
    if body:
        if mime == "application/json":
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                raise bad_request("can't parse JSON object") from None
            if not isinstance(parsed, dict):
                raise bad_request("JSON object expected")
            values.update(parsed)
        elif mime == "multipart/form-data":
            values.update(parse_multipart(body, params.get("boundary", "")))
        else:
            # application/x-www-form-urlencoded, and what clients send without a type.
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise bad_request("request body is not valid UTF-8") from None
            values.update(parse_qsl(text, keep_blank_values=True))
    return Params(values)


_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


class Params:
    """The parameters of one request, with typed accessors.

    Values come as text (query strings, form fields), JSON values, or uploaded files.
    """

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __contains__(self, name: builtins.str) -> builtins.bool:
        return self._values.get(name) not in (None, "")

    def raw(self, name: builtins.str) -> Any:
        """The value as it came (None when absent)."""
        return self._values.get(name)

    def replaced(self, name: builtins.str, value: Any) -> Params:
        """A copy with ``name`` set to ``value``."""
        return Params({**self._values, name: value})

    def str(
        self,
        name: builtins.str,
        *,
        required: builtins.bool = False,
        empty: builtins.str | None = None,
    ) -> builtins.str | None:
        """A text value (numbers are turned into text).

        Raises:
            BotApiError: ``<empty or "<name> is empty">`` when required and missing.
        """
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(empty or f"{name} is empty")
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float, str)):
            return str(value)
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        raise bad_request(f'field "{name}" must be of type String')

    def int(
        self,
        name: builtins.str,
        *,
        required: builtins.bool = False,
        default: builtins.int | None = None,
    ) -> builtins.int | None:
        """An integer value.

        Raises:
            BotApiError: missing when required, or not an integer.
        """
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("-").isdigit() and len(text) <= 20:
                return int(text)
        raise bad_request(f'field "{name}" must be of type Integer')

    def req_int(self, name: builtins.str) -> builtins.int:
        """A required integer."""
        value = self.int(name, required=True)
        assert value is not None
        return value

    def float(self, name: builtins.str, *, default: builtins.float = 0.0) -> builtins.float:
        """A number."""
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise bad_request(f'field "{name}" must be of type Float')

    def bool(self, name: builtins.str, *, default: builtins.bool = False) -> builtins.bool:
        """A boolean (``true``/``false``/``1``/``0``)."""
        value = self._values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise bad_request(f'field "{name}" must be of type Boolean')

    def json(self, name: builtins.str, *, what: builtins.str | None = None) -> Any:
        """A JSON value (sent as JSON text in a form, or inline in a JSON body); None when
        absent.

        Raises:
            BotApiError: ``can't parse <what> JSON object``.
        """
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        if isinstance(value, UploadedFile):
            raise bad_request(f"can't parse {what or name} JSON object")
        return value

    def file(self, name: builtins.str) -> UploadedFile | builtins.str | None:
        """A file: an uploaded part (directly or through ``attach://<part>``), or a
        file_id / URL string; None when absent."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str):
            if value.startswith("attach://"):
                part = self._values.get(value[len("attach://") :])
                if isinstance(part, UploadedFile):
                    return part
                raise bad_request(f'can\'t find attached file "{value[len("attach://") :]}"')
            return value
        raise bad_request(f'field "{name}" must be of type InputFile or String')
