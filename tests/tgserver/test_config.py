"""ServerConfig: defaults, TOML file < TGSERVER_* environment < overrides, clear errors."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any

import attrs
import pytest

from tgcore.errors import TgError
from tgserver.config import CONFIG_FILE_ENV, LOG_LEVELS, ConfigError, ServerConfig

# Every option: the environment text, the value it must become, and a TOML spelling.
ENV_CASES: list[tuple[str, str, Any, str]] = [
    ("data_dir", "/srv/tg", Path("/srv/tg"), '"/srv/tg"'),
    ("storage", "MEMORY", "memory", '"memory"'),
    ("host", "0.0.0.0", "0.0.0.0", '"0.0.0.0"'),
    ("port", "9443", 9443, "9443"),
    ("ws_port", "9444", 9444, "9444"),
    ("bot_api_port", "9081", 9081, "9081"),
    ("bot_rate_limits", "no", False, "false"),
    ("dc_id", "4", 4, "4"),
    ("idle_timeout", "12.5", 12.5, "12.5"),
    ("handshake_timeout", "7", 7.0, "7"),
    ("max_frame_size", "65536", 65536, "65536"),
    ("max_connections", "50", 50, "50"),
    ("log_level", "debug", "DEBUG", '"debug"'),
    ("public_host", "tg.example.org", "tg.example.org", '"tg.example.org"'),
    ("sms_provider", "TWILIO", "twilio", '"twilio"'),
    ("twilio_account_sid", "AC123", "AC123", '"AC123"'),
    ("twilio_auth_token", "secret-token", "secret-token", '"secret-token"'),
    ("twilio_from", "+15550001", "+15550001", '"+15550001"'),
    ("twilio_messaging_service_sid", "MG42", "MG42", '"MG42"'),
    ("twilio_base_url", "http://127.0.0.1:9", "http://127.0.0.1:9", '"http://127.0.0.1:9"'),
    ("test_numbers", "off", False, "false"),
    ("media_root", "s3://bucket/media", "s3://bucket/media", '"s3://bucket/media"'),
    ("upload_ttl_hours", "1.5", 1.5, "1.5"),
    ("media_key_file", "/srv/media.key", Path("/srv/media.key"), '"/srv/media.key"'),
]


def write(tmp_path: Path, text: str, name: str = "tgserver.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cases_cover_every_option() -> None:
    assert sorted(case[0] for case in ENV_CASES) == sorted(ServerConfig.option_names())


def test_defaults() -> None:
    config = ServerConfig.load(env={})
    assert config == ServerConfig()
    assert config.data_dir == Path("tgdata")
    assert (config.host, config.port, config.ws_port, config.dc_id) == ("127.0.0.1", 8443, None, 2)
    assert (config.idle_timeout, config.handshake_timeout) == (300.0, 30.0)
    assert config.max_frame_size == 4 * 1024 * 1024
    assert config.max_connections == 10000
    assert config.log_level == "INFO"
    assert config.public_host is None
    assert config.advertised_host == "127.0.0.1"
    assert (config.sms_provider, config.test_numbers) == ("console", True)


def test_is_frozen_and_documented() -> None:
    config = ServerConfig()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        config.port = 1  # type: ignore[misc]
    # The docs site renders one docstring per field; keep them.
    source = inspect.getsource(ServerConfig)
    for name in ServerConfig.option_names():
        declaration = source.index(f"    {name}: ")
        assert '"""' in source[declaration : source.index("\n\n", declaration)], name


def test_twilio_token_stays_out_of_repr() -> None:
    config = ServerConfig(twilio_auth_token="very-secret")
    assert "very-secret" not in repr(config)


def test_empty_env_resets_optional_twilio_fields() -> None:
    config = ServerConfig.load(env={"TGSERVER_TWILIO_FROM": " "})
    assert config.twilio_from is None


def test_advertised_host_prefers_public_host() -> None:
    assert ServerConfig(public_host="tg.example.org").advertised_host == "tg.example.org"


@pytest.mark.parametrize(("name", "text", "expected", "toml"), ENV_CASES)
def test_every_env_var(name: str, text: str, expected: Any, toml: str) -> None:
    var = "TGSERVER_" + name.upper()
    assert ServerConfig.env_var(name) == var
    config = ServerConfig.load(env={var: text})
    assert getattr(config, name) == expected
    assert type(getattr(config, name)) is type(expected)


