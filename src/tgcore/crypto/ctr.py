"""AES-256-CTR as a stream cipher, used by the obfuscated2 transport."""

from __future__ import annotations

from Crypto.Cipher import AES
from Crypto.Util import Counter

from tgcore.errors import LocalProtocolError

__all__ = ["AesCtr"]


class AesCtr:
    """A stateful AES-256-CTR keystream: successive :meth:`update` calls continue the stream.

    ``iv`` is the 16-byte initial counter block, taken as one big-endian 128-bit integer
    (the layout obfuscated2 uses).

    Raises:
        LocalProtocolError: the key is not 32 bytes or the iv not 16.
    """

    __slots__ = ("_cipher",)

    def __init__(self, key: bytes, iv: bytes) -> None:
        if len(key) != 32 or len(iv) != 16:
            raise LocalProtocolError("AES-256-CTR needs a 32-byte key and a 16-byte iv")
        counter = Counter.new(128, initial_value=int.from_bytes(iv, "big"))
        self._cipher = AES.new(key, AES.MODE_CTR, counter=counter)

    def update(self, data: bytes) -> bytes:
        """Encrypt or decrypt ``data`` (the same operation in CTR mode)."""
        return self._cipher.encrypt(data)
