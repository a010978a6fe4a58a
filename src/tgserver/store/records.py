"""What the auth-key store keeps: one :class:`AuthKeyRecord` per auth key."""

from __future__ import annotations

import attrs

from tgcore.mtproto.session import ServerSalt

__all__ = ["AuthKeyRecord", "ClientInfo"]


@attrs.frozen
class ClientInfo:
    """What a client told about itself in ``initConnection`` (remembered per auth key)."""

    api_id: int
    device_model: str
    system_version: str
    app_version: str
    system_lang_code: str
    lang_pack: str
    lang_code: str


@attrs.frozen
class AuthKeyRecord:
    """An auth key as the server keeps it.

    The key bytes are left out of ``repr`` so a record never leaks its key into a log line or
    a traceback.

    Attributes:
        key_id: The auth_key_id (low 64 bits of sha1(key), signed).
        key: The raw key: 256 bytes, or 255/254 for the minimal encoding Telethon uses when
            the top byte of g^ab is zero.
        created_at: Unix time the handshake finished.
        is_temp: A temporary key (p_q_inner_data_temp_dc).
        expires_at: For a temporary key, the Unix time it expires; None otherwise.
        dc_id: The DC the client named in its inner data (None for dc-less p_q_inner_data).
        layer: The TL layer the client last announced with invokeWithLayer, if any.
        client: What the client last sent in initConnection, if anything.
        salts: The server salts of this key (persisted so a restart does not bounce every
            client with bad_server_salt).
    """

    key_id: int
    key: bytes = attrs.field(repr=False)
    created_at: float
    is_temp: bool = False
    expires_at: int | None = None
    dc_id: int | None = None
    layer: int | None = None
    client: ClientInfo | None = None
    salts: tuple[ServerSalt, ...] = ()
