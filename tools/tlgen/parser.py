"""Parse TL schema text into :class:`Combinator` records.

The accepted syntax is the one of Telegram's published ``api.tl`` and ``mtproto.tl``::

    // comment                       (also after a definition; /* block comments */ too)
    ---functions---                  (following definitions are functions)
    ---types---                      (following definitions are constructors)
    ns.name#1a2b3c4d {X:Type} flags:# a:flags.0?int b:flags.1?true c:Vector<%T> d:!X = ns.Type;

Definitions normally take one line but may span several (they end at ``;``). Builtin
definitions (``vector#1cb5c415 {t:Type} # [ t ] = Vector t;``, ``boolTrue``/``boolFalse``/``true``)
are recognised and kept out of code generation.

A trailing comment may carry generator directives: ``// tlgen: no-crc`` accepts an id that is not
the CRC32 of the definition (the file must say so explicitly), ``// tlgen: envelope`` marks an
MTProto envelope constructor that the session handles at the byte level (only its id is exported).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BUILTIN_TYPES",
    "Arg",
    "Combinator",
    "Schema",
    "TLSchemaError",
    "TLType",
    "normalized_definition",
    "parse_file",
    "parse_files",
    "parse_text",
]

#: Primitive types, encoded inline (all bare except ``Bool``).
BUILTIN_TYPES = frozenset(
    {"int", "long", "int128", "int256", "double", "string", "bytes", "true", "Bool"}
)
#: Constructors of the builtin types, which the generator does not emit as classes.
_BUILTIN_CONSTRUCTORS = frozenset({"boolFalse", "boolTrue", "true", "vector", "null", "error"})
_DIRECTIVES = frozenset({"no-crc", "envelope"})

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_FULL_NAME = re.compile(rf"^(?:({_NAME})\.)?({_NAME})(?:#([0-9a-fA-F]{{1,8}}))?$")
_GENERIC_PARAM = re.compile(rf"^\{{({_NAME}):Type\}}$")
_FLAG = re.compile(rf"^({_NAME})\.(\d+)\?(.+)$")
_DIRECTIVE = re.compile(r"^\s*tlgen:\s*([a-z\-]+(?:\s*,\s*[a-z\-]+)*)\s*$")
_LAYER = re.compile(r"^//\s*LAYER\s+(\d+)\s*$")


class TLSchemaError(ValueError):
    """A schema file is malformed or a constructor id does not match its definition."""

    def __init__(self, message: str, *, path: str = "<text>", line: int = 0) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


@dataclass(frozen=True)
class TLType:
    """A type reference as written in a definition.

    ``name`` is the type name without ``%``/``!`` markers (``int``, ``User``, ``auth.SentCode``,
    ``Vector``, ``X``); ``bare`` is true for ``%T`` and for names starting with a lower-case
    letter; ``arg`` is the parameter of ``Vector<T>``; ``generic_ref`` marks ``!X``.
    """

    name: str
    bare: bool = False
    arg: TLType | None = None
    generic_ref: bool = False
    percent: bool = False

    @property
    def is_vector(self) -> bool:
        """``Vector<T>`` (boxed) or ``vector<T>`` (bare)."""
        return self.name.lower() == "vector" and self.arg is not None

    def __str__(self) -> str:
        prefix = "!" if self.generic_ref else "%" if self.percent else ""
        if self.arg is not None:
            return f"{prefix}{self.name}<{self.arg}>"
        return f"{prefix}{self.name}"


@dataclass(frozen=True)
class Arg:
    """One field of a combinator.

    ``type`` is ``None`` for a flags field (``flags:#``); ``flag`` names the flags field and bit
    that make the field optional (``flags.3?int`` -> ``("flags", 3)``).
    """

    name: str
    type: TLType | None
    flag: tuple[str, int] | None = None

    @property
    def is_flags(self) -> bool:
        """A ``#`` field that holds presence bits of later fields."""
        return self.type is None

    @property
    def is_true_flag(self) -> bool:
        """A ``flags.N?true`` field: a bit with no payload."""
        return self.flag is not None and self.type is not None and self.type.name == "true"

    def __str__(self) -> str:
        if self.type is None:
            return f"{self.name}:#"
        if self.flag is not None:
            return f"{self.name}:{self.flag[0]}.{self.flag[1]}?{self.type}"
        return f"{self.name}:{self.type}"


@dataclass(frozen=True)
class Combinator:
    """A constructor (``is_function`` false) or a function of the schema."""

    name: str
    namespace: str | None
    id: int
    args: tuple[Arg, ...]
    result: TLType
    is_function: bool
    generic_params: tuple[str, ...] = ()
    path: str = "<text>"
    line: int = 0
    source: str = ""
    explicit_id: bool = True
    directives: frozenset[str] = frozenset()

    @property
    def full_name(self) -> str:
        """``ns.name`` or ``name``."""
        return f"{self.namespace}.{self.name}" if self.namespace else self.name

    @property
    def is_envelope(self) -> bool:
        """An MTProto envelope (``// tlgen: envelope``): only its id is exported."""
        return "envelope" in self.directives

    @property
    def crc(self) -> int:
        """The CRC32 of the normalized definition (what the id should be)."""
        return zlib.crc32(normalized_definition(self).encode("ascii"))

    def definition(self) -> str:
        """The definition re-serialised in canonical form, with its id."""
        parts = [f"{self.full_name}#{self.id:08x}"]
        parts += [f"{{{p}:Type}}" for p in self.generic_params]
        parts += [str(a) for a in self.args]
        return " ".join(parts) + f" = {self.result};"


def _crc_type(t: TLType) -> str:
    # The id is computed as if a bytes field were string (they share one encoding; only the
    # field's own type, not a Vector parameter) and with Vector<T> in its curried form "Vector T".
    if t.name == "bytes" and not t.percent:
        return "string"
    return str(t).replace("<", " ").replace(">", "")


def normalized_definition(c: Combinator) -> str:
    """The text whose CRC32 is a combinator's id.

    The id and comments are dropped, generic parameters lose their braces, ``flags.N?true``
    fields are removed (they occupy no space on the wire), ``bytes`` reads ``string`` and
    ``Vector<T>`` reads ``Vector T``.
    """
    parts = [c.full_name]
    parts += [f"{p}:Type" for p in c.generic_params]
    for a in c.args:
        if a.type is None:
            parts.append(f"{a.name}:#")
        elif a.is_true_flag:
            continue
        elif a.flag is not None:
            parts.append(f"{a.name}:{a.flag[0]}.{a.flag[1]}?{_crc_type(a.type)}")
        else:
            parts.append(f"{a.name}:{_crc_type(a.type)}")
    return " ".join(parts) + " = " + _crc_type(c.result)


@dataclass
class Schema:
    """Every combinator of one or more schema files, in source order."""

    combinators: list[Combinator] = field(default_factory=list)
    layer: int | None = None

    @property
    def constructors(self) -> list[Combinator]:
        """Constructors (types section)."""
        return [c for c in self.combinators if not c.is_function]

    @property
    def functions(self) -> list[Combinator]:
        """Functions (functions section)."""
        return [c for c in self.combinators if c.is_function]


def _parse_type(text: str, generic_params: tuple[str, ...], path: str, line: int) -> TLType:
    generic_ref = text.startswith("!")
    if generic_ref:
        text = text[1:]
        if text not in generic_params:
            raise TLSchemaError(
                f"!{text} refers to no {{{text}:Type}} parameter", path=path, line=line
            )
    percent = text.startswith("%")
    if percent:
        text = text[1:]
    arg: TLType | None = None
    m = re.fullmatch(rf"((?:{_NAME}\.)?{_NAME})<(.+)>", text)
    if m:
        text = m.group(1)
        if text.lower() != "vector":
            raise TLSchemaError(
                f"only Vector takes a type parameter, not {text}", path=path, line=line
            )
        arg = _parse_type(m.group(2), generic_params, path, line)
    elif not re.fullmatch(rf"(?:{_NAME}\.)?{_NAME}", text):
        raise TLSchemaError(f"malformed type {text!r}", path=path, line=line)
    # Bare: %T, primitives, and lower-case names (a constructor, or vector<T>); Bool is boxed.
    bare = percent or (text != "Bool" and text.rsplit(".", 1)[-1][0].islower())
    return TLType(text, bare=bare, arg=arg, generic_ref=generic_ref, percent=percent)


def _parse_definition(
    text: str, *, is_function: bool, directives: frozenset[str], path: str, line: int
) -> Combinator | None:
    if "=" not in text:
        raise TLSchemaError(f"definition without '=': {text!r}", path=path, line=line)
    left, _, right = text.partition("=")
    tokens = left.split()
    result_text = right.strip()
    if not tokens or not result_text:
        raise TLSchemaError(f"incomplete definition: {text!r}", path=path, line=line)
    m = _FULL_NAME.match(tokens[0])
    if not m:
        raise TLSchemaError(f"malformed combinator name {tokens[0]!r}", path=path, line=line)
    namespace, name, hex_id = m.group(1), m.group(2), m.group(3)
    full = f"{namespace}.{name}" if namespace else name
    if full in _BUILTIN_CONSTRUCTORS or "[" in text:
        return None
    generic: list[str] = []
    args: list[Arg] = []
    seen: set[str] = set()
    flag_fields: set[str] = set()
    for tok in tokens[1:]:
        g = _GENERIC_PARAM.match(tok)
        if g:
            if args:
                raise TLSchemaError("{X:Type} must precede the fields", path=path, line=line)
            generic.append(g.group(1))
            continue
        arg_name, colon, type_text = tok.partition(":")
        if not colon or not re.fullmatch(_NAME, arg_name) or not type_text:
            raise TLSchemaError(f"malformed field {tok!r}", path=path, line=line)
        if arg_name in seen:
            raise TLSchemaError(f"duplicate field {arg_name!r}", path=path, line=line)
        seen.add(arg_name)
        if type_text == "#":
            args.append(Arg(arg_name, None))
            flag_fields.add(arg_name)
            continue
        f = _FLAG.match(type_text)
        flag: tuple[str, int] | None = None
        if f:
            if f.group(1) not in flag_fields:
                raise TLSchemaError(
                    f"field {arg_name!r} uses {f.group(1)!r}, which is not an earlier # field",
                    path=path,
                    line=line,
                )
            bit = int(f.group(2))
            if bit > 31:
                raise TLSchemaError(f"flag bit {bit} out of range", path=path, line=line)
            flag = (f.group(1), bit)
            type_text = f.group(3)
        args.append(Arg(arg_name, _parse_type(type_text, tuple(generic), path, line), flag))
    result = _parse_type(result_text, tuple(generic), path, line)
    if result.generic_ref:
        raise TLSchemaError("a result type cannot be !X", path=path, line=line)
    comb = Combinator(
        name=name,
        namespace=namespace,
        id=0,
        args=tuple(args),
        result=result,
        is_function=is_function,
        generic_params=tuple(generic),
        path=path,
        line=line,
        source=text.strip() + ";",
        explicit_id=hex_id is not None,
        directives=directives,
    )
    crc = comb.crc
    if hex_id is None:
        return _replace_id(comb, crc)
    cid = int(hex_id, 16)
    comb = _replace_id(comb, cid)
    if cid != crc and "no-crc" not in directives:
        raise TLSchemaError(
            f"constructor id {cid:08x} of {full} is not the CRC32 of its definition "
            f"({crc:08x} of {normalized_definition(comb)!r}); fix the id or mark the line "
            "with '// tlgen: no-crc'",
            path=path,
            line=line,
        )
    return comb


def _replace_id(c: Combinator, cid: int) -> Combinator:
    from dataclasses import replace

    return replace(c, id=cid)


def _split_comment(line: str) -> tuple[str, str]:
    idx = line.find("//")
    if idx < 0:
        return line, ""
    return line[:idx], line[idx + 2 :]


def parse_text(text: str, path: str = "<text>") -> Schema:
    """Parse one schema file's text; raise :class:`TLSchemaError` on any defect."""
    # Block comments (rare in published schemas) become blank lines, keeping line numbers.
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    schema = Schema()
    is_function = False
    pending: list[str] = []
    pending_line = 0
    pending_directives: set[str] = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        layer = _LAYER.match(raw.strip())
        if layer:
            schema.layer = int(layer.group(1))
            continue
        code, comment = _split_comment(raw)
        d = _DIRECTIVE.match(comment)
        if d:
            names = {n.strip() for n in d.group(1).split(",") if n.strip()}
            unknown = names - _DIRECTIVES
            if unknown:
                raise TLSchemaError(
                    f"unknown tlgen directive(s) {sorted(unknown)}", path=path, line=lineno
                )
            if not code.strip() and not pending:
                raise TLSchemaError(
                    "a tlgen directive must follow a definition", path=path, line=lineno
                )
            pending_directives |= names
        stripped = code.strip()
        if not stripped:
            continue
        section = re.fullmatch(r"---\s*(\w+)\s*---", stripped)
        if section:
            if pending:
                raise TLSchemaError(
                    "unterminated definition before section marker", path=path, line=lineno
                )
            if section.group(1) == "functions":
                is_function = True
            elif section.group(1) == "types":
                is_function = False
            else:
                raise TLSchemaError(f"unknown section {stripped!r}", path=path, line=lineno)
            continue
        if not pending:
            pending_line = lineno
        pending.append(stripped)
        joined = " ".join(pending)
        if ";" not in joined:
            continue
        body, _, rest = joined.partition(";")
        if rest.strip():
            raise TLSchemaError("one definition per statement expected", path=path, line=lineno)
        comb = _parse_definition(
            body,
            is_function=is_function,
            directives=frozenset(pending_directives),
            path=path,
            line=pending_line,
        )
        if comb is not None:
            schema.combinators.append(comb)
        pending.clear()
        pending_directives = set()
    if pending:
        raise TLSchemaError("unterminated definition at end of file", path=path, line=pending_line)
    return schema


def parse_file(path: Path) -> Schema:
    """Parse one ``.tl`` file."""
    return parse_text(path.read_text(encoding="utf-8"), str(path))


def parse_files(paths: Iterable[Path]) -> Schema:
    """Parse several files into one schema; names and ids must be unique across all of them."""
    merged = Schema()
    by_id: dict[int, Combinator] = {}
    by_name: dict[tuple[bool, str], Combinator] = {}
    for p in paths:
        part = parse_file(p)
        if part.layer is not None:
            if merged.layer is not None and merged.layer != part.layer:
                raise TLSchemaError(
                    f"LAYER {part.layer} conflicts with LAYER {merged.layer}", path=str(p)
                )
            merged.layer = part.layer
        for c in part.combinators:
            other = by_id.get(c.id)
            if other is not None:
                raise TLSchemaError(
                    f"id {c.id:08x} of {c.full_name} already used by {other.full_name} "
                    f"({other.path}:{other.line})",
                    path=c.path,
                    line=c.line,
                )
            # Envelopes live apart: mtproto's `message` shares its name with the API's.
            key = (c.is_function, ("envelope:" if c.is_envelope else "") + c.full_name)
            if key in by_name:
                o = by_name[key]
                raise TLSchemaError(
                    f"{c.full_name} already defined at {o.path}:{o.line}", path=c.path, line=c.line
                )
            by_id[c.id] = c
            by_name[key] = c
            merged.combinators.append(c)
    return merged
