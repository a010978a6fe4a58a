"""Base classes of the generated TL constructors and functions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

if TYPE_CHECKING:
    from tgcore.tl.primitives import Reader

__all__ = ["TLObject", "TLRequest"]


def _plain(value: Any) -> Any:
    if isinstance(value, TLObject):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class TLObject:
    """A TL constructor instance (every generated class derives from this).

    Instances are plain slotted objects: keyword-only construction, attribute access, equality
    by class and field values. ``bytes(obj)``/``obj.to_bytes()`` give the boxed encoding (the
    4-byte little-endian constructor id, then the body); ``cls.from_reader(reader)`` reads the
    bare body (the id already consumed).
    """

    __slots__ = ()

    #: The boxed constructor id.
    CONSTRUCTOR_ID: ClassVar[int] = 0
    #: CRC32 of the name of the TL type this constructor belongs to (of the result type for
    #: functions), as Telethon computes it.
    SUBCLASS_OF_ID: ClassVar[int] = 0
    #: The TL name, with namespace (``auth.sentCode``).
    TL_NAME: ClassVar[str] = ""
    #: Python names of the fields, in schema order (computed ``#`` flags fields excluded).
    _FIELDS: ClassVar[tuple[str, ...]] = ()

    def to_bytes(self) -> bytes:
        """The boxed TL encoding of this object."""
        raise NotImplementedError

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    @classmethod
    def from_reader(cls, reader: Reader) -> Self:
        """Read the bare body of this constructor (its id already consumed) from ``reader``."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (nested objects too), the class name under ``"_"``."""
        out: dict[str, Any] = {"_": type(self).__name__}
        for name in self._FIELDS:
            out[name] = _plain(getattr(self, name))
        return out

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable value objects are not hashable

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._FIELDS)
        return f"{type(self).__name__}({fields})"


class TLRequest(TLObject):
    """A TL function call; :meth:`read_result` decodes the answer the server sends for it."""

    __slots__ = ()

    def read_result(self, reader: Reader) -> Any:
        """Read this function's boxed result (what ``rpc_result.result`` holds) from ``reader``."""
        raise NotImplementedError
