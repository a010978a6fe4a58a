"""media_location and sent_message: pure helpers over TL values."""

from __future__ import annotations

import pytest

from tgcore.client import TransferError, media_location, sent_message
from tgcore.tl import types


def document(size: int = 10) -> types.Document:
    return types.Document(
        id=1,
        access_hash=2,
        file_reference=b"ref",
        date=0,
        mime_type="text/plain",
        size=size,
        dc_id=2,
        attributes=[],
    )


def photo(*sizes: types.TypePhotoSize) -> types.Photo:
    return types.Photo(
        id=3, access_hash=4, file_reference=b"pref", date=0, sizes=list(sizes), dc_id=2
    )


def message(media: types.TypeMessageMedia | None, id: int = 5) -> types.Message:
    return types.Message(id=id, peer_id=types.PeerUser(user_id=1), date=0, message="", media=media)


def test_document_location_from_every_wrapper() -> None:
    expected = types.InputDocumentFileLocation(
        id=1, access_hash=2, file_reference=b"ref", thumb_size=""
    )
    media = types.MessageMediaDocument(document=document(123))
    for obj in (document(123), media, message(media)):
        assert media_location(obj) == (expected, 123)


def test_photo_location_is_the_largest_size() -> None:
    sizes = [
        types.PhotoStrippedSize(type="i", bytes=b"x"),
        types.PhotoSize(type="s", w=90, h=60, size=1000),
        types.PhotoSizeProgressive(type="y", w=1280, h=853, sizes=[5000, 20000, 80000]),
        types.PhotoSize(type="m", w=320, h=213, size=9000),
        types.PhotoSizeProgressive(type="z", w=1, h=1, sizes=[]),
    ]
    location, size = media_location(message(types.MessageMediaPhoto(photo=photo(*sizes))))
    assert location == types.InputPhotoFileLocation(
        id=3, access_hash=4, file_reference=b"pref", thumb_size="y"
    )
    assert size == 80000
    assert media_location(photo(sizes[1]))[1] == 1000


@pytest.mark.parametrize(
    "obj",
    [
        message(None),
        types.MessageMediaDocument(),
        types.MessageMediaPhoto(photo=photo(types.PhotoStrippedSize(type="i", bytes=b""))),
        types.MessageMediaEmpty(),
        "a string",
    ],
)
def test_no_file(obj: object) -> None:
    with pytest.raises(TransferError):
        media_location(obj)


def _updates(*updates: types.TypeUpdate) -> types.Updates:
    return types.Updates(updates=list(updates), users=[], chats=[], date=0, seq=0)


def test_sent_message_picks_by_random_id() -> None:
    first, second = message(None, id=7), message(None, id=8)
    answer = _updates(
        types.UpdateMessageID(id=8, random_id=99),
        types.UpdateNewMessage(message=first, pts=1, pts_count=1),
        types.UpdateNewMessage(message=second, pts=2, pts_count=1),
    )
    assert sent_message(answer, 99) == second
    assert sent_message(answer) == first
    with pytest.raises(TransferError, match="no sent message"):
        sent_message(_updates(types.UpdateMessageID(id=8, random_id=99)), 99)
    with pytest.raises(TransferError):
        sent_message(types.UpdatesTooLong())
