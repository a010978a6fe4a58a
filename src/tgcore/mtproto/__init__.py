"""Sans-IO MTProto 2.0: transports, the auth-key handshake and encrypted sessions."""
