"""Simulated users: accounts a test drives directly to talk to the bot under test.

A :class:`SimulatedUser` does at the service level what a Telegram app does over MTProto:
it sends text, photos and documents, presses inline buttons and reads its chat with the bot.
Its methods block (plain tests); ``user.aio`` (:class:`AsyncSimulatedUser`) has the same
methods as coroutines for asyncio and Trio tests, where the bot runs on the test's own loop.
"""

from __future__ import annotations

import mimetypes
import os
import time
from typing import TYPE_CHECKING, TypeAlias

import trio

from tgserver.media import media_id_of
from tgserver.testing.harness import TgTestBot
from tgserver.testing.messages import ChatMessage, MediaInfo, chat_message

if TYPE_CHECKING:
    from tgserver.bus import Subscription
    from tgserver.services.bots_callbacks import CallbackAnswer
    from tgserver.store.accounts import UserRecord
    from tgserver.store.messages import MessageRecord
    from tgserver.testing.harness import TgTestServer

__all__ = ["AsyncSimulatedUser", "SimulatedUser"]

#: Where a user sends: a bot, another simulated user, a message of the chat, or a peer id.
Chat: TypeAlias = "TgTestBot | SimulatedUser | ChatMessage | int"

#: Seconds the ``wait_for_*`` methods wait by default.
DEFAULT_TIMEOUT = 10.0
# The bus wakes waiters at once; this re-check only guards against a missed event.
_POLL = 0.25


def _peer(chat: Chat) -> int:
    if isinstance(chat, TgTestBot | SimulatedUser):
        return chat.id
    if isinstance(chat, ChatMessage):
        return chat.chat_id
    return int(chat)


