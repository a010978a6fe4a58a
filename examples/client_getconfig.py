"""Connect to a tgserver with the Trio client, print its config and a ping round trip.

Start a server first (``tgserver run``), then::

    python examples/client_getconfig.py [HOST] [PORT] [--key tgdata/server.pub.pem]
        [--transport abridged|intermediate|padded|full|obfuscated|websocket|...]
        [--session me.session]

The public key is the server's ``DIR/server.pub.pem``. With ``--session`` the auth key is
kept in that SQLite file and reused on the next run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import trio

from tgcore.client import Client, ClientConfig, TransportConfig
from tgcore.storage import MemorySessionStore, SessionStore, SqliteSessionStore
from tgcore.tl import functions, types


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host", nargs="?", default="127.0.0.1")
    parser.add_argument("port", nargs="?", type=int, default=8443)
    parser.add_argument("--key", type=Path, default=Path("tgdata/server.pub.pem"))
    parser.add_argument("--transport", default="abridged", choices=TransportConfig.NAMES)
    parser.add_argument("--session", type=Path, help="SQLite session file to keep the key in")
    return parser.parse_args()


async def main(args: argparse.Namespace) -> None:
    store: SessionStore = SqliteSessionStore(args.session) if args.session else MemorySessionStore()
    config = ClientConfig(transport=TransportConfig.from_name(args.transport))
    public_key = args.key.read_bytes()
    async with Client(
        args.host, args.port, public_key=public_key, session=store, config=config
    ) as client:
        got = await client(functions.help.GetConfig())
        assert isinstance(got, types.Config)
        print(f"this_dc: {got.this_dc}")
        for option in got.dc_options:
            assert isinstance(option, types.DcOption)
            print(f"dc_option: dc {option.id} {option.ip_address}:{option.port}")
        start = time.perf_counter()
        pong = await client(functions.Ping(ping_id=42))
        elapsed = (time.perf_counter() - start) * 1000
        assert isinstance(pong, types.Pong) and pong.ping_id == 42
        print(f"ping: {elapsed:.2f} ms")


if __name__ == "__main__":
    trio.run(main, parse_args())
