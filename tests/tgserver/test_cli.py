"""The ``tgserver`` console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import tgcore
from tgserver.cli import main


def test_version_option() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"tgserver, version {tgcore.__version__}"


def test_info_reports_layer_and_backend() -> None:
    result = CliRunner().invoke(main, ["info"])
    assert result.exit_code == 0, result.output
    assert "TL layer: 229" in result.output
    assert "AES-IGE backend: " in result.output


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("tgserver")
    completed = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("tgserver, version ")
