"""TL encode/decode throughput: tgcore's generated classes against Telethon's, side by side.

Run from the repository root::

    python bench/tl.py [--seconds 0.5]

Each case builds the same value in both libraries (Telethon's by decoding our bytes), checks
that both encode it to identical bytes, then measures ``bytes(obj)`` and decoding a boxed
object from bytes (``tgcore.tl.read_object`` vs Telethon's ``BinaryReader.tgread_object``).
Figures are objects per second; nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from telethon.extensions import BinaryReader

from tgcore.tl import TLObject, read_object, types
from tgcore.tl import functions as fn


def _entities() -> list[types.TypeMessageEntity]:
    return [
        types.MessageEntityBold(offset=0, length=5),
        types.MessageEntityUrl(offset=10, length=22),
        types.MessageEntityItalic(offset=40, length=7),
    ]


def make_message(i: int = 1) -> types.Message:
    """A typical incoming text message with entities and a reply header."""
    return types.Message(
        out=False,
        mentioned=True,
        id=1000 + i,
        from_id=types.PeerUser(user_id=777000 + i),
        peer_id=types.PeerChat(chat_id=4242),
        reply_to=types.MessageReplyHeader(reply_to_msg_id=999),
        date=1_700_000_000 + i,
        message="Hello, world! see https://example.org/page — and some more text " * 2,
        entities=_entities(),
        edit_date=1_700_000_100,
    )


def make_user(i: int = 1) -> types.User:
    """A contact as users.getUsers returns it."""
    return types.User(
        contact=True,
        mutual_contact=True,
        id=123456789 + i,
        access_hash=-5_000_000_000_000_000 + i,
        first_name="Alice",
        last_name="Liddell",
        username=f"alice{i}",
        phone="99966123456",
        photo=types.UserProfilePhoto(photo_id=9_000_000_000 + i, dc_id=2),
        status=types.UserStatusOnline(expires=1_700_000_300),
        lang_code="en",
    )


def make_difference() -> types.updates.Difference:
    """An updates.difference with 20 messages, 10 users and a few updates."""
    return types.updates.Difference(
        new_messages=[make_message(i) for i in range(20)],
        new_encrypted_messages=[],
        other_updates=[
            types.UpdateReadHistoryInbox(
                peer=types.PeerUser(user_id=5), max_id=10, still_unread_count=0, pts=7, pts_count=1
            )
            for _ in range(3)
        ],
        chats=[],
        users=[make_user(i) for i in range(10)],
        state=types.updates.State(pts=100, qts=0, date=1_700_000_500, seq=3, unread_count=0),
    )


def make_send_message() -> fn.messages.SendMessage:
    """A messages.sendMessage request (what a client encodes, a server decodes)."""
    return fn.messages.SendMessage(
        peer=types.InputPeerUser(user_id=42, access_hash=-77),
        message="Hello there, this is a plain message with a link https://example.org",
        random_id=-1234567890123,
        entities=_entities(),
    )


CASES: list[tuple[str, Callable[[], TLObject]]] = [
    ("User", make_user),
    ("Message + 3 entities", make_message),
    ("updates.difference (20 msgs, 10 users)", make_difference),
    ("messages.sendMessage", make_send_message),
]


def rate(func: Callable[[], Any], seconds: float, repeats: int = 5) -> float:
    """Calls per second of ``func``: the best of ``repeats`` runs of about ``seconds`` each.

    The best run is the least disturbed by other processes, as with ``timeit``.
    """
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            func()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 10:
            break
        n *= 2
    n = max(1, int(n * seconds / repeats / elapsed))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            func()
        best = min(best, time.perf_counter() - start)
    return n / best


def telethon_decode(data: bytes) -> Any:
    """Decode a boxed object with Telethon's reader."""
    with BinaryReader(data) as reader:
        return reader.tgread_object()


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = ap.parse_args()
    header = (
        f"{'case':40} {'bytes':>6} | {'encode/s ours':>13} {'telethon':>10} {'x':>5} | "
        f"{'decode/s ours':>13} {'telethon':>10} {'x':>5}"
    )
    print(header)
    print("-" * len(header))
    for name, make in CASES:
        ours = make()
        data = bytes(ours)
        theirs = telethon_decode(data)
        if bytes(theirs) != data or read_object(data) != ours:
            raise SystemExit(f"{name}: tgcore and Telethon disagree on the encoding")
        enc_ours = rate(ours.to_bytes, args.seconds)
        enc_theirs = rate(theirs._bytes, args.seconds)
        dec_ours = rate(lambda d=data: read_object(d), args.seconds)  # type: ignore[misc]
        dec_theirs = rate(lambda d=data: telethon_decode(d), args.seconds)  # type: ignore[misc]
        print(
            f"{name:40} {len(data):>6} | {enc_ours:>13,.0f} {enc_theirs:>10,.0f} "
            f"{enc_ours / enc_theirs:>4.1f}x | {dec_ours:>13,.0f} {dec_theirs:>10,.0f} "
            f"{dec_ours / dec_theirs:>4.1f}x"
        )


if __name__ == "__main__":
    main()
