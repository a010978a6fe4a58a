"""Per-viewer access hashes: proof that a client learned a peer from the server.

Telegram hands each client an ``access_hash`` with every user it shows it, and wants it back
in every ``inputUser`` / ``inputPeerUser``; a client cannot address a user it was never shown.
Here the hash is a keyed MAC of (viewer, target): ``HMAC-SHA256(secret, kind || viewer ||
target)`` cut to a signed 64-bit integer. Nothing is stored per pair, each viewer gets its own
value (one client's hash is useless to another account), and the secret lives in the account
database so the values survive restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from typing import Final

__all__ = ["KIND_USER", "SECRET_SIZE", "AccessHashes"]

#: Bytes of the server secret.
SECRET_SIZE: Final = 32
#: Domain byte of user access hashes (chats and channels get their own kinds).
KIND_USER: Final = b"u"

_PAIR = struct.Struct("<qq")
_SIGNED = struct.Struct("<q")


class AccessHashes:
    """Computes and checks access hashes with one server secret.

    Args:
        secret: At least 16 random bytes (:data:`SECRET_SIZE` recommended), kept private.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the access-hash secret must have at least 16 bytes")
        self._secret = secret

    def __repr__(self) -> str:
        return "AccessHashes(<secret>)"

    def compute(self, kind: bytes, viewer_id: int, target_id: int) -> int:
        """The access hash of ``target_id`` (of ``kind``) as ``viewer_id`` sees it."""
        digest = hmac.new(
            self._secret, kind + _PAIR.pack(viewer_id, target_id), hashlib.sha256
        ).digest()
        value: int = _SIGNED.unpack_from(digest)[0]
        return value

    def user(self, viewer_id: int, user_id: int) -> int:
        """The access hash of user ``user_id`` for ``viewer_id``."""
        return self.compute(KIND_USER, viewer_id, user_id)

    def check_user(self, viewer_id: int, user_id: int, access_hash: int) -> bool:
        """Whether ``access_hash`` is the one ``viewer_id`` was given for ``user_id``."""
        expected = _SIGNED.pack(self.user(viewer_id, user_id))
        try:
            given = _SIGNED.pack(access_hash)
        except struct.error:
            return False
        return hmac.compare_digest(expected, given)
