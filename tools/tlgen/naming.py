"""Python names for TL names (classes, type aliases, fields, modules)."""

from __future__ import annotations

import keyword

__all__ = ["RESERVED_FIELD_NAMES", "alias_name", "class_name", "field_name", "split_namespace"]

#: Attribute names that generated classes use themselves; a TL field with one of these names
#: gets a trailing underscore like a Python keyword does.
RESERVED_FIELD_NAMES = frozenset(
    {
        "CONSTRUCTOR_ID",
        "SUBCLASS_OF_ID",
        "TL_NAME",
        "from_reader",
        "read_result",
        "to_bytes",
        "to_dict",
    }
)


def split_namespace(name: str) -> tuple[str | None, str]:
    """``"auth.sentCode"`` -> ``("auth", "sentCode")``; ``"resPQ"`` -> ``(None, "resPQ")``."""
    ns, dot, base = name.rpartition(".")
    return (ns if dot else None), base


def class_name(name: str) -> str:
    """The Python class name of a TL constructor, function or type (namespace dropped).

    Each ``_``-separated part gets an upper-case first letter and the underscores go:
    ``resPQ`` -> ``ResPQ``, ``p_q_inner_data_dc`` -> ``PQInnerDataDc``,
    ``req_DH_params`` -> ``ReqDHParams``, ``auth.sentCode`` -> ``SentCode``.
    """
    base = split_namespace(name)[1]
    return "".join(part[:1].upper() + part[1:] for part in base.split("_"))


def alias_name(type_name: str) -> str:
    """The typing alias of an abstract TL type: ``User`` -> ``TypeUser``."""
    return "Type" + class_name(type_name)


def field_name(name: str) -> str:
    """A TL field name as a Python identifier: keywords and reserved names get a trailing ``_``."""
    if keyword.iskeyword(name) or name in RESERVED_FIELD_NAMES:
        return name + "_"
    return name
