"""tools.tlgen.parser: every syntax feature, and a clear error for every defect."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from tools.tlgen import Arg, TLSchemaError, TLType, normalized_definition, parse_files, parse_text


def one(text: str):  # type: ignore[no-untyped-def]
    schema = parse_text(text)
    assert len(schema.combinators) == 1
    return schema.combinators[0]


def test_constructor_with_namespace_and_id() -> None:
    c = one("auth.sentCodeSuccess#2390fe44 authorization:auth.Authorization = auth.SentCode;")
    assert (c.namespace, c.name, c.full_name) == ("auth", "sentCodeSuccess", "auth.sentCodeSuccess")
    assert c.id == 0x2390FE44 and c.explicit_id and not c.is_function
    assert c.args == (Arg("authorization", TLType("auth.Authorization")),)
    assert str(c.result) == "auth.SentCode"
    assert c.definition() == (
        "auth.sentCodeSuccess#2390fe44 authorization:auth.Authorization = auth.SentCode;"
    )


def test_id_is_computed_when_omitted() -> None:
    c = one("message msg_id:long seqno:int bytes:int body:Object = Message;")
    assert c.id == 0x5BB8E511 and not c.explicit_id


def test_comments_and_line_numbers() -> None:
    text = (
        "// header comment\n"
        "/* a block\n   comment */\n"
        "pong#347773c5 msg_id:long ping_id:long = Pong; // trailing\n"
    )
    c = one(text)
    assert c.line == 4 and c.full_name == "pong"
    assert c.source == "pong#347773c5 msg_id:long ping_id:long = Pong;"


def test_sections() -> None:
    schema = parse_text(
        "pong#347773c5 msg_id:long ping_id:long = Pong;\n"
        "---functions---\n"
        "ping#7abe77ec ping_id:long = Pong;\n"
        "---types---\n"
        "http_wait#9299359f max_delay:int wait_after:int max_wait:int = HttpWait;\n"
    )
    assert [c.full_name for c in schema.constructors] == ["pong", "http_wait"]
    assert [c.full_name for c in schema.functions] == ["ping"]


def test_unknown_section() -> None:
    with pytest.raises(TLSchemaError, match="unknown section"):
        parse_text("---methods---\n")


def test_generic_parameter_and_generic_ref() -> None:
    c = one("invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;")
    assert c.generic_params == ("X",)
    query = c.args[1]
    assert query.type is not None and query.type.generic_ref and str(query.type) == "!X"
    assert normalized_definition(c) == "invokeWithLayer X:Type layer:int query:!X = X"


def test_generic_ref_needs_parameter() -> None:
    with pytest.raises(TLSchemaError, match="refers to no"):
        parse_text("bad query:!X = X;")


def test_generic_parameter_after_fields() -> None:
    with pytest.raises(TLSchemaError, match="must precede"):
        parse_text("bad a:int {X:Type} q:!X = X;")


def test_result_cannot_be_generic_ref() -> None:
    with pytest.raises(TLSchemaError, match="result type"):
        parse_text("bad {X:Type} q:!X = !X;")


def test_flags_and_flags2() -> None:
    c = one(
        "x#00000000 flags:# a:flags.0?true b:flags.1?int flags2:# c:flags2.31?Vector<long> = X;"
        " // tlgen: no-crc"
    )
    flags, a, b, flags2, cc = c.args
    assert flags.is_flags and flags.type is None and str(flags) == "flags:#"
    assert a.is_true_flag and a.flag == ("flags", 0)
    assert not b.is_true_flag and b.flag == ("flags", 1) and str(b) == "b:flags.1?int"
    assert flags2.is_flags
    assert cc.flag == ("flags2", 31) and cc.type is not None and cc.type.is_vector
    assert not cc.type.bare


def test_flag_must_name_an_earlier_hash_field() -> None:
    with pytest.raises(TLSchemaError, match="not an earlier # field"):
        parse_text("bad a:flags.0?int flags:# = X;")


def test_flag_bit_range() -> None:
    with pytest.raises(TLSchemaError, match="out of range"):
        parse_text("bad flags:# a:flags.32?int = X;")


def test_bare_types() -> None:
    c = one(
        "future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt> = FutureSalts;"
    )
    salts = c.args[2].type
    assert salts is not None and salts.is_vector and salts.bare
    assert salts.arg == TLType("future_salt", bare=True)
    c = one("bad p:%Point ps:vector<%Point> = X;")
    p, ps = (a.type for a in c.args)
    assert p is not None and p.bare and p.percent and str(p) == "%Point"
    assert ps is not None and ps.bare and ps.arg is not None and ps.arg.percent
    assert str(ps) == "vector<%Point>"


def test_primitive_types_are_bare_but_bool_is_boxed() -> None:
    c = one("x a:int b:string c:Bool d:bytes = X;")
    types = [a.type for a in c.args]
    assert [t.bare for t in types if t is not None] == [True, True, False, True]


def test_nested_vectors() -> None:
    c = one("x grid:Vector<Vector<int>> = X;")
    grid = c.args[0].type
    assert grid is not None and grid.arg is not None and grid.arg.is_vector
    assert str(grid) == "Vector<Vector<int>>"
    assert normalized_definition(c) == "x grid:Vector Vector int = X"


def test_vector_result() -> None:
    c = one("---functions---\nusers.getUsers#0d91a548 id:Vector<InputUser> = Vector<User>;")
    assert c.is_function and str(c.result) == "Vector<User>"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bad a:int;", "without '='"),
        ("bad a:int = ;", "incomplete"),
        ("= X;", "incomplete"),
        ("1bad = X;", "malformed combinator name"),
        ("bad#xyz = X;", "malformed combinator name"),
        ("bad a = X;", "malformed field"),
        ("bad a: = X;", "malformed field"),
        ("bad 9a:int = X;", "malformed field"),
        ("bad a:int a:long = X;", "duplicate field"),
        ("bad a:Foo<int> = X;", "only Vector"),
        ("bad a:in-t = X;", "malformed type"),
        ("bad = X; other = Y;", "one definition per statement"),
        ("bad a:int\n", "unterminated definition at end"),
        ("bad a:int\n---functions---\n", "before section marker"),
    ],
)
def test_malformed_input(text: str, message: str) -> None:
    with pytest.raises(TLSchemaError, match=message) as info:
        parse_text(text, "f.tl")
    assert str(info.value).startswith("f.tl:")


def test_error_carries_path_and_line() -> None:
    with pytest.raises(TLSchemaError) as info:
        parse_text("// ok\n\nbad a = X;\n", "sample.tl")
    assert info.value.path == "sample.tl" and info.value.line == 3
    assert str(info.value).startswith("sample.tl:3: ")
    assert str(TLSchemaError("no line", path="p.tl")) == "p.tl: no line"


def test_multiline_definition() -> None:
    c = one("x a:int\n   b:long\n   = X;\n")
    assert c.line == 1 and [a.name for a in c.args] == ["a", "b"]


def test_builtins_are_skipped() -> None:
    schema = parse_text(
        "boolFalse#bc799737 = Bool;\nboolTrue#997275b5 = Bool;\ntrue#3fedd339 = True;\n"
        "vector#1cb5c415 {t:Type} # [ t ] = Vector t;\n"
        "error#c4b9f9bb code:int text:string = Error;\nnull#56730bcc = Null;\n"
    )
    assert schema.combinators == []


def test_layer_comment() -> None:
    assert parse_text("// LAYER 229\n").layer == 229
    assert parse_text("// no layer\n").layer is None


def test_directives() -> None:
    c = one("gzip_packed#3072cfa1 packed_data:bytes = Object; // tlgen: envelope")
    assert c.is_envelope and c.directives == frozenset({"envelope"})
    c = one("x#00000001 = X; // tlgen: no-crc, envelope")
    assert c.directives == frozenset({"no-crc", "envelope"}) and c.id == 1
    c = one("x#00000001\n = X; // tlgen: no-crc")
    assert c.id == 1
    # A comment that merely mentions tlgen is not a directive.
    c = one("x = X; // see tlgen: docs for details")
    assert c.directives == frozenset()


def test_unknown_directive() -> None:
    with pytest.raises(TLSchemaError, match="unknown tlgen directive"):
        parse_text("x = X; // tlgen: no-check")


def test_directive_without_definition() -> None:
    with pytest.raises(TLSchemaError, match="must follow a definition"):
        parse_text("// tlgen: no-crc\nx = X;")


def test_crc_mismatch_is_rejected_with_a_clear_error() -> None:
    with pytest.raises(TLSchemaError) as info:
        parse_text("pong#347773c6 msg_id:long ping_id:long = Pong;", "m.tl")
    text = str(info.value)
    assert "m.tl:1" in text and "347773c6" in text and "347773c5" in text
    assert "pong msg_id:long ping_id:long = Pong" in text and "tlgen: no-crc" in text


def test_crc_normalization() -> None:
    # flags.N?true fields vanish, bytes reads string (not inside Vector), Vector<T> is curried.
    c = one(
        "inputMediaPoll#f94e5f1 flags:# poll:Poll correct_answers:flags.0?Vector<bytes> "
        "solution:flags.1?string solution_entities:flags.1?Vector<MessageEntity> = InputMedia;"
    )
    assert c.id == 0x0F94E5F1
    c = one(
        "inputMediaPhoto#b3ba0635 flags:# spoiler:flags.1?true id:InputPhoto "
        "ttl_seconds:flags.0?int = InputMedia;"
    )
    assert normalized_definition(c) == (
        "inputMediaPhoto flags:# id:InputPhoto ttl_seconds:flags.0?int = InputMedia"
    )
    c = one(
        "resPQ#05162463 nonce:int128 server_nonce:int128 pq:bytes "
        "server_public_key_fingerprints:Vector<long> = ResPQ;"
    )
    assert (
        c.crc
        == c.id
        == zlib.crc32(
            b"resPQ nonce:int128 server_nonce:int128 pq:string "
            b"server_public_key_fingerprints:Vector long = ResPQ"
        )
    )
    c = one("msg_container#73f1f8dc messages:vector<message> = MessageContainer;")
    assert c.crc == 0x73F1F8DC


def test_definition_round_trips() -> None:
    text = (
        "x#00000000 {X:Type} flags:# a:flags.0?true b:flags.1?Vector<%P> q:!X "
        "v:vector<p> = X; // tlgen: no-crc"
    )
    c = one(text)
    again = one(c.definition() + " // tlgen: no-crc")
    assert again.args == c.args and again.result == c.result and again.id == c.id


def test_parse_files_merges_and_checks_uniqueness(tmp_path: Path) -> None:
    a = tmp_path / "a.tl"
    b = tmp_path / "b.tl"
    a.write_text("// LAYER 5\npong#347773c5 msg_id:long ping_id:long = Pong;\n")
    b.write_text("// LAYER 5\n---functions---\nping#7abe77ec ping_id:long = Pong;\n")
    schema = parse_files([a, b])
    assert schema.layer == 5 and [c.full_name for c in schema.combinators] == ["pong", "ping"]
    assert schema.combinators[0].path == str(a)

    b.write_text("pong#347773c5 msg_id:long ping_id:long = Pong;\n")
    with pytest.raises(TLSchemaError, match="already used by pong"):
        parse_files([a, b])

    b.write_text("pong#00000001 = Pong; // tlgen: no-crc\n")
    with pytest.raises(TLSchemaError, match="pong already defined"):
        parse_files([a, b])

    b.write_text("// LAYER 6\n")
    with pytest.raises(TLSchemaError, match="conflicts"):
        parse_files([a, b])


def test_envelope_names_do_not_clash(tmp_path: Path) -> None:
    a = tmp_path / "a.tl"
    a.write_text(
        "message#5bb8e511 msg_id:long seqno:int bytes:int body:Object = Message;"
        " // tlgen: envelope\n"
        "message#00000001 id:int = Message; // tlgen: no-crc\n"
    )
    assert len(parse_files([a]).combinators) == 2
