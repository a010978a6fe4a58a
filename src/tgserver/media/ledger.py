"""What the service knows about uploads in progress, kept in memory between their parts.

Checking a new part against the stored ones used to mean reading every part row of the upload
(one SQLite round trip through the single database worker) and looking at every size: O(n) per
part, O(n^2) per file (a 2 GB upload has 4000 parts). :class:`PartLedger` keeps an upload's
part sizes with a count per distinct size, so a part is checked in O(distinct sizes) -- one or
two -- with exactly the verdict of :func:`~tgserver.media.rules.check_consistent` over all parts.

A ledger also holds the parts still being written (*reserved*): two parts of one file in
flight at once are checked against each other too, not only against what was stored before
either began. The store stays the truth: a ledger is built from it on first use and dropped
whenever the upload is finished, discarded or found gone; :class:`LedgerCache` bounds how many
are kept.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Final

from tgserver.media.errors import FILE_PARTS_INVALID, media_error
from tgserver.media.records import UploadRecord
from tgserver.media.rules import check_consistent

__all__ = ["DEFAULT_LEDGERS", "LedgerCache", "PartLedger"]

#: Uploads whose ledgers are kept at once (least recently used ones are rebuilt on demand).
DEFAULT_LEDGERS: Final = 1024


class PartLedger:
    """The parts of one upload: stored ones plus those being written.

    Args:
        upload: The stored upload, with its parts.
    """

    def __init__(self, upload: UploadRecord) -> None:
        self.upload = upload
        # The view parts are checked against: stored sizes overlaid with reserved ones.
        self._sizes: dict[int, int] = dict(upload.parts)
        self._stored: dict[int, int] = dict(upload.parts)
        self._counts: Counter[int] = Counter(self._sizes.values())
        self._reserved: dict[int, int] = {}
        self._highest = max(self._sizes, default=-1)

    @property
    def stored(self) -> dict[int, int]:
        """Part number -> size of the parts known to be stored (a copy)."""
        return dict(self._stored)

    def _set(self, part: int, size: int | None) -> None:
        old = self._sizes.pop(part, None)
        if old is not None:
            self._counts[old] -= 1
            if not self._counts[old]:
                del self._counts[old]
        if size is not None:
            self._sizes[part] = size
            self._counts[size] += 1
            self._highest = max(self._highest, part)
        elif part == self._highest:
            self._highest = max(self._sizes, default=-1)  # rare: a failed write rolled back

    def check(self, part: int, size: int, total: int | None) -> None:
        """Raise what :func:`check_consistent` raises for the parts plus this one.

        Raises:
            RpcError: ``FILE_PARTS_INVALID`` (small/big mixed or another total),
                ``FILE_PART_SIZE_CHANGED``, ``FILE_PART_SIZE_INVALID``.
        """
        if self.upload.big != (total is not None) or self.upload.total != total:
            raise media_error(FILE_PARTS_INVALID)
        counts = Counter(self._counts)
        old = self._sizes.get(part)
        if old is not None:
            counts[old] -= 1
        counts[size] += 1
        last = total - 1 if total is not None else max(self._highest, part)
        last_size = size if part == last else self._sizes.get(last)
        if last_size is not None:
            counts[last_size] -= 1
        # Only the distinct sizes matter to the rule: one stand-in part per size (negative
        # numbers, below any real one) plus the real last part.
        compact = {-1 - i: s for i, s in enumerate(s for s, n in counts.items() if n > 0)}
        if last_size is not None:
            compact[last] = last_size
        check_consistent(compact, total)

    def reserve(self, part: int, size: int) -> None:
        """Count a part being written (after :meth:`check` passed)."""
        self._reserved[part] = size
        self._set(part, size)

    def stored_part(self, part: int, size: int) -> None:
        """The reserved part is stored (committed)."""
        if self._reserved.get(part) == size:
            del self._reserved[part]
        self._stored[part] = size
        if part not in self._reserved:
            self._set(part, size)

    def release(self, part: int, size: int) -> None:
        """The reserved part failed: the view falls back to what is stored."""
        if self._reserved.get(part) != size:
            return  # a later write of the same part holds the reservation now
        del self._reserved[part]
        self._set(part, self._stored.get(part))


class LedgerCache:
    """Ledgers by (owner, file id), the least recently used dropped beyond ``limit``."""

    def __init__(self, limit: int = DEFAULT_LEDGERS) -> None:
        self._limit = limit
        self._ledgers: OrderedDict[tuple[int, int], PartLedger] = OrderedDict()

    def __len__(self) -> int:
        return len(self._ledgers)

    def get(self, key: tuple[int, int]) -> PartLedger | None:
        """The ledger of ``key``, or None."""
        ledger = self._ledgers.get(key)
        if ledger is not None:
            self._ledgers.move_to_end(key)
        return ledger

    def add(self, key: tuple[int, int], ledger: PartLedger) -> PartLedger:
        """Keep ``ledger`` unless one for ``key`` arrived meanwhile; returns the one kept."""
        found = self._ledgers.get(key)
        if found is not None:
            return found
        self._ledgers[key] = ledger
        while len(self._ledgers) > self._limit:
            self._ledgers.popitem(last=False)
        return ledger

    def drop(self, key: tuple[int, int]) -> None:
        """Forget ``key`` (its upload was finished, discarded or is gone)."""
        self._ledgers.pop(key, None)
