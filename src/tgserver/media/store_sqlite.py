"""The media metadata store in its own SQLite file (``media.sqlite3`` in the data directory).

Runs on :class:`~tgserver.store.database.SqliteDatabase`: the standard ``sqlite3`` module on a
worker thread, one statement batch at a time, WAL mode, ``synchronous = FULL`` so an
acknowledged part is on disk. Part rows are group-committed (:class:`GroupCommit`): the parts
arriving while a commit runs share the next one. Only metadata is here, never file bytes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final, Self

from tgserver.media.groupcommit import GroupCommit
from tgserver.media.records import MediaKind, MediaRecord, StoredFile, UploadRecord
from tgserver.store.database import SqliteDatabase

__all__ = ["MEDIA_DB_FILE", "SCHEMA_VERSION", "SqliteMediaStore"]

#: Name of the media metadata database inside the data directory.
MEDIA_DB_FILE: Final = "media.sqlite3"
#: ``PRAGMA user_version`` of the schema below.
SCHEMA_VERSION: Final = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    owner_id INTEGER NOT NULL,
    file_id INTEGER NOT NULL,
    blob_id TEXT NOT NULL,
    wrapped_key BLOB NOT NULL,
    big INTEGER NOT NULL,
    total INTEGER,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (owner_id, file_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uploads_by_updated ON uploads (updated);
CREATE TABLE IF NOT EXISTS upload_parts (
    owner_id INTEGER NOT NULL,
    file_id INTEGER NOT NULL,
    part INTEGER NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (owner_id, file_id, part),
    FOREIGN KEY (owner_id, file_id) REFERENCES uploads (owner_id, file_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS media (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    date INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    name TEXT NOT NULL,
    attributes BLOB NOT NULL,
    md5 TEXT NOT NULL,
    secret BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS media_files (
    media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    variant TEXT NOT NULL,
    blob_id TEXT NOT NULL,
    wrapped_key BLOB NOT NULL,
    size INTEGER NOT NULL,
    part_size INTEGER NOT NULL,
    parts INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    PRIMARY KEY (media_id, seq)
) WITHOUT ROWID;
"""

_UPLOAD_COLUMNS = "owner_id, file_id, blob_id, wrapped_key, big, total, created, updated"


def _parts(conn: sqlite3.Connection, owner_id: int, file_id: int) -> dict[int, int]:
    rows = conn.execute(
        "SELECT part, size FROM upload_parts WHERE owner_id = ? AND file_id = ?",
        (owner_id, file_id),
    )
    return {int(part): int(size) for part, size in rows}


def _upload(conn: sqlite3.Connection, row: tuple[object, ...]) -> UploadRecord:
    owner_id, file_id, blob_id, wrapped_key, big, total, created, updated = row
    assert isinstance(owner_id, int) and isinstance(file_id, int)
    return UploadRecord(
        owner_id=owner_id,
        file_id=file_id,
        blob_id=str(blob_id),
        wrapped_key=bytes(wrapped_key),  # type: ignore[call-overload]
        big=bool(big),
        total=total if isinstance(total, int) else None,
        created=float(created),  # type: ignore[arg-type]
        updated=float(updated),  # type: ignore[arg-type]
        parts=_parts(conn, owner_id, file_id),
    )


def _get_upload(conn: sqlite3.Connection, owner_id: int, file_id: int) -> UploadRecord | None:
    row = conn.execute(
        f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE owner_id = ? AND file_id = ?",
        (owner_id, file_id),
    ).fetchone()
    return _upload(conn, row) if row is not None else None


def _insert_media(conn: sqlite3.Connection, media: MediaRecord) -> None:
    conn.execute(
        "INSERT INTO media (id, kind, owner_id, date, mime_type, name, attributes, md5, secret)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            media.id,
            media.kind.value,
            media.owner_id,
            media.date,
            media.mime_type,
            media.name,
            media.attributes,
            media.md5,
            media.secret,
        ),
    )
    conn.executemany(
        "INSERT INTO media_files (media_id, seq, variant, blob_id, wrapped_key, size,"
        " part_size, parts, width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                media.id,
                seq,
                f.variant,
                f.blob_id,
                f.wrapped_key,
                f.size,
                f.part_size,
                f.parts,
                f.width,
                f.height,
            )
            for seq, f in enumerate(media.files)
        ],
    )


