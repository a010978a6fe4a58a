"""The constructor registry: boxed constructor id -> generated class.

Generated modules register their classes when they are imported (importing :mod:`tgcore.tl`
imports all of them). Functions and constructors are kept apart so that a function can never be
decoded where a constructor of some type is expected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tgcore.tl.tlobject import TLObject, TLRequest

__all__ = ["CONSTRUCTORS", "FUNCTIONS", "lookup", "register"]

#: Constructor id -> class of every generated TL constructor.
CONSTRUCTORS: dict[int, type[TLObject]] = {}
#: Constructor id -> class of every generated TL function (request).
FUNCTIONS: dict[int, type[TLRequest]] = {}


def register(*classes: type[TLObject]) -> None:
    """Add generated classes to the registry (functions go to :data:`FUNCTIONS`).

    Raises:
        ValueError: another class already holds one of the ids.
    """
    from tgcore.tl.tlobject import TLRequest

    for cls in classes:
        cid = cls.CONSTRUCTOR_ID
        other = CONSTRUCTORS.get(cid) or FUNCTIONS.get(cid)
        if other is not None and other is not cls:
            raise ValueError(
                f"TL id 0x{cid:08x} of {cls.__qualname__} is already taken by {other.__qualname__}"
            )
        if issubclass(cls, TLRequest):
            FUNCTIONS[cid] = cls
        else:
            CONSTRUCTORS[cid] = cls


def lookup(constructor_id: int) -> type[TLObject] | None:
    """The class of a constructor or function id, or ``None`` when the schema lacks it."""
    return CONSTRUCTORS.get(constructor_id) or FUNCTIONS.get(constructor_id)