def _data(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else bytes(data)


class SimulatedUser:
    """An account a test drives; every method blocks until the server has done it.

    Create one with the ``make_user`` fixture or :meth:`TgTestServer.make_user`. In asyncio
    or Trio tests use :attr:`aio` (same methods, awaitable).

    Attributes:
        id: The user id (the chat id the bot sees).
        first_name: The display name.
        username: The username, or None.
        record: The account record.
    """

    def __init__(self, server: TgTestServer, record: UserRecord) -> None:
        self.server = server
        self.record = record
        self.id = record.id
        self.first_name = record.first_name
        self.username = record.username
        self._cursor: dict[int, int] = {}
        self._last_chat: int | None = None
        self._subscription: Subscription | None = None
        self._changed: trio.Event | None = None
        self._aio = AsyncSimulatedUser(self)

    def __repr__(self) -> str:
        return f"<SimulatedUser {self.id} {self.first_name!r}>"

    @property
    def aio(self) -> AsyncSimulatedUser:
        """The same user with awaitable methods (for asyncio and Trio tests)."""
        return self._aio

    # --- blocking API ------------------------------------------------------------------

    def send(self, chat: Chat, text: str, *, reply_to: int | None = None) -> ChatMessage:
        """Send ``text`` (a command such as ``/start`` too) to ``chat``; returns this user's
        copy of the message."""
        return self.server.call(self._send, _peer(chat), text, None, reply_to)

    def send_photo(self, chat: Chat, data: bytes, *, caption: str = "") -> ChatMessage:
        """Send an image (JPEG, PNG, ...) as a photo; the server makes its sizes.

        Raises:
            RpcError: ``IMAGE_PROCESS_FAILED`` (not an image), ``PHOTO_INVALID_DIMENSIONS``.
        """
        return self.server.call(self._send_photo, _peer(chat), bytes(data), caption)

    def send_document(
        self,
        chat: Chat,
        data: bytes,
        name: str,
        *,
        mime_type: str | None = None,
        caption: str = "",
    ) -> ChatMessage:
        """Send ``data`` as a file called ``name`` (MIME type guessed from the name unless
        given)."""
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        return self.server.call(self._send_document, _peer(chat), bytes(data), name, mime, caption)

    def press(
        self, message: ChatMessage, data: str | bytes | None = None, *, text: str | None = None
    ) -> CallbackAnswer:
        """Press an inline button under ``message``, chosen by its callback ``data`` or its
        ``text``; waits for the bot's ``answerCallbackQuery`` and returns the answer.

        Raises:
            LookupError: no button has that text.
            RpcError: ``BOT_RESPONSE_TIMEOUT`` (the bot did not answer in 10 s).
        """
        return self.server.call(self._press, message, _press_data(message, data, text))

    def messages(self, chat: Chat | None = None, *, limit: int = 20) -> list[ChatMessage]:
        """The latest ``limit`` messages of the chat, oldest first (both directions)."""
        return self.server.call(self._messages, self._chat(chat), limit)

    def wait_for_reply(
        self, chat: Chat | None = None, *, timeout: float = DEFAULT_TIMEOUT
    ) -> ChatMessage:
        """The next message the other side sends after what this user sent or already read
        with this method (each call returns the following one).

        ``chat`` defaults to the chat this user last sent to.

        Raises:
            TimeoutError: nothing arrived within ``timeout`` seconds.
        """
        return self.server.call(self._wait_for_reply, self._chat(chat), timeout)

    def wait_for_replies(
        self, count: int, chat: Chat | None = None, *, timeout: float = DEFAULT_TIMEOUT
    ) -> list[ChatMessage]:
        """The next ``count`` messages from the other side (see :meth:`wait_for_reply`).

        Raises:
            TimeoutError: fewer arrived within ``timeout`` seconds.
        """
        return self.server.call(self._wait_for_replies, self._chat(chat), count, timeout)

    def refresh(self, message: ChatMessage) -> ChatMessage:
        """The current state of ``message`` (after edits).

        Raises:
            LookupError: it was deleted.
        """
        return self.server.call(self._refresh, message)

    def wait_for_edit(
        self, message: ChatMessage, *, timeout: float = DEFAULT_TIMEOUT
    ) -> ChatMessage:
        """Wait until ``message`` is edited (text, keyboard or media differ from ``message``);
        returns the edited state.

        Raises:
            TimeoutError: it was not edited within ``timeout`` seconds.
        """
        return self.server.call(self._wait_for_edit, message, timeout)

    def download(self, message: ChatMessage) -> bytes:
        """The bytes of the photo (largest size) or document attached to ``message``.

        Raises:
            ValueError: the message has no media.
        """
        return self.server.call(self._download, message)

    # --- the server-side work (runs on the server's Trio loop) ------------------------

    def _chat(self, chat: Chat | None) -> int:
        if chat is not None:
            return _peer(chat)
        if self._last_chat is None:
            raise ValueError("no chat given and this user has not sent anything yet")
        return self._last_chat

    def _seen(self, peer: int, message_id: int) -> None:
        self._cursor[peer] = max(self._cursor.get(peer, 0), message_id)

    def _watch(self) -> trio.Event:
        """The event set at the next change of this user's box (subscribing on first use)."""
        if self._subscription is None:
            self._changed = trio.Event()

            async def changed(user_id: int, event: object) -> None:
                current, self._changed = self._changed, trio.Event()
                if current is not None:
                    current.set()

            self._subscription = self.server.bots.messaging.bus.subscribe(self.id, changed)
        assert self._changed is not None
        return self._changed

    async def _message(self, record: MessageRecord) -> ChatMessage:
        media: MediaInfo | None = None
        media_id = media_id_of(record.media) if record.media else None
        if media_id is not None:
            stored = await self.server.media.get(media_id)
            if stored is not None:
                media = MediaInfo(
                    kind=str(stored.kind),
                    media_id=stored.id,
                    name=stored.name,
                    mime_type=stored.mime_type,
                    size=stored.size(),
                )
        return chat_message(record, media)

    async def _send(
        self, peer: int, text: str, media: bytes | None, reply_to: int | None
    ) -> ChatMessage:
        self._watch()
        result = await self.server.bots.messaging.messages.send(
            self.id,
            peer,
            text,
            media=media,
            reply_to=reply_to,
            random_id=int.from_bytes(os.urandom(8), "big", signed=True),
        )
        self._last_chat = peer
        self._seen(peer, result.message.id)
        return await self._message(result.message)

    async def _send_photo(self, peer: int, data: bytes, caption: str) -> ChatMessage:
        stored = await self.server.media.store_photo(self.id, data)
        return await self._send(peer, caption, self.server.media.message_media(stored), None)

    async def _send_document(
        self, peer: int, data: bytes, name: str, mime: str, caption: str
    ) -> ChatMessage:
        stored = await self.server.media.store_document(self.id, data, name=name, mime_type=mime)
        return await self._send(peer, caption, self.server.media.message_media(stored), None)

    async def _press(self, message: ChatMessage, data: bytes) -> CallbackAnswer:
        record = message.record
        if record is None:
            raise ValueError("press() needs a message read through this user")
        self._watch()
        return await self.server.bots.callbacks.press(self.id, record, data, now=int(time.time()))

    async def _history(self, peer: int, limit: int, min_id: int = 0) -> list[MessageRecord]:
        page = await self.server.bots.messaging.messages.history(
            self.id, peer, limit=limit, min_id=min_id
        )
        return sorted(page.messages, key=lambda record: record.id)

    async def _messages(self, peer: int, limit: int) -> list[ChatMessage]:
        return [await self._message(record) for record in await self._history(peer, limit)]

    async def _next_incoming(self, peer: int) -> MessageRecord | None:
        for record in await self._history(peer, 100, min_id=self._cursor.get(peer, 0)):
            if not record.out:
                return record
        return None

    async def _wait_for_replies(self, peer: int, count: int, seconds: float) -> list[ChatMessage]:
        found: list[ChatMessage] = []
        deadline = trio.current_time() + seconds
        while len(found) < count:
            changed = self._watch()
            record = await self._next_incoming(peer)
            if record is not None:
                self._seen(peer, record.id)
                found.append(await self._message(record))
                continue
            if trio.current_time() >= deadline:
                raise TimeoutError(
                    f"{len(found)} of {count} expected messages arrived from {peer} in"
                    f" {seconds:g} s"
                )
            with trio.move_on_at(min(deadline, trio.current_time() + _POLL)):
                await changed.wait()
        return found

    async def _wait_for_reply(self, peer: int, seconds: float) -> ChatMessage:
        try:
            return (await self._wait_for_replies(peer, 1, seconds))[0]
        except TimeoutError:
            raise TimeoutError(f"no message arrived from {peer} in {seconds:g} s") from None

    async def _refresh(self, message: ChatMessage) -> ChatMessage:
        record = await self.server.bots.messaging.messages.store.get_message(self.id, message.id)
        if record is None:
            raise LookupError(f"message {message.id} of user {self.id} no longer exists")
        return await self._message(record)

    async def _wait_for_edit(self, message: ChatMessage, seconds: float) -> ChatMessage:
        deadline = trio.current_time() + seconds
        while True:
            changed = self._watch()
            current = await self._refresh(message)
            if (current.edit_date, current.text, current.buttons, current.media) != (
                message.edit_date,
                message.text,
                message.buttons,
                message.media,
            ):
                return current
            if trio.current_time() >= deadline:
                raise TimeoutError(f"message {message.id} was not edited in {seconds:g} s")
            with trio.move_on_at(min(deadline, trio.current_time() + _POLL)):
                await changed.wait()

    async def _download(self, message: ChatMessage) -> bytes:
        if message.media is None:
            raise ValueError(f"message {message.id} has no media")
        stored = await self.server.media.get(message.media.media_id)
        if stored is None:
            raise LookupError(f"the file of message {message.id} is gone")
        return await self.server.media.read(stored, 0, stored.size())


def _press_data(message: ChatMessage, data: str | bytes | None, text: str | None) -> bytes:
    if (data is None) == (text is None):
        raise TypeError("press() takes either the callback data or the button text")
    if text is not None:
        button = message.button(text)
        if button.data is None:
            raise ValueError(f"button {text!r} is not a callback button")
        return button.data
    assert data is not None
    return _data(data)


class AsyncSimulatedUser:
    """A :class:`SimulatedUser`'s methods as coroutines (``user.aio``): they run the work in
    a worker thread so the test's event loop, and the bot on it, keep running."""

    def __init__(self, user: SimulatedUser) -> None:
        self.user = user

    @property
    def id(self) -> int:
        """The user id."""
        return self.user.id

    async def send(self, chat: Chat, text: str, *, reply_to: int | None = None) -> ChatMessage:
        """See :meth:`SimulatedUser.send`."""
        user = self.user
        return await user.server.acall(user._send, _peer(chat), text, None, reply_to)

    async def send_photo(self, chat: Chat, data: bytes, *, caption: str = "") -> ChatMessage:
        """See :meth:`SimulatedUser.send_photo`."""
        user = self.user
        return await user.server.acall(user._send_photo, _peer(chat), bytes(data), caption)

    async def send_document(
        self,
        chat: Chat,
        data: bytes,
        name: str,
        *,
        mime_type: str | None = None,
        caption: str = "",
    ) -> ChatMessage:
        """See :meth:`SimulatedUser.send_document`."""
        user = self.user
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        return await user.server.acall(
            user._send_document, _peer(chat), bytes(data), name, mime, caption
        )

    async def press(
        self, message: ChatMessage, data: str | bytes | None = None, *, text: str | None = None
    ) -> CallbackAnswer:
        """See :meth:`SimulatedUser.press`."""
        user = self.user
        return await user.server.acall(user._press, message, _press_data(message, data, text))

    async def messages(self, chat: Chat | None = None, *, limit: int = 20) -> list[ChatMessage]:
        """See :meth:`SimulatedUser.messages`."""
        user = self.user
        return await user.server.acall(user._messages, user._chat(chat), limit)

    async def wait_for_reply(
        self,
        chat: Chat | None = None,
        *,
        # The wait happens on the server's loop, out of reach of the caller's cancel scopes.
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> ChatMessage:
        """See :meth:`SimulatedUser.wait_for_reply`."""
        user = self.user
        return await user.server.acall(user._wait_for_reply, user._chat(chat), timeout)

    async def wait_for_replies(
        self,
        count: int,
        chat: Chat | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> list[ChatMessage]:
        """See :meth:`SimulatedUser.wait_for_replies`."""
        user = self.user
        return await user.server.acall(user._wait_for_replies, user._chat(chat), count, timeout)

    async def refresh(self, message: ChatMessage) -> ChatMessage:
        """See :meth:`SimulatedUser.refresh`."""
        return await self.user.server.acall(self.user._refresh, message)

    async def wait_for_edit(
        self,
        message: ChatMessage,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> ChatMessage:
        """See :meth:`SimulatedUser.wait_for_edit`."""
        return await self.user.server.acall(self.user._wait_for_edit, message, timeout)

    async def download(self, message: ChatMessage) -> bytes:
        """See :meth:`SimulatedUser.download`."""
        return await self.user.server.acall(self.user._download, message)
