"""tlgen: the TL schema parser and Python code generator of tgstack.

Regenerate ``src/tgcore/tl/generated/`` after changing any schema file with ONE command, run
from the repository root::

    python -m tools.tlgen            # parse, check every id, rewrite the generated package
    python -m tools.tlgen --check    # exit status 1 if the committed code is stale

It reads ``src/tgcore/tl/schema/mtproto.tl`` and then every ``src/tgcore/tl/schema/api/*.tl``
in sorted order. Every constructor id must be the CRC32 of its normalized definition
(:func:`tools.tlgen.parser.normalized_definition`) unless the line ends with
``// tlgen: no-crc``.
"""

from __future__ import annotations

from tools.tlgen.generator import DEFAULT_LAYER, REGENERATE_COMMAND, GeneratedFile, generate
from tools.tlgen.parser import (
    Arg,
    Combinator,
    Schema,
    TLSchemaError,
    TLType,
    normalized_definition,
    parse_file,
    parse_files,
    parse_text,
)
from tools.tlgen.writer import diff_tree, schema_paths, write_tree

__all__ = [
    "DEFAULT_LAYER",
    "REGENERATE_COMMAND",
    "Arg",
    "Combinator",
    "GeneratedFile",
    "Schema",
    "TLSchemaError",
    "TLType",
    "diff_tree",
    "generate",
    "normalized_definition",
    "parse_file",
    "parse_files",
    "parse_text",
    "schema_paths",
    "write_tree",
]
