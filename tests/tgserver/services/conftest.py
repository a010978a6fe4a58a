"""Account services over in-memory stores, a fake clock, seeded randomness, a recording SMS."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tgcore.testing import FakeClock, SeededRandom
from tgserver.services import AccountServices, RateLimits
from tgserver.store.accounts import AccountStores

# --import-mode=importlib puts no test directory on sys.path; helpers are shared through
# account_support (a module name unique in the suite).
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from account_support import RecordingSms  # noqa: E402


@pytest.fixture
def clock() -> FakeClock:
    """The services' clock."""
    return FakeClock()


@pytest.fixture
def sms() -> RecordingSms:
    """The services' SMS provider."""
    return RecordingSms()


@pytest.fixture
def limits() -> RateLimits:
    """The services' rate limits (tests override this fixture to tighten them)."""
    return RateLimits()


@pytest.fixture
async def services(clock: FakeClock, sms: RecordingSms, limits: RateLimits) -> AccountServices:
    """Account services over fresh in-memory stores, DC 2."""
    return await AccountServices.create(
        AccountStores.memory(), dc_id=2, sms=sms, limits=limits, clock=clock, rng=SeededRandom(1)
    )
