"""The blob store on a local folder, fsspec's memory filesystem and a real S3 API (moto)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio

from tgcore.errors import StorageError
from tgserver.media import BlobStore, new_blob_id


async def test_write_read_overwrite_delete(blob_store: BlobStore) -> None:
    blob = new_blob_id()
    await blob_store.write(blob, 0, b"first")
    await blob_store.write(blob, 1, b"second" * 1000)
    assert await blob_store.read(blob, 0) == b"first"
    assert await blob_store.read(blob, 1) == b"second" * 1000
    await blob_store.write(blob, 0, b"again")
    assert await blob_store.read(blob, 0) == b"again"
    assert await blob_store.exists(blob, 1)
    await blob_store.delete(blob, [0, 1, 2])  # 2 never existed: fine
    assert not await blob_store.exists(blob, 0)
    with pytest.raises(StorageError, match="missing"):
        await blob_store.read(blob, 1)


async def test_parallel_writes_of_many_parts(blob_store: BlobStore) -> None:
    blob = new_blob_id()
    async with trio.open_nursery() as nursery:
        for part in range(20):
            nursery.start_soon(blob_store.write, blob, part, bytes([part]) * 1024)
    for part in range(20):
        assert await blob_store.read(blob, part) == bytes([part]) * 1024


async def test_local_layout_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path))
    blob = new_blob_id()
    await store.write(blob, 3, b"x")
    assert store.path(blob, 3) == f"{tmp_path}/{blob[:2]}/{blob}/3"
    assert os.listdir(tmp_path / blob[:2] / blob) == ["3"]
    await store.delete(blob, [3])
    assert os.listdir(tmp_path) == []  # empty directories go too


def test_unknown_protocol_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="nosuchfs"):
        BlobStore("nosuchfs://x")


async def test_delete_all_removes_unknown_parts(blob_store: BlobStore) -> None:
    blob, other = new_blob_id(), new_blob_id()
    for part in (0, 7, 3999):
        await blob_store.write(blob, part, b"p")
    await blob_store.write(other, 0, b"keep")
    await blob_store.delete_all(blob)
    await blob_store.delete_all(blob)  # twice: fine
    for part in (0, 7, 3999):
        assert not await blob_store.exists(blob, part)
    assert await blob_store.read(other, 0) == b"keep"
