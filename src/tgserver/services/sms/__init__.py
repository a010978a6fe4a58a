"""SMS providers: how login codes reach phones.

:class:`SmsProvider` is the interface; :class:`ConsoleSmsProvider` (the default) writes codes
to the server log, :class:`TwilioSmsProvider` sends them through Twilio's Messages API over
the small HTTP client in :mod:`tgserver.services.sms.http`.
"""

from __future__ import annotations

from tgserver.services.sms.base import SmsError, SmsProvider, code_text
from tgserver.services.sms.console import ConsoleSmsProvider
from tgserver.services.sms.http import HttpResponse, post_form
from tgserver.services.sms.twilio import TWILIO_API, TwilioConfig, TwilioSmsProvider

__all__ = [
    "ConsoleSmsProvider",
    "HttpResponse",
    "SmsError",
    "SmsProvider",
    "TWILIO_API",
    "TwilioConfig",
    "TwilioSmsProvider",
    "code_text",
    "post_form",
]
