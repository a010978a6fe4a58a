"""Unmodified Telethon 1.45 sends files and photos through tgserver; the other side downloads
them byte-identical (or, for photos, as a decodable size), and bad uploads get Telegram's
error names."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from telethon import TelegramClient, errors, events
from telethon.sessions import MemorySession
from telethon.tl import functions, types

from tests.interop.support import connected, event_queue, sign_up, telethon_client
from tgserver.app import ServerInfo
from tgserver.config import ServerConfig
from tgserver.testing import BackgroundServer

ANN = "9996623101"
BOB = "9996623102"
EVE = "9996623103"
TIMEOUT = 60.0
MB = 1024 * 1024


async def _contact(client: TelegramClient, phone: str) -> Any:
    await client(
        functions.contacts.ImportContactsRequest([types.InputPhoneContact(1, "+" + phone, "X", "")])
    )
    return await client.get_input_entity("+" + phone)


def _jpeg(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height))
    for x in range(0, width, 7):
        for y in range(0, height, 5):
            image.putpixel((x, y), (x % 256, y % 256, (x * y) % 256))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def _named(data: bytes, name: str) -> io.BytesIO:
    """A file object Telethon names ``name`` (it reads ``.name``)."""
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def _incoming(event: Any) -> bool:
    return not event.messages[0].out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_documents_and_photo_round_trip(running_server: ServerInfo) -> None:
    media = running_server.media
    assert media is not None
    small = os.urandom(3 * MB + 12345)
    big = os.urandom(30 * MB + 777)
    photo = _jpeg(1500, 1000)

    async def main() -> None:
        ann, bob = telethon_client(running_server), telethon_client(running_server)
        async with connected(ann, bob):
            await sign_up(ann, ANN, "Ann")
            await sign_up(bob, BOB, "Bob")
            inbox = event_queue(bob)
            to_bob = await _contact(ann, BOB)

            # 3 MB: saveFilePart + inputFile with md5.
            sent = await ann.send_file(to_bob, _named(small, "small.bin"), force_document=True)
            assert isinstance(sent.media, types.MessageMediaDocument)
            got = (await asyncio.wait_for(inbox.get(), TIMEOUT)).message
            assert got.file.name == "small.bin" and got.file.size == len(small)
            assert got.document.dc_id == 2
            data = await bob.download_media(got, bytes)
            assert _sha(data) == _sha(small)
            assert got.document.thumbs is None

            # With a thumbnail: Bob downloads it too.
            await ann.send_file(
                to_bob, _named(small[:5000], "t.bin"), force_document=True, thumb=photo
            )
            got = (await asyncio.wait_for(inbox.get(), TIMEOUT)).message
            assert [(t.type, t.w, t.h) for t in got.document.thumbs] == [("m", 320, 213)]
            thumb = await bob.download_media(got, bytes, thumb=-1)
            assert Image.open(io.BytesIO(thumb)).size == (320, 213)
            assert await bob.download_media(got, bytes) == small[:5000]

            # 30 MB: saveBigFilePart + inputFileBig.
            await ann.send_file(to_bob, _named(big, "big.bin"), force_document=True, caption="big")
            got = (await asyncio.wait_for(inbox.get(), TIMEOUT)).message
            assert got.message == "big" and got.file.size == len(big)
            data = await bob.download_media(got, bytes)
            assert _sha(data) == _sha(big)

            # A photo: sizes made by the server; the largest decodes at the expected size.
            await ann.send_file(to_bob, _named(photo, "p.jpg"))
            got = (await asyncio.wait_for(inbox.get(), TIMEOUT)).message
            assert isinstance(got.media, types.MessageMediaPhoto)
            kinds = {s.type: (s.w, s.h) for s in got.photo.sizes}
            assert kinds["m"] == (320, 213) and kinds["y"] == (1280, 853)
            data = await bob.download_media(got, bytes)
            image = Image.open(io.BytesIO(data))
            assert image.format == "JPEG" and image.size == kinds["w"] == (1500, 1000)

            # Bob sends the photo back (inputMediaPhoto): no upload.
            accepted = media.parts_accepted
            back = await bob.send_file(await _contact(bob, ANN), got.photo, caption="yours")
            assert back.photo.id == got.photo.id and media.parts_accepted == accepted

    asyncio.run(main())


_NAMES = {cls: name for name, cls in errors.rpcerrorlist.rpc_errors_dict.items()}


def _name(exc: errors.RPCError) -> str:
    """The error name the server sent (Telethon keeps it only in the class it picks)."""
    return _NAMES.get(type(exc), str(exc.message))


async def _error(call: Any) -> str:
    with pytest.raises(errors.RPCError) as info:
        await call
    return _name(info.value)


def test_bad_uploads_get_telegram_errors(running_server: ServerInfo) -> None:
    media = running_server.media
    assert media is not None

    async def main() -> None:
        ann, bob = telethon_client(running_server), telethon_client(running_server)
        async with connected(ann, bob):
            await sign_up(ann, ANN, "Ann")
            await sign_up(bob, BOB, "Bob")
            to_bob = await _contact(ann, BOB)
            save = functions.upload.SaveFilePartRequest
            save_big = functions.upload.SaveBigFilePartRequest
            accepted = media.parts_accepted

            assert await _error(ann(save(1, 0, b""))) == "FILE_PART_EMPTY"
            assert await _error(ann(save(1, 0, b"x" * (512 * 1024 + 1024)))) == (
                "FILE_PART_TOO_BIG"
            )
            assert await _error(ann(save(1, 4000, b"x" * 1024))) == "FILE_PART_INVALID"
            assert await _error(ann(save_big(2, 0, 4001, b"x" * 1024))) == "FILE_PARTS_INVALID"
            assert await _error(ann(save_big(2, 0, 3, b"x" * 1000))) == "FILE_PART_SIZE_INVALID"
            assert media.parts_accepted == accepted  # nothing was stored

            # Parts of one size, then another.
            assert await ann(save(3, 0, b"a" * 4096)) is True
            assert await _error(ann(save(3, 1, b"a" * 8192))) == "FILE_PART_SIZE_CHANGED"

            # Finishing with a missing part, or a wrong md5.
            assert await ann(save(3, 2, b"c" * 10)) is True
            with pytest.raises(errors.FilePartMissingError) as missing:
                await ann.send_file(to_bob, types.InputFile(3, 3, "f.bin", ""))
            assert missing.value.which == 1
            assert await ann(save(3, 1, b"b" * 4096)) is True
            bad_md5 = types.InputFile(3, 3, "f.bin", "0" * 32)
            assert await _error(ann.send_file(to_bob, bad_md5, force_document=True)) == (
                "MD5_CHECKSUM_INVALID"
            )
            assert media.parts_accepted == accepted + 3

            # Bad ranges.
            sent = await ann.send_file(
                to_bob, _named(os.urandom(10000), "r.bin"), force_document=True
            )
            location = types.InputDocumentFileLocation(
                sent.document.id, sent.document.access_hash, sent.document.file_reference, ""
            )
            get = functions.upload.GetFileRequest
            assert await _error(ann(get(location, offset=1024, limit=4096))) == "OFFSET_INVALID"
            assert await _error(ann(get(location, offset=0, limit=3 * 4096))) == "LIMIT_INVALID"
            whole = await ann(get(location, offset=0, limit=16384))
            assert len(whole.bytes) == 10000 and isinstance(whole.type, types.storage.FileUnknown)
            tail = await ann(get(location, offset=8192, limit=4096))
            assert tail.bytes == whole.bytes[8192:]
            precise = await ann(get(location, offset=1024, limit=2048, precise=True))
            assert precise.bytes == whole.bytes[1024:3072]
            # Bob may not use Ann's location.
            assert await _error(bob(get(location, offset=0, limit=4096))) == "LOCATION_INVALID"

    asyncio.run(main())


def test_resend_forward_and_upload_media(running_server: ServerInfo) -> None:
    media = running_server.media
    assert media is not None
    content = os.urandom(200_000)

    async def main() -> None:
        ann = telethon_client(running_server)
        bob = telethon_client(running_server)
        eve = telethon_client(running_server)
        for client in (ann, bob, eve):
            await client.connect()
        try:
            await sign_up(ann, ANN, "Ann")
            await sign_up(bob, BOB, "Bob")
            await sign_up(eve, EVE, "Eve")
            bob_inbox, eve_inbox = event_queue(bob), event_queue(eve)
            to_bob = await _contact(ann, BOB)
            to_eve = await _contact(bob, EVE)

            # uploadMedia, then sendMedia of the stored document: no second upload.
            uploaded = await ann.upload_file(_named(content, "u.bin"))
            stored = await ann(
                functions.messages.UploadMediaRequest(
                    to_bob,
                    types.InputMediaUploadedDocument(
                        uploaded, "application/x-u", [types.DocumentAttributeFilename("u.bin")]
                    ),
                )
            )
            assert isinstance(stored, types.MessageMediaDocument)
            assert stored.document.mime_type == "application/x-u"
            accepted = media.parts_accepted
            await ann.send_file(to_bob, stored.document, caption="again")
            got = (await asyncio.wait_for(bob_inbox.get(), TIMEOUT)).message
            assert got.message == "again" and got.document.id == stored.document.id
            assert got.document.access_hash != stored.document.access_hash  # Bob's own
            assert media.parts_accepted == accepted

            # Bob sends it on with his own reference, then forwards the message.
            await bob.send_file(to_eve, got.document)
            first = (await asyncio.wait_for(eve_inbox.get(), TIMEOUT)).message
            await bob.forward_messages(to_eve, got)
            forwarded = (await asyncio.wait_for(eve_inbox.get(), TIMEOUT)).message
            assert forwarded.fwd_from is not None
            for message in (first, forwarded):
                assert await eve.download_media(message, bytes) == content
            assert media.parts_accepted == accepted

            # Eve cannot send Ann's document with Ann's reference.
            with pytest.raises(errors.RPCError) as denied:
                await eve.send_file(await _contact(eve, ANN), stored.document)
            assert _name(denied.value) == "MEDIA_INVALID"
        finally:
            for client in (ann, bob, eve):
                await client.disconnect()

    asyncio.run(main())


def test_upload_resumes_across_a_server_restart(server_config: ServerConfig) -> None:
    data = os.urandom(6 * 32 * 1024 + 99)
    parts = [data[i : i + 32 * 1024] for i in range(0, len(data), 32 * 1024)]
    session = MemorySession()

    async def first_half(info: ServerInfo) -> None:
        ann = telethon_client(info, session)
        await ann.connect()
        try:
            await sign_up(ann, ANN, "Ann")
            for index in (0, 2, 6):
                assert await ann(functions.upload.SaveFilePartRequest(77, index, parts[index]))
        finally:
            await ann.disconnect()

    async def second_half(info: ServerInfo) -> None:
        ann = telethon_client(info, session)
        session.set_dc(2, "127.0.0.1", info.port)
        await ann.connect()
        try:
            # The acknowledged parts survived: only the others are sent.
            for index in (1, 3, 4, 5):
                assert await ann(functions.upload.SaveFilePartRequest(77, index, parts[index]))
            md5 = hashlib.md5(data).hexdigest()
            me = await ann.get_me(input_peer=True)
            sent = await ann.send_file(
                me, types.InputFile(77, len(parts), "resumed.bin", md5), force_document=True
            )
            assert await ann.download_media(sent, bytes) == data
        finally:
            await ann.disconnect()

    for step, accepted in ((first_half, 3), (second_half, 4)):
        server = BackgroundServer(server_config)
        info = server.start()
        try:
            asyncio.run(step(info))
            assert info.media is not None and info.media.parts_accepted == accepted
        finally:
            server.stop()


def test_a_memory_server_keeps_media_in_memory(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path, port=0, storage="memory")
    content = os.urandom(300_000)
    server = BackgroundServer(config)
    info = server.start()
    try:

        async def main() -> None:
            ann = telethon_client(info)
            await ann.connect()
            try:
                await sign_up(ann, ANN, "Ann")
                me = await ann.get_me(input_peer=True)
                sent = await ann.send_file(me, _named(content, "m.bin"), force_document=True)
                assert await ann.download_media(sent, bytes) == content
            finally:
                await ann.disconnect()

        asyncio.run(main())
    finally:
        server.stop()
    for name in ("media", "media.key", "media.sqlite3"):
        assert not (tmp_path / name).exists()


def test_albums(running_server: ServerInfo) -> None:
    photos = [_jpeg(400 + 100 * i, 300) for i in range(3)]
    document = os.urandom(50_000)

    async def main() -> None:
        ann, bob = telethon_client(running_server), telethon_client(running_server)
        async with connected(ann, bob):
            await sign_up(ann, ANN, "Ann")
            await sign_up(bob, BOB, "Bob")
            inbox = event_queue(bob)
            # Incoming albums only (a client also sees its own sends as events).
            bob_albums = event_queue(bob, events.Album(func=_incoming))
            ann_albums = event_queue(ann, events.Album(func=_incoming))
            to_bob = await _contact(ann, BOB)

            # Telethon: uploadMedia for each, then one sendMultiMedia.
            files = [_named(p, f"{i}.jpg") for i, p in enumerate(photos)]
            sent = await ann.send_file(to_bob, files, caption=["one", "two", "three"])
            assert [m.message for m in sent] == ["one", "two", "three"]
            album_id = sent[0].grouped_id
            assert album_id is not None and album_id > 0
            assert [m.grouped_id for m in sent] == [album_id] * 3
            got = [(await asyncio.wait_for(inbox.get(), TIMEOUT)).message for _ in photos]
            assert [m.message for m in got] == ["one", "two", "three"]
            assert [m.grouped_id for m in got] == [album_id] * 3
            for message, width in zip(got, (400, 500, 600), strict=True):
                data = await bob.download_media(message, bytes)
                assert Image.open(io.BytesIO(data)).size == (width, 300)
            # The receiving client sees one album (events.Album), with every item.
            album = await asyncio.wait_for(bob_albums.get(), TIMEOUT)
            assert [m.id for m in album.messages] == [m.id for m in got]
            assert album.grouped_id == album_id and len(album) == 3
            assert bob_albums.empty()
            history = await bob.get_messages(await _contact(bob, ANN), limit=3)
            assert {m.grouped_id for m in history} == {album_id}

            # Forwarding the album: the copies form a new album of their own.
            forwarded = await bob.forward_messages(await _contact(bob, ANN), got)
            assert [m.fwd_from is not None for m in forwarded] == [True] * 3
            new_id = forwarded[0].grouped_id
            assert new_id is not None and new_id not in (album_id, 0)
            assert [m.grouped_id for m in forwarded] == [new_id] * 3
            again = await asyncio.wait_for(ann_albums.get(), TIMEOUT)
            assert again.grouped_id == new_id
            assert [m.message for m in again.messages] == ["one", "two", "three"]
            # One item forwarded alone is no album.
            [single] = await bob.forward_messages(await _contact(bob, ANN), got[:1])
            assert single.grouped_id is None

            # A bad item sends nothing at all.
            good = await ann(
                functions.messages.UploadMediaRequest(
                    to_bob,
                    types.InputMediaUploadedDocument(
                        await ann.upload_file(_named(document, "d.bin")), "application/x-d", []
                    ),
                )
            )
            items = [
                types.InputSingleMedia(
                    types.InputMediaDocument(
                        types.InputDocument(
                            good.document.id,
                            good.document.access_hash,
                            good.document.file_reference,
                        )
                    ),
                    message="",
                    random_id=1,
                ),
                types.InputSingleMedia(
                    types.InputMediaDocument(types.InputDocument(good.document.id, 1, b"")),
                    message="",
                    random_id=2,
                ),
            ]
            request = functions.messages.SendMultiMediaRequest(to_bob, items)
            assert await _error(ann(request)) == "MEDIA_INVALID"
            too_many = functions.messages.SendMultiMediaRequest(to_bob, [items[0]] * 11)
            assert await _error(ann(too_many)) == "MULTI_MEDIA_TOO_LONG"
            assert inbox.empty()

    asyncio.run(main())
