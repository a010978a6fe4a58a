"""RSA: keys and PEM, the fingerprint, RSA_PAD and the legacy scheme, every security check.

Oracles: Telethon 1.45's own ``telethon.crypto.rsa`` (legacy encryption and fingerprints), a
known-answer RSA_PAD vector from grammers (a Rust MTProto client) and a slow, literal
reference implementation of RSA_PAD written below from the spec.
"""

from __future__ import annotations

import hashlib
import types
from collections.abc import Callable

import pytest
import telethon.crypto.rsa as telethon_rsa
from Crypto.Cipher import AES
from Crypto.PublicKey import RSA
from hypothesis import given, settings
from hypothesis import strategies as st

from tgcore.crypto import RsaPlaintext, RsaPrivateKey, RsaPublicKey
from tgcore.crypto._rsa_pad import legacy_unwrap, rsa_pad_unwrap, rsa_pad_wrap
from tgcore.errors import LocalProtocolError, SecurityError
from tgcore.testing import SeededRandom

# --- a literal reference of RSA_PAD ---------------------------------------------------------


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _ige_reference(data: bytes, key: bytes, iv: bytes, *, decrypt: bool) -> bytes:
    ecb = AES.new(key, AES.MODE_ECB)
    prev_in, prev_out = (iv[16:], iv[:16]) if decrypt else (iv[:16], iv[16:])
    out = b""
    for i in range(0, len(data), 16):
        block = data[i : i + 16]
        op = ecb.decrypt if decrypt else ecb.encrypt
        result = _xor(op(_xor(block, prev_in)), prev_out)
        out += result
        prev_in, prev_out = result, block
    return out


def reference_rsa_pad(data: bytes, padding: bytes, temp_key: bytes, n: int, e: int) -> bytes:
    data_with_padding = data + padding
    assert len(data_with_padding) == 192
    data_pad_reversed = bytes(reversed(data_with_padding))
    data_with_hash = data_pad_reversed + hashlib.sha256(temp_key + data_with_padding).digest()
    aes_encrypted = _ige_reference(data_with_hash, temp_key, bytes(32), decrypt=False)
    temp_key_xor = _xor(temp_key, hashlib.sha256(aes_encrypted).digest())
    key_aes_encrypted = temp_key_xor + aes_encrypted
    value = int.from_bytes(key_aes_encrypted, "big")
    assert value < n, "pick another temp_key"
    return pow(value, e, n).to_bytes(256, "big")


def reference_rsa_pad_decrypt(encrypted: bytes, d: int, n: int) -> bytes:
    block = pow(int.from_bytes(encrypted, "big"), d, n).to_bytes(256, "big")
    temp_key = _xor(block[:32], hashlib.sha256(block[32:]).digest())
    data_with_hash = _ige_reference(block[32:], temp_key, bytes(32), decrypt=True)
    data_with_padding = bytes(reversed(data_with_hash[:192]))
    assert hashlib.sha256(temp_key + data_with_padding).digest() == data_with_hash[192:]
    return data_with_padding


