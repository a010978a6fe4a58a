"""TL (Type Language) serialization: the runtime and the generated layer-229 classes.

``from tgcore.tl import types, functions`` gives the generated namespaces
(``types.ResPQ``, ``types.auth.SentCode``, ``functions.help.GetConfig``). Every class derives
from :class:`TLObject` (functions from :class:`TLRequest`); ``bytes(obj)`` encodes it boxed and
:func:`read_object` / :meth:`Reader.read_object` decode any boxed object through the registry.
"""

from __future__ import annotations

from tgcore.tl.codec import read_object
from tgcore.tl.errors import TLDecodeError, TLEncodeError, UnknownConstructorError
from tgcore.tl.generated import (
    GZIP_PACKED_ID,
    LAYER,
    MESSAGE_ID,
    MSG_CONTAINER_ID,
    MSG_COPY_ID,
    RPC_RESULT_ID,
    functions,
    types,
)
from tgcore.tl.primitives import (
    BOOL_FALSE_ID,
    BOOL_TRUE_ID,
    MAX_GZIP_SIZE,
    VECTOR_ID,
    Reader,
    pack_bool,
    pack_bytes,
    pack_double,
    pack_int,
    pack_int128,
    pack_int256,
    pack_int_vector,
    pack_long,
    pack_long_vector,
    pack_object_vector,
    pack_string,
    pack_vector_header,
)
from tgcore.tl.registry import CONSTRUCTORS, FUNCTIONS, lookup, register
from tgcore.tl.tlobject import TLObject, TLRequest

__all__ = [
    "BOOL_FALSE_ID",
    "BOOL_TRUE_ID",
    "CONSTRUCTORS",
    "FUNCTIONS",
    "GZIP_PACKED_ID",
    "LAYER",
    "MAX_GZIP_SIZE",
    "MESSAGE_ID",
    "MSG_CONTAINER_ID",
    "MSG_COPY_ID",
    "RPC_RESULT_ID",
    "Reader",
    "TLDecodeError",
    "TLEncodeError",
    "TLObject",
    "TLRequest",
    "UnknownConstructorError",
    "VECTOR_ID",
    "functions",
    "lookup",
    "pack_bool",
    "pack_bytes",
    "pack_double",
    "pack_int",
    "pack_int128",
    "pack_int256",
    "pack_int_vector",
    "pack_long",
    "pack_long_vector",
    "pack_object_vector",
    "pack_string",
    "pack_vector_header",
    "read_object",
    "register",
    "types",
]
