"""The server wires media from its config: the default folder, memory, and S3 by URL."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from tgserver.app import open_server
from tgserver.config import ServerConfig


async def test_default_layout_in_the_data_dir(tmp_path: Path) -> None:
    async with open_server(ServerConfig(data_dir=tmp_path, port=0)) as info:
        media = info.media
        assert media is not None
        record = await media.store_document(1, b"hello", name="h.txt", mime_type="text/plain")
        assert await media.read(record, 0, 100) == b"hello"
    assert (tmp_path / "media.key").stat().st_size == 32
    assert (tmp_path / "media.sqlite3").exists()
    blobs = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert len(blobs) == 1 and b"hello" not in blobs[0].read_bytes()
    # A restart reads it back with the same master key.
    async with open_server(ServerConfig(data_dir=tmp_path, port=0)) as info:
        assert info.media is not None
        again = await info.media.get(record.id)
        assert again is not None and await info.media.read(again, 1, 3) == b"ell"


async def test_media_root_and_key_file_options(tmp_path: Path) -> None:
    config = ServerConfig(
        data_dir=tmp_path / "data",
        port=0,
        media_root=str(tmp_path / "elsewhere"),
        media_key_file=tmp_path / "keys" / "m.key",
        upload_ttl_hours=2,
    )
    async with open_server(config) as info:
        assert info.media is not None and info.media.upload_ttl == 7200.0
        await info.media.store_document(1, b"x", name="x", mime_type="a/b")
    assert (tmp_path / "keys" / "m.key").exists() and not (tmp_path / "data" / "media.key").exists()
    assert any(p.is_file() for p in (tmp_path / "elsewhere").rglob("*"))


async def test_s3_media_root_from_the_environment(
    tmp_path: Path, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the URL is in the config: the endpoint and credentials come from the environment,
    # as botocore reads them.
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    config = ServerConfig(data_dir=tmp_path, port=0, media_root="s3://media/wired")
    async with open_server(config) as info:
        assert info.media is not None
        record = await info.media.store_document(1, b"in s3", name="s", mime_type="a/b")
        assert await info.media.read(record, 0, 10) == b"in s3"
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="media", Prefix="wired/")["Contents"]]
    assert len(keys) == 1 and keys[0].endswith("/0")