class ScriptedRandom:
    """An rng that hands out the given chunks in order, checking each requested size."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.sizes: list[int] = []

    def __call__(self, n: int) -> bytes:
        chunk = self.chunks.pop(0)
        assert len(chunk) == n
        self.sizes.append(n)
        return chunk


def _private_exponent(key: RsaPrivateKey) -> int:
    return int(RSA.import_key(key.to_pem()).d)


# --- keys, PEM, fingerprint -----------------------------------------------------------------


def test_generate_is_reproducible_with_a_seed(server_key: RsaPrivateKey) -> None:
    again = RsaPrivateKey.generate(rng=SeededRandom(2048))
    assert again.public_key == server_key.public_key
    assert server_key.public_key.n.bit_length() == 2048
    assert server_key.public_key.e == 65537


def test_generate_other_sizes_refused() -> None:
    with pytest.raises(LocalProtocolError, match="2048"):
        RsaPrivateKey.generate(bits=1024)


def test_private_pem_round_trip(server_key: RsaPrivateKey) -> None:
    pem = server_key.to_pem()
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----\n")
    assert RsaPrivateKey.from_pem(pem).public_key == server_key.public_key
    assert RsaPrivateKey.from_pem(pem.decode()).fingerprint == server_key.fingerprint


def test_private_pem_pkcs8(server_key: RsaPrivateKey) -> None:
    pkcs8 = RSA.import_key(server_key.to_pem()).export_key(format="PEM", pkcs=8)
    assert pkcs8.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert RsaPrivateKey.from_pem(pkcs8).public_key == server_key.public_key


def test_public_pem_pkcs1_and_spki(server_key: RsaPrivateKey) -> None:
    public = server_key.public_key
    pem = public.to_pem()
    assert pem.startswith(b"-----BEGIN RSA PUBLIC KEY-----\n")
    assert pem.endswith(b"-----END RSA PUBLIC KEY-----\n")
    assert RsaPublicKey.from_pem(pem) == public
    spki = RSA.import_key(server_key.to_pem()).public_key().export_key()
    assert spki.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert RsaPublicKey.from_pem(spki) == public


def test_fingerprint_matches_telethon(server_key: RsaPrivateKey) -> None:
    pem = server_key.public_key.to_pem()
    telethon_key = telethon_rsa.rsa.PublicKey.load_pkcs1(pem)  # Telethon's own PEM reader
    assert telethon_key.n == server_key.public_key.n
    assert telethon_rsa._compute_fingerprint(telethon_key) == server_key.fingerprint


def test_fingerprints_of_telethons_bundled_keys() -> None:
    """Telethon keys its table of Telegram's public keys by fingerprint: ours must agree."""
    bundled = dict(telethon_rsa._server_keys)
    assert len(bundled) >= 4
    for fingerprint, (key, _old) in bundled.items():
        assert RsaPublicKey(key.n, key.e).fingerprint == fingerprint


@pytest.mark.parametrize("data", [b"", b"not a key", b"-----BEGIN RSA PUBLIC KEY-----\nAAAA\n"])
def test_from_pem_garbage(data: bytes) -> None:
    with pytest.raises(LocalProtocolError, match="RSA key"):
        RsaPublicKey.from_pem(data)
    with pytest.raises(LocalProtocolError, match="RSA key"):
        RsaPrivateKey.from_pem(data)


def test_from_pem_wrong_kind(server_key: RsaPrivateKey) -> None:
    with pytest.raises(LocalProtocolError, match="private key"):
        RsaPublicKey.from_pem(server_key.to_pem())
    with pytest.raises(LocalProtocolError, match="public key"):
        RsaPrivateKey.from_pem(server_key.public_key.to_pem())


def test_from_pem_encrypted_private_key(server_key: RsaPrivateKey) -> None:
    protected = RSA.import_key(server_key.to_pem()).export_key(
        passphrase="secret", pkcs=8, randfunc=SeededRandom(1)
    )
    with pytest.raises(LocalProtocolError):
        RsaPrivateKey.from_pem(protected)


def test_other_key_sizes_refused() -> None:
    small = RSA.generate(1024, randfunc=SeededRandom(3))
    with pytest.raises(LocalProtocolError, match="2048"):
        RsaPrivateKey.from_pem(small.export_key())
    with pytest.raises(LocalProtocolError, match="2048"):
        RsaPublicKey.from_pem(small.public_key().export_key())


@pytest.mark.parametrize("e", [1, 2, 65536, -3])
def test_public_exponent_checked(server_key: RsaPrivateKey, e: int) -> None:
    with pytest.raises(LocalProtocolError, match="exponent"):
        RsaPublicKey(server_key.public_key.n, e)


def test_reprs_hide_secrets(server_key: RsaPrivateKey) -> None:
    assert repr(server_key) == f"RsaPrivateKey(fingerprint={server_key.fingerprint})"
    assert repr(RsaPlaintext(b"secret inner data", "legacy")) == "RsaPlaintext(scheme='legacy')"


# --- RSA_PAD ---------------------------------------------------------------------------------