@pytest.mark.parametrize(("name", "text", "expected", "toml"), ENV_CASES)
def test_every_toml_key(tmp_path: Path, name: str, text: str, expected: Any, toml: str) -> None:
    config = ServerConfig.load(write(tmp_path, f"{name} = {toml}\n"), env={})
    assert getattr(config, name) == expected


@pytest.mark.parametrize(("name", "text", "expected", "toml"), ENV_CASES)
def test_every_override(name: str, text: str, expected: Any, toml: str) -> None:
    config = ServerConfig.load(env={}, overrides={name: expected})
    assert getattr(config, name) == expected


def test_precedence_file_env_flags(tmp_path: Path) -> None:
    file = write(tmp_path, 'host = "10.0.0.1"\nport = 1000\ndc_id = 3\nlog_level = "ERROR"\n')
    env = {"TGSERVER_PORT": "2000", "TGSERVER_DC_ID": "4"}
    config = ServerConfig.load(file, env=env, overrides={"dc_id": 5, "host": None})
    assert config.host == "10.0.0.1"  # file only (the flag was not given: None)
    assert config.port == 2000  # env beats file
    assert config.dc_id == 5  # flag beats env and file
    assert config.log_level == "ERROR"
    assert config.idle_timeout == 300.0  # default


def test_config_file_from_env(tmp_path: Path) -> None:
    file = write(tmp_path, "port = 1234\n")
    assert ServerConfig.load(env={CONFIG_FILE_ENV: str(file)}).port == 1234
    # An explicit file wins over TGSERVER_CONFIG.
    other = write(tmp_path, "port = 4321\n", name="other.toml")
    assert ServerConfig.load(other, env={CONFIG_FILE_ENV: str(file)}).port == 4321


def test_relative_data_dir_in_file_is_relative_to_the_file(tmp_path: Path) -> None:
    file = write(tmp_path, 'data_dir = "state"\n')
    assert ServerConfig.load(file, env={}).data_dir == tmp_path / "state"
    absolute = write(tmp_path, f'data_dir = "{tmp_path / "abs"}"\n', name="abs.toml")
    assert ServerConfig.load(absolute, env={}).data_dir == tmp_path / "abs"


def test_toml_integer_for_float_fields(tmp_path: Path) -> None:
    config = ServerConfig.load(write(tmp_path, "idle_timeout = 60\n"), env={})
    assert config.idle_timeout == 60.0
    assert type(config.idle_timeout) is float


def test_empty_env_resets_optional_fields(tmp_path: Path) -> None:
    file = write(tmp_path, 'ws_port = 9000\npublic_host = "x.example"\n')
    config = ServerConfig.load(file, env={"TGSERVER_WS_PORT": "", "TGSERVER_PUBLIC_HOST": " "})
    assert config.ws_port is None
    assert config.public_host is None


def test_unknown_env_var_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tgserver.config"):
        config = ServerConfig.load(env={"TGSERVER_PROT": "1", CONFIG_FILE_ENV: "", "HOME": "/"})
    assert config == ServerConfig()
    assert [r.getMessage() for r in caplog.records] == [
        "ignoring unknown environment variable TGSERVER_PROT"
    ]


def test_config_error_is_a_tg_error() -> None:
    assert issubclass(ConfigError, TgError)


def test_unknown_toml_key_is_named(tmp_path: Path) -> None:
    file = write(tmp_path, "prot = 1\n")
    with pytest.raises(ConfigError, match=r"unknown key 'prot' \(did you mean 'port'\?\)") as info:
        ServerConfig.load(file, env={})
    assert str(file) in str(info.value)
    with pytest.raises(ConfigError, match=r"unknown key 'zzz'$"):
        ServerConfig.load(write(tmp_path, "zzz = 1\n"), env={})


def test_tables_are_unknown_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown key 'server'"):
        ServerConfig.load(write(tmp_path, "[server]\nport = 1\n"), env={})


def test_unknown_override_is_named() -> None:
    with pytest.raises(ConfigError, match=r"unknown option 'hots' \(did you mean 'host'\?\)"):
        ServerConfig.load(env={}, overrides={"hots": "x"})


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        ServerConfig.load(tmp_path / "nope.toml", env={})


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        ServerConfig.load(tmp_path, env={})  # a directory


