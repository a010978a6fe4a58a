"""A server for tests: :class:`TgTestServer` runs it, creates bots and simulated users.

The server runs on a Trio loop of its own in a background thread (:class:`BackgroundServer`).
Everything a test asks of it hops into that loop with ``trio.from_thread.run``: the blocking
methods from plain (sync) tests, the ``a``-prefixed/``aio`` ones from asyncio or Trio tests,
which run the blocking call in a worker thread so the test's own event loop (the one running
the bot under test) keeps turning while the server works.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import attrs
import fsspec  # type: ignore[import-untyped]
import sniffio
import trio

from tgserver.config import ServerConfig
from tgserver.testing.background import BackgroundServer

if TYPE_CHECKING:
    from tgserver.app import ServerInfo
    from tgserver.media import MediaService
    from tgserver.services import BotServices
    from tgserver.store.accounts import UserRecord
    from tgserver.testing.users import SimulatedUser

__all__ = ["TgTestBot", "TgTestServer", "memory_config"]

T = TypeVar("T")


def memory_config(data_dir: Path, **overrides: object) -> ServerConfig:
    """A :class:`ServerConfig` for tests: memory storage, free ports on 127.0.0.1, Bot API on.

    ``data_dir`` is only a fallback: with ``storage = "memory"`` nothing should be written
    there. ``overrides`` replace any other option.
    """
    values: dict[str, object] = {
        "data_dir": data_dir,
        # A root of our own, so stop() can free the blobs (fsspec's memory filesystem is
        # process-wide and outlives the server).
        "media_root": f"memory://tgserver-test-{secrets.token_hex(8)}",
        "host": "127.0.0.1",
        "port": 0,
        "bot_api_port": 0,
        "storage": "memory",
    }
    values.update(overrides)
    return ServerConfig(**values)  # type: ignore[arg-type]


@attrs.frozen
class TgTestBot:
    """A bot account on a test server, with what a bot framework needs to reach it.

    aiogram::

        session = AiohttpSession(api=TelegramAPIServer.from_base(bot.server_url))
        Bot(bot.token, session=session)

    python-telegram-bot::

        Application.builder().token(bot.token).base_url(bot.base_url)
            .base_file_url(bot.base_file_url).build()

    Attributes:
        id: The bot's user id (also the chat id users see).
        username: Its username (without ``@``).
        first_name: Its display name.
        token: The Bot API token (``<id>:<secret>``).
        server_url: ``http://host:port`` of the Bot API (aiogram's ``from_base`` takes it).
    """

    id: int
    username: str
    first_name: str
    token: str = attrs.field(repr=False)
    server_url: str

    @property
    def base_url(self) -> str:
        """``<server_url>/bot``: python-telegram-bot's ``base_url`` (it appends the token)."""
        return f"{self.server_url}/bot"

    @property
    def base_file_url(self) -> str:
        """``<server_url>/file/bot``: python-telegram-bot's ``base_file_url``."""
        return f"{self.server_url}/file/bot"

    def api_url(self, method: str) -> str:
        """The URL of one Bot API method of this bot (``.../bot<token>/getMe``)."""
        return f"{self.server_url}/bot{self.token}/{method}"


def _in_event_loop() -> str | None:
    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None