class SqliteMediaStore:
    """:class:`~tgserver.media.store.MediaStore` in a SQLite file.

    Open it with ``await SqliteMediaStore.open(path)`` (or ``async with``).
    """

    def __init__(self, db: SqliteDatabase) -> None:
        """Use :meth:`open`."""
        self._db = db
        #: Part rows are group-committed (see :mod:`tgserver.media.groupcommit`).
        self.part_commits = GroupCommit(db)

    @classmethod
    async def open(cls, path: Path | str) -> Self:
        """Open (creating if needed) the media database at ``path``.

        Raises:
            StorageError: the file cannot be opened or holds a newer schema.
        """
        db = await SqliteDatabase.open(
            path, schema=_SCHEMA, version=SCHEMA_VERSION, what="media store"
        )
        return cls(db)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def open_upload(self, upload: UploadRecord) -> UploadRecord:
        """See :meth:`MediaStore.open_upload`."""

        def run(conn: sqlite3.Connection) -> UploadRecord:
            conn.execute(
                f"INSERT OR IGNORE INTO uploads ({_UPLOAD_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    upload.owner_id,
                    upload.file_id,
                    upload.blob_id,
                    upload.wrapped_key,
                    int(upload.big),
                    upload.total,
                    upload.created,
                    upload.updated,
                ),
            )
            found = _get_upload(conn, upload.owner_id, upload.file_id)
            assert found is not None
            return found

        return await self._db.write(run)

    async def get_upload(self, owner_id: int, file_id: int) -> UploadRecord | None:
        """See :meth:`MediaStore.get_upload`."""
        return await self._db.read(lambda conn: _get_upload(conn, owner_id, file_id))

    async def put_part(self, owner_id: int, file_id: int, part: int, size: int, now: float) -> bool:
        """See :meth:`MediaStore.put_part`. Parts arriving together share one commit."""

        def run(conn: sqlite3.Connection) -> bool:
            changed = conn.execute(
                "UPDATE uploads SET updated = ? WHERE owner_id = ? AND file_id = ?",
                (now, owner_id, file_id),
            ).rowcount
            if not changed:
                return False
            conn.execute(
                "INSERT OR REPLACE INTO upload_parts (owner_id, file_id, part, size)"
                " VALUES (?, ?, ?, ?)",
                (owner_id, file_id, part, size),
            )
            return True

        return await self.part_commits.write(run)

    async def finish_upload(
        self, owner_id: int, file_id: int, media: MediaRecord | None = None
    ) -> bool:
        """See :meth:`MediaStore.finish_upload`."""

        def run(conn: sqlite3.Connection) -> bool:
            deleted = conn.execute(
                "DELETE FROM uploads WHERE owner_id = ? AND file_id = ?", (owner_id, file_id)
            ).rowcount
            if not deleted:
                return False
            if media is not None:
                _insert_media(conn, media)
            return True

        return await self._db.write(run)

    async def expired_uploads(self, before: float, limit: int = 100) -> list[UploadRecord]:
        """See :meth:`MediaStore.expired_uploads`."""

        def run(conn: sqlite3.Connection) -> list[UploadRecord]:
            rows = conn.execute(
                f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE updated < ?"
                " ORDER BY updated, owner_id, file_id LIMIT ?",
                (before, limit),
            ).fetchall()
            return [_upload(conn, row) for row in rows]

        return await self._db.read(run)

    async def add_media(self, media: MediaRecord) -> None:
        """See :meth:`MediaStore.add_media`."""
        await self._db.write(lambda conn: _insert_media(conn, media))

    async def get_media(self, media_id: int) -> MediaRecord | None:
        """See :meth:`MediaStore.get_media`."""

        def run(conn: sqlite3.Connection) -> MediaRecord | None:
            row = conn.execute(
                "SELECT kind, owner_id, date, mime_type, name, attributes, md5, secret"
                " FROM media WHERE id = ?",
                (media_id,),
            ).fetchone()
            if row is None:
                return None
            kind, owner_id, date, mime_type, name, attributes, md5, secret = row
            files = tuple(
                StoredFile(
                    variant=variant,
                    blob_id=blob_id,
                    wrapped_key=bytes(wrapped_key),
                    size=size,
                    part_size=part_size,
                    parts=parts,
                    width=width,
                    height=height,
                )
                for variant, blob_id, wrapped_key, size, part_size, parts, width, height in (
                    conn.execute(
                        "SELECT variant, blob_id, wrapped_key, size, part_size, parts, width,"
                        " height FROM media_files WHERE media_id = ? ORDER BY seq",
                        (media_id,),
                    )
                )
            )
            return MediaRecord(
                id=media_id,
                kind=MediaKind(kind),
                owner_id=owner_id,
                date=date,
                mime_type=mime_type,
                name=name,
                attributes=bytes(attributes),
                md5=md5,
                secret=bytes(secret),
                files=files,
            )

        return await self._db.read(run)

    async def aclose(self) -> None:
        """Close the database."""
        await self._db.aclose()
