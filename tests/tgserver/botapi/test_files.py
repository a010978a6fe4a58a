"""Files: uploads by multipart (direct parts and attach://), re-sending by file_id, getFile,
downloads with Range, and the errors of each."""

from __future__ import annotations

import io
import json

import httpx
from PIL import Image

from tests.tgserver.botapi.conftest import BotEnv
from tgcore.tl import types
from tgserver.media import media_id_of, render_media

DATA = bytes(range(256)) * 5000 + b"end"  # 1,280,003 bytes: more than one download chunk


def _png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (1, 2, 3)).save(out, format="PNG")
    return out.getvalue()


async def _upload(
    env: BotEnv, method: str, field: str, data: bytes, name: str, **form: str
) -> dict:  # type: ignore[type-arg]
    response = await env.http.post(
        env.url(method),
        data={"chat_id": str(env.alice.id), **form},
        files={field: (name, data, "application/octet-stream")},
    )
    body = response.json()
    assert response.status_code == 200, body
    return body["result"]  # type: ignore[no-any-return]


async def test_document_round_trip_with_ranges(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    sent = await _upload(
        env, "sendDocument", "document", DATA, "data.bin", caption="<b>c</b>", parse_mode="HTML"
    )
    document = sent["document"]
    assert document["file_name"] == "data.bin" and document["file_size"] == len(DATA)
    assert sent["caption"] == "c" and sent["caption_entities"] == [
        {"type": "bold", "offset": 0, "length": 1}
    ]
    stored = await env.last_seen_by(env.alice)
    media = render_media(stored.media, env.alice.id)
    assert isinstance(media, types.MessageMediaDocument) and stored.text == "c"
    file = await env.ok("getFile", file_id=document["file_id"])
    assert file["file_unique_id"] == document["file_unique_id"] and file["file_size"] == len(DATA)
    url = f"{env.base}/file/bot{env.bot.token}/{file['file_path']}"
    whole = await env.http.get(url)
    assert whole.status_code == 200 and whole.content == DATA
    assert whole.headers["accept-ranges"] == "bytes"
    part = await env.http.get(url, headers={"range": "bytes=1048570-1048580"})
    assert part.status_code == 206 and part.content == DATA[1048570:1048581]
    assert part.headers["content-range"] == f"bytes 1048570-1048580/{len(DATA)}"
    tail = await env.http.get(url, headers={"range": "bytes=-3"})
    assert tail.content == b"end"
    assert (await env.http.get(url, headers={"range": f"bytes={len(DATA)}-"})).status_code == 416
    head = await env.http.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(DATA))
    assert (
        await env.http.get(f"{env.base}/file/bot{env.bot.token}/documents/nope")
    ).status_code == 404
    assert (await env.http.get(f"{env.base}/file/bot1:bad/{file['file_path']}")).status_code == 401


