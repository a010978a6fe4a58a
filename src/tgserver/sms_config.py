"""The SMS provider a :class:`~tgserver.config.ServerConfig` asks for."""

from __future__ import annotations

from tgserver.config import ConfigError, ServerConfig
from tgserver.services.sms import (
    ConsoleSmsProvider,
    SmsProvider,
    TwilioConfig,
    TwilioSmsProvider,
)

__all__ = ["sms_provider"]


def sms_provider(config: ServerConfig) -> SmsProvider:
    """The SMS provider ``config`` asks for.

    Raises:
        ConfigError: ``sms_provider = "twilio"`` without an account SID, an auth token, or a
            sender (``twilio_from`` or ``twilio_messaging_service_sid``).
    """
    if config.sms_provider == "console":
        return ConsoleSmsProvider()
    try:
        twilio = TwilioConfig(
            account_sid=config.twilio_account_sid or "",
            auth_token=config.twilio_auth_token or "",
            from_number=config.twilio_from,
            messaging_service_sid=config.twilio_messaging_service_sid,
            base_url=config.twilio_base_url,
        )
    except ValueError as exc:
        raise ConfigError(
            f"sms_provider = twilio: {exc} (set twilio_account_sid, twilio_auth_token and "
            "twilio_from or twilio_messaging_service_sid)"
        ) from None
    return TwilioSmsProvider(twilio)
