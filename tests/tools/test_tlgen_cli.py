"""``python -m tools.tlgen``: write, re-run idempotently, detect drift, report errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.tlgen import schema_paths
from tools.tlgen.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "sample.tl"


@pytest.fixture
def schema_dir(tmp_path: Path) -> Path:
    d = tmp_path / "schema"
    (d / "api").mkdir(parents=True)
    shutil.copy(FIXTURE, d / "mtproto.tl")
    (d / "api" / "b.tl").write_text("smpB = SmpB;\n")
    (d / "api" / "a.tl").write_text("smpA = SmpA;\n")
    return d


def test_schema_paths_order(schema_dir: Path, tmp_path: Path) -> None:
    names = [p.name for p in schema_paths(schema_dir)]
    assert names == ["mtproto.tl", "a.tl", "b.tl"]
    lone = tmp_path / "lone"
    lone.mkdir()
    assert schema_paths(lone) == [lone / "mtproto.tl"]


def test_write_check_and_drift(
    schema_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["--schema", str(schema_dir), "--out", str(out)]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "SmpMissing" in captured.err and "written" in captured.out
    assert (out / "types" / "smp.py").is_file() and (out / "__init__.py").is_file()

    assert main([*args, "--quiet"]) == 0
    assert "0 file(s) written" in capsys.readouterr().out

    assert main([*args, "--check", "--quiet"]) == 0
    assert "up to date" in capsys.readouterr().out

    (out / "types" / "smp.py").write_text("# edited\n")
    (out / "functions" / "__init__.py").unlink()
    (out / "types" / "stale.py").write_text("")
    (out / "__pycache__").mkdir()
    (out / "__pycache__" / "x.py").write_text("")  # caches are never compared
    assert main([*args, "--check", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "stale: types/smp.py" in err
    assert "missing: functions/__init__.py" in err
    assert "extra: types/stale.py" in err
    assert "out of date" in err

    assert main([*args, "--quiet"]) == 0
    assert not (out / "types" / "stale.py").exists()
    assert main([*args, "--check", "--quiet"]) == 0


def test_check_of_missing_output(schema_dir: Path, tmp_path: Path) -> None:
    assert main(["--schema", str(schema_dir), "--out", str(tmp_path / "none"), "--check"]) == 1


def test_schema_error_exit_status(
    schema_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (schema_dir / "api" / "a.tl").write_text("smpA#00000001 = SmpA;\n")
    assert main(["--schema", str(schema_dir), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "a.tl:1" in err and "not the CRC32" in err


def test_module_entry_point_on_the_repository() -> None:
    """The one documented command, run as a user would, finds the committed code current."""
    result = subprocess.run(
        [sys.executable, "-m", "tools.tlgen", "--check", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