async def test_file_ids_are_per_bot_and_reusable(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    await env.user_says(env.bob, "hi")
    sent = await _upload(env, "sendDocument", "document", b"shared", "s.txt")
    file_id = sent["document"]["file_id"]
    again = await env.ok("sendDocument", chat_id=env.bob.id, document=file_id)
    assert again["document"]["file_unique_id"] == sent["document"]["file_unique_id"]
    stored = await env.last_seen_by(env.bob)
    assert media_id_of(stored.media) == media_id_of((await env.last_seen_by(env.alice)).media)
    other = await env.services.bots.create_bot("other_bot")
    response = await env.http.post(
        f"{env.base}/bot{other.token}/getFile", data={"file_id": file_id}
    )
    assert (
        response.status_code == 400
        and response.json()["description"] == "Bad Request: invalid file_id"
    )
    assert await env.error("getFile", 400, file_id="garbage") == "Bad Request: invalid file_id"
    assert (
        await env.error("sendDocument", 400, chat_id=env.alice.id, document="garbage")
        == "Bad Request: invalid file_id"
    )
    assert await env.error(
        "sendDocument", 400, chat_id=env.alice.id, document="https://example.org/x.pdf"
    ) == ("Bad Request: wrong file identifier/HTTP URL specified")
    assert (
        await env.error("sendDocument", 400, chat_id=env.alice.id)
        == "Bad Request: there is no document in the request"
    )


async def test_photo_sizes_and_attach(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    response = await env.http.post(
        env.url("sendPhoto"),
        data={"chat_id": str(env.alice.id), "photo": "attach://pic", "caption": "look"},
        files={"pic": ("p.png", _png(640, 480), "image/png")},
    )
    body = response.json()
    assert response.status_code == 200, body
    sizes = body["result"]["photo"]
    assert len(sizes) >= 2 and sizes[-1]["width"] == 640 and sizes[-1]["height"] == 480
    assert all(s["file_id"] and s["file_unique_id"] for s in sizes)
    file = await env.ok("getFile", file_id=sizes[-1]["file_id"])
    assert file["file_path"].endswith(".jpg")
    jpeg = (await env.http.get(f"{env.base}/file/bot{env.bot.token}/{file['file_path']}")).content
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.size == (640, 480)
    # A photo's file_id sends the photo again; it is not a document.
    again = await env.ok("sendPhoto", chat_id=env.alice.id, photo=sizes[-1]["file_id"])
    assert again["photo"][-1]["file_unique_id"] == sizes[-1]["file_unique_id"]
    description = await env.error(
        "sendDocument", 400, chat_id=env.alice.id, document=sizes[-1]["file_id"]
    )
    assert description.startswith("Bad Request: wrong file identifier/HTTP URL specified")
    response = await env.http.post(
        env.url("sendPhoto"),
        data={"chat_id": str(env.alice.id), "photo": "attach://missing"},
        files={"other": ("p.png", b"x", "image/png")},
    )
    assert response.json()["description"] == 'Bad Request: can\'t find attached file "missing"'
    bad = await env.http.post(
        env.url("sendPhoto"),
        data={"chat_id": str(env.alice.id)},
        files={"photo": ("p.png", b"not an image", "image/png")},
    )
    assert (
        bad.status_code == 400 and bad.json()["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    )


async def test_edit_caption_keeps_the_media(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    sent = await _upload(env, "sendDocument", "document", b"abc", "a.txt", caption="old")
    edited = await env.ok(
        "editMessageCaption",
        chat_id=env.alice.id,
        message_id=sent["message_id"],
        caption="<i>new</i>",
        parse_mode="HTML",
    )
    assert edited["caption"] == "new" and edited["document"] == sent["document"]
    assert edited["caption_entities"] == [{"type": "italic", "offset": 0, "length": 3}]
    cleared = await env.ok(
        "editMessageCaption", chat_id=env.alice.id, message_id=sent["message_id"]
    )
    assert "caption" not in cleared and cleared["document"]["file_name"] == "a.txt"
    assert await env.error("editMessageCaption", 400, chat_id=env.alice.id, message_id=999) == (
        "Bad Request: message to edit not found"
    )


async def test_video_and_audio_attributes(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    video = await _upload(
        env, "sendVideo", "video", b"\x00" * 100, "v.mp4", duration="3", width="320", height="240"
    )
    assert video["video"]["duration"] == 3 and video["video"]["width"] == 320
    audio = await _upload(
        env, "sendAudio", "audio", b"\x01" * 100, "a.mp3", duration="7", title="T", performer="P"
    )
    assert audio["audio"] == {**audio["audio"], "duration": 7, "title": "T", "performer": "P"}
    voice = await _upload(env, "sendVoice", "voice", b"\x02" * 10, "v.ogg", duration="2")
    assert voice["voice"]["duration"] == 2


async def test_media_messages_from_users_reach_the_bot(env: BotEnv) -> None:
    media = env.info.media
    assert media is not None
    record = await media.store_document(
        env.alice.id, b"from alice", name="note.txt", mime_type="text/plain"
    )
    await env.services.messaging.messages.send(
        env.alice.id, env.bot.id, "caption", media=media.message_media(record)
    )
    [update] = await env.updates()
    message = update["message"]
    assert message["caption"] == "caption" and "text" not in message
    assert (
        message["document"]["file_name"] == "note.txt"
        and message["document"]["mime_type"] == "text/plain"
    )
    file = await env.ok("getFile", file_id=message["document"]["file_id"])
    body = await env.http.get(f"{env.base}/file/bot{env.bot.token}/{file['file_path']}")
    assert body.content == b"from alice"
    copied = await env.ok(
        "copyMessage",
        chat_id=env.alice.id,
        from_chat_id=env.alice.id,
        message_id=message["message_id"],
        caption="new",
    )
    assert json.dumps(copied).startswith('{"message_id"')
    seen = await env.last_seen_by(env.alice)
    assert seen.text == "new" and media_id_of(seen.media) == record.id


async def test_upload_and_download_over_http2_with_flow_control(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    async with httpx.AsyncClient(http1=False, http2=True) as http2:
        response = await http2.post(
            env.url("sendDocument"),
            data={"chat_id": str(env.alice.id)},
            files={"document": ("big.bin", DATA, "application/octet-stream")},
        )
        assert response.http_version == "HTTP/2" and response.status_code == 200
        sent = response.json()["result"]
        file = await env.ok("getFile", file_id=sent["document"]["file_id"])
        url = f"{env.base}/file/bot{env.bot.token}/{file['file_path']}"
        # Far more than HTTP/2's initial 64 KB window: the server must wait for WINDOW_UPDATEs.
        whole = await http2.get(url)
        assert whole.http_version == "HTTP/2" and whole.content == DATA
        part = await http2.get(url, headers={"range": "bytes=100000-299999"})
        assert part.status_code == 206 and part.content == DATA[100000:300000]
