"""Albums: messages.sendMultiMedia gives every item one ``grouped_id`` (on both sides), and
messages.forwardMessages regroups forwarded album items under a new one."""

from __future__ import annotations

from pathlib import Path

from account_support import sign_up

from tgcore.testing import FakeClock
from tgcore.tl import functions, types
from tgserver.media import BlobStore, MasterKey, MediaService, MemoryMediaStore
from tgserver.rpc import RequestContext
from tgserver.rpc.handlers import MediaHandlers, MessageHandlers
from tgserver.services import AccountServices, MessagingServices
from tgserver.store.messages import MemoryMessageStore


def _ctx(user_id: int, key: int) -> RequestContext:
    return RequestContext(auth_key_id=key, session_id=7, msg_id=0, layer=229, user_id=user_id)


def _new_messages(updates: types.TypeUpdates) -> list[types.Message]:
    assert isinstance(updates, types.Updates)
    found = [u.message for u in updates.updates if isinstance(u, types.UpdateNewMessage)]
    assert all(isinstance(m, types.Message) for m in found)
    return found  # type: ignore[return-value]


def _resend(message: types.Message) -> types.InputMediaDocument:
    """The stored document of ``message`` again (an upload is used once)."""
    assert isinstance(message.media, types.MessageMediaDocument)
    doc = message.media.document
    assert isinstance(doc, types.Document)
    return types.InputMediaDocument(
        id=types.InputDocument(
            id=doc.id, access_hash=doc.access_hash, file_reference=doc.file_reference
        )
    )


async def test_an_album_shares_one_grouped_id_and_forwards_regroup(
    services: AccountServices, clock: FakeClock, tmp_path: Path
) -> None:
    messaging = MessagingServices.create(services, MemoryMessageStore(), clock=clock)
    media = MediaService(
        MemoryMediaStore(), BlobStore(str(tmp_path / "blobs")), MasterKey.generate(), dc_id=2
    )
    album = MediaHandlers(messaging, media)
    handlers = MessageHandlers(messaging)
    ann = await sign_up(services, "9996621001", "Ann", key=1)
    bob = await sign_up(services, "9996621002", "Bob", key=2)
    access = services.users.access
    bob_for_ann = types.InputPeerUser(user_id=bob.id, access_hash=access.user(ann.id, bob.id))
    ann_for_bob = types.InputPeerUser(user_id=ann.id, access_hash=access.user(bob.id, ann.id))

    items = []
    for n in range(3):
        await media.save_part(ann.id, 500 + n, 0, bytes([n]) * 1000)
        uploaded = types.InputMediaUploadedDocument(
            file=types.InputFile(id=500 + n, parts=1, name=f"{n}.bin", md5_checksum=""),
            mime_type="application/octet-stream",
            attributes=[],
        )
        items.append(types.InputSingleMedia(media=uploaded, random_id=10 + n, message=f"#{n}"))
    sent = _new_messages(
        await album.send_multi_media(
            _ctx(ann.id, 1), functions.messages.SendMultiMedia(peer=bob_for_ann, multi_media=items)
        )
    )
    grouped = {m.grouped_id for m in sent}
    assert len(sent) == 3 and len(grouped) == 1
    [album_id] = grouped
    assert album_id is not None and 0 < album_id < 1 << 63
    received = await messaging.messages.store.get_history(bob.id, ann.id)
    assert [(m.text, m.grouped_id) for m in received.messages] == [
        ("#2", album_id), ("#1", album_id), ("#0", album_id)
    ]  # fmt: skip

    # A second album gets another id; a plain message none.
    again = _new_messages(
        await album.send_multi_media(
            _ctx(ann.id, 1),
            functions.messages.SendMultiMedia(
                peer=bob_for_ann,
                multi_media=[
                    types.InputSingleMedia(media=_resend(m), random_id=20 + n, message="")
                    for n, m in enumerate(sent[:2])
                ],
            ),
        )
    )
    assert {m.grouped_id for m in again} not in ({album_id}, {None})

    # Bob forwards two items of the first album and one of the second back to Ann.
    history = await messaging.messages.store.get_history(bob.id, ann.id)
    ids = [m.id for m in reversed(history.messages)]
    forward = functions.messages.ForwardMessages(
        from_peer=ann_for_bob,
        id=[ids[0], ids[1], ids[3]],
        random_id=[31, 32, 33],
        to_peer=ann_for_bob,
    )
    copies = _new_messages(await handlers.forward_messages(_ctx(bob.id, 2), forward))
    first, second, lone = (m.grouped_id for m in copies)
    assert first is not None and first == second and first not in (album_id, again[0].grouped_id)
    assert lone is None
    assert all(m.fwd_from is not None for m in copies)
