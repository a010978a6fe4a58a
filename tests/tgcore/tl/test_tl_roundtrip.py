"""decode(encode(x)) == x for every generated class (deterministic cases plus hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from tl_support import COMBINATORS, RandomSource, ValueBuilder, class_of, instances

from tgcore.tl import Reader, TLObject, read_object
from tools.tlgen import Combinator


def check_round_trip(obj: TLObject) -> None:
    data = bytes(obj)
    assert int.from_bytes(data[:4], "little") == obj.CONSTRUCTOR_ID
    assert len(data) % 4 == 0
    again = read_object(data)
    assert again == obj
    assert bytes(again) == data
    reader = Reader(data[4:])
    assert type(obj).from_reader(reader) == obj and reader.remaining() == 0


@pytest.mark.parametrize("comb", COMBINATORS, ids=lambda c: c.full_name)
def test_every_class_round_trips(comb: Combinator) -> None:
    assert comb.id == class_of(comb).CONSTRUCTOR_ID
    for presence in ("none", "all", "random"):
        for seed in range(3):
            check_round_trip(ValueBuilder(RandomSource(seed), presence=presence).build(comb))


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_hypothesis_round_trip(obj: TLObject) -> None:
    check_round_trip(obj)
