"""Peer keys: Telegram's single-integer naming of users, basic groups and channels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgserver.peerids import CHANNEL_OFFSET, PeerKind, channel_key, chat_key, split_key, user_key

_ids = st.integers(min_value=1, max_value=CHANNEL_OFFSET - 1)


def test_bot_api_shapes() -> None:
    assert user_key(777) == 777
    assert chat_key(42) == -42
    assert channel_key(1234567890) == -1001234567890


@given(_ids)
def test_every_kind_round_trips(value: int) -> None:
    assert split_key(user_key(value)) == (PeerKind.USER, value)
    assert split_key(chat_key(value)) == (PeerKind.CHAT, value)
    assert split_key(channel_key(value)) == (PeerKind.CHANNEL, value)


@pytest.mark.parametrize("bad", [0, -CHANNEL_OFFSET, -2 * CHANNEL_OFFSET, -3 * CHANNEL_OFFSET])
def test_invalid_keys_are_rejected(bad: int) -> None:
    with pytest.raises(ValueError):
        split_key(bad)


@pytest.mark.parametrize("make", [user_key, chat_key, channel_key])
def test_non_positive_ids_are_rejected(make: object) -> None:
    with pytest.raises(ValueError):
        make(0)  # type: ignore[operator]
    with pytest.raises(ValueError):
        make(-5)  # type: ignore[operator]
