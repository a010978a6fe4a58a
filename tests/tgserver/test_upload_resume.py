"""Resumable uploads with the tgcore client against the real server (sockets on 127.0.0.1).

An upload is interrupted at part k three ways — the connection drops, the server restarts on
the same data dir, the client itself "dies" and a new one takes over from the session file —
and in each case it finishes with the same bytes (downloaded back and compared by sha256)
without sending again the parts the server had acknowledged. Counted on both sides: the client
records every part ``upload_file`` asks for and every acknowledgment; the server counts every
part it accepts (``info.media.parts_accepted``).

The client talks to the server through a small TCP proxy that the test can cut, and that can
point at the next server after a restart (which listens on a new port).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest
import trio

from tgcore.client import (
    Client,
    ClientConfig,
    ReconnectPolicy,
    download_file,
    file_resume_key,
    log_in,
    media_location,
    send_file,
    sent_message,
    upload_file,
)
from tgcore.files import UploadState, plan_upload
from tgcore.storage import SqliteSessionStore
from tgcore.tl import TLRequest, functions, types

app = pytest.importorskip("tgserver.app")
from tgserver.config import ServerConfig  # noqa: E402

MIB = 1024 * 1024
SIZE = 24 * MIB + 12345  # 49 parts of 512 KiB: a big file (saveBigFilePart)
PARTS = 49
IN_FLIGHT = 4
STOP_AT = 20  # interrupt once this many parts are acknowledged
FAST = ReconnectPolicy(initial_delay=0.05, max_delay=0.3)


class Proxy:
    """A TCP relay to the server that the test can cut, and re-point after a restart."""

    def __init__(self) -> None:
        self.port = 0
        self.upstream: int | None = None
        self._scopes: set[trio.CancelScope] = set()

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        self.port = listeners[0].socket.getsockname()[1]
        task_status.started()
        await trio.serve_listeners(self._relay, listeners)

    def cut(self) -> None:
        """Drop every relayed connection (both sides see the socket close)."""
        for scope in list(self._scopes):
            scope.cancel()

    async def _relay(self, downstream: trio.SocketStream) -> None:
        upstream: trio.SocketStream | None = None
        try:
            if self.upstream is None:
                return
            # Shielded: a cancellation that lands just as the connect succeeds would otherwise
            # leave the new socket unclosed. Connecting on 127.0.0.1 takes no time.
            with trio.CancelScope(shield=True):
                try:
                    with trio.fail_after(5):
                        upstream = await trio.open_tcp_stream("127.0.0.1", self.upstream)
                except (OSError, trio.TooSlowError):
                    return
            with trio.CancelScope() as scope:
                self._scopes.add(scope)
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self._pump, downstream, upstream, nursery.cancel_scope)
                    nursery.start_soon(self._pump, upstream, downstream, nursery.cancel_scope)
            self._scopes.discard(scope)
        finally:
            # Closed synchronously: an await here may be cancelled before both are closed.
            downstream.socket.close()
            if upstream is not None:
                upstream.socket.close()

    @staticmethod
    async def _pump(src: trio.SocketStream, dst: trio.SocketStream, done: trio.CancelScope) -> None:
        try:
            while data := await src.receive_some(65536):
                await dst.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        done.cancel()


class CountingClient(Client):
    """A client that records the upload parts it is asked to send and those acknowledged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[int] = []
        self.acked: list[int] = []
        self.on_ack: Callable[[int], None] | None = None

    async def __call__(self, request: TLRequest) -> Any:  # type: ignore[override]
        part = getattr(request, "file_part", None)
        if part is not None:
            self.sent.append(part)
        result = await super().__call__(request)
        if part is not None:
            self.acked.append(part)
            if self.on_ack is not None:
                self.on_ack(part)
        return result


