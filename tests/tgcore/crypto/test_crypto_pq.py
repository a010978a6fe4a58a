"""pq: the server's generator, the client's factorization (cryptg and Python), hostile input."""

from __future__ import annotations

import random
import types
from collections.abc import Iterator

import pytest
from Crypto.Util.number import isPrime
from hypothesis import given, settings
from hypothesis import strategies as st

from tgcore.crypto import _backend, factorize_pq, generate_pq
from tgcore.crypto import pq as pq_module
from tgcore.errors import SecurityError
from tgcore.testing import SeededRandom

HAVE_CRYPTG = _backend.CRYPTG_INSTALLED is not None
# The worked example of Telegram's auth-key documentation.
DOC_PQ, DOC_P, DOC_Q = 0x17ED48941A08F981, 0x494C553B, 0x53911073


@pytest.fixture(
    params=[
        "python",
        pytest.param(
            "cryptg", marks=pytest.mark.skipif(not HAVE_CRYPTG, reason="cryptg not installed")
        ),
    ]
)
def factor_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test once with Pollard-Brent in Python and once with cryptg."""
    selected = _backend.CRYPTG_INSTALLED if request.param == "cryptg" else None
    monkeypatch.setattr(_backend, "CRYPTG", selected)
    return str(request.param)


# --- generation ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_generate_pq(seed: int) -> None:
    pq, p, q = generate_pq(SeededRandom(seed))
    assert pq == p * q
    assert 2**31 < p < q < 2**32
    assert isPrime(p) and isPrime(q)
    assert 62 <= pq.bit_length() <= 64
    assert len(pq.to_bytes(8, "big")) == 8


def test_generate_pq_is_deterministic_for_a_seed() -> None:
    assert generate_pq(SeededRandom(1)) == generate_pq(SeededRandom(1))
    assert generate_pq(SeededRandom(1)) != generate_pq(SeededRandom(2))


def _scripted(*values: int) -> Iterator[bytes]:
    return iter(v.to_bytes(4, "big") for v in values)


def test_generate_pq_orders_dedups_and_stays_below_2_63() -> None:
    big, small, other = 4294967291, 2147483659, 2147483693  # primes with the top bit set
    # 6|0x80000001 is composite; then a repeated prime; then a pair whose product is >= 2**63
    # (Telethon reads pq as signed); then a good pair, drawn in descending order.
    draws = _scripted(6, big, big, big, small, other, small)
    pq, p, q = generate_pq(lambda n: next(draws))
    assert (p, q) == (small, other)
    assert pq == small * other < 1 << 63


def test_generate_pq_is_always_a_positive_signed_long() -> None:
    rng = random.Random(5)
    for _ in range(200):
        pq, p, q = generate_pq(rng.randbytes)
        assert 1 << 31 < p < q < 1 << 32
        assert pq == p * q < 1 << 63


# --- primality -------------------------------------------------------------------------------


def test_is_prime_small_numbers() -> None:
    for n in range(-5, 3000):
        assert pq_module._is_prime(n) == (n > 1 and isPrime(n)), n


@pytest.mark.parametrize(
    "n",
    [
        561,  # Carmichael
        41041,
        3215031751,  # strong pseudoprime to bases 2, 3, 5, 7
        3825123056546413051,  # strong pseudoprime to every prime base up to 37
        318665857834031151167461,  # strong pseudoprime to every prime base up to 37
        4294967291 * 4294967279,
        (2**31 - 1) ** 2,
    ],
)
def test_is_prime_rejects_pseudoprimes(n: int) -> None:
    assert not pq_module._is_prime(n)


@pytest.mark.parametrize("n", [2**31 - 1, 2**61 - 1, 4294967291, 18446744073709551557])
def test_is_prime_accepts_primes(n: int) -> None:
    assert pq_module._is_prime(n)


@settings(max_examples=200)
@given(st.integers(2**32, 2**64))
def test_is_prime_matches_pycryptodome(n: int) -> None:
    assert pq_module._is_prime(n) == bool(isPrime(n))


# --- factorization ---------------------------------------------------------------------------


def test_factorize_documentation_example(factor_backend: str) -> None:
    assert factorize_pq(DOC_PQ) == (DOC_P, DOC_Q)


@pytest.mark.parametrize("seed", range(8))
def test_factorize_generated(factor_backend: str, seed: int) -> None:
    pq, p, q = generate_pq(SeededRandom(seed))
    assert factorize_pq(pq) == (p, q)


@pytest.mark.parametrize(
    ("p", "q"),
    [(3, 5), (5, 7), (3, 4294967291), (65537, 4294967291), (101, 4297), (2**31 - 1, 4294967291)],
)
def test_factorize_unbalanced_and_small(factor_backend: str, p: int, q: int) -> None:
    assert factorize_pq(p * q) == (p, q)


@pytest.mark.parametrize(
    "pq",
    [
        -DOC_PQ,
        0,
        1,
        7,  # too small (and prime)
        2 * 4294967291,  # even
        DOC_PQ * 2,
        2**64 + 13,  # more than 8 bytes
        4294967291,  # prime
        18446744073709551557,  # prime, close to 2**64
    ],
)
def test_factorize_refuses_impossible_pq(factor_backend: str, pq: int) -> None:
    with pytest.raises(SecurityError):
        factorize_pq(pq)


@pytest.mark.parametrize(
    "pq",
    [
        9 * 5,  # 3 * 3 * 5
        3 * 5 * 7,
        2147483659**2,  # p == q
        49,
        616909 * 693682880411,  # a prime times a composite
        1000003 * 1000033 * 1000037,
    ],
)
def test_factorize_refuses_non_semiprimes(factor_backend: str, pq: int) -> None:
    with pytest.raises(SecurityError, match="two distinct primes"):
        factorize_pq(pq)


def test_pollard_brent_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_backend, "CRYPTG", None)
    monkeypatch.setattr(pq_module, "_RHO_MAX_STEPS", 2)
    monkeypatch.setattr(pq_module, "_RHO_POLYNOMIALS", 2)
    with pytest.raises(SecurityError, match="could not factorize"):
        factorize_pq(DOC_PQ)


class PanicException(BaseException):
    """Stands for pyo3's PanicException, which cryptg raises when its Rust code panics."""


class OtherBaseException(BaseException):
    pass


def _fake_cryptg(result: object) -> types.SimpleNamespace:
    def factorize_pq_pair(pq: int) -> object:
        if isinstance(result, BaseException):
            raise result
        return result

    return types.SimpleNamespace(factorize_pq_pair=factorize_pq_pair)


@pytest.mark.parametrize("result", [PanicException("panicked"), (1, DOC_PQ), (DOC_P, DOC_Q + 2)])
def test_cryptg_failures_fall_back_to_python(
    monkeypatch: pytest.MonkeyPatch, result: object
) -> None:
    monkeypatch.setattr(_backend, "CRYPTG", _fake_cryptg(result))
    assert factorize_pq(DOC_PQ) == (DOC_P, DOC_Q)


def test_cryptg_other_base_exceptions_propagate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_backend, "CRYPTG", _fake_cryptg(OtherBaseException()))
    with pytest.raises(OtherBaseException):
        factorize_pq(DOC_PQ)


def test_cryptg_not_used_below_2_pow_32(monkeypatch: pytest.MonkeyPatch) -> None:
    """cryptg panics or hangs on some small inputs (15, 35, 9): they stay in Python."""
    monkeypatch.setattr(_backend, "CRYPTG", _fake_cryptg(OtherBaseException()))
    assert factorize_pq(15) == (3, 5)
