"""Fixtures of the media tests: metadata stores and blob stores of every backend."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tgserver.media import BlobStore, MediaStore, MemoryMediaStore, SqliteMediaStore


@pytest.fixture(params=["memory", "sqlite"])
async def media_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MediaStore]:
    """Each metadata backend in turn."""
    store: MediaStore
    if request.param == "memory":
        store = MemoryMediaStore()
    else:
        store = await SqliteMediaStore.open(tmp_path / "media.sqlite3")
    yield store
    await store.aclose()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API on 127.0.0.1 (moto's server mode) with a bucket ``media``."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - moto is a test dependency
        print(f"moto is not importable ({exc}): S3 tests skipped")
        pytest.skip(f"moto is not importable: {exc}")
    saved = {k: os.environ.get(k) for k in _AWS_ENV}
    os.environ.update(_AWS_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        import boto3

        boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket="media")
        yield url
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def s3_blob_store(endpoint: str, **kwargs: Any) -> BlobStore:
    """A blob store in a fresh prefix of the moto bucket."""
    return BlobStore(
        f"s3://media/{secrets.token_hex(4)}",
        key="testing",
        secret="testing",
        client_kwargs={"endpoint_url": endpoint, "region_name": "us-east-1"},
        skip_instance_cache=True,
        **kwargs,
    )


@pytest.fixture(params=["local", "memory", "s3"])
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """Each blob backend in turn: a local folder, fsspec's memory, S3 (moto)."""
    if request.param == "local":
        return BlobStore(str(tmp_path / "blobs"))
    if request.param == "memory":
        return BlobStore(f"memory://tgtest-{secrets.token_hex(4)}")
    endpoint: str = request.getfixturevalue("s3_endpoint")
    return s3_blob_store(endpoint)