@attrs.define
class Rig:
    """A server behind a proxy, restartable on the same data dir."""

    data_dir: Path
    nursery: trio.Nursery
    proxy: Proxy = attrs.field(factory=Proxy)
    info: Any = None
    accepted_before: int = 0  # parts accepted by servers that were stopped
    _scope: trio.CancelScope | None = None
    _stopped: trio.Event | None = None

    async def start(self) -> None:
        done = trio.Event()

        async def run(task_status: trio.TaskStatus[Any]) -> None:
            try:
                with trio.CancelScope() as scope:
                    self._scope = scope
                    async with app.open_server(
                        ServerConfig(data_dir=self.data_dir, port=0)
                    ) as info:
                        task_status.started(info)
                        await trio.sleep_forever()
            finally:
                done.set()

        self.info = await self.nursery.start(run)
        self._stopped = done
        self.proxy.upstream = self.info.port

    async def stop(self) -> None:
        assert self._scope is not None and self._stopped is not None
        self.accepted_before += self.info.media.parts_accepted
        self.proxy.upstream = None
        self.proxy.cut()
        self._scope.cancel()
        await self._stopped.wait()

    @property
    def parts_accepted(self) -> int:
        return self.accepted_before + self.info.media.parts_accepted

    def client(self, session: SqliteSessionStore) -> CountingClient:
        return CountingClient(
            "127.0.0.1",
            self.proxy.port,
            public_key=self.info.public_key_pem,
            session=session,
            config=ClientConfig(reconnect=FAST, request_timeout=60),
        )


@asynccontextmanager
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with trio.open_nursery() as nursery:
        await nursery.start(Proxy.serve, proxy := Proxy())
        running = Rig(tmp_path / "data", nursery, proxy)
        await running.start()
        yield running
        nursery.cancel_scope.cancel()


def make_file(path: Path) -> bytes:
    data = random.Random(5).randbytes(SIZE)
    path.write_bytes(data)
    return data


async def download_sha256(client: Client, message: types.Message, dest: Path) -> bytes:
    location, size = media_location(message)
    assert size == SIZE
    await download_file(client, location, dest, size=size)
    return hashlib.sha256(await trio.Path(dest).read_bytes()).digest()


