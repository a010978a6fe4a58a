"""Shared helpers of the TL tests: the parsed schema, and values for any generated class.

Values are built from the schema's field metadata (parsed with tools.tlgen), so every test
that iterates over :data:`COMBINATORS` automatically covers schema files added later.
"""

from __future__ import annotations

import inspect
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import strategies as st  # noqa: E402

from tgcore.tl import CONSTRUCTORS, FUNCTIONS, TLObject  # noqa: E402
from tools.tlgen import Combinator, TLType, parse_files, schema_paths  # noqa: E402
from tools.tlgen.naming import field_name  # noqa: E402

T = TypeVar("T")

SCHEMA_DIR = ROOT / "src" / "tgcore" / "tl" / "schema"
GENERATED_DIR = ROOT / "src" / "tgcore" / "tl" / "generated"
SCHEMA = parse_files(schema_paths(SCHEMA_DIR))
COMBINATORS = [c for c in SCHEMA.combinators if not c.is_envelope]
BY_TYPE: dict[str, list[Combinator]] = {}
BY_NAME: dict[str, Combinator] = {}
for _c in COMBINATORS:
    if not _c.is_function:
        BY_TYPE.setdefault(str(_c.result), []).append(_c)
        BY_NAME[_c.full_name] = _c
FUNCTION_COMBINATORS = [c for c in COMBINATORS if c.is_function]

BYTE_SIZES = (0, 1, 2, 3, 4, 5, 7, 8, 252, 253, 254, 255, 256, 257, 300, 1000)
_PRIMITIVES = {"int", "long", "int128", "int256", "double", "string", "bytes", "Bool", "true"}


def class_of(c: Combinator) -> type[TLObject]:
    """The generated class of a combinator."""
    return (FUNCTIONS if c.is_function else CONSTRUCTORS)[c.id]


def _is_object(t: TLType) -> bool:
    return not t.is_vector and t.name not in _PRIMITIVES


def is_leaf(c: Combinator) -> bool:
    """No required field needs another object (vectors may be empty)."""
    return not any(a.type is not None and a.flag is None and _is_object(a.type) for a in c.args)


class Source(Protocol):
    """Where random choices come from (a seeded Random or a hypothesis draw)."""

    def integer(self, lo: int, hi: int) -> int: ...
    def boolean(self) -> bool: ...
    def choice(self, items: Sequence[T]) -> T: ...
    def binary(self) -> bytes: ...
    def text(self) -> str: ...
    def real(self) -> float: ...
    def count(self) -> int: ...


class RandomSource:
    """Deterministic choices from ``random.Random(seed)``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        edge = self.rng.random()
        if edge < 0.1:
            return lo
        if edge < 0.2:
            return hi
        if edge < 0.3:
            return 0
        return self.rng.randint(lo, hi)

    def boolean(self) -> bool:
        return self.rng.random() < 0.5

    def choice(self, items: Sequence[T]) -> T:
        return self.rng.choice(items)

    def binary(self) -> bytes:
        return self.rng.randbytes(self.rng.choice(BYTE_SIZES))

    def text(self) -> str:
        alphabet = "aZ09 _-éж€😀\n"
        return "".join(self.rng.choice(alphabet) for _ in range(self.rng.choice((0, 1, 5, 40, 90))))

    def real(self) -> float:
        return self.rng.choice((0.0, -1.5, 3.141592653589793, 1e300, -2.5e-300))

    def count(self) -> int:
        return self.rng.choice((0, 1, 2, 3))


class DrawSource:
    """Choices drawn from hypothesis (shrinkable)."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return int(self.draw(st.integers(lo, hi)))

    def boolean(self) -> bool:
        return bool(self.draw(st.booleans()))

    def choice(self, items: Sequence[T]) -> T:
        return items[self.draw(st.integers(0, len(items) - 1))]  # type: ignore[no-any-return]

    def binary(self) -> bytes:
        size = self.draw(st.sampled_from(BYTE_SIZES) | st.integers(0, 600))
        return bytes(self.draw(st.binary(min_size=size, max_size=size)))

    def text(self) -> str:
        return str(self.draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)))

    def real(self) -> float:
        return float(self.draw(st.floats(allow_nan=False)))

    def count(self) -> int:
        return int(self.draw(st.integers(0, 3)))


