"""tools.tlgen.generator on a made-up schema that uses every feature, imported and exercised."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tgcore.tl import CONSTRUCTORS, FUNCTIONS, Reader, TLDecodeError, read_object
from tgcore.tl.errors import TLEncodeError
from tools.tlgen import TLSchemaError, generate, parse_file, parse_text, write_tree

FIXTURE = Path(__file__).parent / "fixtures" / "sample.tl"
PACKAGE = "tlgen_sample_pkg"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("gen")
    schema = parse_file(FIXTURE)
    files, warnings = generate(schema, package=PACKAGE)
    assert len(warnings) == 1 and "SmpMissing" in warnings[0]
    write_tree(files, root / PACKAGE)
    sys.path.insert(0, str(root))
    before = set(CONSTRUCTORS) | set(FUNCTIONS)
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]
        for cid in (set(CONSTRUCTORS) | set(FUNCTIONS)) - before:
            CONSTRUCTORS.pop(cid, None)
            FUNCTIONS.pop(cid, None)


def test_package_layout(sample: ModuleType) -> None:
    assert sample.LAYER == 7
    assert sorted(sample.__all__) == ["LAYER", "functions", "types"]
    t, f = sample.types, sample.functions
    assert {"SmpFull", "SmpPoint", "TypeSmpThing", "TypeSmpPoint", "smp"} <= set(t.__all__)
    assert {"Wrap", "Inner", "TypeWrap", "TypeInner", "BareRef"} <= set(t.smp.__all__)
    assert f.smp.GetWrap.TL_NAME == "smp.getWrap"
    # Aliases of same-module constructors are real Unions usable with isinstance.
    assert isinstance(t.SmpEmpty(), t.TypeSmpThing)
    assert t.TypeSmpPoint is t.SmpPoint


def full(t: ModuleType, **over: object) -> object:
    fields: dict[str, object] = {
        "id": -(2**127),
        "grid": [[1, -2], [], [2**31 - 1]],
        "tags": ["", "é", "x" * 300],
        "blobs": [b"", b"\x00" * 253, b"\xff" * 254],
        "points": [t.SmpPoint(x=1.5, y=-0.0)],
        "raw": [t.SmpPoint(x=2.0, y=3.0), t.SmpPoint(x=0.0, y=1e300)],
        "reals": [0.25],
        "ok": True,
        "from_": -1,
    }
    fields.update(over)
    return t.SmpFull(**fields)


def test_every_feature_round_trips(sample: ModuleType) -> None:
    t = sample.types
    minimal = full(t)
    assert read_object(bytes(minimal)) == minimal
    maximal = full(
        t,
        seen=True,
        title="title",
        big=2**255 - 1,
        data=b"\x01\x02",
        self=True,
        to_bytes_=7,
        maybe=False,
        ids=[-(2**63), 2**63 - 1],
    )
    data = bytes(maximal)
    again = read_object(data)
    assert again == maximal and again != minimal
    assert again.maybe is False and again.self is True and again.to_bytes_ == 7
    # flags: seen(1) | title(2) | self+to_bytes(4) | maybe(32) | ids(64); flags2: big(8) | data(16)
    assert data[4:8] == (1 | 2 | 4 | 32 | 64).to_bytes(4, "little")
    assert len(bytes(minimal)) < len(data)


def test_shared_flag_bits_must_agree(sample: ModuleType) -> None:
    with pytest.raises(TLEncodeError, match=r"self, to_bytes_ share flags\.2"):
        bytes(full(sample.types, self=True))
    with pytest.raises(TLEncodeError):
        bytes(full(sample.types, to_bytes_=1))


def test_namespaces_bare_and_cross_references(sample: ModuleType) -> None:
    t = sample.types
    wrap = t.smp.Wrap(inner=t.smp.Inner(value=5), back=t.SmpEmpty(), bare=t.SmpPoint(x=1, y=2))
    data = bytes(wrap)
    # The bare point is written without its constructor id.
    assert data.endswith(t.SmpPoint(x=1, y=2).to_bytes()[4:])
    assert read_object(data) == wrap
    cross = t.SmpCross(w=wrap, ww=t.smp.BareRef(n=9))
    assert read_object(bytes(cross)) == cross


def test_type_without_constructors_reads_any_object(sample: ModuleType) -> None:
    t = sample.types
    hole = t.SmpHole(missing=t.SmpEmpty())
    assert read_object(bytes(hole)) == hole


def test_wrong_constructor_for_a_field_is_rejected(sample: ModuleType) -> None:
    t = sample.types
    good = bytes(
        t.smp.Wrap(inner=t.smp.Inner(value=5), back=t.SmpEmpty(), bare=t.SmpPoint(x=1, y=2))
    )
    # Replace the boxed smp.Inner (id 0) by an smpEmpty constructor id: wrong type.
    bad = good[:4] + t.SmpEmpty.CONSTRUCTOR_ID.to_bytes(4, "little") + good[8:]
    with pytest.raises(TLDecodeError, match="not of the expected type"):
        read_object(bad)


def test_read_result_of_every_result_shape(sample: ModuleType) -> None:
    t, f = sample.types, sample.functions
    point = t.SmpPoint(x=1.0, y=2.0)
    assert f.SmpPing(id=1).read_result(Reader(bytes(point))) == point
    invoke = f.SmpInvoke(hops=2, query=f.SmpPing(id=1))
    assert read_object(bytes(invoke)) == invoke
    assert invoke.read_result(Reader(bytes(point))) == point
    nested = f.SmpInvoke(hops=1, query=f.SmpInvoke(hops=2, query=f.SmpBool()))
    assert nested.read_result(Reader(b"\xb5\x75\x72\x99")) is True
    assert f.SmpInts().read_result(
        Reader(bytes.fromhex("15c4b51c 02000000 01000000 ffffffff"))
    ) == [1, -1]
    longs = bytes.fromhex("15c4b51c 01000000 0200000000000000")
    assert f.SmpLongs().read_result(Reader(longs)) == [2]
    things = bytes.fromhex("15c4b51c 01000000") + bytes(t.SmpEmpty())
    assert f.SmpThings().read_result(Reader(things)) == [t.SmpEmpty()]
    strings = bytes.fromhex("15c4b51c 02000000 01610000 00000000")
    assert f.SmpStrings().read_result(Reader(strings)) == ["a", ""]
    assert f.SmpHoles().read_result(Reader(bytes(point))) == point
    wrap = t.smp.Wrap(inner=t.smp.Inner(value=5), back=t.SmpEmpty(), bare=point)
    assert f.smp.GetWrap().read_result(Reader(bytes(wrap))) == wrap


def test_generic_query_must_be_a_function(sample: ModuleType) -> None:
    t, f = sample.types, sample.functions
    data = bytes(f.SmpInvoke(hops=2, query=f.SmpPing(id=1)))
    bad = data[:8] + bytes(t.SmpEmpty())
    with pytest.raises(TLDecodeError, match="expected a function call"):
        read_object(bad)


def test_generated_code_passes_mypy_strict(sample: ModuleType, tmp_path: Path) -> None:
    root = Path(sample.__file__).parent.parent
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            PACKAGE,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = P;\nb = P;\nx p:%P = X;", "exactly one constructor"),
        ("x p:nothing = X;", "names no constructor"),
        ("x t:true = X;", "must be conditional"),
        ("---functions---\nx {X:Type} = X;", "without a !X field"),
        ("foo_bar = X;\nfooBar = Y;", "already taken"),
        ("typeFoo = Foo;\nfoo = Foo;", "collides with a class"),
        ("a = P_Q;\nb = PQ;", "collides with the alias of type PQ"),
    ],
)
def test_generation_errors(text: str, message: str) -> None:
    with pytest.raises(TLSchemaError, match=message):
        generate(parse_text(text))


def test_layer_defaults() -> None:
    files, _ = generate(parse_text("x = X;"))
    init = next(f for f in files if f.path == "__init__.py")
    assert "LAYER = 229" in init.text
    files, _ = generate(parse_text("x = X;"), layer=3)
    init = next(f for f in files if f.path == "__init__.py")
    assert "LAYER = 3" in init.text
    assert init.text.startswith("# AUTOGENERATED")
    assert "python -m tools.tlgen" in init.text
