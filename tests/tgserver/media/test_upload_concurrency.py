"""Uploads in parallel: the part ledger, group commit, shared directory flushes, parts in flight."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import trio
from hypothesis import given
from hypothesis import strategies as st

from tgcore.errors import RpcError, StorageError
from tgcore.tl import types
from tgserver.media import (
    BlobStore,
    MasterKey,
    MediaService,
    MediaStore,
    MemoryMediaStore,
    UploadRecord,
)
from tgserver.media import dirsync as dirsync_module
from tgserver.media.dirsync import DirectorySync
from tgserver.media.groupcommit import GroupCommit
from tgserver.media.ledger import LedgerCache, PartLedger
from tgserver.media.rules import check_consistent
from tgserver.media.store_sqlite import SqliteMediaStore
from tgserver.store.database import SqliteDatabase

ME = 1001
KB = 1024


def upload(total: int | None, parts: dict[int, int] | None = None) -> UploadRecord:
    return UploadRecord(
        owner_id=ME,
        file_id=1,
        blob_id="ab" * 16,
        wrapped_key=b"k",
        big=total is not None,
        total=total,
        created=0.0,
        updated=0.0,
        parts=parts or {},
    )


def verdict(check: Callable[[], None]) -> str:
    try:
        check()
    except RpcError as exc:
        return exc.name
    return "ok"


# -- the ledger ----------------------------------------------------------------------------------

_SIZES = st.sampled_from([1 * KB, 2 * KB, 4 * KB, 3 * KB, 512 * KB, 100, 1000])


@given(
    total=st.one_of(st.none(), st.integers(1, 6)),
    stored=st.dictionaries(st.integers(0, 5), _SIZES, max_size=4),
    steps=st.lists(st.tuples(st.integers(0, 5), _SIZES, st.booleans()), max_size=12),
)
def test_ledger_checks_like_the_rule_over_all_parts(
    total: int | None, stored: dict[int, int], steps: list[tuple[int, int, bool]]
) -> None:
    # The ledger starts from any stored state; every part is checked as the rule would check
    # it against all parts, then either stored or failed (rolled back).
    ledger = PartLedger(upload(total, stored))
    model = dict(stored)
    for part, size, succeeds in steps:
        expected = verdict(partial(check_consistent, {**model, part: size}, total))
        assert verdict(partial(ledger.check, part, size, total)) == expected
        if expected != "ok":
            continue
        ledger.reserve(part, size)
        if succeeds:
            ledger.stored_part(part, size)
            model[part] = size
        else:
            ledger.release(part, size)
        assert ledger.stored == model


def test_parts_in_flight_are_checked_against_each_other() -> None:
    ledger = PartLedger(upload(4))
    ledger.check(0, 4 * KB, 4)
    ledger.reserve(0, 4 * KB)
    # Part 0 is still being written: a part of another size conflicts with it already.
    assert verdict(lambda: ledger.check(1, 8 * KB, 4)) == "FILE_PART_SIZE_CHANGED"
    ledger.release(0, 4 * KB)
    ledger.check(1, 8 * KB, 4)
    assert verdict(lambda: ledger.check(1, 8 * KB, None)) == "FILE_PARTS_INVALID"
    assert verdict(lambda: ledger.check(1, 8 * KB, 5)) == "FILE_PARTS_INVALID"


def test_a_later_write_of_the_same_part_keeps_its_reservation() -> None:
    ledger = PartLedger(upload(None, {0: 4 * KB}))
    ledger.reserve(1, 2 * KB)
    ledger.reserve(1, 3 * KB)
    ledger.release(1, 2 * KB)  # the first write failed; the second one still counts
    assert verdict(lambda: ledger.check(2, 1 * KB, None)) == "FILE_PART_SIZE_CHANGED"
    ledger.stored_part(1, 3 * KB)
    assert ledger.stored == {0: 4 * KB, 1: 3 * KB}


def test_ledger_cache_keeps_the_first_and_drops_the_oldest() -> None:
    cache = LedgerCache(limit=2)
    first = cache.add((ME, 1), PartLedger(upload(None)))
    assert cache.add((ME, 1), PartLedger(upload(None))) is first
    cache.add((ME, 2), PartLedger(upload(None)))
    assert cache.get((ME, 1)) is first  # now the most recently used
    cache.add((ME, 3), PartLedger(upload(None)))
    assert cache.get((ME, 2)) is None and cache.get((ME, 1)) is first and len(cache) == 2
    cache.drop((ME, 1))
    assert cache.get((ME, 1)) is None


# -- directory flushes ---------------------------------------------------------------------------


def test_directory_flushes_are_shared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    flushed: list[str] = []
    first_started = threading.Event()
    release_first = threading.Event()

    def fake_fsync(path: str) -> None:
        flushed.append(path)
        if len(flushed) == 1:
            first_started.set()
            assert release_first.wait(10)

    monkeypatch.setattr(dirsync_module, "fsync_directory", fake_fsync)
    syncer = DirectorySync(str(tmp_path))
    directory = str(tmp_path / "d")
    threads = [threading.Thread(target=syncer.sync, args=(directory,)) for _ in range(6)]
    threads[0].start()
    assert first_started.wait(10)
    for thread in threads[1:]:
        thread.start()
    # The five later renames wait for a flush that starts after them: one for all five.
    for _ in range(1000):
        with syncer._cond:
            if syncer._dirs[directory].waiters == 6:
                break
        threading.Event().wait(0.01)
    release_first.set()
    for thread in threads:
        thread.join(10)
    assert flushed == [directory, directory]
    assert syncer.flushes == 2
    assert syncer._dirs == {}


def test_new_directories_are_made_durable_up_to_the_root(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    flushed: list[str] = []
    monkeypatch.setattr(dirsync_module, "fsync_directory", flushed.append)
    root = tmp_path / "root"
    syncer = DirectorySync(str(root))
    blob_dir = str(root / "ab" / "abcd")
    syncer.ensure(blob_dir)
    assert os.path.isdir(blob_dir)
    assert flushed == [str(root / "ab"), str(root), str(tmp_path)]
    syncer.ensure(blob_dir)  # known and present: nothing to do
    assert len(flushed) == 3
    os.rmdir(blob_dir)  # removed (upload finished) and made again: flushed again
    syncer.ensure(blob_dir)
    assert len(flushed) == 6


def test_a_failed_directory_flush_fails_the_write(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(path: str) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(dirsync_module, "fsync_directory", broken)
    syncer = DirectorySync(str(tmp_path))
    with pytest.raises(OSError):
        syncer.sync(str(tmp_path))
    assert syncer.flushes == 0 and syncer._dirs == {}


# -- group commit --------------------------------------------------------------------------------


async def open_db(path: Path) -> SqliteDatabase:
    return await SqliteDatabase.open(
        path, schema="CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY);", version=1
    )


async def test_group_commit_batches_and_isolates_failures(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "g.sqlite3")
    commits = GroupCommit(db)
    results: dict[int, object] = {}

    def insert(k: int) -> Callable[[sqlite3.Connection], int]:
        def run(conn: sqlite3.Connection) -> int:
            conn.execute("INSERT INTO t (k) VALUES (?)", (k,))
            if k == 3:
                raise ValueError("no threes")
            return k

        return run

    async def one(k: int) -> None:
        try:
            results[k] = await commits.write(insert(k))
        except ValueError as exc:
            results[k] = exc

    async with trio.open_nursery() as nursery:
        for k in range(8):
            nursery.start_soon(one, k)
    assert isinstance(results.pop(3), ValueError)
    assert results == {k: k for k in range(8) if k != 3}
    # The first write ran alone; the seven queued meanwhile shared the next commit.
    assert commits.writes == 8 and commits.transactions == 2
    rows = await db.read(lambda conn: [k for (k,) in conn.execute("SELECT k FROM t ORDER BY k")])
    assert rows == [0, 1, 2, 4, 5, 6, 7]
    # A constraint violation is one write's StorageError, not the batch's.
    with pytest.raises(StorageError):
        await commits.write(insert(0))
    await db.aclose()
    with pytest.raises(StorageError):
        await commits.write(insert(9))


async def test_group_commit_cancelled_while_queued_runs_nothing(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "g.sqlite3")
    commits = GroupCommit(db)
    gate = threading.Event()

    def slow(conn: sqlite3.Connection) -> None:
        assert gate.wait(10)
        conn.execute("INSERT INTO t (k) VALUES (1)")

    def never(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (k) VALUES (2)")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(commits.write, slow)
        await trio.sleep(0.05)
        with trio.move_on_after(0.05) as scope:
            await commits.write(never)  # queued behind the running batch, then cancelled
        assert scope.cancelled_caught
        gate.set()
    await commits.write(lambda conn: None)
    rows = await db.read(lambda conn: [k for (k,) in conn.execute("SELECT k FROM t")])
    assert rows == [1]
    await db.aclose()


# -- parts of one file in flight -----------------------------------------------------------------


class HeldBlobStore(BlobStore):
    """Holds every part write, after it is written, until ``expected`` writes are done."""

    def __init__(self, url: str, expected: int) -> None:
        super().__init__(url)
        self.expected = expected
        self.done = 0
        self.all_written = trio.Event()

    async def write_from(self, blob_id: str, part: int, make: Callable[[], bytes]) -> None:
        await super().write_from(blob_id, part, make)
        self.done += 1
        if self.done == self.expected:
            self.all_written.set()
        # Every part waits for all the others: only parts written at once get past this.
        with trio.fail_after(10):
            await self.all_written.wait()


async def test_parts_of_one_file_are_stored_at_once(
    media_store: MediaStore, tmp_path: Path
) -> None:
    parts = 8
    blobs = HeldBlobStore(str(tmp_path / "blobs"), expected=parts)
    media = MediaService(media_store, blobs, MasterKey.generate(), dc_id=2)
    data = [os.urandom(64 * KB) for _ in range(parts)]
    async with trio.open_nursery() as nursery:
        for index in range(parts):
            nursery.start_soon(partial(media.save_part, ME, 7, index, data[index], total=parts))
    assert media.parts_accepted == parts
    found = await media_store.get_upload(ME, 7)
    assert found is not None and found.parts == {i: 64 * KB for i in range(parts)}
    if isinstance(media_store, SqliteMediaStore):
        # Released together, the parts' rows shared commits.
        assert media_store.part_commits.writes == parts
        assert media_store.part_commits.transactions < parts
    record = await media.document_from_upload(
        ME, types.InputFileBig(id=7, parts=parts, name="f"), mime_type=""
    )
    assert await media.read(record, 0, parts * 64 * KB) == b"".join(data)


async def test_the_ledger_follows_finish_and_reupload(
    media_store: MediaStore, tmp_path: Path
) -> None:
    media = MediaService(media_store, BlobStore(str(tmp_path / "b")), MasterKey.generate(), dc_id=2)
    await media.save_part(ME, 9, 0, b"a" * 4 * KB)
    await media.document_from_upload(
        ME, types.InputFile(id=9, parts=1, name="x", md5_checksum=""), mime_type=""
    )
    # The same file id again is a new upload (the old parts are no constraint any more).
    await media.save_part(ME, 9, 0, b"b" * 8 * KB)
    await media.save_part(ME, 9, 1, b"b" * 8 * KB)
    found = await media_store.get_upload(ME, 9)
    assert found is not None and found.parts == {0: 8 * KB, 1: 8 * KB}


# -- sealing and opening in the worker thread ------------------------------------------------------


async def test_a_tampered_part_fails_to_open_in_the_worker(tmp_path: Path) -> None:
    blobs = BlobStore(str(tmp_path / "b"))
    media = MediaService(MemoryMediaStore(), blobs, MasterKey.generate(), dc_id=2)
    await media.save_part(ME, 3, 0, b"x" * 4 * KB)
    record = await media.document_from_upload(
        ME, types.InputFile(id=3, parts=1, name="t", md5_checksum=""), mime_type=""
    )
    assert await media.read(record, 0, 10) == b"x" * 10
    (stored,) = record.files
    path = trio.Path(blobs.path(stored.blob_id, 0))
    sealed = bytearray(await path.read_bytes())
    sealed[20] ^= 1
    await path.write_bytes(bytes(sealed))
    with pytest.raises(StorageError, match="authentication"):
        await media.read(record, 0, 10)


async def test_a_failing_sealer_writes_nothing(tmp_path: Path) -> None:
    blobs = BlobStore(str(tmp_path / "b"))

    def broken() -> bytes:
        raise ValueError("no key")

    with pytest.raises(StorageError, match="no key"):
        await blobs.write_from("cd" * 16, 0, broken)
    assert not await blobs.exists("cd" * 16, 0)
    assert [p for p in (tmp_path / "b").rglob("*") if p.is_file()] == []
