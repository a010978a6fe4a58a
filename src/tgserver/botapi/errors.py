"""Bot API errors: ``{"ok": false, "error_code", "description", "parameters"}`` worded as the
official Bot API server words them, and the mapping from the services' Telegram error names."""

from __future__ import annotations

from typing import Final

from tgcore.errors import FloodWait, RpcError, TgError

__all__ = [
    "BotApiError",
    "bad_request",
    "error_of",
    "forbidden",
]


class BotApiError(TgError):
    """A Bot API error answer.

    Attributes:
        code: The HTTP status and ``error_code``.
        description: The ``description`` (``"Bad Request: chat not found"``).
        retry_after: Seconds, for 429 (``parameters.retry_after`` and ``Retry-After``).
    """

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, object]:
        """The response body."""
        body: dict[str, object] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(what: str) -> BotApiError:
    """``400 Bad Request: <what>``."""
    return BotApiError(400, f"Bad Request: {what}")


def forbidden(what: str) -> BotApiError:
    """``403 Forbidden: <what>``."""
    return BotApiError(403, f"Forbidden: {what}")


#: Service error names -> (code, description) of the official server.
_DESCRIPTIONS: Final[dict[str, tuple[int, str]]] = {
    "PEER_ID_INVALID": (400, "Bad Request: chat not found"),
    "USER_ID_INVALID": (400, "Bad Request: user not found"),
    "MESSAGE_EMPTY": (400, "Bad Request: message text is empty"),
    "MESSAGE_TOO_LONG": (400, "Bad Request: message is too long"),
    "MEDIA_CAPTION_TOO_LONG": (400, "Bad Request: message caption is too long"),
    "MESSAGE_ID_INVALID": (400, "Bad Request: message to edit not found"),
    "MESSAGE_NOT_MODIFIED": (
        400,
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message",
    ),
    "MESSAGE_AUTHOR_REQUIRED": (400, "Bad Request: message can't be edited"),
    "BOT_CANT_INITIATE_CONVERSATION": (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    ),
    "USER_IS_BLOCKED": (403, "Forbidden: bot was blocked by the user"),
    "YOU_BLOCKED_USER": (403, "Forbidden: bot was blocked by the user"),
    "USER_IS_BOT": (403, "Forbidden: bot can't send messages to bots"),
    "ACCESS_TOKEN_INVALID": (401, "Unauthorized"),
    "QUERY_ID_INVALID": (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    ),
    "GET_UPDATES_CONFLICT": (
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot "
        "instance is running",
    ),
    "WEBHOOK_ACTIVE": (
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
        "to delete the webhook first",
    ),
    "FILE_ID_INVALID": (400, "Bad Request: wrong file identifier/HTTP URL specified"),
    "CHAT_ID_INVALID": (400, "Bad Request: chat not found"),
    "CHAT_WRITE_FORBIDDEN": (403, "Forbidden: bot is not a member of the group chat"),
    "BOT_NOT_SUPERGROUP_MEMBER": (403, "Forbidden: bot is not a member of the supergroup chat"),
    "BOT_NOT_CHANNEL_MEMBER": (403, "Forbidden: bot is not a member of the channel chat"),
    "CHAT_ADMIN_REQUIRED": (400, "Bad Request: need administrator rights in the channel chat"),
    "CHANNEL_PRIVATE": (400, "Bad Request: chat not found"),
    "CHANNEL_INVALID": (400, "Bad Request: chat not found"),
    "MESSAGE_DELETE_FORBIDDEN": (400, "Bad Request: message can't be deleted"),
    "IMAGE_PROCESS_FAILED": (400, "Bad Request: IMAGE_PROCESS_FAILED"),
    "PHOTO_INVALID_DIMENSIONS": (400, "Bad Request: PHOTO_INVALID_DIMENSIONS"),
}


def error_of(exc: RpcError, *, message_action: str | None = None) -> BotApiError:
    """The Bot API error of a service error (``message_action`` words
    ``MESSAGE_ID_INVALID``: "to edit", "to delete", "to forward" ...)."""
    if isinstance(exc, FloodWait):
        seconds = max(1, int(exc.seconds))
        return BotApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
    if exc.name == "MESSAGE_ID_INVALID" and message_action is not None:
        return bad_request(f"message {message_action} not found")
    known = _DESCRIPTIONS.get(exc.name)
    if known is not None:
        return BotApiError(*known)
    code = exc.code if exc.code in (400, 401, 403, 404, 409, 429) else 400
    prefix = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}.get(
        code, "Bad Request"
    )
    return BotApiError(code, f"{prefix}: {exc.name}")
