"""The Bot API: an HTTP/1.1 and HTTP/2 server speaking Telegram's Bot API over the same
services as MTProto clients.

:class:`BotApi` routes ``/bot<token>/<method>`` (GET or POST; urlencoded, multipart, JSON or
empty bodies) to the methods in :mod:`tgserver.botapi.methods`, serves stored files at
``/file/bot<token>/<file_path>`` with Range support, and delivers webhooks
(:class:`WebhookDelivery`). The HTTP layer (:func:`serve_http`) is h11 and h2 on Trio.
"""

from __future__ import annotations

from tgserver.botapi.app import BotApi
from tgserver.botapi.client import WebhookHttpError, WebhookResponse, post
from tgserver.botapi.context import CHAT_PARAMS, ApiContext, Call, guarded, resolve_usernames
from tgserver.botapi.downloads import CHUNK, file_response, parse_range
from tgserver.botapi.entities import (
    command_entities,
    entities_from_json,
    entities_to_json,
    entities_to_tl,
)
from tgserver.botapi.errors import BotApiError, bad_request, error_of, forbidden
from tgserver.botapi.fileids import FileIds, FileRef
from tgserver.botapi.formatting import Entity, parse_text, utf16_len
from tgserver.botapi.http import H2_PREFACE, HttpLimits, HttpRequest, HttpResponse, serve_http
from tgserver.botapi.keyboards import MAX_CALLBACK_DATA, markup_from_json, markup_to_json
from tgserver.botapi.members import member_json
from tgserver.botapi.methods import METHODS
from tgserver.botapi.params import Params, UploadedFile, parse_multipart, parse_params
from tgserver.botapi.render import Renderer, channel_json, chat_json, group_json, user_json
from tgserver.botapi.webhook import MAX_BACKOFF, WebhookDelivery

__all__ = [
    "ApiContext",
    "BotApi",
    "BotApiError",
    "CHAT_PARAMS",
    "CHUNK",
    "Call",
    "Entity",
    "FileIds",
    "FileRef",
    "H2_PREFACE",
    "HttpLimits",
    "HttpRequest",
    "HttpResponse",
    "MAX_BACKOFF",
    "MAX_CALLBACK_DATA",
    "METHODS",
    "Params",
    "Renderer",
    "UploadedFile",
    "WebhookDelivery",
    "WebhookHttpError",
    "WebhookResponse",
    "bad_request",
    "channel_json",
    "chat_json",
    "command_entities",
    "entities_from_json",
    "entities_to_json",
    "entities_to_tl",
    "error_of",
    "file_response",
    "forbidden",
    "group_json",
    "guarded",
    "markup_from_json",
    "markup_to_json",
    "member_json",
    "parse_multipart",
    "parse_params",
    "parse_range",
    "parse_text",
    "post",
    "resolve_usernames",
    "serve_http",
    "user_json",
    "utf16_len",
]
