"""The media metadata conformance suite: the memory and SQLite backends pass all of it."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
import trio

from tgcore.errors import StorageError
from tgserver.media import (
    MediaKind,
    MediaRecord,
    MediaStore,
    SqliteMediaStore,
    StoredFile,
    UploadRecord,
)


def upload(
    owner: int = 1, file_id: int = 10, *, updated: float = 100.0, **kw: object
) -> UploadRecord:
    values: dict[str, object] = dict(
        owner_id=owner,
        file_id=file_id,
        blob_id=f"blob-{owner}-{file_id}",
        wrapped_key=b"k" * 60,
        big=False,
        total=None,
        created=updated,
        updated=updated,
    )
    values.update(kw)
    return UploadRecord(**values)  # type: ignore[arg-type]


def media(media_id: int = 5, kind: MediaKind = MediaKind.DOCUMENT) -> MediaRecord:
    return MediaRecord(
        id=media_id,
        kind=kind,
        owner_id=1,
        date=1234,
        mime_type="text/plain",
        name="a.txt",
        attributes=b"\x15\xc4\xb5\x1c\x00\x00\x00\x00",
        md5="0" * 32,
        secret=b"s" * 32,
        files=(
            StoredFile("s", "b1", b"w1", 10, 10, 1, 90, 60),
            StoredFile("m", "b2", b"w2", 700000, 524288, 2, 320, 213),
        ),
    )


async def test_open_upload_creates_once(media_store: MediaStore) -> None:
    assert await media_store.get_upload(1, 10) is None
    first = await media_store.open_upload(upload(parts={3: 3}))
    assert first == upload()  # parts ignored: a new upload has none
    again = await media_store.open_upload(upload(blob_id="other", big=True, total=4))
    assert again.blob_id == "blob-1-10" and not again.big and again.total is None
    assert await media_store.get_upload(1, 10) == first


async def test_file_ids_are_per_owner(media_store: MediaStore) -> None:
    await media_store.open_upload(upload(1, 10))
    await media_store.open_upload(upload(2, 10))
    assert await media_store.put_part(1, 10, 0, 1024, 150.0)
    mine = await media_store.get_upload(1, 10)
    theirs = await media_store.get_upload(2, 10)
    assert mine is not None and theirs is not None
    assert mine.parts == {0: 1024} and theirs.parts == {}
    assert mine.blob_id != theirs.blob_id


async def test_parts_are_recorded_and_replaced(media_store: MediaStore) -> None:
    await media_store.open_upload(upload(big=True, total=3))
    assert await media_store.put_part(1, 10, 2, 7, 150.0)
    assert await media_store.put_part(1, 10, 0, 4096, 160.0)
    assert await media_store.put_part(1, 10, 2, 9, 170.0)
    found = await media_store.get_upload(1, 10)
    assert found is not None
    assert found.parts == {0: 4096, 2: 9} and found.size == 4105
    assert (found.created, found.updated, found.big, found.total) == (100.0, 170.0, True, 3)
    assert not await media_store.put_part(1, 11, 0, 1, 1.0)  # no such upload
    assert await media_store.get_upload(1, 11) is None


async def test_finish_upload_stores_media_atomically(media_store: MediaStore) -> None:
    await media_store.open_upload(upload())
    await media_store.put_part(1, 10, 0, 10, 150.0)
    record = media()
    assert await media_store.finish_upload(1, 10, record)
    assert await media_store.get_upload(1, 10) is None
    assert await media_store.get_media(5) == record
    # Finishing again stores nothing.
    assert not await media_store.finish_upload(1, 10, media(6))
    assert await media_store.get_media(6) is None


async def test_finish_upload_without_media_forgets(media_store: MediaStore) -> None:
    await media_store.open_upload(upload())
    await media_store.put_part(1, 10, 0, 10, 150.0)
    assert await media_store.finish_upload(1, 10)
    assert await media_store.get_upload(1, 10) is None
    # A new upload with the same id starts empty.
    fresh = await media_store.open_upload(upload(blob_id="new"))
    assert fresh.parts == {} and fresh.blob_id == "new"


async def test_expired_uploads_oldest_first(media_store: MediaStore) -> None:
    await media_store.open_upload(upload(1, 1, updated=50.0))
    await media_store.open_upload(upload(1, 2, updated=10.0))
    await media_store.open_upload(upload(2, 1, updated=300.0))
    await media_store.put_part(1, 2, 0, 5, 20.0)
    old = await media_store.expired_uploads(100.0)
    assert [(u.owner_id, u.file_id) for u in old] == [(1, 2), (1, 1)]
    assert old[0].parts == {0: 5}
    assert [u.file_id for u in await media_store.expired_uploads(100.0, limit=1)] == [2]
    assert await media_store.expired_uploads(5.0) == []


async def test_media_records(media_store: MediaStore) -> None:
    assert await media_store.get_media(5) is None
    photo = media(7, MediaKind.PHOTO)
    await media_store.add_media(photo)
    found = await media_store.get_media(7)
    assert found == photo
    assert (
        found is not None and found.file("m") == photo.files[1] and found.file() == photo.files[1]
    )
    assert found.size("s") == 10 and found.size("zz") == 0 and found.file("zz") is None
    with pytest.raises(StorageError):
        await media_store.add_media(attrs.evolve(photo, name="dup"))
    assert await media_store.get_media(7) == photo


async def test_concurrent_open_upload_agrees(media_store: MediaStore) -> None:
    seen: list[str] = []

    async def open_one(blob: str) -> None:
        seen.append((await media_store.open_upload(upload(blob_id=blob))).blob_id)

    async with trio.open_nursery() as nursery:
        for blob in ("a", "b", "c", "d"):
            nursery.start_soon(open_one, blob)
    assert len(set(seen)) == 1


async def test_sqlite_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    async with await SqliteMediaStore.open(path) as store:
        await store.open_upload(upload())
        await store.put_part(1, 10, 0, 4096, 120.0)
        await store.add_media(media())
    async with await SqliteMediaStore.open(path) as store:
        found = await store.get_upload(1, 10)
        assert found is not None and found.parts == {0: 4096}
        assert await store.get_media(5) == media()
