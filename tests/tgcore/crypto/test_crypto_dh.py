"""Diffie-Hellman: the standard prime, every parameter and range check, fast modexp."""

from __future__ import annotations

import pytest
from Crypto.Util.number import isPrime
from hypothesis import given
from hypothesis import strategies as st

from tgcore.crypto import DH_G, DH_PRIME, check_dh_params, check_g_x, dh_key_pair, modexp
from tgcore.crypto import dh as dh_module
from tgcore.errors import LocalProtocolError, SecurityError
from tgcore.testing import SeededRandom

# RFC 3526 group 14: another 2048-bit safe prime, to exercise the unknown-prime path.
MODP_2048 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836"
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804"
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6"
    "955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF",
    16,
)
MARGIN = 2 ** (2048 - 64)
# A 2047-bit prime q (found with getPrime and a seeded rng) for which 2q + 1 = 11 mod 12
# but is composite: it passes the cheap filters and the test of (p - 1) / 2.
PRIME_Q_OF_COMPOSITE = int(
    "5b2e89d7e67f7d2c3338ed3354023b0ca36e0751cf3b9541ac17bc8454260a00abd47b127759343a1370fe05"
    "6e17d54263626e376c6ff3cd2608a71d116c3724f0ee0ba2db3355ee0c98e5da41e21619b37a2c9aa3042649"
    "4c5fdf5113e5179e54805d1436d9a7e26fe5965debdd419179f3715aaacc6ebd016548e8aa9df4efbb609946"
    "da28b17fe4eae31ac21278b2faab5201b65446a36792bf700839dd2914efde48537926ad143aea4e3c8fb6ac"
    "86ec1f6231a49053159ea8e218f947b1b4565d898cc9c435965585c52b35a5ebfacce2cccf324bb7670a333d"
    "21e946a251fcf84e35023d80ccb130635ef576bf947f017ff4983915b64c6d5e0cb82fe1",
    16,
)