def test_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not valid TOML"):
        ServerConfig.load(write(tmp_path, "port = = 1\n"), env={})


BAD_ENV = [
    ("TGSERVER_PORT", "http", "expected an integer, got 'http'"),
    ("TGSERVER_PORT", "70000", "a port must be an integer in 0..65535, got 70000"),
    ("TGSERVER_PORT", "-1", "a port must be an integer in 0..65535"),
    ("TGSERVER_WS_PORT", "1.5", "expected an integer"),
    ("TGSERVER_DC_ID", "0", "expected an integer in 1..32767, got 0"),
    ("TGSERVER_IDLE_TIMEOUT", "soon", "expected a number of seconds, got 'soon'"),
    ("TGSERVER_IDLE_TIMEOUT", "0", "expected a positive number of seconds"),
    ("TGSERVER_HANDSHAKE_TIMEOUT", "nan", "expected a positive number of seconds"),
    ("TGSERVER_HANDSHAKE_TIMEOUT", "inf", "expected a positive number of seconds"),
    ("TGSERVER_MAX_FRAME_SIZE", "100", "expected an integer in 4096..67108864, got 100"),
    ("TGSERVER_MAX_CONNECTIONS", "0", "expected an integer in 1.."),
    ("TGSERVER_LOG_LEVEL", "loud", "expected one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
    ("TGSERVER_HOST", "  ", "expected a host name or address"),
    ("TGSERVER_DATA_DIR", "", "expected a directory path"),
    ("TGSERVER_SMS_PROVIDER", "carrier-pigeon", "expected one of console, twilio"),
    ("TGSERVER_TEST_NUMBERS", "maybe", "expected true or false, got 'maybe'"),
    ("TGSERVER_TWILIO_BASE_URL", "ftp://x", "expected an http:// or https:// URL"),
]


@pytest.mark.parametrize(("var", "text", "message"), BAD_ENV)
def test_bad_env_values(var: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        ServerConfig.load(env={var: text})
    assert str(info.value).startswith(f"environment variable {var}: ")
    assert message in str(info.value)


BAD_TOML = [
    ('port = "8443"', "port: a port must be an integer in 0..65535, got '8443'"),
    ("port = true", "port: a port must be an integer"),
    ("ws_port = 1.0", "ws_port: a port must be an integer"),
    ("dc_id = 99999", "dc_id: expected an integer in 1..32767"),
    ("idle_timeout = true", "idle_timeout: expected a positive number of seconds, got True"),
    ("handshake_timeout = -1", "handshake_timeout: expected a positive number of seconds"),
    ('max_frame_size = "4M"', "max_frame_size: expected an integer"),
    ("max_connections = 0", "max_connections: expected an integer in 1.."),
    ("log_level = 10", "log_level: expected one of"),
    ("host = 1", "host: expected a host name or address"),
    ("public_host = 1", "public_host: expected a host name or address"),
    ('data_dir = ""', "data_dir: expected a directory path"),
    ("data_dir = 3", "data_dir: expected a directory path"),
    ('test_numbers = "yes"', "test_numbers: expected true or false"),
    ("twilio_from = 1", "twilio_from: expected a non-empty string"),
]


@pytest.mark.parametrize(("line", "message"), BAD_TOML)
def test_bad_toml_values(tmp_path: Path, line: str, message: str) -> None:
    file = write(tmp_path, line + "\n")
    with pytest.raises(ConfigError) as info:
        ServerConfig.load(file, env={})
    assert str(info.value).startswith(f"{file}: ")
    assert message in str(info.value)


def test_direct_construction_validates() -> None:
    with pytest.raises(ConfigError, match="port"):
        ServerConfig(port=65536)
    with pytest.raises(ConfigError, match="log_level"):
        ServerConfig(log_level="verbose")
    assert ServerConfig(log_level="warning").log_level == "WARNING"
    assert ServerConfig(data_dir="x").data_dir == Path("x")


def test_log_levels_are_stdlib_levels() -> None:
    for level in LOG_LEVELS:
        assert isinstance(logging.getLevelName(level), int)