class ValueBuilder:
    """Builds instances of generated classes from schema metadata.

    ``presence`` decides optional fields: ``"random"``, ``"all"`` (every flag set, while the
    depth allows) or ``"none"``.
    """

    def __init__(self, source: Source, *, presence: str = "random", max_depth: int = 3) -> None:
        self.source = source
        self.presence = presence
        self.max_depth = max_depth

    def build(self, c: Combinator, depth: int = 0) -> TLObject:
        """An instance of ``c``'s class."""
        present: dict[tuple[str, int], bool] = {}
        kwargs: dict[str, Any] = {}
        for a in c.args:
            if a.type is None:
                continue
            name = field_name(a.name)
            if a.flag is not None:
                if a.flag not in present:
                    if depth >= self.max_depth or self.presence == "none":
                        present[a.flag] = False
                    elif self.presence == "all":
                        present[a.flag] = True
                    else:
                        present[a.flag] = self.source.boolean()
                if a.is_true_flag:
                    kwargs[name] = present[a.flag]
                    continue
                if not present[a.flag]:
                    continue
            kwargs[name] = self.value(a.type, c, depth)
        return class_of(c)(**kwargs)

    def pick(self, candidates: list[Combinator], depth: int) -> Combinator:
        if depth >= self.max_depth:
            leaves = [c for c in candidates if is_leaf(c)]
            candidates = leaves or candidates
        return self.source.choice(candidates)

    def value(self, t: TLType, c: Combinator, depth: int) -> Any:
        """A value of type ``t`` (a field of ``c``)."""
        s = self.source
        if t.is_vector:
            assert t.arg is not None
            n = 0 if depth >= self.max_depth else s.count()
            return [self.value(t.arg, c, depth + 1) for _ in range(n)]
        name = t.name
        if name == "int":
            return s.integer(-(2**31), 2**31 - 1)
        if name == "long":
            return s.integer(-(2**63), 2**63 - 1)
        if name == "int128":
            return s.integer(-(2**127), 2**127 - 1)
        if name == "int256":
            return s.integer(-(2**255), 2**255 - 1)
        if name == "double":
            return s.real()
        if name == "string":
            return s.text()
        if name == "bytes":
            return s.binary()
        if name == "Bool":
            return s.boolean()
        if t.generic_ref:
            return self.build(self.pick(FUNCTION_COMBINATORS, depth + 1), depth + 1)
        if name in c.generic_params or name == "Object":
            return self.build(self.pick(list(BY_NAME.values()), depth + 1), depth + 1)
        if t.percent:
            return self.build(BY_TYPE[name][0], depth + 1)
        if t.bare:
            return self.build(BY_NAME[name], depth + 1)
        return self.build(self.pick(BY_TYPE[name], depth + 1), depth + 1)


@st.composite
def instances(draw: Any, combinators: Sequence[Combinator] = tuple(COMBINATORS)) -> TLObject:
    """Hypothesis strategy: an instance of a class drawn from ``combinators``."""
    c = draw(st.sampled_from(list(combinators)))
    presence = draw(st.sampled_from(("random", "all", "none")))
    return ValueBuilder(DrawSource(draw), presence=presence).build(c)


# -- Telethon oracle ------------------------------------------------------------------------

_TELETHON_PARAMS: dict[type, dict[str, str]] = {}


def telethon_class(obj: TLObject) -> type | None:
    """Telethon's class with the same constructor id, if Telethon has one."""
    from telethon.tl.alltlobjects import tlobjects

    return tlobjects.get(obj.CONSTRUCTOR_ID)  # type: ignore[no-any-return]


def _param_map(tcls: type) -> dict[str, str]:
    if tcls not in _TELETHON_PARAMS:
        params = inspect.signature(tcls.__init__).parameters  # type: ignore[misc]
        mapping = {}
        for p in params:
            if p == "self":
                continue
            mapping[p] = p
            if p.startswith("is_"):
                mapping[p[3:]] = p
            if p.endswith("_"):
                mapping[p] = p
        _TELETHON_PARAMS[tcls] = mapping
    return _TELETHON_PARAMS[tcls]


def to_telethon(value: Any) -> Any:
    """The same value built from Telethon's classes (recursively)."""
    if isinstance(value, list):
        return [to_telethon(v) for v in value]
    if not isinstance(value, TLObject):
        return value
    tcls = telethon_class(value)
    if tcls is None:
        raise LookupError(f"Telethon has no class for {value.TL_NAME}#{value.CONSTRUCTOR_ID:08x}")
    mapping = _param_map(tcls)
    kwargs = {}
    for name in value._FIELDS:
        key = mapping.get(name) or mapping.get(name.rstrip("_"))
        if key is None:
            raise LookupError(f"Telethon's {tcls.__name__} has no field {name}")
        kwargs[key] = to_telethon(getattr(value, name))
    obj = tcls(**kwargs)
    # Telethon's patched Message classes rewrite some arguments in __init__ (MessageMediaEmpty
    # becomes None, out-of-range Peer* ids are "unmarked" in place): set fresh copies back.
    for name in value._FIELDS:
        key = mapping.get(name) or mapping[name.rstrip("_")]
        setattr(obj, key, to_telethon(getattr(value, name)))
    return obj
