"""What a client remembers between runs, and the narrow Protocol its stores implement."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

from tgcore.files import UploadState

__all__ = ["SessionData", "SessionStore"]


def _check_auth_key(instance: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    # 256 bytes per the spec; 255 or fewer when a Telethon-derived peer stripped leading zeros.
    if not isinstance(value, bytes) or not 1 <= len(value) <= 256:
        raise ValueError(f"auth_key must be 1..256 bytes, not {len(value)}")


@attrs.frozen
class SessionData:
    """A client's saved session: which DC it talks to and the auth key it shares with it.

    Attributes:
        dc_id: The DC the auth key belongs to.
        host: The address last used for that DC.
        port: The port last used for that DC.
        auth_key: The auth key (256 bytes).
        salt: The last server salt the client learned (0: unknown, the server corrects it).
        time_offset: Seconds to add to the local clock to get the server's time.
        user_id: The logged-in user, or None before login.

    New fields are added with defaults, so data saved by an older version still loads.
    """

    dc_id: int
    host: str
    port: int
    auth_key: bytes = attrs.field(validator=_check_auth_key, repr=False)
    salt: int = 0
    time_offset: float = 0.0
    user_id: int | None = None


@runtime_checkable
class SessionStore(Protocol):
    """Where a :class:`~tgcore.client.Client` keeps its :class:`SessionData` and upload states.

    Implementations: :class:`~tgcore.storage.MemorySessionStore` (lost at exit) and
    :class:`~tgcore.storage.SqliteSessionStore` (a file). Every implementation passes the same
    conformance tests. Methods are async so that a store may do blocking I/O on a worker
    thread; they raise :class:`~tgcore.errors.StorageError` when the backend fails.
    """

    async def load(self) -> SessionData | None:
        """The saved session, or None if nothing was saved yet."""
        ...

    async def save(self, data: SessionData) -> None:
        """Replace the saved session with ``data``."""
        ...

    async def delete(self) -> None:
        """Forget the saved session (no error if there is none)."""
        ...

    async def get_upload(self, key: str) -> UploadState | None:
        """The state of the unfinished upload saved under ``key``, or None.

        Upload states let an upload resume where it stopped, even in a new process
        (:func:`tgcore.client.upload_file` with a ``resume_key``). They are independent of the
        session: :meth:`delete` leaves them.
        """
        ...

    async def put_upload(self, key: str, state: UploadState) -> None:
        """Save ``state`` under ``key``, replacing what was there."""
        ...

    async def delete_upload(self, key: str) -> None:
        """Forget the upload state under ``key`` (no error if there is none)."""
        ...
