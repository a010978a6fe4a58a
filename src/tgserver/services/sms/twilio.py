"""An SMS provider speaking Twilio's Messages API.

``POST {base_url}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP Basic auth
(account SID and auth token) and the form fields ``To``, ``From`` (or
``MessagingServiceSid``) and ``Body``; Twilio answers ``201 Created`` with the message's JSON.
The base URL is configurable (a Twilio-compatible gateway, or a fake server in tests).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote

import attrs

from tgserver.services.sms.base import SmsError, code_text
from tgserver.services.sms.http import HttpResponse, post_form

__all__ = ["TWILIO_API", "TwilioConfig", "TwilioSmsProvider"]

#: Twilio's API root.
TWILIO_API = "https://api.twilio.com"

# Twilio error codes meaning "this number cannot get an SMS".
_INVALID_NUMBER_CODES = frozenset({21211, 21214, 21408, 21610, 21612, 21614})

PostForm = Callable[..., Awaitable[HttpResponse]]


@attrs.frozen
class TwilioConfig:
    """Credentials and sender of a Twilio account.

    Attributes:
        account_sid: The account SID (``AC...``).
        auth_token: The auth token (never shown in ``repr`` or logs).
        from_number: The sender number (E.164, ``+1555...``); or
        messaging_service_sid: a Messaging Service SID (``MG...``) used instead.
        base_url: The API root (Twilio's by default).
        timeout: Seconds for one request.
    """

    account_sid: str
    auth_token: str = attrs.field(repr=False)
    from_number: str | None = None
    messaging_service_sid: str | None = None
    base_url: str = TWILIO_API
    timeout: float = 10.0

    def __attrs_post_init__(self) -> None:
        if not self.account_sid or not self.auth_token:
            raise ValueError("Twilio needs an account SID and an auth token")
        if not self.from_number and not self.messaging_service_sid:
            raise ValueError("Twilio needs a sender: a From number or a MessagingServiceSid")

    @property
    def messages_url(self) -> str:
        """The Messages resource of the account."""
        sid = quote(self.account_sid, safe="")
        return f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"

    def sender(self) -> tuple[str, str]:
        """The form field naming the sender."""
        if self.messaging_service_sid:
            return ("MessagingServiceSid", self.messaging_service_sid)
        return ("From", self.from_number or "")


def _error(response: HttpResponse) -> SmsError:
    detail = ""
    code: Any = None
    try:
        data = json.loads(response.body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        code = data.get("code")
        detail = str(data.get("message") or "")
    message = f"Twilio answered HTTP {response.status}"
    if detail or code is not None:
        message += f": {detail} (error {code})"
    return SmsError(message, invalid_number=code in _INVALID_NUMBER_CODES)


class TwilioSmsProvider:
    """Sends login codes through Twilio.

    Args:
        config: The account and sender.
        post: The HTTP client (:func:`~tgserver.services.sms.http.post_form`).
    """

    def __init__(self, config: TwilioConfig, *, post: PostForm = post_form) -> None:
        self.config = config
        self._post = post

    def _authorization(self) -> str:
        pair = f"{self.config.account_sid}:{self.config.auth_token}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def form(self, phone: str, code: str) -> Sequence[tuple[str, str]]:
        """The form fields of the message carrying ``code`` to ``phone``."""
        return [("To", f"+{phone}"), self.config.sender(), ("Body", code_text(code))]

    async def send_code(self, phone: str, code: str) -> None:
        """Ask Twilio to send the code.

        Raises:
            SmsError: Twilio refused (``invalid_number`` set when it blames the number) or
                could not be reached.
        """
        response = await self._post(
            self.config.messages_url,
            self.form(phone, code),
            headers=[("Authorization", self._authorization())],
            time_limit=self.config.timeout,
        )
        if response.status not in (200, 201):
            raise _error(response)
