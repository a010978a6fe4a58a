"""Sans-IO MTProto 2.0: transports, the auth-key handshake and encrypted sessions.

The subpackages hold the three layers (:mod:`tgcore.mtproto.transport`,
:mod:`tgcore.mtproto.handshake`, :mod:`tgcore.mtproto.session`); this package re-exports the
message envelope and msg_id helpers they share.
"""

from __future__ import annotations

from tgcore.mtproto.envelope import (
    MAX_PADDING,
    MIN_PADDING,
    X_CLIENT,
    X_SERVER,
    DecryptedMessage,
    decrypt_client_message,
    decrypt_message,
    decrypt_server_message,
    encrypt_client_message,
    encrypt_message,
    encrypt_server_message,
    pack_plain,
    peek_auth_key_id,
    unpack_plain,
)
from tgcore.mtproto.msgid import MsgIdGenerator, MsgKind, msg_id_time

__all__ = [
    "DecryptedMessage",
    "MAX_PADDING",
    "MIN_PADDING",
    "MsgIdGenerator",
    "MsgKind",
    "X_CLIENT",
    "X_SERVER",
    "decrypt_client_message",
    "decrypt_message",
    "decrypt_server_message",
    "encrypt_client_message",
    "encrypt_message",
    "encrypt_server_message",
    "msg_id_time",
    "pack_plain",
    "peek_auth_key_id",
    "unpack_plain",
]
