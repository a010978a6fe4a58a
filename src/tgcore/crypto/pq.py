"""The handshake's proof of work: the server's ``pq`` and the client's factorization of it."""

from __future__ import annotations

import math
from collections.abc import Callable

from tgcore.crypto import _backend
from tgcore.errors import SecurityError

__all__ = ["factorize_pq", "generate_pq"]

# Deterministic Miller-Rabin bases: correct for every n < 3.3 * 10**24, far above 2**64.
_MR_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
_PQ_LIMIT = 1 << 64  # pq travels as 8 bytes
# Pollard-Brent finds a factor below 2**32 in ~2**16 steps; give each polynomial far more
# before trying the next, and give up (SecurityError) after a few polynomials.
_RHO_MAX_STEPS = 1 << 22
_RHO_POLYNOMIALS = 8


def _is_prime(n: int) -> bool:
    """Deterministic primality for ``n < 3.3e24`` (all the handshake ever needs)."""
    if n < 2:
        return False
    for p in _MR_BASES:
        if n % p == 0:
            return n == p
    d = n - 1
    s = (d & -d).bit_length() - 1
    d >>= s
    for a in _MR_BASES:
        x = pow(a, d, n)
        if x == 1 or x == n - 1:
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def generate_pq(rng: Callable[[int], bytes]) -> tuple[int, int, int]:
    """A fresh ``(pq, p, q)`` for ``resPQ``: ``p < q`` random primes in ``(2**31, 2**32)``.

    Both primes having their top bit set keeps each factor within the 4 bytes that Kurigram
    encodes it in; ``pq`` is kept below ``2**63`` (a 63-bit number, as Telegram's are) because
    Telethon reads it as a *signed* 64-bit value and cannot factorize a "negative" one.
    """
    while True:
        p = _random_prime32(rng)
        q = _random_prime32(rng)
        if p != q and p * q < _PQ_LIMIT:
            break
    if p > q:
        p, q = q, p
    return p * q, p, q


_PQ_LIMIT = 1 << 63


def _random_prime32(rng: Callable[[int], bytes]) -> int:
    while True:
        candidate = int.from_bytes(rng(4), "big") | 0x80000001
        if _is_prime(candidate):
            return candidate


def factorize_pq(pq: int) -> tuple[int, int]:
    """Split the server's ``pq`` into its two prime factors ``(p, q)``, ``p < q``.

    Uses cryptg's native factorization when it is the selected backend, Pollard-Brent rho in
    Python otherwise (~15 ms on average for a 63-bit ``pq``).

    Raises:
        SecurityError: ``pq`` is not the product of two distinct odd primes below ``2**64``
            (it comes from the network, and cryptg would loop forever on a prime).
    """
    if not 15 <= pq < _PQ_LIMIT or pq % 2 == 0:
        raise SecurityError("pq must be an odd number of at most 64 bits")
    if _is_prime(pq):
        raise SecurityError("pq is prime")
    factor = _factor_cryptg(pq) if _backend.CRYPTG is not None else None
    if factor is None:
        factor = _pollard_brent(pq)
    p, q = sorted((factor, pq // factor))
    if p == q or not (_is_prime(p) and _is_prime(q)):
        raise SecurityError("pq is not the product of two distinct primes")
    return p, q


def _factor_cryptg(pq: int) -> int | None:
    """A nontrivial factor from cryptg, or ``None`` to fall back to Python.

    cryptg panics (a BaseException) on some small inputs and never returns on others (9, any
    prime): it only gets odd composites of more than 32 bits, the shape of every real pq.
    """
    cryptg = _backend.CRYPTG
    if cryptg is None or pq < 1 << 32:
        return None
    try:
        p, q = cryptg.factorize_pq_pair(pq)
    except BaseException as exc:  # a Rust panic surfaces as pyo3's PanicException
        if type(exc).__name__ != "PanicException":
            raise
        return None
    if not (1 < p < pq and p * q == pq):
        return None
    return int(p)


def _pollard_brent(n: int) -> int:
    """A nontrivial factor of the odd composite ``n`` (Brent's cycle finding, batched gcds)."""
    batch = 128
    for c in range(1, _RHO_POLYNOMIALS + 1):
        y, r, acc, g = 2, 1, 1, 1
        x = saved = y
        while g == 1 and r <= _RHO_MAX_STEPS:
            x = y
            for _ in range(r):
                y = (y * y + c) % n
            k = 0
            while k < r and g == 1:
                saved = y
                for _ in range(min(batch, r - k)):
                    y = (y * y + c) % n
                    acc = acc * abs(x - y) % n
                g = math.gcd(acc, n)
                k += batch
            r <<= 1
        if g == n:
            # The batch overshot: replay it one step at a time from its start.
            g = 1
            while g == 1:
                saved = (saved * saved + c) % n
                g = math.gcd(abs(x - saved), n)
        if 1 < g < n:
            return g
    raise SecurityError("could not factorize pq")
