"""updates.getState / getDifference over the message store's update log."""

from __future__ import annotations

import pytest
from account_support import sign_up

from tgcore.testing import FakeClock
from tgserver.services import AccountServices, MessagingServices
from tgserver.store.messages import INITIAL_PTS, MemoryMessageStore, UpdateKind


@pytest.fixture
async def messaging(services: AccountServices, clock: FakeClock) -> MessagingServices:
    return MessagingServices.create(services, MemoryMessageStore(), clock=clock)


async def test_state_and_an_empty_difference(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann = await sign_up(services, "9996621001", "Ann", key=1)
    state = await messaging.difference.state(ann.id)
    assert (state.pts, state.qts, state.seq, state.unread_count) == (INITIAL_PTS, 0, 0, 0)
    diff = await messaging.difference.difference(ann.id, state.pts)
    assert not diff.entries and not diff.more and not diff.too_long
    ahead = await messaging.difference.difference(ann.id, state.pts + 5)
    assert ahead.too_long and ahead.state.pts == state.pts


async def test_a_long_difference_comes_in_slices(
    services: AccountServices, messaging: MessagingServices
) -> None:
    ann = await sign_up(services, "9996621001", "Ann", key=1)
    bob = await sign_up(services, "9996621002", "Bob", key=2)
    start = (await messaging.difference.state(bob.id)).pts
    for n in range(130):
        await messaging.messages.send(ann.id, bob.id, f"m{n}")
    await messaging.messages.read_history(bob.id, ann.id, 0)
    first = await messaging.difference.difference(bob.id, start)
    assert first.more and len(first.entries) == 100
    assert first.state.pts == first.entries[-1].pts
    texts = [first.messages[e.ids[0]].text for e in first.entries]
    assert texts == [f"m{n}" for n in range(100)]
    rest = await messaging.difference.difference(bob.id, first.state.pts)
    assert not rest.more
    assert [e.kind for e in rest.entries][-1] == UpdateKind.READ_HISTORY_INBOX
    assert len(rest.entries) == 31
    assert rest.state.pts == (await messaging.difference.state(bob.id)).pts
    assert rest.state.unread_count == 0
    small = await messaging.difference.difference(bob.id, start, max_messages=10)
    assert small.more and len(small.entries) == 10