class TgTestServer:
    """A running memory-storage server and the ways a test reaches into it.

    Build one with :meth:`start` (the ``tg_server`` fixture does); :meth:`stop` ends it.
    """

    def __init__(self, background: BackgroundServer, info: ServerInfo) -> None:
        self._background = background
        #: Where the server listens, its key, and its live services.
        self.info = info
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    @classmethod
    def start(cls, config: ServerConfig, *, timeout: float = 30.0) -> TgTestServer:
        """Start ``serve(config)`` in a background thread; returns once it listens.

        Raises:
            ValueError: ``config`` turns the Bot API off.
        """
        if config.bot_api_port is None:
            raise ValueError("a test server needs the Bot API: bot_api_port must not be None")
        background = BackgroundServer(config)
        info = background.start(timeout=timeout)
        return cls(background, info)

    def stop(self) -> None:
        """Stop the server and wait for its thread; re-raises what the server died of.

        Files a memory server kept under a ``memory://`` media root are freed.
        """
        try:
            self._background.stop()
        finally:
            root = self.config.media_root
            if root is not None and root.startswith("memory://"):
                memory = fsspec.filesystem("memory")
                with contextlib.suppress(FileNotFoundError):
                    memory.rm(root, recursive=True)

    @property
    def config(self) -> ServerConfig:
        """The server's configuration."""
        return self._background.config

    @property
    def bot_api_url(self) -> str:
        """``http://host:port`` of the Bot API."""
        url = self.info.bot_api_url
        assert url is not None  # start() refuses configs without a Bot API
        return url

    @property
    def bots(self) -> BotServices:
        """The server's bot services (they run on the server's loop: reach them via
        :meth:`call`)."""
        bots = self.info.bots
        if bots is None:  # pragma: no cover - serve() always builds them
            raise RuntimeError("this server has no bot services")
        return bots

    @property
    def media(self) -> MediaService:
        """The server's media service (reach it via :meth:`call`)."""
        media = self.info.media
        if media is None:  # pragma: no cover - serve() always builds it
            raise RuntimeError("this server has no media service")
        return media

    def next_number(self) -> int:
        """A number unique on this server (for generated usernames and phone numbers)."""
        with self._lock:
            return next(self._numbers)

    # --- reaching into the server's loop

    def call(self, afn: Callable[..., Awaitable[T]], *args: object) -> T:
        """Run ``await afn(*args)`` on the server's loop and return its result (blocking).

        Raises:
            RuntimeError: called from inside an event loop (use :meth:`acall` there: blocking
                it would stall the bot under test).
        """
        library = _in_event_loop()
        if library is not None:
            raise RuntimeError(
                f"a blocking tgserver.testing call inside a running {library} loop would stall"
                " it: use the async variant (await user.aio.send(...), await server.acall(...))"
            )
        return trio.from_thread.run(afn, *args, trio_token=self._background.trio_token)

    def call_anywhere(self, afn: Callable[..., Awaitable[T]], *args: object) -> T:
        """:meth:`call` that also works inside an event loop, by blocking it for the duration
        (from a helper thread): for short calls that do not need the bot to run, such as
        creating accounts."""
        if _in_event_loop() is None:
            return self.call(afn, *args)
        token = self._background.trio_token
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="tgserver-call") as pool:
            return pool.submit(trio.from_thread.run, afn, *args, trio_token=token).result()

    async def acall(self, afn: Callable[..., Awaitable[T]], *args: object) -> T:
        """:meth:`call` for asyncio and Trio code: the event loop keeps running meanwhile."""
        token = self._background.trio_token

        def blocking() -> T:
            return trio.from_thread.run(afn, *args, trio_token=token)

        if sniffio.current_async_library() == "trio":
            return await trio.to_thread.run_sync(blocking)
        return await asyncio.to_thread(blocking)

    # --- bots and users

    async def _create_bot(self, username: str | None, first_name: str | None) -> TgTestBot:
        if username is None:
            username = f"test{self.next_number()}_bot"
        record = await self.bots.bots.create_bot(username, first_name)
        account = await self.bots.bots.account(record.id)
        return TgTestBot(
            id=record.id,
            username=account.username or username,
            first_name=account.first_name,
            token=record.token,
            server_url=self.bot_api_url,
        )

    def make_bot(self, username: str | None = None, first_name: str | None = None) -> TgTestBot:
        """Create a bot account (``username`` must end in ``bot``; default ``test<N>_bot``).

        Works in sync and async tests alike (it blocks only for the moment the server needs).

        Raises:
            RpcError: ``USERNAME_INVALID`` / ``USERNAME_OCCUPIED``.
        """
        return self.call_anywhere(self._create_bot, username, first_name)

    async def amake_bot(
        self, username: str | None = None, first_name: str | None = None
    ) -> TgTestBot:
        """:meth:`make_bot` from async code."""
        return await self.acall(self._create_bot, username, first_name)

    def make_user(
        self, first_name: str = "Test", last_name: str = "", username: str | None = None
    ) -> SimulatedUser:
        """Create an account that a test drives directly (no MTProto client involved).

        Works in sync and async tests alike (it blocks only for the moment the server needs).

        Raises:
            RpcError: ``FIRSTNAME_INVALID``, ``USERNAME_OCCUPIED`` ...
        """
        from tgserver.testing.users import SimulatedUser

        record = self.call_anywhere(self._create_user, first_name, last_name, username)
        return SimulatedUser(self, record)

    async def amake_user(
        self, first_name: str = "Test", last_name: str = "", username: str | None = None
    ) -> SimulatedUser:
        """:meth:`make_user` from async code."""
        from tgserver.testing.users import SimulatedUser

        record = await self.acall(self._create_user, first_name, last_name, username)
        return SimulatedUser(self, record)

    async def _create_user(
        self, first_name: str, last_name: str, username: str | None
    ) -> UserRecord:
        # 1 555 + 7 digits: a fictional North American range, unique per server.
        phone = f"1555{self.next_number():07d}"
        users = self.bots.messaging.accounts.users
        return await users.register(
            phone=phone, first_name=first_name, last_name=last_name, username=username
        )

    def now(self) -> int:
        """The server's notion of the current Unix time (whole seconds)."""
        return int(time.time())
