"""The server's side of req_DH_params' RSA layer: decrypt p_q_inner_data in either scheme."""

from __future__ import annotations

from tgcore.crypto import RsaPrivateKey
from tgcore.errors import SecurityError
from tgcore.mtproto.handshake.common import RsaScheme, read_one_of
from tgcore.tl import types
from tgcore.tl.errors import TLDecodeError
from tgcore.tl.primitives import Reader

#: The inner data a client may send. The old dc-less p_q_inner_data_temp is not accepted: no
#: client in use sends it, and a temporary key must name its DC.
PQInner = types.PQInnerData | types.PQInnerDataDc | types.PQInnerDataTempDc

_INNER_TYPES: tuple[type[PQInner], ...] = (
    types.PQInnerData,
    types.PQInnerDataDc,
    types.PQInnerDataTempDc,
)


def decrypt_pq_inner_data(key: RsaPrivateKey, encrypted: bytes) -> tuple[PQInner, RsaScheme]:
    """Decrypt and parse ``encrypted_data`` of req_DH_params; SecurityError if it is not valid.

    One RSA operation serves both schemes: MTProto 2.0 RSA_PAD (SHA-256 verified) is tried
    first, then the pre-2.0 ``sha1(data) + data + padding`` that Telethon 1.x and Kurigram send.
    """
    plain = key.decrypt_inner_data(encrypted)
    reader = Reader(plain.data)
    try:
        inner = read_one_of(reader, _INNER_TYPES)
    except TLDecodeError as exc:
        raise SecurityError(f"req_DH_params: undecodable inner data ({exc})") from exc
    if plain.scheme == "legacy":
        # The legacy sha1 covered exactly the data, which must then be exactly the object (the
        # RSA_PAD data is followed by its random padding instead).
        if reader.remaining():
            raise SecurityError("req_DH_params: bytes after the inner data under its sha1")
        return inner, RsaScheme.LEGACY
    return inner, RsaScheme.RSA_PAD


def inner_dc(inner: PQInner) -> int | None:
    """The DC the client addressed (None for the dc-less p_q_inner_data)."""
    return None if isinstance(inner, types.PQInnerData) else inner.dc


def inner_expires_in(inner: PQInner) -> int | None:
    """Seconds a temporary key lives (None for a permanent key)."""
    return inner.expires_in if isinstance(inner, types.PQInnerDataTempDc) else None