async def test_dropped_connection_at_part_k(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    data = make_file(path)
    session = SqliteSessionStore(tmp_path / "me.session")
    with trio.fail_after(120):
        async with rig(tmp_path) as server, server.client(session) as client:
            await log_in(client, "9996627001", "22222")
            acked_at_cut: set[int] = set()

            def cut_at_k(part: int) -> None:
                if len(client.acked) == STOP_AT:
                    acked_at_cut.update(client.acked)
                    server.proxy.cut()

            client.on_ack = cut_at_k
            message = await send_file(
                client, types.InputPeerSelf(), path, parts_in_flight=IN_FLIGHT
            )
            assert client.sender.connections >= 2  # the connection was replaced
            digest = await download_sha256(client, message, tmp_path / "back.bin")
    assert digest == hashlib.sha256(data).digest()
    assert len(acked_at_cut) == STOP_AT
    # upload_file asked for every part once: nothing acknowledged was sent again ...
    assert sorted(client.sent) == list(range(PARTS))
    # ... and the server accepted each part once, plus at most the ones in flight at the cut
    # whose answers the cut lost (the client re-sends those, never acknowledged ones).
    assert PARTS <= server.parts_accepted <= PARTS + IN_FLIGHT


async def test_server_restart_at_part_k(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    data = make_file(path)
    session = SqliteSessionStore(tmp_path / "me.session")
    with trio.fail_after(120):
        async with rig(tmp_path) as server, server.client(session) as client:
            await log_in(client, "9996627002", "22222")
            restarted = trio.Event()
            acked_at_stop: set[int] = set()

            async def restart() -> None:
                acked_at_stop.update(client.acked)
                await server.stop()
                await trio.sleep(0.3)  # the client retries against nothing meanwhile
                await server.start()
                restarted.set()

            def restart_at_k(part: int) -> None:
                if len(client.acked) == STOP_AT:
                    server.nursery.start_soon(restart)

            client.on_ack = restart_at_k
            message = await send_file(
                client, types.InputPeerSelf(), path, parts_in_flight=IN_FLIGHT
            )
            assert restarted.is_set()
            accepted_by_first = server.accepted_before
            digest = await download_sha256(client, message, tmp_path / "back.bin")
    assert digest == hashlib.sha256(data).digest()
    assert len(acked_at_stop) >= STOP_AT and accepted_by_first >= len(acked_at_stop)
    assert sorted(client.sent) == list(range(PARTS))
    # The new server got only what the first had not acknowledged (at most the parts in
    # flight at the stop went to both).
    accepted_by_second = server.parts_accepted - accepted_by_first
    assert PARTS - accepted_by_first <= accepted_by_second <= PARTS - len(acked_at_stop)
    assert accepted_by_second <= PARTS - STOP_AT


async def test_client_restart_at_part_k(tmp_path: Path) -> None:
    """The client process "dies" at part k; a new one resumes from the session file."""
    path = tmp_path / "upload.bin"
    data = make_file(path)
    session_path = tmp_path / "me.session"
    key = file_resume_key(path)
    with trio.fail_after(120):
        async with rig(tmp_path) as server:
            async with server.client(SqliteSessionStore(session_path)) as first:
                await log_in(first, "9996627003", "22222")
                with trio.CancelScope() as scope:

                    def die_at_k(part: int) -> None:
                        if len(first.acked) == STOP_AT:
                            scope.cancel()

                    first.on_ack = die_at_k
                    await upload_file(first, path, resume_key=key, parts_in_flight=IN_FLIGHT)
                assert scope.cancelled_caught
            saved = await SqliteSessionStore(session_path).get_upload(key)
            assert saved is not None
            acked_first = set(first.acked)
            assert {i for i in range(PARTS) if saved.is_acked(i)} == acked_first
            accepted_first = server.parts_accepted

            async with server.client(SqliteSessionStore(session_path)) as second:
                message = await send_file(
                    second, types.InputPeerSelf(), path, parts_in_flight=IN_FLIGHT
                )
                digest = await download_sha256(second, message, tmp_path / "back.bin")
            total_accepted = server.parts_accepted
    assert digest == hashlib.sha256(data).digest()
    # The second client sent exactly the parts the first had no acknowledgment for.
    assert sorted(second.sent) == sorted(set(range(PARTS)) - acked_first)
    assert not acked_first & set(second.sent)
    # Server side: every part once, plus at most the first client's parts in flight when it
    # died (accepted, but their answers never reached it; some may land after it is gone).
    assert accepted_first >= len(acked_first)
    assert PARTS <= total_accepted <= PARTS + IN_FLIGHT
    assert await SqliteSessionStore(session_path).get_upload(key) is None


async def test_upload_without_resume_key_and_a_small_file(tmp_path: Path) -> None:
    """The everyday path: a small file (md5-checked by the server) and a big one, no state."""
    session = SqliteSessionStore(tmp_path / "me.session")
    small = random.Random(1).randbytes(3 * MIB + 1)
    with trio.fail_after(60):
        async with rig(tmp_path) as server, server.client(session) as client:
            await log_in(client, "9996627004", "22222")
            uploaded = await upload_file(client, small, name="small.bin")
            assert isinstance(uploaded, types.InputFile)
            media = types.InputMediaUploadedDocument(
                file=uploaded,
                mime_type="application/octet-stream",
                attributes=[types.DocumentAttributeFilename(file_name="small.bin")],
            )
            answer = await client(
                functions.messages.SendMedia(
                    peer=types.InputPeerSelf(), media=media, message="", random_id=7
                )
            )
            message = sent_message(answer, 7)
            location, size = media_location(message)
            out = tmp_path / "small.out"
            await download_file(client, location, out, size=size, parallel=3)
            assert out.read_bytes() == small
            # Unknown size: sequential requests until the short one.
            again = tmp_path / "again.out"
            assert await download_file(client, location, again) == len(small)
            assert again.read_bytes() == small


async def test_parts_the_server_lost_are_sent_again(tmp_path: Path) -> None:
    """A saved state claims parts the server does not have (its storage was reset): sendMedia
    answers FILE_PART_N_MISSING and send_file uploads the file again, once."""
    path = tmp_path / "upload.bin"
    data = make_file(path)
    session_path = tmp_path / "me.session"
    key = file_resume_key(path)
    state = UploadState.start(plan_upload(SIZE), file_id=424242, started_at=time.time())
    for part in range(PARTS):
        state = state.with_part(part)
    await SqliteSessionStore(session_path).put_upload(key, state)
    with trio.fail_after(60):
        async with rig(tmp_path) as server, server.client(SqliteSessionStore(session_path)) as c:
            await log_in(c, "9996627005", "22222")
            message = await send_file(c, types.InputPeerSelf(), path, parts_in_flight=IN_FLIGHT)
            digest = await download_sha256(c, message, tmp_path / "back.bin")
    assert digest == hashlib.sha256(data).digest()
    assert sorted(c.sent) == list(range(PARTS))  # all of them, once, under a new file id
    assert server.parts_accepted == PARTS
