"""The ``tgserver`` console script: info, keygen, and ``run`` against a stand-in gateway."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import trio
from click.testing import CliRunner, Result

import tgcore
from tgcore.crypto import RsaPrivateKey
from tgserver.cli import main
from tgserver.config import ServerConfig
from tgserver.keys import fingerprint_hex, load_or_create_server_key


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The commands configure the root logger; give the next test the one it had."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    # Isolate from TGSERVER_* variables of the machine running the tests.
    clean = {var: None for var in os.environ if var.startswith("TGSERVER_")}
    return CliRunner().invoke(main, args, env={**clean, **(env or {})}, catch_exceptions=False)


def test_version_option() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"tgserver, version {tgcore.__version__}"


def test_info_reports_layer_and_backend() -> None:
    result = invoke(["info"])
    assert result.exit_code == 0, result.output
    assert "TL layer: 229" in result.output
    assert "AES-IGE backend: " in result.output


def test_help_lists_commands() -> None:
    result = invoke(["--help"])
    assert result.exit_code == 0
    for command in ("run", "keygen", "info"):
        assert command in result.output
    run_help = invoke(["run", "--help"]).output
    for flag in ("--data", "--host", "--port", "--ws-port", "--dc-id", "--config", "--log-level"):
        assert flag in run_help


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("tgserver")
    completed = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("tgserver, version ")


# --- keygen


def test_keygen_creates_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = invoke(["keygen", "--data", str(data)])
    assert result.exit_code == 0, result.output
    key = RsaPrivateKey.from_pem((data / "server.pem").read_bytes())
    lines = result.stdout.splitlines()
    assert lines == [
        f"generated a new server key: {(data / 'server.pem').absolute()}",
        f"fingerprint: {key.fingerprint} (0x{fingerprint_hex(key.fingerprint)})",
        f"public key: {(data / 'server.pub.pem').absolute()}",
    ]


def test_keygen_keeps_existing_key_without_force(tmp_path: Path) -> None:
    key = load_or_create_server_key(tmp_path)
    result = invoke(["keygen", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "server key already exists" in result.stdout
    assert "--force" in result.stdout
    assert f"fingerprint: {key.fingerprint} " in result.stdout
    assert load_or_create_server_key(tmp_path).fingerprint == key.fingerprint


def test_keygen_force_replaces_key(tmp_path: Path) -> None:
    old = load_or_create_server_key(tmp_path)
    result = invoke(["keygen", "--data", str(tmp_path), "--force"])
    assert result.exit_code == 0, result.output
    new = load_or_create_server_key(tmp_path)
    assert new.fingerprint != old.fingerprint
    assert "generated a new server key" in result.stdout
    assert f"fingerprint: {new.fingerprint} " in result.stdout


def test_keygen_data_dir_from_env_and_config(tmp_path: Path) -> None:
    result = invoke(["keygen"], env={"TGSERVER_DATA_DIR": str(tmp_path / "env")})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env" / "server.pem").exists()
    config = tmp_path / "c.toml"
    config.write_text('data_dir = "fromfile"\n')
    result = invoke(["keygen", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fromfile" / "server.pub.pem").exists()


def test_keygen_bad_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke(["keygen", "--data", str(blocker / "sub")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output


def test_keygen_corrupt_key(tmp_path: Path) -> None:
    (tmp_path / "server.pem").write_text("garbage")
    result = invoke(["keygen", "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a usable server key" in result.stderr


# --- configuration errors are reported, not raised


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        (["run", "--port", "70000"], {}, 2, "Invalid value for '--port'"),
        (["run", "--ws-port", "x"], {}, 2, "Invalid value for '--ws-port'"),
        (["run", "--dc-id", "0"], {}, 2, "Invalid value for '--dc-id'"),
        (["run", "--log-level", "loud"], {}, 2, "Invalid value for '--log-level'"),
        (["run"], {"TGSERVER_PORT": "eighty"}, 1, "environment variable TGSERVER_PORT"),
        (["run", "--config", "/nonexistent/x.toml"], {}, 1, "not found"),
        (["keygen", "--config", "/nonexistent/x.toml"], {}, 1, "not found"),
    ],
)
def test_config_errors(args: list[str], env: dict[str, str], code: int, message: str) -> None:
    result = invoke(args, env)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_unknown_key_in_config_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("prot = 1\n")
    result = invoke(["run", "--config", str(config)])
    assert result.exit_code == 1
    assert "unknown key 'prot' (did you mean 'port'?)" in result.stderr


# --- run, against a stand-in for tgserver.app (the real one runs in test_run_subprocess.py)


@attrs.frozen
class FakeServerInfo:
    host: str
    port: int
    ws_port: int | None
    fingerprint: int
    public_key_pem: bytes


Behaviour = Callable[[], Any]


@pytest.fixture
def fake_app(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Installs a ``tgserver.app`` whose serve() reports started, then runs ``after_start``."""
    state: dict[str, Any] = {"configs": [], "cancelled": False, "ws_port": None}

    async def serve(
        config: ServerConfig,
        *,
        task_status: trio.TaskStatus[FakeServerInfo] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        state["configs"].append(config)
        if "before_start" in state:
            await state["before_start"]()
        key = load_or_create_server_key(config.data_dir)
        task_status.started(
            FakeServerInfo(
                host=config.host,
                port=config.port or 40001,
                ws_port=state["ws_port"],
                fingerprint=key.fingerprint,
                public_key_pem=key.public_key.to_pem(),
            )
        )
        try:
            if "after_start" in state:
                await state["after_start"]()
            await trio.sleep_forever()
        except trio.Cancelled:
            state["cancelled"] = True
            raise

    module = types.ModuleType("tgserver.app")
    module.serve = serve  # type: ignore[attr-defined]
    module.ServerInfo = FakeServerInfo  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tgserver.app", module)
    return state


def send_self(signum: int) -> Behaviour:
    async def send() -> None:
        os.kill(os.getpid(), signum)
        await trio.sleep_forever()

    return send


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_logs_addresses_and_stops_on_signal(
    tmp_path: Path, fake_app: dict[str, Any], signum: int
) -> None:
    fake_app["after_start"] = send_self(signum)
    data = tmp_path / "data"
    result = invoke(["run", "--data", str(data), "--port", "0", "--dc-id", "3"])
    assert result.exit_code == 0, result.output
    key = load_or_create_server_key(data)
    log = result.stderr
    assert "tgserver listening on mtproto://127.0.0.1:40001 (TCP: abridged, intermediate, " in log
    assert "padded, full, obfuscated2)" in log
    assert "websocket ws://127.0.0.1:40001/apiws" in log
    assert "dc_id 3" in log
    assert f"server key fingerprint {key.fingerprint} (0x{fingerprint_hex(key.fingerprint)})" in log
    assert f"public key: {(data / 'server.pub.pem').absolute()}" in log
    assert f"received {signal.Signals(signum).name}, stopping" in log
    assert log.rstrip().endswith("tgserver stopped")
    # One line per record: time, level, logger name, message.
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO    tgserver: dc_id 3",
        next(line for line in log.splitlines() if line.endswith("dc_id 3")),
    )
    assert fake_app["cancelled"]
    assert result.stdout == ""


