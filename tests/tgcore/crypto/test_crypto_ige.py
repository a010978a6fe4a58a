"""AES-256-IGE: every backend against a slow reference, known answers, round trips, selection."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest
from Crypto.Cipher import AES
from hypothesis import given, settings
from hypothesis import strategies as st

import tgcore.crypto
from tgcore.crypto import _backend, ige, ige256_decrypt, ige256_encrypt, ige_backend
from tgcore.errors import LocalProtocolError

BACKENDS = sorted(ige._BACKENDS)
HAVE_CRYPTG = _backend.CRYPTG_INSTALLED is not None
KEY = bytes(range(32))
IV = bytes(range(32, 64))
# Computed once with cryptg (Rust) and confirmed by the reference implementation below.
KAT_PLAIN = bytes(range(64))
KAT_CIPHER = bytes.fromhex(
    "42e66e1a756cccf5b27acc47523ad074ee39bf54e3db37bbdf415df6b400fca9"
    "77f708327c9e9341cc3dc8efd31e76463daa65b1f0d0252f790d77f1824a662c"
)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def reference_encrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    """IGE exactly as written in the definition, one block at a time."""
    ecb = AES.new(key, AES.MODE_ECB)
    c_prev, m_prev = iv[:16], iv[16:]
    out = b""
    for i in range(0, len(data), 16):
        m = data[i : i + 16]
        c = _xor(ecb.encrypt(_xor(m, c_prev)), m_prev)
        out += c
        c_prev, m_prev = c, m
    return out


def reference_decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    ecb = AES.new(key, AES.MODE_ECB)
    c_prev, m_prev = iv[:16], iv[16:]
    out = b""
    for i in range(0, len(data), 16):
        c = data[i : i + 16]
        m = _xor(ecb.decrypt(_xor(c, m_prev)), c_prev)
        out += m
        c_prev, m_prev = c, m
    return out


def test_cryptg_is_the_default_when_installed() -> None:
    if os.environ.get(_backend.ENV_VAR):
        pytest.skip("backend forced by the environment")
    assert ige_backend() == ("cryptg" if HAVE_CRYPTG else "pycryptodome")


def test_known_answer_reference() -> None:
    assert reference_encrypt(KAT_PLAIN, KEY, IV) == KAT_CIPHER
    assert reference_decrypt(KAT_CIPHER, KEY, IV) == KAT_PLAIN


@pytest.mark.parametrize("backend", BACKENDS)
def test_known_answer_each_backend(backend: str) -> None:
    encrypt, decrypt = ige._BACKENDS[backend]
    assert encrypt(KAT_PLAIN, KEY, IV) == KAT_CIPHER
    assert decrypt(KAT_CIPHER, KEY, IV) == KAT_PLAIN


def test_known_answer_public_functions() -> None:
    assert ige256_encrypt(KAT_PLAIN, KEY, IV) == KAT_CIPHER
    assert ige256_decrypt(KAT_CIPHER, KEY, IV) == KAT_PLAIN


# Sizes around every boundary of the pycryptodome path: one and two blocks (the iv halves),
# three (the first m_i ^ m_(i-2)), and both sides of the big-int/strxor switch.
EDGE_BLOCKS = [1, 2, 3, 4, 383, 384, 385, 1000]


@pytest.mark.parametrize("blocks", EDGE_BLOCKS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_backends_match_reference(backend: str, blocks: int) -> None:
    data = os.urandom(16 * blocks)
    key, iv = os.urandom(32), os.urandom(32)
    encrypt, decrypt = ige._BACKENDS[backend]
    expected = reference_encrypt(data, key, iv)
    assert encrypt(data, key, iv) == expected
    assert decrypt(expected, key, iv) == data


def test_switch_point_is_covered() -> None:
    assert 16 * 383 < ige._BIG_INT_LIMIT <= 16 * 384


@pytest.mark.skipif(not HAVE_CRYPTG, reason="cryptg not installed")
@settings(max_examples=60, deadline=None)
@given(
    data=st.integers(0, 400).flatmap(lambda n: st.binary(min_size=16 * n, max_size=16 * n)),
    key=st.binary(min_size=32, max_size=32),
    iv=st.binary(min_size=32, max_size=32),
)
def test_backends_agree(data: bytes, key: bytes, iv: bytes) -> None:
    enc_c, dec_c = ige._BACKENDS["cryptg"]
    enc_p, dec_p = ige._BACKENDS["pycryptodome"]
    if not data:
        return  # the public functions answer b"" before reaching a backend
    cipher = enc_c(data, key, iv)
    assert enc_p(data, key, iv) == cipher
    assert dec_p(cipher, key, iv) == data == dec_c(cipher, key, iv)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None)
@given(
    data=st.integers(0, 300).flatmap(lambda n: st.binary(min_size=16 * n, max_size=16 * n)),
    key=st.binary(min_size=32, max_size=32),
    iv=st.binary(min_size=32, max_size=32),
)
def test_round_trip(backend: str, data: bytes, key: bytes, iv: bytes) -> None:
    encrypt, decrypt = ige._BACKENDS[backend]
    if not data:
        return
    cipher = encrypt(data, key, iv)
    assert len(cipher) == len(data)
    assert decrypt(cipher, key, iv) == data


def test_empty_data() -> None:
    assert ige256_encrypt(b"", KEY, IV) == b""
    assert ige256_decrypt(b"", KEY, IV) == b""


def test_bytes_like_arguments() -> None:
    cipher = ige256_encrypt(bytearray(KAT_PLAIN), bytearray(KEY), memoryview(IV))
    assert cipher == KAT_CIPHER
    assert ige256_decrypt(memoryview(cipher), KEY, bytearray(IV)) == KAT_PLAIN


@pytest.mark.parametrize("function", [ige256_encrypt, ige256_decrypt])
@pytest.mark.parametrize(
    ("data", "key", "iv", "message"),
    [
        (bytes(32), bytes(16), IV, "32-byte key"),
        (bytes(32), KEY, bytes(16), "32-byte iv"),
        (bytes(33), KEY, IV, "multiple of 16"),
        (bytes(8), KEY, IV, "multiple of 16"),
    ],
)
def test_wrong_sizes(function: object, data: bytes, key: bytes, iv: bytes, message: str) -> None:
    assert callable(function)
    with pytest.raises(LocalProtocolError, match=message):
        function(data, key, iv)


# --- backend selection ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "available", "expected"),
    [
        (None, True, "cryptg"),
        (None, False, "pycryptodome"),
        ("", True, "cryptg"),
        ("auto", False, "pycryptodome"),
        (" Auto ", True, "cryptg"),
        ("pycryptodome", True, "pycryptodome"),
        ("PyCryptodome", False, "pycryptodome"),
        ("cryptg", True, "cryptg"),
    ],
)
def test_choose_backend(requested: str | None, available: bool, expected: str) -> None:
    assert _backend.choose_backend(requested, available) == expected


def test_choose_cryptg_when_missing_fails() -> None:
    with pytest.raises(LocalProtocolError, match="not installed"):
        _backend.choose_backend("cryptg", False)


def test_choose_unknown_backend_fails() -> None:
    with pytest.raises(LocalProtocolError, match="unknown"):
        _backend.choose_backend("openssl", True)


def _backend_in_subprocess(env_value: str | None, hide_cryptg: bool = False) -> str:
    env = dict(os.environ)
    env.pop(_backend.ENV_VAR, None)
    if env_value is not None:
        env[_backend.ENV_VAR] = env_value
    code = "import sys\n"
    if hide_cryptg:
        code += "sys.modules['cryptg'] = None\n"
    code += (
        "import tgcore.crypto as c\n"
        "assert c.ige256_decrypt(c.ige256_encrypt(bytes(48), bytes(32), bytes(32)),"
        " bytes(32), bytes(32)) == bytes(48)\n"
        "print(c.ige_backend())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else "ERROR: " + result.stderr


@pytest.mark.skipif(not HAVE_CRYPTG, reason="cryptg not installed")
def test_env_var_in_a_fresh_interpreter() -> None:
    assert _backend_in_subprocess(None) == "cryptg"
    assert _backend_in_subprocess("pycryptodome") == "pycryptodome"
    assert _backend_in_subprocess("cryptg") == "cryptg"
    assert _backend_in_subprocess(None, hide_cryptg=True) == "pycryptodome"
    assert "LocalProtocolError" in _backend_in_subprocess("nonsense")
    assert "not installed" in _backend_in_subprocess("cryptg", hide_cryptg=True)


def _reload_backend_modules() -> None:
    importlib.reload(_backend)
    importlib.reload(ige)


def test_env_var_and_missing_cryptg_by_reload(monkeypatch: pytest.MonkeyPatch) -> None:
    """The import-time selection, exercised in this process (so coverage sees it)."""
    try:
        with monkeypatch.context() as patch:
            patch.setenv(_backend.ENV_VAR, "pycryptodome")
            _reload_backend_modules()
            assert ige_backend() == "pycryptodome"
            assert _backend.CRYPTG is None
            # The names re-exported by the package follow the reloaded selection.
            assert tgcore.crypto.ige256_encrypt(KAT_PLAIN, KEY, IV) == KAT_CIPHER
            assert ige._encrypt is ige._encrypt_pycryptodome

            patch.delenv(_backend.ENV_VAR)
            patch.setitem(sys.modules, "cryptg", None)  # makes `import cryptg` fail
            _reload_backend_modules()
            assert _backend.CRYPTG_INSTALLED is None
            assert ige_backend() == "pycryptodome"
            assert sorted(ige._BACKENDS) == ["pycryptodome"]
            assert ige256_decrypt(KAT_CIPHER, KEY, IV) == KAT_PLAIN
    finally:
        _reload_backend_modules()
    assert sorted(ige._BACKENDS) == BACKENDS
