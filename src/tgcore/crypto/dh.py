"""Diffie-Hellman for the auth-key handshake: the standard group, the checks, fast modexp."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from Crypto.Math.Numbers import Integer
from Crypto.Math.Primality import COMPOSITE, lucas_test, miller_rabin_test

from tgcore.errors import LocalProtocolError, SecurityError

__all__ = ["DH_G", "DH_PRIME", "check_dh_params", "check_g_x", "dh_key_pair", "modexp"]

DH_PRIME = int(
    "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F"
    "48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37"
    "20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64"
    "2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4"
    "A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754"
    "FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4"
    "E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F"
    "0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B",
    16,
)
"""Telegram's 2048-bit safe prime: every official server sends it and Kurigram insists on it."""

DH_G = 3
"""The generator Telegram uses with `DH_PRIME`."""

_BITS = 2048
_MARGIN = 1 << (_BITS - 64)
# Miller-Rabin rounds for an unknown, possibly hostile, prime (on top of a Lucas test).
_MR_ROUNDS = 24


def modexp(base: int, exponent: int, modulus: int) -> int:
    """``base ** exponent % modulus``, through pycryptodome's C big integers.

    About 2 ms for 2048-bit operands where the built-in ``pow`` takes about 16-20 ms
    (see bench/crypto.py).
    """
    if modulus <= 0:
        raise LocalProtocolError("modexp needs a positive modulus")
    if exponent < 0:
        raise LocalProtocolError("modexp needs a non-negative exponent")
    return int(pow(Integer(base % modulus), exponent, modulus))


def check_g_x(g_x: int, p: int) -> None:
    """Check a DH public value (``g_a`` or ``g_b``) received from the peer.

    Requires ``1 < g_x < p - 1`` and ``2**(2048-64) <= g_x <= p - 2**(2048-64)``.

    Raises:
        SecurityError: the value is out of range.
    """
    if not 1 < g_x < p - 1:
        raise SecurityError("DH value out of range: need 1 < g_x < p - 1")
    if not _MARGIN <= g_x <= p - _MARGIN:
        raise SecurityError("DH value out of range: need 2^1984 <= g_x <= p - 2^1984")


# The residue conditions that make g a quadratic residue mod a safe prime p, so that it
# generates the subgroup of prime order (p-1)/2 (quadratic reciprocity; MTProto spec).
_G_CONDITIONS: dict[int, Callable[[int], bool]] = {
    2: lambda p: p % 8 == 7,
    3: lambda p: p % 3 == 2,
    4: lambda p: True,
    5: lambda p: p % 5 in (1, 4),
    6: lambda p: p % 24 in (19, 23),
    7: lambda p: p % 7 in (3, 5, 6),
}


def check_dh_params(g: int, p: int) -> None:
    """Check the DH group a server offers (``server_DH_inner_data.g`` and ``dh_prime``).

    ``p`` must be :data:`DH_PRIME` or else a 2048-bit safe prime (an expensive check, about
    0.1 s, that Telegram's own servers never trigger); ``g`` must be 2..7 and meet its residue
    condition modulo ``p``.

    Raises:
        SecurityError: the parameters are unsafe.
    """
    condition = _G_CONDITIONS.get(g)
    if condition is None:
        raise SecurityError(f"DH generator g={g} is not one of 2..7")
    if p != DH_PRIME and not (p.bit_length() == _BITS and _is_safe_prime(p)):
        raise SecurityError("DH prime is not a 2048-bit safe prime")
    if not condition(p):
        raise SecurityError(f"DH generator g={g} does not generate the prime-order subgroup")


def dh_key_pair(rng: Callable[[int], bytes], g: int = DH_G, p: int = DH_PRIME) -> tuple[int, int]:
    """A fresh DH secret and its public value: ``(a, g**a % p)``.

    ``a`` is 2048 random bits; a draw whose public value would fail :func:`check_g_x` on the
    peer's side (a degenerate ``a`` such as 0 or 1, or bad luck with odds of 2**-64) is
    discarded and drawn again.
    """
    while True:
        secret = int.from_bytes(rng(_BITS // 8), "big")
        public = modexp(g, secret, p)
        if 1 < public < p - 1 and _MARGIN <= public <= p - _MARGIN:
            return secret, public


class _HashStream:
    """Deterministic bytes derived from ``seed``: Miller-Rabin bases without reading os.urandom.

    A forger would have to find a composite that passes for bases it cannot choose, on top of a
    Lucas test; no composite passing both kinds of test is known.
    """

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0

    def __call__(self, n: int) -> bytes:
        self._counter += 1
        h = hashlib.shake_256(self._counter.to_bytes(8, "big") + self._seed)
        return h.digest(n)


def _is_probable_prime(n: int) -> bool:
    seed = n.to_bytes((n.bit_length() + 7) // 8, "big")
    if miller_rabin_test(n, _MR_ROUNDS, randfunc=_HashStream(seed)) == COMPOSITE:
        return False
    return lucas_test(n) != COMPOSITE


def _is_safe_prime(p: int) -> bool:
    """Whether ``p`` (large, odd) is a safe prime: ``p`` and ``(p - 1) / 2`` both prime."""
    if p % 12 != 11:  # p = 2q + 1 with q > 3 prime forces p = 3 mod 4 and p = 2 mod 3
        return False
    return _is_probable_prime((p - 1) // 2) and _is_probable_prime(p)
