"""Property tests (hypothesis): ranged reads agree with slicing the original bytes, and uploads
in any order come out whole."""

from __future__ import annotations

import os

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from tgcore.errors import RpcError
from tgcore.tl import types
from tgserver.media import BlobStore, MasterKey, MediaService, MemoryMediaStore

_MASTER = MasterKey.generate()


@settings(max_examples=40, deadline=None)
@given(
    part_kb=st.sampled_from([1, 2, 4, 8, 16]),
    size=st.integers(1, 70_000),
    reads=st.lists(st.tuples(st.integers(0, 80_000), st.integers(0, 40_000)), max_size=6),
)
def test_reads_match_slices(part_kb: int, size: int, reads: list[tuple[int, int]]) -> None:
    data = os.urandom(size)
    part_size = part_kb * 1024

    async def main() -> None:
        media = MediaService(
            MemoryMediaStore(),
            BlobStore(f"memory://ranges-{os.urandom(4).hex()}"),
            _MASTER,
            dc_id=2,
        )
        parts = [data[i : i + part_size] for i in range(0, size, part_size)]
        # Out of order, to exercise the bookkeeping as well.
        for index in sorted(range(len(parts)), key=lambda i: (i * 7919) % len(parts)):
            await media.save_part(5, 1, index, parts[index])
        record = await media.document_from_upload(
            5, types.InputFile(id=1, parts=len(parts), name="r", md5_checksum=""), mime_type="x/y"
        )
        for offset, limit in reads:
            assert await media.read(record, offset, limit) == data[offset : offset + limit]

    trio.run(main)


_BAD_PARTS = {
    "empty": (0, b""),
    "too big": (0, b"z" * (512 * 1024 + 1024)),
    "number": (4000, b"z" * 1024),
}


@settings(max_examples=40, deadline=None)
@given(
    part_kb=st.sampled_from([1, 4, 32, 512]),
    parts=st.integers(1, 12),
    tail=st.integers(1, 1024),
    order=st.randoms(use_true_random=False),
    resend=st.lists(st.integers(0, 11), max_size=3),
    bad=st.lists(st.sampled_from(sorted(_BAD_PARTS)), max_size=3),
    big=st.booleans(),
)
def test_any_order_with_resends_and_rejections(
    part_kb: int,
    parts: int,
    tail: int,
    order: object,
    resend: list[int],
    bad: list[str],
    big: bool,
) -> None:
    """Parts in any order, some sent twice, bad ones rejected on the way: the file that comes
    out is the file that went in, and a rejected part changes nothing."""
    part_size = part_kb * 1024
    data = os.urandom(part_size * (parts - 1) + min(tail, part_size))
    chunks = [data[i : i + part_size] for i in range(0, len(data), part_size)]
    sequence = list(range(len(chunks))) + [i for i in resend if i < len(chunks)]
    order.shuffle(sequence)  # type: ignore[attr-defined]
    total = len(chunks) if big else None

    async def main() -> None:
        store = MemoryMediaStore()
        media = MediaService(
            store, BlobStore(f"memory://order-{os.urandom(4).hex()}"), _MASTER, dc_id=2
        )
        for step, index in enumerate(sequence):
            if step < len(bad):
                before = await store.get_upload(5, 1)
                wrong_index, wrong_data = _BAD_PARTS[bad[step]]
                with pytest.raises(RpcError):
                    await media.save_part(5, 1, wrong_index, wrong_data, total=total)
                assert await store.get_upload(5, 1) == before
            await media.save_part(5, 1, index, chunks[index], total=total)
        assert media.parts_accepted == len(sequence)
        input_file: types.TypeInputFile = (
            types.InputFileBig(id=1, parts=len(chunks), name="f")
            if big
            else types.InputFile(id=1, parts=len(chunks), name="f", md5_checksum="")
        )
        record = await media.document_from_upload(5, input_file, mime_type="x/y")
        assert await media.read(record, 0, len(data)) == data

    trio.run(main)
