"""The media options: config file, environment and ``tgserver run`` flags."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tgserver.cli import main
from tgserver.config import ConfigError, ServerConfig


def test_defaults_and_sources(tmp_path: Path) -> None:
    config = ServerConfig()
    assert (config.media_root, config.upload_ttl_hours, config.media_key_file) == (None, 24.0, None)
    toml = tmp_path / "c.toml"
    toml.write_text('media_root = "s3://b/p"\nupload_ttl_hours = 2\nmedia_key_file = "k"\n')
    loaded = ServerConfig.load(toml, env={"TGSERVER_UPLOAD_TTL_HOURS": "0.5"})
    assert loaded.media_root == "s3://b/p" and loaded.upload_ttl_hours == 0.5
    assert loaded.media_key_file == tmp_path / "k"  # relative to the file


def test_bad_values_are_refused() -> None:
    for values in ({"upload_ttl_hours": 0}, {"upload_ttl_hours": True}, {"media_root": " "}):
        try:
            ServerConfig(**values)  # type: ignore[arg-type]
        except ConfigError as exc:
            assert next(iter(values)) in str(exc)
        else:
            raise AssertionError(f"{values} was accepted")


def test_run_flags() -> None:
    runner = CliRunner()
    help_text = runner.invoke(main, ["run", "--help"]).output
    assert "--media-root" in help_text and "--upload-ttl-hours" in help_text
    refused = runner.invoke(main, ["run", "--upload-ttl-hours", "0"])
    assert refused.exit_code == 2 and "--upload-ttl-hours" in refused.output
