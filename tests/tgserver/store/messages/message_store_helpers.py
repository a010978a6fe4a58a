"""Helpers of the message-store tests (a module name unique in the suite)."""

from __future__ import annotations

from tgserver.store.messages import MessageStore, NewMessage, SendResult

# Users chosen so that, with 4 shards, A and B live in different files and A and C share one:
# both delivery paths (same transaction, outbox) are exercised by the same tests.
A, B, C, D = 1, 2, 5, 3


async def send(
    store: MessageStore,
    sender: int,
    peer: int,
    text: str = "",
    date: int = 1000,
    *,
    random_id: int | None = None,
    reply_to: int | None = None,
    entities: bytes | None = None,
    media: bytes | None = None,
    fwd_from: bytes | None = None,
    reply_markup: bytes | None = None,
    action: bytes | None = None,
    grouped_id: int | None = None,
) -> SendResult:
    """Send a private message with defaults for what a test does not care about."""
    return await store.send_message(
        NewMessage(
            sender_id=sender,
            peer_id=peer,
            date=date,
            text=text,
            entities=entities,
            media=media,
            reply_to=reply_to,
            fwd_from=fwd_from,
            random_id=random_id,
            reply_markup=reply_markup,
            action=action,
            grouped_id=grouped_id,
        )
    )