# From grammers (lib/grammers-crypto/src/rsa.rs, test_rsa_encryption): a public key, the TL
# data, the 256 random bytes its test feeds (padding from the front, temp_key from byte 192;
# its first temp_key gives a block above the modulus, so the second one, at byte 224, is used)
# and the expected encrypted_data.
GRAMMERS_N = int(
    "25342889448840415564971689590713473206898847759084779052582026594546022463853940585885"
    "21595116849196570822264939918060381807420062046377613542488463216251240316379308392164"
    "16315647409595294193595958529411668489405859523376133330223960965841179548922160312292"
    "37302943701877588456738335398602461675225081791820393153757504952636234951323237820036"
    "54358104782690612092797248736680529211579223142368426126233039432475078545094258975175"
    "53901566477514607193514399690599495696153028090507215003302390050778898553239175099482"
    "55722081644689442127297605422579707142646660768825302832201908302295573257427896031830"
    "742328565032949"
)
GRAMMERS_DATA = bytes.fromhex(
    "955ff5a9081a8e635f5743de9b00000004453dc27100000004622f1fcb000000f7a81627bbf511fa4afef7"
    "1e94a0937474586c1add9198dda81a5df8393871c8293623c5fb968894af1be7dfe9c7be813f9307789242"
    "fd0cb0c16a5cb39a8d3e"
)
GRAMMERS_RANDOM = bytes.fromhex(
    "12270000635593b03fee033d0672f9afddf9124de9e77df6251806cba93482e4c9e6e06e7d44e4c4baae82"
    "1aff91af44789689faaee9bdfc7b2df8c08709afe57396c4638ceaa0dc30114f82447e81d3b53edc423b32"
    "660c43a5b8ad057b645" + "0" * 193 + "7dada0920c4973913229e0f881aec7b9db0c392d34f52fb0995"
    "ea493ecb4c09daaf68fe9554ec7a59c03e4035952b220b47a8d06aad71134110d8c44948901f8"
)
GRAMMERS_EXPECTED = bytes.fromhex(
    "c6d211349fc10cda6983276250b09f4be9b39f533b5d314b732b51a6dd72234dab4224209992c894e0e4c9"
    "f30249f1dbbd1630a27b98f2f92a53c00baabbd46f380bd35f417e5ec2edb43f7644b5c81af011d736eb36"
    "9265e848b553ae5e6350dd5695efc72bde0e35f3c3fc827b91eb97cf1efdbff12269b9c33f81645adebc89"
    "ed167edc19d285237a754bf629aa358ed08498863b2aec8b7139001627bbe8bdef239474a5a43e664d278f"
    "39e72d694a206d7b838fd40868a71c4bfbffa38b7679faa502b7795cbe5ae1bd05ca7eb01ff5b05107265f"
    "d39bd5b4e19d392b735a3b0b5b21473062981bff86ff9084a7b594775e3127c05fd454e19f794a4ab4"
)


def test_rsa_pad_known_answer_with_retry() -> None:
    assert len(GRAMMERS_RANDOM) == 256
    assert len(GRAMMERS_DATA) == 96
    rng = ScriptedRandom(GRAMMERS_RANDOM[:96], GRAMMERS_RANDOM[192:224], GRAMMERS_RANDOM[224:])
    encrypted = RsaPublicKey(GRAMMERS_N, 65537).encrypt_rsa_pad(GRAMMERS_DATA, rng)
    assert encrypted == GRAMMERS_EXPECTED
    assert rng.sizes == [96, 32, 32]  # padding, a rejected temp_key, the used one


def test_rsa_pad_matches_reference(server_key: RsaPrivateKey) -> None:
    public = server_key.public_key
    data = bytes(range(100))
    padding = bytes(range(92))
    for seed in range(20):
        temp_key = SeededRandom(seed)(32)
        if (
            int.from_bytes(rsa_pad_wrap(data, ScriptedRandom(padding, temp_key), 2**2048))
            < public.n
        ):
            break
    expected = reference_rsa_pad(data, padding, temp_key, public.n, public.e)
    assert public.encrypt_rsa_pad(data, ScriptedRandom(padding, temp_key)) == expected
    assert server_key.decrypt_rsa_pad(expected) == data + padding
    assert reference_rsa_pad_decrypt(expected, _private_exponent(server_key), public.n) == (
        data + padding
    )


@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=144), seed=st.integers(0, 2**32))
def test_rsa_pad_round_trip(server_key: RsaPrivateKey, data: bytes, seed: int) -> None:
    encrypted = server_key.public_key.encrypt_rsa_pad(data, SeededRandom(seed))
    assert len(encrypted) == 256
    plain = server_key.decrypt_rsa_pad(encrypted)
    assert len(plain) == 192
    assert plain[: len(data)] == data
    assert server_key.decrypt_inner_data(encrypted) == RsaPlaintext(plain, "rsa_pad")