def test_run_passes_merged_config(tmp_path: Path, fake_app: dict[str, Any]) -> None:
    fake_app["after_start"] = send_self(signal.SIGTERM)
    fake_app["ws_port"] = 40002
    config = tmp_path / "c.toml"
    config.write_text('host = "::1"\nport = 7000\nidle_timeout = 5\n')
    result = invoke(
        ["run", "--config", str(config), "--data", str(tmp_path / "d"), "--ws-port", "7001"],
        env={"TGSERVER_PORT": "7002", "TGSERVER_HANDSHAKE_TIMEOUT": "3"},
    )
    assert result.exit_code == 0, result.output
    [passed] = fake_app["configs"]
    assert passed == ServerConfig(
        data_dir=tmp_path / "d",
        host="::1",
        port=7002,
        ws_port=7001,
        idle_timeout=5.0,
        handshake_timeout=3.0,
    )
    assert "mtproto://[::1]:7002 " in result.stderr
    assert "websocket ws://[::1]:40002/apiws" in result.stderr


def test_run_debug_level_logs_config(tmp_path: Path, fake_app: dict[str, Any]) -> None:
    fake_app["after_start"] = send_self(signal.SIGTERM)
    result = invoke(["run", "--data", str(tmp_path), "--log-level", "debug"])
    assert result.exit_code == 0, result.output
    assert "DEBUG   tgserver: configuration: ServerConfig(" in result.stderr


def test_run_warning_level_is_quiet(tmp_path: Path, fake_app: dict[str, Any]) -> None:
    fake_app["after_start"] = send_self(signal.SIGTERM)
    result = invoke(["run", "--data", str(tmp_path)], env={"TGSERVER_LOG_LEVEL": "WARNING"})
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_signal_during_startup_is_not_lost(tmp_path: Path, fake_app: dict[str, Any]) -> None:
    async def signal_then_finish_starting() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        await trio.sleep(0.05)

    fake_app["before_start"] = signal_then_finish_starting
    result = invoke(["run", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "received SIGTERM, stopping" in result.stderr


def test_keyboard_interrupt_outside_receiver(tmp_path: Path, fake_app: dict[str, Any]) -> None:
    async def interrupt() -> None:
        raise KeyboardInterrupt

    fake_app["after_start"] = interrupt
    result = invoke(["run", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stderr.rstrip().endswith("tgserver stopped")


@pytest.mark.parametrize(
    "error", [OSError(98, "Address already in use"), tgcore.TransportError(-429, "too many")]
)
def test_startup_failure_is_reported(
    tmp_path: Path, fake_app: dict[str, Any], error: Exception
) -> None:
    async def fail() -> None:
        raise error

    fake_app["before_start"] = fail
    result = invoke(["run", "--data", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert f"Error: cannot run the server: {error}" in result.stderr
    assert "Traceback" not in result.output


def test_failure_after_start_is_reported(tmp_path: Path, fake_app: dict[str, Any]) -> None:
    async def fail() -> None:
        raise OSError(24, "Too many open files")

    fake_app["after_start"] = fail
    result = invoke(["run", "--data", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "Error: cannot run the server: [Errno 24] Too many open files" in result.stderr


def test_unexpected_errors_propagate(tmp_path: Path, fake_app: dict[str, Any]) -> None:
    async def bug() -> None:
        raise ZeroDivisionError

    fake_app["after_start"] = bug
    with pytest.raises(BaseExceptionGroup) as info:
        invoke(["run", "--data", str(tmp_path)])
    assert info.group_contains(ZeroDivisionError)


def test_run_bad_key_file(tmp_path: Path, fake_app: dict[str, Any]) -> None:
    (tmp_path / "server.pem").write_text("garbage")
    result = invoke(["run", "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a usable server key" in result.stderr
    assert fake_app["configs"] == []  # never started
