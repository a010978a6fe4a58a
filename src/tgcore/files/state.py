"""The progress of one upload, as a value that survives the process (``to_bytes``/``from_bytes``).

An upload is resumable because the server keeps every part it acknowledged (for the upload's
lifetime, 24 hours by default) under the client-chosen ``file_id``. A client that remembers the
file id and which parts were acknowledged sends only the others after a dropped connection, a
server restart or its own restart. :class:`UploadState` is that memory; the client keeps it in
its session store (:meth:`~tgcore.storage.SessionStore.put_upload`) under a resume key.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from typing import Final

import attrs

from tgcore.files.parts import UploadPlan, check_part_size, plan_upload

__all__ = ["UploadState"]

_MAGIC: Final = b"TGUS"
_VERSION: Final = 1
# magic, version, file_id, size, part_size, started_at, md5 length (0 or 32)
_HEADER: Final = struct.Struct("<4sBqQId B")
_MD5_HEX = re.compile(rb"[0-9a-f]{32}")


def _bitmap_size(parts: int) -> int:
    return (parts + 7) // 8


@attrs.frozen
class UploadState:
    """Where one upload stands: its file id, its parts and which of them the server acknowledged.

    Values are immutable: :meth:`with_part` returns a new state. Part ``i`` is acknowledged when
    bit ``i % 8`` of byte ``i // 8`` of ``acked`` is set.

    Attributes:
        file_id: The client-chosen id the parts are saved under (random, signed 64-bit).
        size: Bytes in the file.
        part_size: Bytes per part.
        acked: The bitmap of acknowledged parts (``ceil(parts / 8)`` bytes).
        md5_checksum: The md5 hex of the whole file once it has been read through ("" until
            then; only small files need it, for ``inputFile``).
        started_at: Unix time the upload started (the server forgets parts after a while).
    """

    file_id: int
    size: int
    part_size: int
    acked: bytes = attrs.field(repr=False)
    md5_checksum: str = ""
    started_at: float = 0.0

    @classmethod
    def start(cls, plan: UploadPlan, file_id: int, *, started_at: float = 0.0) -> UploadState:
        """A new upload of ``plan`` under ``file_id`` with nothing acknowledged."""
        if not -(2**63) <= file_id < 2**63:
            raise ValueError(f"file_id {file_id} is not a signed 64-bit integer")
        return cls(
            file_id=file_id,
            size=plan.size,
            part_size=plan.part_size,
            acked=bytes(_bitmap_size(plan.parts)),
            started_at=started_at,
        )

    # -- the plan ------------------------------------------------------------------------------

    @property
    def plan(self) -> UploadPlan:
        """The upload plan (part count, big or not)."""
        return plan_upload(self.size, part_size=self.part_size)

    @property
    def parts(self) -> int:
        """How many parts the file has."""
        return -(-self.size // self.part_size)

    # -- progress ------------------------------------------------------------------------------

    def is_acked(self, index: int) -> bool:
        """Whether part ``index`` was acknowledged."""
        self._check_index(index)
        return bool(self.acked[index >> 3] >> (index & 7) & 1)

    def with_part(self, index: int) -> UploadState:
        """This state with part ``index`` acknowledged."""
        self._check_index(index)
        acked = bytearray(self.acked)
        acked[index >> 3] |= 1 << (index & 7)
        return attrs.evolve(self, acked=bytes(acked))

    def without_part(self, index: int) -> UploadState:
        """This state with part ``index`` to send again (the server says it lost it)."""
        self._check_index(index)
        acked = bytearray(self.acked)
        acked[index >> 3] &= ~(1 << (index & 7)) & 0xFF
        return attrs.evolve(self, acked=bytes(acked))

    def with_md5(self, md5_checksum: str) -> UploadState:
        """This state with the md5 hex of the whole file."""
        if not _MD5_HEX.fullmatch(md5_checksum.encode()):
            raise ValueError(f"{md5_checksum!r} is not an md5 hex digest")
        return attrs.evolve(self, md5_checksum=md5_checksum)

    def missing(self) -> Iterator[int]:
        """The parts not acknowledged yet, in order."""
        return (i for i in range(self.parts) if not self.is_acked(i))

    @property
    def acked_parts(self) -> int:
        """How many parts were acknowledged."""
        return int.from_bytes(self.acked, "little").bit_count()

    @property
    def acked_bytes(self) -> int:
        """How many bytes of the file the acknowledged parts hold."""
        count = self.acked_parts
        last = self.parts - 1
        if count and self.is_acked(last):
            return (count - 1) * self.part_size + (self.size - last * self.part_size)
        return count * self.part_size

    @property
    def complete(self) -> bool:
        """Whether every part was acknowledged."""
        return self.acked_parts == self.parts

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self.parts:
            raise IndexError(f"part {index} is not in 0..{self.parts - 1}")

    # -- bytes ---------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The state as bytes (:meth:`from_bytes` reads them back)."""
        md5 = self.md5_checksum.encode()
        header = _HEADER.pack(
            _MAGIC, _VERSION, self.file_id, self.size, self.part_size, self.started_at, len(md5)
        )
        return header + md5 + self.acked

    @classmethod
    def from_bytes(cls, data: bytes) -> UploadState:
        """Read a state written by :meth:`to_bytes`.

        Raises:
            ValueError: the bytes are not a state this version reads, or are inconsistent.
        """
        if len(data) < _HEADER.size:
            raise ValueError("upload state: too short")
        magic, version, file_id, size, part_size, started_at, md5_len = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("upload state: bad magic")
        if version != _VERSION:
            raise ValueError(f"upload state: version {version} is not {_VERSION}")
        check_part_size(part_size)
        plan = plan_upload(size, part_size=part_size)
        md5 = data[_HEADER.size : _HEADER.size + md5_len]
        if md5_len not in (0, 32) or not (md5_len == 0 or _MD5_HEX.fullmatch(md5)):
            raise ValueError("upload state: bad md5")
        acked = data[_HEADER.size + md5_len :]
        if len(acked) != _bitmap_size(plan.parts):
            raise ValueError("upload state: the bitmap does not match the part count")
        if int.from_bytes(acked, "little") >> plan.parts:
            raise ValueError("upload state: bits set past the last part")
        return cls(
            file_id=file_id,
            size=size,
            part_size=part_size,
            acked=bytes(acked),
            md5_checksum=md5.decode(),
            started_at=started_at,
        )
