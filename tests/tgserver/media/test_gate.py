"""The upload gate: parts and the finishing of one file never overlap."""

from __future__ import annotations

import trio
import trio.testing

from tgserver.media import UploadGate


async def test_finisher_waits_for_writers_and_turns_new_ones_away() -> None:
    gate = UploadGate()
    log: list[str] = []
    release = trio.Event()

    async def writer() -> None:
        async with gate.writing("k") as allowed:
            assert allowed
            log.append("writing")
            await release.wait()
            log.append("written")

    async def finisher() -> None:
        async with gate.finishing("k") as alone:
            assert alone
            log.append("finishing")
            async with gate.writing("k") as allowed:
                log.append(f"late writer allowed={allowed}")
            async with gate.finishing("k") as second:
                log.append(f"second finisher alone={second}")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer)
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(finisher)
        await trio.testing.wait_all_tasks_blocked()
        assert log == ["writing"] and gate.busy("k")
        release.set()
    assert log == [
        "writing",
        "written",
        "finishing",
        "late writer allowed=False",
        "second finisher alone=False",
    ]
    assert not gate.busy("k")
    async with gate.writing("k") as allowed:  # free again
        assert allowed


async def test_independent_keys_do_not_wait() -> None:
    gate = UploadGate()
    async with gate.writing("a"), gate.finishing("b") as alone:
        assert alone and gate.busy("a") and gate.busy("b")
    assert not gate.busy("a") and not gate.busy("b")