def test_rsa_pad_retries_until_below_modulus() -> None:
    """With a modulus just above 2**2047, about half the temp_keys must be thrown away."""
    modulus = 2**2047 + 1
    retried = False
    for seed in range(10):
        source = SeededRandom(seed)
        rng = ScriptedRandom(*[source(32) for _ in range(40)])
        rng.chunks.insert(0, bytes(192 - 10))
        block = rsa_pad_wrap(bytes(10), rng, modulus)
        assert int.from_bytes(block, "big") < modulus
        assert rsa_pad_unwrap(block)[:10] == bytes(10)
        retried = retried or len(rng.sizes) > 2
    assert retried


def test_rsa_pad_data_too_long(server_key: RsaPrivateKey) -> None:
    with pytest.raises(LocalProtocolError, match="144"):
        server_key.public_key.encrypt_rsa_pad(bytes(145), SeededRandom(0))


# --- legacy (what Telethon sends) -----------------------------------------------------------


@pytest.fixture
def telethon_keys(monkeypatch: pytest.MonkeyPatch, server_key: RsaPrivateKey) -> int:
    """Register our public key with Telethon (as an 'old' key, as Telethon users do for a
    custom server), in a private copy of its key table; returns the fingerprint."""
    monkeypatch.setattr(telethon_rsa, "_server_keys", dict(telethon_rsa._server_keys))
    telethon_rsa.add_key(server_key.public_key.to_pem().decode(), old=True)
    assert server_key.fingerprint in telethon_rsa._server_keys
    return server_key.fingerprint


@pytest.mark.parametrize("size", [0, 1, 4, 96, 100, 232, 235])
def test_decrypt_what_telethon_encrypts(
    server_key: RsaPrivateKey, telethon_keys: int, size: int
) -> None:
    data = SeededRandom(size)(size)
    encrypted = telethon_rsa.encrypt(telethon_keys, data, use_old=True)
    assert encrypted is not None
    assert server_key.decrypt_legacy(encrypted) == data
    assert server_key.decrypt_inner_data(encrypted) == RsaPlaintext(data, "legacy")


def test_telethon_refuses_old_key_unless_asked(telethon_keys: int) -> None:
    """Why the server's key is added with old=True in tests: Telethon then needs use_old."""
    assert telethon_rsa.encrypt(telethon_keys, b"x", use_old=False) is None


def test_encrypt_legacy_is_byte_identical_to_telethon(
    monkeypatch: pytest.MonkeyPatch, server_key: RsaPrivateKey, telethon_keys: int
) -> None:
    data = bytes(range(120))
    padding = SeededRandom(5)(235 - len(data))
    fake_os = types.SimpleNamespace(urandom=lambda n: padding[:n])
    monkeypatch.setattr(telethon_rsa, "os", fake_os)
    theirs = telethon_rsa.encrypt(telethon_keys, data, use_old=True)
    ours = server_key.public_key.encrypt_legacy(data, ScriptedRandom(padding))
    assert ours == theirs


@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=235), seed=st.integers(0, 2**32))
def test_legacy_round_trip(server_key: RsaPrivateKey, data: bytes, seed: int) -> None:
    encrypted = server_key.public_key.encrypt_legacy(data, SeededRandom(seed))
    assert server_key.decrypt_legacy(encrypted) == data


def test_legacy_data_too_long(server_key: RsaPrivateKey) -> None:
    with pytest.raises(LocalProtocolError, match="235"):
        server_key.public_key.encrypt_legacy(bytes(236), SeededRandom(0))


# --- security checks on what the server receives ---------------------------------------------


def _raw_encrypt(key: RsaPrivateKey, block: bytes) -> bytes:
    public = key.public_key
    return pow(int.from_bytes(block, "big"), public.e, public.n).to_bytes(256, "big")


Decrypt = Callable[[RsaPrivateKey, bytes], object]
ALL_DECRYPTS: list[Decrypt] = [
    RsaPrivateKey.decrypt_rsa_pad,
    RsaPrivateKey.decrypt_legacy,
    RsaPrivateKey.decrypt_inner_data,
]


