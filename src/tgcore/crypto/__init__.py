"""Cryptographic primitives of MTProto 2.0, sans-IO.

AES-256-IGE (cryptg fast path, pycryptodome fallback), AES-256-CTR, SHA-1/SHA-256 helpers,
the MTProto 2.0 KDF (``msg_key`` and per-message key/iv, the handshake's tmp key/iv), the auth
key and its ids, the server's RSA key pair with both padding schemes clients use, the
Diffie-Hellman group and its checks, and the ``pq`` proof of work.

Nothing here reads the clock or the OS random source on its own: functions that need
randomness take an ``rng: Callable[[int], bytes]``. Failed security checks raise
:class:`~tgcore.errors.SecurityError`; misuse by the caller (wrong sizes, bad arguments)
raises :class:`~tgcore.errors.LocalProtocolError`.
"""

from __future__ import annotations

from tgcore.crypto.auth_key import AuthKey
from tgcore.crypto.ctr import AesCtr
from tgcore.crypto.dh import DH_G, DH_PRIME, check_dh_params, check_g_x, dh_key_pair, modexp
from tgcore.crypto.hashes import sha1, sha256
from tgcore.crypto.ige import ige256_decrypt, ige256_encrypt, ige_backend
from tgcore.crypto.kdf import aes_key_iv, msg_key, tmp_aes_key_iv
from tgcore.crypto.pq import factorize_pq, generate_pq
from tgcore.crypto.rsa import RsaPlaintext, RsaPrivateKey, RsaPublicKey

__all__ = [
    "AesCtr",
    "AuthKey",
    "DH_G",
    "DH_PRIME",
    "RsaPlaintext",
    "RsaPrivateKey",
    "RsaPublicKey",
    "aes_key_iv",
    "check_dh_params",
    "check_g_x",
    "dh_key_pair",
    "factorize_pq",
    "generate_pq",
    "ige256_decrypt",
    "ige256_encrypt",
    "ige_backend",
    "modexp",
    "msg_key",
    "sha1",
    "sha256",
    "tmp_aes_key_iv",
]
