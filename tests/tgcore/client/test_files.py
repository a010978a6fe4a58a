"""upload_file / download_file against the in-test server with an in-memory file backend.

The backend checks every request by Telegram's rules (part sizes, part counts, getFile ranges)
and counts what it received, so the tests can tell which parts went out and how many at once.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest
import trio

from tgcore.client import (
    Client,
    ClientConfig,
    ReconnectPolicy,
    TransferError,
    download_file,
    file_resume_key,
    upload_file,
)
from tgcore.crypto import RsaPrivateKey
from tgcore.errors import RpcError
from tgcore.files import UploadState, check_file_request, plan_upload
from tgcore.storage import MemorySessionStore, SqliteSessionStore
from tgcore.tl import functions, pack_bool, types

if TYPE_CHECKING:
    from .conftest import MiniServer

MIB = 1024 * 1024
FAST = ReconnectPolicy(initial_delay=0.02, max_delay=0.2)


def payload(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


@attrs.define
class Backend:
    """Upload parts and downloadable files, as a server keeps them."""

    parts: dict[int, dict[int, bytes]] = attrs.field(factory=dict)
    totals: dict[int, int] = attrs.field(factory=dict)
    received: list[tuple[int, int]] = attrs.field(factory=list)  # (file_id, part) per call
    files: dict[int, bytes] = attrs.field(factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    delay: float = 0.0
    refuse: bool = False
    on_part: Callable[[int], None] | None = None
    short_answers: bool = False
    get_calls: int = 0
    hold_until: int = 0  # hold the first parts until this many are in flight at once
    _held: trio.Event = attrs.field(factory=trio.Event)

    async def save(self, file_id: int, part: int, data: bytes, total: int | None) -> bytes:
        assert 0 < len(data) <= 512 * 1024
        if total is not None:
            assert self.totals.setdefault(file_id, total) == total
            assert 0 <= part < total <= 4000
        self.received.append((file_id, part))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.in_flight >= self.hold_until:
            self._held.set()
        try:
            with trio.move_on_after(10):  # a bound for a broken client, not a timing assert
                await self._held.wait()
            await trio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        self.parts.setdefault(file_id, {})[part] = data
        if self.on_part is not None:
            self.on_part(part)
        return pack_bool(not self.refuse)

    def assemble(self, file: types.InputFile | types.InputFileBig) -> bytes:
        parts = self.parts[file.id]
        assert sorted(parts) == list(range(file.parts))
        data = b"".join(parts[i] for i in range(file.parts))
        if isinstance(file, types.InputFile):
            assert hashlib.md5(data).hexdigest() == file.md5_checksum
        return data

    def get(self, request: Any) -> types.upload.File:
        check_file_request(request.offset, request.limit)
        self.get_calls += 1
        data = self.files[request.location.id][request.offset : request.offset + request.limit]
        if self.short_answers and len(data) > 4096:
            data = data[:4096]
        return types.upload.File(type=types.storage.FilePartial(), mtime=0, bytes=data)

    def install(self, server: MiniServer) -> None:
        server.handlers[functions.upload.SaveFilePart] = lambda r: self.save(
            r.file_id, r.file_part, r.bytes, None
        )
        server.handlers[functions.upload.SaveBigFilePart] = lambda r: self.save(
            r.file_id, r.file_part, r.bytes, r.file_total_parts
        )
        server.handlers[functions.upload.GetFile] = self.get


@pytest.fixture
def backend(server: MiniServer) -> Backend:
    backend = Backend()
    backend.install(server)
    return backend


def make_client(server: MiniServer, key: RsaPrivateKey, session: Any = None) -> Client:
    return Client(
        "127.0.0.1",
        server.port,
        public_key=key.public_key,
        session=session,
        config=ClientConfig(reconnect=FAST),
    )


def location(file_id: int) -> types.InputDocumentFileLocation:
    return types.InputDocumentFileLocation(
        id=file_id, access_hash=0, file_reference=b"", thumb_size=""
    )


# -- uploads ----------------------------------------------------------------------------------


async def test_small_upload_from_bytes(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend
) -> None:
    data = payload(300_000)
    seen: list[tuple[int, int]] = []
    async with make_client(server, server_key) as client:
        file = await upload_file(client, data, progress=lambda d, t: seen.append((d, t)))
    assert isinstance(file, types.InputFile)
    assert (file.parts, file.name) == (3, "file")
    assert backend.assemble(file) == data
    assert seen[0] == (0, 300_000) and seen[-1] == (300_000, 300_000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


async def test_big_upload_from_a_path_keeps_parts_in_flight(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend, tmp_path: Path
) -> None:
    data = payload(12 * MIB + 5)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    backend.hold_until = 4  # the first parts wait until 4 are in flight together
    async with make_client(server, server_key) as client:
        file = await upload_file(client, path, parts_in_flight=4)
    assert isinstance(file, types.InputFileBig)
    assert (file.parts, file.name) == (25, "big.bin")
    assert backend.assemble(file) == data
    assert backend.max_in_flight == 4
    assert len(backend.received) == 25


async def test_upload_from_a_file_object_with_a_custom_part_size(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend
) -> None:
    data = payload(70_000)
    async with make_client(server, server_key) as client:
        file = await upload_file(client, io.BytesIO(data), name="x.bin", part_size=32 * 1024)
    assert isinstance(file, types.InputFile) and file.parts == 3
    assert backend.assemble(file) == data


async def test_refused_part(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend
) -> None:
    backend.refuse = True
    async with make_client(server, server_key) as client:
        with pytest.raises(TransferError, match="refused part"):
            await upload_file(client, b"x" * 10)


async def test_rpc_error_propagates_and_the_state_is_kept(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend
) -> None:
    def fail_at_two(part: int) -> None:
        if part == 2:
            raise RpcError(400, "FILE_PART_INVALID")

    backend.on_part = fail_at_two
    store = MemorySessionStore()
    async with make_client(server, server_key, store) as client:
        with pytest.raises(RpcError, match="FILE_PART_INVALID"):
            await upload_file(client, payload(5 * 131072), parts_in_flight=1, resume_key="k")
    state = await store.get_upload("k")
    assert state is not None and list(state.missing()) == [2, 3, 4]


async def test_bad_arguments(server: MiniServer, server_key: RsaPrivateKey) -> None:
    async with make_client(server, server_key) as client:
        with pytest.raises(ValueError):
            await upload_file(client, b"")
        with pytest.raises(ValueError):
            await upload_file(client, b"x", parts_in_flight=0)
        with pytest.raises(TypeError):
            await upload_file(client, 12345)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            await download_file(client, location(1), io.BytesIO(), parallel=0)
        with pytest.raises(TypeError):
            await download_file(client, location(1), 12345)  # type: ignore[arg-type]


class ShrinkingFile(io.BytesIO):
    """A file object whose reads come back short (the file was truncated under us)."""

    def read(self, size: int | None = -1, /) -> bytes:
        return super().read(size)[: max(0, (size or 0) - 1)]


async def test_a_source_that_ends_early(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend
) -> None:
    async with make_client(server, server_key) as client:
        with pytest.raises(TransferError, match="ended"):
            await upload_file(client, ShrinkingFile(b"x" * 1000))
        with pytest.raises(TransferError, match="ended early"):
            await upload_file(client, ShrinkingFile(b"x" * (11 * MIB)))


async def test_resume_after_the_client_restarts(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend, tmp_path: Path
) -> None:
    """An upload cancelled after k parts resumes in a new client from the SQLite state."""
    data = payload(11 * MIB)
    path = tmp_path / "resume.bin"
    path.write_bytes(data)
    key = file_resume_key(path)
    session = tmp_path / "me.session"
    acked_before: set[int] = set()

    async with make_client(server, server_key, SqliteSessionStore(session)) as client:
        with trio.CancelScope() as scope:

            def stop_after_eight(done: int, total: int) -> None:
                if done >= 8 * 512 * 1024:
                    scope.cancel()

            await upload_file(
                client, path, resume_key=key, progress=stop_after_eight, parts_in_flight=2
            )
    assert scope.cancelled_caught
    state = await SqliteSessionStore(session).get_upload(key)
    assert state is not None and 8 <= state.acked_parts < 22
    acked_before = {i for i in range(state.parts) if state.is_acked(i)}
    first_run = Counter(part for _, part in backend.received)

    backend.received.clear()
    seen: list[int] = []
    async with make_client(server, server_key, SqliteSessionStore(session)) as client:
        file = await upload_file(client, path, resume_key=key, progress=lambda d, t: seen.append(d))
    assert file.id == state.file_id
    assert backend.assemble(file) == data
    second_run = Counter(part for _, part in backend.received)
    assert not acked_before & set(second_run), "an acknowledged part was sent again"
    assert set(second_run) == set(range(22)) - acked_before
    assert set(first_run) | set(second_run) == set(range(22))
    assert seen[0] == state.acked_bytes
    assert await SqliteSessionStore(session).get_upload(key) is None  # done: forgotten


async def test_resume_across_a_dropped_connection(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend
) -> None:
    data = payload(12 * MIB)
    backend.delay = 0.005
    acked_at_drop: set[int] = set()
    acked: set[int] = set()
    dropped = False

    def progress(done: int, total: int) -> None:
        nonlocal dropped
        if done >= 10 * 512 * 1024 and not dropped:
            dropped = True
            acked_at_drop.update(acked)
            server.drop_connections()

    def on_part(part: int) -> None:
        acked.add(part)  # the backend saved it; the answer may still be lost

    backend.on_part = on_part
    async with make_client(server, server_key) as client:
        file = await upload_file(client, data, progress=progress, parts_in_flight=3)
        assert client.sender.connections >= 2
    assert dropped
    assert backend.assemble(file) == data
    counts = Counter(part for _, part in backend.received)
    # A part answered before the drop is never sent again; one whose answer was lost may be.
    resent = {part for part, n in counts.items() if n > 1}
    assert len(resent) <= 3


async def test_a_stale_or_different_state_starts_over(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend
) -> None:
    store = MemorySessionStore()
    data = payload(200_000)
    old = UploadState.start(plan_upload(200_000), file_id=77, started_at=1.0).with_part(0)
    await store.put_upload("old", old)
    other_size = UploadState.start(plan_upload(100), file_id=78, started_at=1e9).with_part(0)
    await store.put_upload("size", other_size)
    async with make_client(server, server_key, store) as client:
        first = await upload_file(client, data, resume_key="old", clock=lambda: 1e9)
        second = await upload_file(client, data, resume_key="size", clock=lambda: 1e9)
    assert first.id != 77 and second.id != 78
    assert backend.assemble(first) == backend.assemble(second) == data


async def test_a_fresh_state_with_md5_resumes_without_rereading_the_md5(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend
) -> None:
    store = MemorySessionStore()
    data = payload(200_000)
    md5 = hashlib.md5(data).hexdigest()
    state = UploadState.start(plan_upload(200_000), file_id=99, started_at=1e9).with_md5(md5)
    backend.parts[99] = {0: data[:131072]}
    await store.put_upload("k", state.with_part(0))
    async with make_client(server, server_key, store) as client:
        file = await upload_file(client, data, resume_key="k", clock=lambda: 1e9 + 5)
    assert file.id == 99 and isinstance(file, types.InputFile) and file.md5_checksum == md5
    assert backend.received == [(99, 1)]
    assert backend.assemble(file) == data


# -- downloads --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 4096, MIB, 3 * MIB + 123])
async def test_parallel_download_into_a_path(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend, tmp_path: Path, size: int
) -> None:
    backend.files[5] = data = payload(size, seed=size)
    dest = tmp_path / "out.bin"
    seen: list[int] = []
    async with make_client(server, server_key) as client:
        written = await download_file(
            client, location(5), dest, size=size, progress=lambda d, t: seen.append(d)
        )
    assert written == size
    assert dest.read_bytes() == data
    assert seen[0] == 0 and seen[-1] == size


async def test_download_into_a_file_object_with_small_requests(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend
) -> None:
    backend.files[6] = data = payload(300_000)
    out = io.BytesIO()
    async with make_client(server, server_key) as client:
        await download_file(client, location(6), out, size=300_000, request_size=65536, parallel=8)
    assert out.getvalue() == data
    assert backend.get_calls == 5


@pytest.mark.parametrize("size", [0, 100, MIB, 2 * MIB + 7])
async def test_download_of_unknown_size(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend, size: int
) -> None:
    backend.files[7] = data = payload(size)
    out = io.BytesIO()
    seen: list[tuple[int, int]] = []
    async with make_client(server, server_key) as client:
        written = await download_file(
            client, location(7), out, progress=lambda d, t: seen.append((d, t))
        )
    assert written == size and out.getvalue() == data
    assert all(t == 0 for _, t in seen)


async def test_short_answer_is_an_error(
    server: MiniServer, server_key: RsaPrivateKey, backend: Backend
) -> None:
    backend.files[8] = payload(2 * MIB)
    backend.short_answers = True
    async with make_client(server, server_key) as client:
        with pytest.raises(TransferError, match="expected"):
            await download_file(client, location(8), io.BytesIO(), size=2 * MIB)


async def test_wrong_answer_type_is_an_error(server: MiniServer, server_key: RsaPrivateKey) -> None:
    server.handlers[functions.upload.GetFile] = lambda r: types.upload.FileCdnRedirect(
        dc_id=2, file_token=b"", encryption_key=b"", encryption_iv=b"", file_hashes=[]
    )
    async with make_client(server, server_key) as client:
        with pytest.raises(TransferError, match=r"upload\.file"):
            await download_file(client, location(9), io.BytesIO(), size=10)


def test_resume_key_follows_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"one")
    first = file_resume_key(path)
    assert first == file_resume_key(str(path)) and first.startswith("file:")
    path.write_bytes(b"three")
    os.utime(path, ns=(1, 1))
    assert file_resume_key(path) != first