def test_dh_prime_is_a_2048_bit_safe_prime() -> None:
    assert DH_PRIME.bit_length() == 2048
    assert DH_PRIME.to_bytes(256, "big")[:4].hex() == "c71caeb9"
    assert isPrime(DH_PRIME)
    assert isPrime((DH_PRIME - 1) // 2)
    assert DH_G == 3


def test_safe_prime_check_agrees_with_pycryptodome() -> None:
    assert isPrime(MODP_2048) and isPrime((MODP_2048 - 1) // 2)
    assert dh_module._is_safe_prime(DH_PRIME)
    assert dh_module._is_safe_prime(MODP_2048)


# For DH_PRIME: p mod 8 = 3, p mod 3 = 2, p mod 5 = 3, p mod 24 = 11, p mod 7 = 6.
@pytest.mark.parametrize("g", [3, 4, 7])
def test_standard_prime_good_generators(g: int) -> None:
    check_dh_params(g, DH_PRIME)


@pytest.mark.parametrize("g", [2, 5, 6])
def test_standard_prime_generators_failing_their_residue_condition(g: int) -> None:
    with pytest.raises(SecurityError, match="prime-order subgroup"):
        check_dh_params(g, DH_PRIME)


@pytest.mark.parametrize("g", [-3, 0, 1, 8, 65537])
def test_generator_outside_2_to_7(g: int) -> None:
    with pytest.raises(SecurityError, match=r"not one of 2\.\.7"):
        check_dh_params(g, DH_PRIME)


@pytest.mark.parametrize("g", [2, 3, 4, 5, 6, 7])
def test_other_safe_prime_accepted(g: int) -> None:
    # MODP_2048 mod 8 = 7, mod 3 = 2, mod 5 = 4, mod 24 = 23, mod 7 = 5: every g qualifies.
    check_dh_params(g, MODP_2048)


def test_residue_conditions_table() -> None:
    conditions = dh_module._G_CONDITIONS
    assert [p for p in range(100) if conditions[2](p)] == [p for p in range(100) if p % 8 == 7]
    assert conditions[5](11) and conditions[5](19) and not conditions[5](13)
    assert conditions[6](19) and conditions[6](23) and not conditions[6](11)
    assert all(conditions[7](p) for p in (3, 5, 6, 10)) and not conditions[7](8)
    assert conditions[4](12345)


@pytest.mark.parametrize(
    "p",
    [
        DH_PRIME - 2,  # 2048 bits, = 9 mod 12
        DH_PRIME + 12,  # 2048 bits, = 11 mod 12, (p-1)/2 composite
        MODP_2048 >> 1,  # 2047 bits
        MODP_2048 << 1,  # 2049 bits
        0,
        -DH_PRIME,
    ],
)
def test_unknown_prime_must_be_a_safe_prime(p: int) -> None:
    with pytest.raises(SecurityError, match="safe prime"):
        check_dh_params(3, p)


def test_unknown_prime_with_prime_half_but_composite() -> None:
    p = 2 * PRIME_Q_OF_COMPOSITE + 1
    assert p.bit_length() == 2048 and p % 12 == 11
    assert isPrime(PRIME_Q_OF_COMPOSITE) and not isPrime(p)
    with pytest.raises(SecurityError, match="safe prime"):
        check_dh_params(3, p)


def test_hash_stream_is_deterministic() -> None:
    a = dh_module._HashStream(b"seed")
    b = dh_module._HashStream(b"seed")
    first = a(64)
    assert first == b(64)
    assert a(64) != first


# --- g_a / g_b ranges ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "g_x",
    [MARGIN, MARGIN + 1, DH_PRIME - MARGIN, DH_PRIME // 2, pow(3, 12345, DH_PRIME)],
)
def test_g_x_in_range(g_x: int) -> None:
    check_g_x(g_x, DH_PRIME)


@pytest.mark.parametrize("g_x", [-5, 0, 1, DH_PRIME - 1, DH_PRIME, DH_PRIME + 5, 2**2048, 2**4096])
def test_g_x_outside_1_and_p_minus_1(g_x: int) -> None:
    with pytest.raises(SecurityError, match="1 < g_x < p - 1"):
        check_g_x(g_x, DH_PRIME)


@pytest.mark.parametrize("g_x", [2, 3, MARGIN - 1, DH_PRIME - MARGIN + 1, DH_PRIME - 2])
def test_g_x_within_2_pow_1984_of_the_ends(g_x: int) -> None:
    with pytest.raises(SecurityError, match="2\\^1984"):
        check_g_x(g_x, DH_PRIME)


# --- modexp ----------------------------------------------------------------------------------


@given(
    base=st.integers(-(2**2100), 2**2100),
    exponent=st.integers(0, 2**2048),
    modulus=st.integers(1, 2**2048),
)
def test_modexp_matches_pow(base: int, exponent: int, modulus: int) -> None:
    assert modexp(base, exponent, modulus) == pow(base, exponent, modulus)


def test_modexp_dh_sized() -> None:
    a = int.from_bytes(SeededRandom(1)(256), "big")
    assert modexp(DH_G, a, DH_PRIME) == pow(DH_G, a, DH_PRIME)
    assert modexp(5, 0, 7) == 1
    assert modexp(5, 3, 1) == 0


@pytest.mark.parametrize(("exponent", "modulus"), [(1, 0), (1, -7), (-1, 7)])
def test_modexp_misuse(exponent: int, modulus: int) -> None:
    with pytest.raises(LocalProtocolError):
        modexp(3, exponent, modulus)


# --- key pairs -------------------------------------------------------------------------------


def test_dh_key_pair() -> None:
    secret, public = dh_key_pair(SeededRandom(4))
    assert public == pow(DH_G, secret, DH_PRIME)
    check_g_x(public, DH_PRIME)
    assert dh_key_pair(SeededRandom(4)) == (secret, public)


def test_dh_key_pair_other_group() -> None:
    secret, public = dh_key_pair(SeededRandom(5), g=2, p=MODP_2048)
    assert public == pow(2, secret, MODP_2048)
    check_g_x(public, MODP_2048)


@pytest.mark.parametrize("bad_secret", [bytes(256), (1).to_bytes(256, "big")])
def test_dh_key_pair_discards_degenerate_secrets(bad_secret: bytes) -> None:
    draws = [bad_secret, SeededRandom(6)(256)]
    secret, public = dh_key_pair(lambda n: draws.pop(0))
    assert not draws
    assert secret > 1
    check_g_x(public, DH_PRIME)
