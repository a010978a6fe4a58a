"""The server's settings: :class:`ServerConfig`, and where they come from.

Every setting has an embedded default, so ``tgserver run`` needs nothing else. Any setting can
be changed, in increasing order of precedence, by a TOML file, a ``TGSERVER_<NAME>`` environment
variable, and a command-line flag (:meth:`ServerConfig.load` merges the three).
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from tgcore.errors import TgError

__all__ = [
    "CONFIG_FILE_ENV",
    "ConfigError",
    "ENV_PREFIX",
    "LOG_LEVELS",
    "SMS_PROVIDERS",
    "STORAGE_BACKENDS",
    "ServerConfig",
]

log = logging.getLogger(__name__)

#: Prefix of the environment variables that set options (``TGSERVER_PORT``, ...).
ENV_PREFIX: Final = "TGSERVER_"
#: The environment variable naming a TOML config file (used when no file is passed explicitly).
CONFIG_FILE_ENV: Final = "TGSERVER_CONFIG"
#: The accepted values of :attr:`ServerConfig.log_level`.
LOG_LEVELS: Final = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
#: The accepted values of :attr:`ServerConfig.sms_provider`.
SMS_PROVIDERS: Final = ("console", "twilio")
#: The accepted values of :attr:`ServerConfig.storage`.
STORAGE_BACKENDS: Final = ("sqlite", "memory")

_MIB = 1024 * 1024
# The smallest frame that still carries a handshake message (req_DH_params is ~340 bytes) and an
# ordinary RPC; anything lower would make the server useless rather than safer.
_MIN_FRAME_SIZE = 4096
_MAX_FRAME_SIZE = 64 * _MIB
_INT32_MAX = 2**31 - 1


class ConfigError(TgError):
    """A setting is invalid: an unknown key, a value of the wrong type or out of range, or an
    unreadable config file. The message names the source and the setting, ready to show a user."""


# --- validators: they raise ConfigError so `ServerConfig(...)` built in code fails the same way.


def _check_port(allow_none: bool) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and allow_none:
            return
        if type(value) is not int or not 0 <= value <= 65535:
            raise ConfigError(
                f"{attribute.name}: a port must be an integer in 0..65535, got {value!r}"
            )

    return check


def _check_int(low: int, high: int) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is not int or not low <= value <= high:
            raise ConfigError(
                f"{attribute.name}: expected an integer in {low}..{high}, got {value!r}"
            )

    return check


def _check_positive_seconds(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigError(f"{attribute.name}: expected a positive number of seconds, got {value!r}")


def _check_host(allow_none: bool) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and allow_none:
            return
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{attribute.name}: expected a host name or address, got {value!r}")

    return check


def _check_path(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Path) or not str(value):
        raise ConfigError(f"{attribute.name}: expected a directory path, got {value!r}")


def _check_positive_hours(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigError(f"{attribute.name}: expected a positive number of hours, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(f"{attribute.name}: expected a finite number of hours, got {value!r}")


def _check_optional_path(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _check_path(_, attribute, value)


def _check_log_level(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in LOG_LEVELS:
        raise ConfigError(
            f"{attribute.name}: expected one of {', '.join(LOG_LEVELS)}, got {value!r}"
        )


def _check_sms_provider(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in SMS_PROVIDERS:
        raise ConfigError(
            f"{attribute.name}: expected one of {', '.join(SMS_PROVIDERS)}, got {value!r}"
        )


def _check_storage(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in STORAGE_BACKENDS:
        raise ConfigError(
            f"{attribute.name}: expected one of {', '.join(STORAGE_BACKENDS)}, got {value!r}"
        )


def _check_optional_text(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(f"{attribute.name}: expected a non-empty string, got {value!r}")


def _check_http_url(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(f"{attribute.name}: expected an http:// or https:// URL, got {value!r}")


def _check_bool(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not bool:
        raise ConfigError(f"{attribute.name}: expected true or false, got {value!r}")


def _to_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _to_float(value: Any) -> Any:
    # Lets `idle_timeout = 300` (a TOML integer) mean 300.0 without accepting booleans.
    return float(value) if type(value) is int else value


def _to_level(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _to_path(value: Any) -> Any:
    return Path(value) if isinstance(value, str) and value else value


@attrs.frozen(kw_only=True)
class ServerConfig:
    """Everything ``tgserver`` needs to run; every field has a working default.

    Build one with :meth:`load` (file < environment < flags) or directly in code (tests,
    embedding). Invalid values raise :class:`ConfigError`.
    """

    data_dir: Path = attrs.field(default=Path("tgdata"), converter=_to_path, validator=_check_path)
    """Directory holding the server key (``server.pem``, ``server.pub.pem``), the SQLite
    metadata store and the blob folder. Created on first start. Relative paths are resolved
    against the working directory (or, in a config file, against the file's directory)."""

    storage: Literal["sqlite", "memory"] = attrs.field(
        default="sqlite", converter=_to_lower, validator=_check_storage
    )
    """Where the server keeps its state: ``sqlite`` (files in :attr:`data_dir`, durable) or
    ``memory`` (every store in the process and a server key generated in memory; nothing is
    written to disk and everything is lost when the server stops: tests, demos)."""

    host: str = attrs.field(default="127.0.0.1", validator=_check_host(allow_none=False))
    """Address to listen on; ``0.0.0.0`` or ``::`` for every interface."""

    port: int = attrs.field(default=8443, validator=_check_port(allow_none=False))
    """TCP port of the MTProto listener (all five framings); 0 picks a free port."""

    ws_port: int | None = attrs.field(default=None, validator=_check_port(allow_none=True))
    """Separate port for MTProto over WebSocket (path ``/apiws``). ``None``: WebSocket clients
    are served on :attr:`port`, told apart from raw MTProto by their ``GET`` request line."""

    bot_api_port: int | None = attrs.field(
        default=attrs.Factory(lambda self: 0 if self.port == 0 else 8081, takes_self=True),
        validator=_check_port(allow_none=True),
    )
    """TCP port of the Bot API (HTTP/1.1 and HTTP/2); 0 picks a free port, ``None`` turns the
    Bot API off. Default 8081, or a free port when :attr:`port` is 0 (tests, embedding)."""

    bot_rate_limits: bool = attrs.field(default=True, validator=_check_bool)
    """Whether bots are held to Telegram's send rates (about 30 messages a second, 20 per 3 s
    in one chat; over them: 429 ``retry after N``). Turn off for benchmarks and load tests."""

    dc_id: int = attrs.field(default=2, validator=_check_int(1, 32767))
    """The data-center id this server claims (in ``help.getConfig`` and the handshake)."""

    idle_timeout: float = attrs.field(
        default=300.0, converter=_to_float, validator=_check_positive_seconds
    )
    """Seconds without a single byte from a client before its connection is closed."""

    handshake_timeout: float = attrs.field(
        default=30.0, converter=_to_float, validator=_check_positive_seconds
    )
    """Seconds a new connection has to complete the auth-key handshake (or send an encrypted
    message with a known key) before it is closed."""

    max_frame_size: int = attrs.field(
        default=4 * _MIB, validator=_check_int(_MIN_FRAME_SIZE, _MAX_FRAME_SIZE)
    )
    """Largest transport frame accepted, in bytes; a bigger one gets transport error -429."""

    max_connections: int = attrs.field(default=10000, validator=_check_int(1, _INT32_MAX))
    """Most simultaneous client connections; further ones are refused with -429."""

    log_level: str = attrs.field(default="INFO", converter=_to_level, validator=_check_log_level)
    """Logging threshold: CRITICAL, ERROR, WARNING, INFO or DEBUG (any case)."""

    public_host: str | None = attrs.field(default=None, validator=_check_host(allow_none=True))
    """Address clients are told to use in ``help.getConfig`` ``dc_options`` (set it when
    listening on ``0.0.0.0`` or behind NAT). ``None``: the same as :attr:`host`."""

    sms_provider: str = attrs.field(
        default="console", converter=_to_lower, validator=_check_sms_provider
    )
    """How login codes reach phones: ``console`` writes them to the log (the default, for
    development and private servers), ``twilio`` sends SMS through Twilio's Messages API (set
    the ``twilio_*`` options)."""

    twilio_account_sid: str | None = attrs.field(default=None, validator=_check_optional_text)
    """Twilio account SID (``AC...``), for ``sms_provider = "twilio"``."""

    twilio_auth_token: str | None = attrs.field(
        default=None, validator=_check_optional_text, repr=False
    )
    """Twilio auth token (secret: never logged; prefer the ``TGSERVER_TWILIO_AUTH_TOKEN``
    environment variable to a config file)."""

    twilio_from: str | None = attrs.field(default=None, validator=_check_optional_text)
    """The sender number of the SMS (E.164, ``+15551234567``)."""

    twilio_messaging_service_sid: str | None = attrs.field(
        default=None, validator=_check_optional_text
    )
    """A Twilio Messaging Service SID (``MG...``) to send from instead of ``twilio_from``."""

    twilio_base_url: str = attrs.field(default="https://api.twilio.com", validator=_check_http_url)
    """Root of the Twilio API (change it for a Twilio-compatible gateway)."""

    test_numbers: bool = attrs.field(default=True, validator=_check_bool)
    """Whether Telegram's test numbers ``99966XYYYY`` (X = :attr:`dc_id`) log in with the code
    ``XXXXX`` and no SMS. Anyone can use them: turn them off on a public server."""

    media_root: str | None = attrs.field(default=None, validator=_check_optional_text)
    """Where uploaded files are stored (encrypted), as an fsspec URL: a local folder,
    ``memory://name``, ``s3://bucket/prefix`` (install the ``s3`` extra; credentials from the
    usual AWS variables), ``hdfs://...``. ``None``: the ``media`` folder of :attr:`data_dir`."""

    upload_ttl_hours: float = attrs.field(
        default=24.0, converter=_to_float, validator=_check_positive_hours
    )
    """Hours an unfinished upload is kept after its latest part before it is removed."""

    media_key_file: Path | None = attrs.field(
        default=None, converter=_to_path, validator=_check_optional_path
    )
    """The master key that encrypts every file's own key (32 raw bytes, created on first
    start). ``None``: ``media.key`` in :attr:`data_dir`. Keep it secret and back it up: the
    stored files cannot be read without it."""

    @property
    def advertised_host(self) -> str:
        """The address put in ``dc_options``: :attr:`public_host`, else :attr:`host`."""
        return self.public_host if self.public_host is not None else self.host

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        """The names of every option, in declaration order (also the TOML keys)."""
        return tuple(field.name for field in attrs.fields(cls))

    @staticmethod
    def env_var(name: str) -> str:
        """The environment variable that sets option ``name`` (``port`` -> ``TGSERVER_PORT``)."""
        return ENV_PREFIX + name.upper()

    @classmethod
    def load(
        cls,
        file: Path | str | None = None,
        env: Mapping[str, str] = os.environ,
        overrides: Mapping[str, Any] | None = None,
    ) -> ServerConfig:
        """Merge the defaults, a TOML file, ``TGSERVER_*`` variables and explicit overrides.

        Later sources win: file < environment < overrides.

        Args:
            file: a TOML file with top-level keys named like the fields (``port = 8443``).
                ``None``: the file named by ``TGSERVER_CONFIG`` in ``env``, if set, else none.
            env: the environment to read ``TGSERVER_<FIELD>`` variables from. An empty value
                resets an optional field (``ws_port``, ``public_host``) to ``None``.
            overrides: values from flags, by field name; ``None`` values are ignored (a flag
                that was not given).

        Raises:
            ConfigError: unreadable file, unknown key, or a value of the wrong type or range.
        """
        names = cls.option_names()
        values: dict[str, Any] = {}
        if file is None and env.get(CONFIG_FILE_ENV):
            file = env[CONFIG_FILE_ENV]
        if file is not None:
            values.update(_read_file(Path(file), names))
        values.update(_read_env(env, names))
        for name, value in (overrides or {}).items():
            if name not in names:
                raise ConfigError(f"unknown option {name!r}{_did_you_mean(name, names)}")
            if value is not None:
                values[name] = value
        return cls(**values)


def _did_you_mean(name: str, names: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _read_file(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} not found") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names:
            raise ConfigError(f"{path}: unknown key {key!r}{_did_you_mean(key, names)}")
        if key in ("data_dir", "media_key_file") and isinstance(value, str) and value:
            # Relative to the file, so a config file keeps working wherever it is run from.
            value = path.parent / value
        values[key] = value
    # Re-raise type and range errors with the file name in front.
    try:
        ServerConfig(**values)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except TypeError as exc:  # pragma: no cover - keys are checked above
        raise ConfigError(f"{path}: {exc}") from None
    return values


_OPTIONAL = (
    "ws_port",
    "bot_api_port",
    "public_host",
    "twilio_account_sid",
    "twilio_auth_token",
    "twilio_from",
    "twilio_messaging_service_sid",
    "media_root",
    "media_key_file",
)
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _parse_env(name: str, text: str) -> Any:
    if name in _OPTIONAL and not text.strip():
        return None
    match name:
        case "test_numbers" | "bot_rate_limits":
            flag = text.strip().lower()
            if flag not in _TRUE + _FALSE:
                raise ConfigError(f"expected true or false, got {text!r}")
            return flag in _TRUE
        case "port" | "ws_port" | "bot_api_port" | "dc_id" | "max_frame_size" | "max_connections":
            try:
                return int(text, 10)
            except ValueError:
                raise ConfigError(f"expected an integer, got {text!r}") from None
        case "idle_timeout" | "handshake_timeout" | "upload_ttl_hours":
            try:
                return float(text)
            except ValueError:
                raise ConfigError(f"expected a number of seconds, got {text!r}") from None
        case "data_dir" | "media_key_file":
            return Path(text) if text else text
        case _:
            return text.strip()


def _read_env(env: Mapping[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    by_var = {ServerConfig.env_var(name): name for name in names}
    for var, text in env.items():
        if not var.startswith(ENV_PREFIX):
            continue
        name = by_var.get(var)
        if name is None:
            if var != CONFIG_FILE_ENV:
                # Warn, not fail: the environment is shared with other programs and scripts.
                log.warning("ignoring unknown environment variable %s", var)
            continue
        try:
            value = _parse_env(name, text)
            ServerConfig(**{name: value})
        except ConfigError as exc:
            message = str(exc).removeprefix(f"{name}: ")
            raise ConfigError(f"environment variable {var}: {message}") from None
        values[name] = value
    return values