@pytest.mark.parametrize("decrypt", ALL_DECRYPTS)
@pytest.mark.parametrize("size", [0, 255, 257, 512])
def test_wrong_length_refused(server_key: RsaPrivateKey, decrypt: Decrypt, size: int) -> None:
    with pytest.raises(SecurityError, match="256 bytes"):
        decrypt(server_key, bytes(size))


@pytest.mark.parametrize("decrypt", ALL_DECRYPTS)
def test_not_below_modulus_refused(server_key: RsaPrivateKey, decrypt: Decrypt) -> None:
    n = server_key.public_key.n
    for value in (n, n + 1, 2**2048 - 1):
        with pytest.raises(SecurityError, match="modulus"):
            decrypt(server_key, value.to_bytes(256, "big"))


def test_rsa_pad_tampered(server_key: RsaPrivateKey) -> None:
    block = rsa_pad_wrap(bytes(range(50)), SeededRandom(1), server_key.public_key.n)
    for position in (0, 31, 32, 100, 255):
        tampered = bytearray(block)
        tampered[position] ^= 0x01
        if int.from_bytes(tampered, "big") >= server_key.public_key.n:
            continue
        with pytest.raises(SecurityError, match="RSA_PAD hash mismatch"):
            server_key.decrypt_rsa_pad(_raw_encrypt(server_key, bytes(tampered)))


def test_legacy_is_not_rsa_pad(server_key: RsaPrivateKey) -> None:
    legacy = server_key.public_key.encrypt_legacy(b"inner", SeededRandom(2))
    with pytest.raises(SecurityError, match="RSA_PAD hash mismatch"):
        server_key.decrypt_rsa_pad(legacy)


def test_rsa_pad_is_not_legacy(server_key: RsaPrivateKey) -> None:
    for seed in range(3000):  # find an RSA_PAD block whose first byte is zero (~1 in 256)
        block = rsa_pad_wrap(b"inner", SeededRandom(seed), server_key.public_key.n)
        if block[0] == 0:
            break
    else:
        pytest.fail("no RSA_PAD block with a leading zero byte")
    encrypted = _raw_encrypt(server_key, block)
    with pytest.raises(SecurityError, match="no prefix"):
        server_key.decrypt_legacy(encrypted)
    rsa_pad = server_key.public_key.encrypt_rsa_pad(b"inner", SeededRandom(3))
    with pytest.raises(SecurityError, match="zero byte"):
        server_key.decrypt_legacy(rsa_pad if rsa_pad[0] else bytes(1) + rsa_pad[1:])


def test_legacy_leading_byte_refused(server_key: RsaPrivateKey) -> None:
    data = b"payload"
    block = b"\x01" + hashlib.sha1(data).digest() + data + bytes(235 - len(data))
    with pytest.raises(SecurityError, match="zero byte"):
        server_key.decrypt_legacy(_raw_encrypt(server_key, block))


def test_legacy_wrong_hash_refused(server_key: RsaPrivateKey) -> None:
    data = b"payload"
    block = b"\x00" + hashlib.sha1(b"other").digest() + data + bytes(235 - len(data))
    with pytest.raises(SecurityError, match="no prefix"):
        server_key.decrypt_legacy(_raw_encrypt(server_key, block))


def test_decrypt_inner_data_refuses_garbage(server_key: RsaPrivateKey) -> None:
    garbage = SeededRandom(9)(256)
    garbage = (int.from_bytes(garbage, "big") % server_key.public_key.n).to_bytes(256, "big")
    with pytest.raises(SecurityError, match="neither RSA_PAD nor legacy"):
        server_key.decrypt_inner_data(garbage)


@pytest.mark.parametrize("unwrap", [rsa_pad_unwrap, legacy_unwrap])
def test_unwrap_block_size(unwrap: Callable[[bytes], bytes]) -> None:
    with pytest.raises(SecurityError, match="256 bytes"):
        unwrap(bytes(255))


def test_private_key_from_public_object(server_key: RsaPrivateKey) -> None:
    with pytest.raises(LocalProtocolError, match="public key"):
        RsaPrivateKey(RSA.import_key(server_key.public_key.to_pem()))
