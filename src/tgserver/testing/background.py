"""A tgserver inside a test process, for clients that do not speak Trio.

Telethon, Kurigram, aiogram and python-telegram-bot are asyncio libraries and cannot run inside
Trio. :class:`BackgroundServer` runs :func:`tgserver.app.serve` with ``trio.run`` in a thread
of its own, over real sockets, while the test thread runs the asyncio client::

    server = BackgroundServer(ServerConfig(data_dir=tmp_path, port=0))
    info = server.start()          # ServerInfo: host, port, fingerprint, public key PEM
    try:
        ...                        # asyncio.run(telethon_test(info))
    finally:
        server.stop()
"""

from __future__ import annotations

import contextlib
import queue
import threading

import trio

from tgserver.app import ServerInfo, serve
from tgserver.config import ServerConfig

__all__ = ["BackgroundServer"]


class BackgroundServer:
    """``serve(config)`` on a Trio loop in a background thread.

    :meth:`start` returns once the server accepts connections; :meth:`stop` cancels it,
    waits for the thread and re-raises anything the server died of.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._thread: threading.Thread | None = None
        self._started: queue.Queue[ServerInfo | BaseException] = queue.Queue()
        self._token: trio.lowlevel.TrioToken | None = None
        self._scope: trio.CancelScope | None = None
        #: What the server's Trio loop raised, if it died.
        self.error: BaseException | None = None

    def start(self, timeout: float = 30.0) -> ServerInfo:
        """Start the server thread; returns the :class:`ServerInfo` once it is listening."""
        self._thread = threading.Thread(target=self._run, name="tgserver", daemon=True)
        self._thread.start()
        started = self._started.get(timeout=timeout)
        if isinstance(started, BaseException):
            raise started
        return started

    def _run(self) -> None:
        try:
            trio.run(self._main)
        except BaseException as exc:  # handed to the thread that called start()/stop()
            self.error = exc
            self._started.put(exc)

    async def _main(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        with trio.CancelScope() as scope:
            self._scope = scope
            async with trio.open_nursery() as nursery:
                info = await nursery.start(serve, self.config)
                self._started.put(info)

    @property
    def trio_token(self) -> trio.lowlevel.TrioToken:
        """The token of the server's Trio loop (for ``trio.from_thread.run``).

        Raises:
            RuntimeError: the server is not running.
        """
        if self._token is None or self._thread is None:
            raise RuntimeError("the server is not running")
        return self._token

    def stop(self, timeout: float = 30.0) -> None:
        """Cancel the server and wait for its thread; re-raises what the server died of."""
        if self._thread is None:
            return
        if self._scope is not None and self._token is not None:
            with contextlib.suppress(trio.RunFinishedError):
                trio.from_thread.run_sync(self._scope.cancel, trio_token=self._token)
        self._thread.join(timeout=timeout)
        if self._thread.is_alive():
            raise RuntimeError("the tgserver thread did not stop")
        self._thread = None
        if self.error is not None:
            raise self.error
