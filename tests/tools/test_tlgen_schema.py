"""The repository's own schema: ids, directives and completeness."""

from __future__ import annotations

from pathlib import Path

from tools.tlgen import generate, parse_files, schema_paths

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "src" / "tgcore" / "tl" / "schema"
SCHEMA = parse_files(schema_paths(SCHEMA_DIR))


def test_only_the_documented_ids_opt_out_of_the_crc_check() -> None:
    # Telegram publishes these three with ids that are not the CRC of their definitions.
    # A new entry here needs a comment in its .tl file saying why.
    opted_out = {c.full_name: f"{c.id:08x}" for c in SCHEMA.combinators if "no-crc" in c.directives}
    assert opted_out == {
        "ipPortSecret": "37982646",
        "accessPointRule": "4679b65f",
        "help.configSimple": "5a592a6c",
    }
    for c in SCHEMA.combinators:
        assert c.id == c.crc or "no-crc" in c.directives, c.full_name


def test_envelopes() -> None:
    envelopes = {c.full_name for c in SCHEMA.combinators if c.is_envelope}
    assert envelopes == {"msg_container", "message", "msg_copy", "gzip_packed", "rpc_result"}
    assert all(c.path.endswith("mtproto.tl") for c in SCHEMA.combinators if c.is_envelope)


def test_every_referenced_type_has_constructors() -> None:
    _, warnings = generate(SCHEMA)
    assert warnings == []


def test_layer() -> None:
    assert SCHEMA.layer in (None, 229)
