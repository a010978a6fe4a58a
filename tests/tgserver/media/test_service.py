"""The media service: uploads, finishing, ranged reads, access, expiry, restarts."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import trio
from PIL import Image

from tgcore.errors import RpcError, StorageError
from tgcore.tl import types
from tgserver.media import (
    BlobStore,
    MasterKey,
    MediaKind,
    MediaService,
    MediaStore,
    MemoryMediaStore,
    SqliteMediaStore,
    UploadRecord,
    media_id_of,
    render_media,
)

ME, OTHER = 1001, 1002
KB = 1024


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def service(
    store: MediaStore, blobs: BlobStore, clock: Callable[[], float] | None = None, **kw: float
) -> MediaService:
    return MediaService(
        store, blobs, _MASTER, dc_id=2, clock=clock or Clock(), upload_ttl=kw.get("ttl", 3600.0)
    )


_MASTER = MasterKey.generate()


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(str(tmp_path / "blobs"))


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


async def rpc_error(coro: object) -> str:
    with pytest.raises(RpcError) as info:
        await coro  # type: ignore[misc]
    return info.value.name


def split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


async def test_small_upload_out_of_order_then_ranged_reads(
    media_store: MediaStore, blobs: BlobStore
) -> None:
    media = service(media_store, blobs)
    data = os.urandom(5 * 128 * KB + 1000)
    parts = split(data, 128 * KB)
    for index in reversed(range(len(parts))):
        await media.save_part(ME, 77, index, parts[index])
    assert media.parts_accepted == len(parts)
    record = await media.document_from_upload(
        ME,
        types.InputFile(
            id=77, parts=len(parts), name="a.bin", md5_checksum=hashlib.md5(data).hexdigest()
        ),
        mime_type="application/x-test",
        attributes=[
            types.DocumentAttributeSticker(alt="", stickerset=types.InputStickerSetEmpty())
        ],
    )
    assert record.kind == MediaKind.DOCUMENT and record.size() == len(data)
    assert record.name == "a.bin" and record.md5 == hashlib.md5(data).hexdigest()
    assert await media_store.get_upload(ME, 77) is None
    assert await media.get(record.id) == record
    for offset, limit in [(0, 4096), (4096, 128 * KB), (100, 300 * KB), (len(data) - 10, 4096)]:
        assert await media.read(record, offset, limit) == data[offset : offset + limit]
    assert await media.read(record, len(data), 4096) == b""
    assert await media.read(record, 0, 10**9) == data
    # The sticker attribute (naming a set this server lacks) is dropped; the name is added.
    document = media.tl_document(record, ME)
    assert [type(a) for a in document.attributes] == [types.DocumentAttributeFilename]
    assert document.dc_id == 2 and document.size == len(data)


async def test_big_upload_in_parallel(media_store: MediaStore, blobs: BlobStore) -> None:
    media = service(media_store, blobs)
    data = os.urandom(9 * 64 * KB + 5)
    parts = split(data, 64 * KB)
    async with trio.open_nursery() as nursery:
        for index, part in enumerate(parts):
            nursery.start_soon(
                lambda i=index, p=part: media.save_part(ME, 5, i, p, total=len(parts))
            )
    record = await media.document_from_upload(
        ME, types.InputFileBig(id=5, parts=len(parts), name="big"), mime_type=""
    )
    assert record.mime_type == "application/octet-stream"
    assert await media.read(record, 0, len(data)) == data


async def test_rejected_parts_store_nothing(
    media_store: MediaStore, blobs: BlobStore, tmp_path: Path
) -> None:
    media = service(media_store, blobs)
    assert await rpc_error(media.save_part(ME, 1, 0, b"")) == "FILE_PART_EMPTY"
    assert await rpc_error(media.save_part(ME, 1, 0, b"x" * (512 * KB + 1))) == "FILE_PART_TOO_BIG"
    assert await rpc_error(media.save_part(ME, 1, 4000, b"x")) == "FILE_PART_INVALID"
    assert await rpc_error(media.save_part(ME, 1, 0, b"x" * 1000, total=3)) == (
        "FILE_PART_SIZE_INVALID"
    )
    assert await rpc_error(media.save_part(ME, 1, 0, b"x", total=4001)) == "FILE_PARTS_INVALID"
    assert await media_store.get_upload(ME, 1) is None
    assert not (tmp_path / "blobs").exists()
    # With an upload under way: a part of another size, another total, the other method.
    await media.save_part(ME, 1, 0, b"a" * 4096, total=3)
    before = await media_store.get_upload(ME, 1)
    assert await rpc_error(media.save_part(ME, 1, 1, b"b" * 8192, total=3)) == (
        "FILE_PART_SIZE_CHANGED"
    )
    assert await rpc_error(media.save_part(ME, 1, 1, b"b" * 4096, total=4)) == (
        "FILE_PARTS_INVALID"
    )
    assert await rpc_error(media.save_part(ME, 1, 1, b"b" * 4096)) == "FILE_PARTS_INVALID"
    assert await media_store.get_upload(ME, 1) == before
    assert len(files_under(tmp_path / "blobs")) == 1
    assert media.parts_accepted == 1


async def test_finishing_errors_keep_the_upload(media_store: MediaStore, blobs: BlobStore) -> None:
    media = service(media_store, blobs)
    data = os.urandom(3 * 4096)
    for index in (0, 2):
        await media.save_part(ME, 9, index, data[index * 4096 : (index + 1) * 4096])

    def small(parts: int = 3, md5: str = "") -> types.InputFile:
        return types.InputFile(id=9, parts=parts, name="f", md5_checksum=md5)

    doc = media.document_from_upload
    assert await rpc_error(doc(ME, small(), mime_type="x")) == "FILE_PART_1_MISSING"
    assert await rpc_error(doc(OTHER, small(), mime_type="x")) == "FILE_PART_0_MISSING"
    await media.save_part(ME, 9, 1, data[4096:8192])
    assert await rpc_error(doc(ME, small(2), mime_type="x")) == "FILE_PARTS_INVALID"
    assert await rpc_error(doc(ME, small(md5="0" * 32), mime_type="x")) == "MD5_CHECKSUM_INVALID"
    big = types.InputFileBig(id=9, parts=3, name="f")
    assert await rpc_error(doc(ME, big, mime_type="x")) == "FILE_PARTS_INVALID"
    upload = await media_store.get_upload(ME, 9)
    assert upload is not None and len(upload.parts) == 3
    # Fixed: it works, md5 in any case.
    record = await doc(ME, small(md5=hashlib.md5(data).hexdigest().upper()), mime_type="x")
    assert await media.read(record, 0, 3 * 4096) == data
    # The file id is free again: a new upload under it starts from nothing.
    assert await rpc_error(doc(ME, small(), mime_type="x")) == "FILE_PART_0_MISSING"


async def test_upload_resumes_after_restart(tmp_path: Path) -> None:
    data = os.urandom(4 * 32 * KB + 17)
    parts = split(data, 32 * KB)
    blob_root = str(tmp_path / "blobs")
    async with await SqliteMediaStore.open(tmp_path / "media.sqlite3") as store:
        media = service(store, BlobStore(blob_root))
        for index in (0, 3):
            await media.save_part(ME, 44, index, parts[index], total=len(parts))
    async with await SqliteMediaStore.open(tmp_path / "media.sqlite3") as store:
        media = service(store, BlobStore(blob_root))
        upload = await store.get_upload(ME, 44)
        assert upload is not None and sorted(upload.parts) == [0, 3]
        for index in (1, 2, 4):
            await media.save_part(ME, 44, index, parts[index], total=len(parts))
        assert media.parts_accepted == 3
        record = await media.document_from_upload(
            ME, types.InputFileBig(id=44, parts=len(parts), name="r"), mime_type="a/b"
        )
    async with await SqliteMediaStore.open(tmp_path / "media.sqlite3") as store:
        media = service(store, BlobStore(blob_root))
        found = await media.get(record.id)
        assert found == record
        assert await media.read(found, 0, len(data)) == data


async def test_expired_uploads_are_swept(
    media_store: MediaStore, blobs: BlobStore, tmp_path: Path
) -> None:
    clock = Clock()
    media = service(media_store, blobs, clock, ttl=3600.0)
    await media.save_part(ME, 1, 0, b"a" * 4096)
    await media.save_part(ME, 1, 1, b"a" * 10)
    # A part written just before a crash, never committed: the sweep removes it too.
    upload = await media_store.get_upload(ME, 1)
    assert upload is not None
    await blobs.write(upload.blob_id, 9, b"orphan")
    clock.now += 1800
    await media.save_part(OTHER, 2, 0, b"b" * 4096)
    clock.now += 1801  # ME's upload is now 3601 s old, OTHER's 1801 s
    assert await media.sweep() == 1
    assert await media_store.get_upload(ME, 1) is None
    assert await media_store.get_upload(OTHER, 2) is not None
    assert len(files_under(tmp_path / "blobs")) == 1
    clock.now += 3600
    assert await media.sweep() == 1
    assert files_under(tmp_path / "blobs") == []
    assert await media.sweep() == 0


async def test_sweeper_task_runs_on_its_interval(blobs: BlobStore) -> None:
    clock = Clock()
    store = MemoryMediaStore()
    media = service(store, blobs, clock, ttl=10.0)
    await media.save_part(ME, 1, 0, b"a" * 4096)
    clock.now += 11
    async with trio.open_nursery() as nursery:
        await nursery.start(media.run_sweeper, 0.01)
        for _ in range(1000):
            if await store.get_upload(ME, 1) is None:
                break
            await trio.sleep(0.01)
        nursery.cancel_scope.cancel()
    assert await store.get_upload(ME, 1) is None


async def test_locations_work_only_for_their_viewer(
    media_store: MediaStore, blobs: BlobStore
) -> None:
    media = service(media_store, blobs)
    record = await media.store_document(ME, b"secret bytes", name="s.txt", mime_type="text/plain")
    mine = media.tl_document(record, ME)
    theirs = media.tl_document(record, OTHER)
    assert mine.access_hash != theirs.access_hash
    assert mine.file_reference != theirs.file_reference

    def location(doc: types.Document, **kw: object) -> types.InputDocumentFileLocation:
        values: dict[str, object] = dict(
            id=doc.id, access_hash=doc.access_hash, file_reference=doc.file_reference, thumb_size=""
        )
        values.update(kw)
        return types.InputDocumentFileLocation(**values)  # type: ignore[arg-type]

    found, variant = await media.resolve_location(ME, location(mine))
    assert found == record and variant == ""
    assert (await media.resolve_location(OTHER, location(theirs)))[0] == record
    resolve = media.resolve_location
    assert await rpc_error(resolve(OTHER, location(mine))) == "LOCATION_INVALID"
    assert await rpc_error(resolve(ME, location(mine, id=mine.id + 1))) == "LOCATION_INVALID"
    assert await rpc_error(resolve(ME, location(mine, thumb_size="m"))) == "LOCATION_INVALID"
    wrong_reference = location(mine, file_reference=theirs.file_reference)
    assert await rpc_error(resolve(ME, wrong_reference)) == "FILE_REFERENCE_EXPIRED"
    assert await rpc_error(resolve(ME, types.InputTakeoutFileLocation())) == "LOCATION_INVALID"
    photo_location = types.InputPhotoFileLocation(
        id=mine.id, access_hash=mine.access_hash, file_reference=mine.file_reference, thumb_size="m"
    )
    assert await rpc_error(resolve(ME, photo_location)) == "LOCATION_INVALID"
    # The same for sending it again.
    as_input = types.InputDocument(
        id=mine.id, access_hash=mine.access_hash, file_reference=mine.file_reference
    )
    assert await media.resolve_document(ME, as_input) == record
    assert await rpc_error(media.resolve_document(OTHER, as_input)) == "MEDIA_INVALID"
    assert await rpc_error(media.resolve_document(ME, types.InputDocumentEmpty())) == (
        "MEDIA_INVALID"
    )


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


async def test_photo_upload_becomes_sizes(
    media_store: MediaStore, blobs: BlobStore, tmp_path: Path
) -> None:
    media = service(media_store, blobs)
    data = jpeg(1000, 500)
    parts = split(data, 4096)
    for index, part in enumerate(parts):
        await media.save_part(ME, 3, index, part)
    record = await media.photo_from_upload(
        ME, types.InputFile(id=3, parts=len(parts), name="p.jpg", md5_checksum="")
    )
    assert [(f.variant, f.width, f.height) for f in record.files] == [
        ("s", 100, 50),
        ("m", 320, 160),
        ("x", 800, 400),
        ("y", 1000, 500),
    ]
    # Only the sizes are kept: the uploaded original is gone.
    assert len(files_under(tmp_path / "blobs")) == 4
    photo = media.tl_photo(record, OTHER)
    location = types.InputPhotoFileLocation(
        id=photo.id,
        access_hash=photo.access_hash,
        file_reference=photo.file_reference,
        thumb_size="m",
    )
    found, variant = await media.resolve_location(OTHER, location)
    image = Image.open(io.BytesIO(await media.read(found, 0, 10**7, variant=variant)))
    assert image.size == (320, 160)
    as_input = types.InputPhoto(
        id=photo.id, access_hash=photo.access_hash, file_reference=photo.file_reference
    )
    assert await media.resolve_photo(OTHER, as_input) == record
    assert await rpc_error(media.resolve_photo(ME, as_input)) == "MEDIA_INVALID"


async def test_a_photo_that_is_no_image_is_discarded(
    media_store: MediaStore, blobs: BlobStore, tmp_path: Path
) -> None:
    media = service(media_store, blobs)
    await media.save_part(ME, 3, 0, b"not a jpeg" * 100)
    name = await rpc_error(
        media.photo_from_upload(ME, types.InputFile(id=3, parts=1, name="p.jpg", md5_checksum=""))
    )
    assert name == "IMAGE_PROCESS_FAILED"
    assert await media_store.get_upload(ME, 3) is None
    assert files_under(tmp_path / "blobs") == []
    assert await rpc_error(media.store_photo(ME, b"nope")) == "IMAGE_PROCESS_FAILED"


async def test_whole_files_from_the_server_side(
    media_store: MediaStore, blobs: BlobStore, tmp_path: Path
) -> None:
    media = service(media_store, blobs)
    data = os.urandom(1300 * KB)
    source = tmp_path / "upload.bin"
    source.write_bytes(data)
    from_path = await media.store_document(
        ME,
        source,
        name="u.bin",
        mime_type="application/zip",
        attributes=[types.DocumentAttributeFilename(file_name="named.zip")],
    )
    from_bytes = await media.store_document(ME, data, name="b.bin", mime_type="")
    for record in (from_path, from_bytes):
        assert record.size() == len(data) and record.md5 == hashlib.md5(data).hexdigest()
        assert record.file() is not None and record.file().parts == 3  # type: ignore[union-attr]
        assert await media.read(record, 1000, 600 * KB) == data[1000 : 1000 + 600 * KB]
    assert from_path.name == "named.zip" and from_bytes.name == "b.bin"
    photo = await media.store_photo(OTHER, jpeg(90, 60))
    assert [(f.variant, f.width) for f in photo.files] == [("s", 90)]
    assert await rpc_error(media.read(photo, 0, 1, variant="zz")) == "LOCATION_INVALID"


async def test_message_media_renders_per_viewer(media_store: MediaStore, blobs: BlobStore) -> None:
    media = service(media_store, blobs)
    record = await media.store_document(
        ME,
        b"x",
        name="v.mp4",
        mime_type="video/mp4",
        attributes=[types.DocumentAttributeVideo(duration=1.5, w=2, h=2, round_message=True)],
    )
    stored = media.message_media(record)
    assert media_id_of(stored) == record.id
    assert media_id_of(None) is None and media_id_of(b"junk") is None
    mine = render_media(stored, ME)
    theirs = render_media(stored, OTHER)
    assert isinstance(mine, types.MessageMediaDocument) and mine.video and mine.round
    assert isinstance(theirs, types.MessageMediaDocument)
    assert isinstance(mine.document, types.Document) and isinstance(theirs.document, types.Document)
    assert mine.document == media.tl_document(record, ME)
    assert theirs.document.access_hash == media.tl_document(record, OTHER).access_hash
    # The stored secret never reaches a viewer.
    assert record.secret not in mine.to_bytes() and record.secret not in theirs.to_bytes()
    assert mine.to_bytes() == media.tl_message_media(record, ME).to_bytes()
    photo = await media.store_photo(ME, jpeg(400, 300))
    rendered = render_media(media.message_media(photo), OTHER)
    assert isinstance(rendered, types.MessageMediaPhoto)
    assert rendered.photo == media.tl_photo(photo, OTHER)
    assert render_media(None, ME) is None
    assert isinstance(render_media(b"junk", ME), types.MessageMediaUnsupported)
    geo = types.MessageMediaGeo(geo=types.GeoPointEmpty()).to_bytes()
    assert isinstance(render_media(geo, ME), types.MessageMediaGeo)


async def test_round_trip_on_every_blob_backend(blob_store: BlobStore) -> None:
    media = service(MemoryMediaStore(), blob_store)
    data = os.urandom(3 * 16 * KB + 5)
    for index, part in enumerate(split(data, 16 * KB)):
        await media.save_part(ME, 8, index, part)
    record = await media.document_from_upload(
        ME,
        types.InputFile(id=8, parts=4, name="s3", md5_checksum=hashlib.md5(data).hexdigest()),
        mime_type="text/plain",
    )
    assert await media.read(record, 16 * KB, 20 * KB) == data[16 * KB : 36 * KB]
    photo = await media.store_photo(ME, jpeg(350, 350))
    assert Image.open(io.BytesIO(await media.read(photo, 0, 10**6))).size == (350, 350)


async def test_document_thumbnails(media_store: MediaStore, blobs: BlobStore) -> None:
    media = service(media_store, blobs)
    await media.save_part(ME, 1, 0, b"document bytes")
    thumb = jpeg(640, 480)
    await media.save_part(ME, 2, 0, thumb)
    record = await media.document_from_upload(
        ME,
        types.InputFile(id=1, parts=1, name="d.bin", md5_checksum=""),
        mime_type="video/mp4",
        thumb=types.InputFile(id=2, parts=1, name="t.jpg", md5_checksum=""),
    )
    assert [(f.variant, f.width, f.height) for f in record.files] == [("", 0, 0), ("m", 320, 240)]
    assert record.size() == len(b"document bytes")
    assert await media_store.get_upload(ME, 2) is None  # the thumbnail upload is used up
    document = media.tl_document(record, OTHER)
    assert document.thumbs == [types.PhotoSize(type="m", w=320, h=240, size=record.size("m"))]
    location = types.InputDocumentFileLocation(
        id=document.id,
        access_hash=document.access_hash,
        file_reference=document.file_reference,
        thumb_size="m",
    )
    found, variant = await media.resolve_location(OTHER, location)
    assert Image.open(io.BytesIO(await media.read(found, 0, 10**6, variant=variant))).size == (
        320,
        240,
    )
    # A thumbnail that is no image is dropped, and its upload with it.
    await media.save_part(ME, 3, 0, b"doc")
    await media.save_part(ME, 4, 0, b"not an image")
    plain = await media.document_from_upload(
        ME,
        types.InputFile(id=3, parts=1, name="d", md5_checksum=""),
        mime_type="a/b",
        thumb=types.InputFile(id=4, parts=1, name="t", md5_checksum=""),
    )
    assert [f.variant for f in plain.files] == [""] and media.tl_document(plain, ME).thumbs is None
    assert await media_store.get_upload(ME, 4) is None


class FlakyStore(MemoryMediaStore):
    """Fails the first sweep query, like a database briefly out of reach."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def expired_uploads(self, before: float, limit: int = 100) -> list[UploadRecord]:
        if self.failures:
            self.failures -= 1
            raise StorageError("briefly out of reach")
        return await super().expired_uploads(before, limit)


async def test_sweeper_survives_a_failing_round(
    blobs: BlobStore, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    store = FlakyStore()
    media = service(store, blobs, clock, ttl=10.0)
    await media.save_part(ME, 1, 0, b"a" * 4096)
    clock.now += 11
    async with trio.open_nursery() as nursery:
        await nursery.start(media.run_sweeper, 0.01)
        for _ in range(1000):
            if await store.get_upload(ME, 1) is None:
                break
            await trio.sleep(0.01)
        nursery.cancel_scope.cancel()
    assert await store.get_upload(ME, 1) is None and store.failures == 0
    assert "sweeping expired uploads failed" in caplog.text
