"""Telethon 1.45 (layer 229) as an oracle: same ids, same names, byte-identical encodings.

Every test iterates over all generated classes, so schema files added to schema/api/ are
checked automatically.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from telethon.extensions import BinaryReader
from telethon.tl import functions as tfunctions
from telethon.tl import types as ttypes
from telethon.tl.alltlobjects import LAYER as TELETHON_LAYER
from telethon.tl.alltlobjects import tlobjects
from tl_support import COMBINATORS, RandomSource, ValueBuilder, class_of, instances, to_telethon

from tgcore.tl import LAYER, TLObject
from tools.tlgen import Combinator

#: Constructors Telethon does not define (it parses them by hand or not at all).
NOT_IN_TELETHON = {"msg_resend_ans_req"}
#: Binary ``info`` fields that Telethon declares ``string`` and so decodes lossily into str.
LOSSY_IN_TELETHON = {"msgs_state_info", "msgs_all_info"}
#: Telethon's patched Message classes rewrite what they decode (MessageMediaEmpty -> None,
#: "marked" peer ids), so objects containing them are only compared in the encode direction.
PATCHED_IN_TELETHON = {"message", "messageService", "messageEmpty"}


def tl_names(value: Any) -> set[str]:
    """TL names of ``value`` and everything nested in it."""
    if isinstance(value, list):
        return set().union(*map(tl_names, value)) if value else set()
    if isinstance(value, TLObject):
        names = {value.TL_NAME}
        for field in value._FIELDS:
            names |= tl_names(getattr(value, field))
        return names
    return set()


def telethon_namesake(comb: Combinator) -> Any:
    cls = class_of(comb)
    root = tfunctions if comb.is_function else ttypes
    module = getattr(root, comb.namespace) if comb.namespace else root
    name = cls.__name__ + ("Request" if comb.is_function else "")
    return getattr(module, name, None)


def test_same_layer() -> None:
    assert LAYER == TELETHON_LAYER == 229


@pytest.mark.parametrize("comb", COMBINATORS, ids=lambda c: c.full_name)
def test_ids_and_names_match_telethon(comb: Combinator) -> None:
    cls = class_of(comb)
    theirs = tlobjects.get(comb.id)
    namesake = telethon_namesake(comb)
    if comb.full_name in NOT_IN_TELETHON:
        assert theirs is None and namesake is None
        return
    assert namesake is not None, f"Telethon has no {comb.full_name}"
    assert namesake.CONSTRUCTOR_ID == cls.CONSTRUCTOR_ID, (
        f"{comb.full_name}: ours #{cls.CONSTRUCTOR_ID:08x}, Telethon's "
        f"#{namesake.CONSTRUCTOR_ID:08x} (layer 229)"
    )
    assert theirs is namesake
    assert namesake.SUBCLASS_OF_ID == cls.SUBCLASS_OF_ID


def check_same_bytes(obj: TLObject) -> None:
    ours = bytes(obj)
    theirs = to_telethon(obj)
    assert bytes(theirs) == ours, f"{obj.TL_NAME}: encodings differ"
    # And Telethon decodes our bytes into a value that encodes back the same.
    if tl_names(obj) & (LOSSY_IN_TELETHON | PATCHED_IN_TELETHON):
        return
    with BinaryReader(ours) as reader:
        assert bytes(reader.tgread_object()) == ours


ORACLE = [c for c in COMBINATORS if c.full_name not in NOT_IN_TELETHON]


@pytest.mark.parametrize("comb", ORACLE, ids=lambda c: c.full_name)
def test_encoding_matches_telethon(comb: Combinator) -> None:
    for presence in ("none", "all", "random"):
        for seed in range(2):
            check_same_bytes(ValueBuilder(RandomSource(seed), presence=presence).build(comb))


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(instances(ORACLE))
def test_hypothesis_encoding_matches_telethon(obj: TLObject) -> None:
    check_same_bytes(obj)
