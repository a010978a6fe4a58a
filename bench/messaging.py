"""Messaging benchmark: delivered messages/s, send-to-receive latency and server CPU per message.

    python bench/messaging.py [--clients 10,100,1000] [--messages 20] [--telethon-clients 10]

One ``tgserver run`` in its own process (free port, fresh data dir) serves every row. For each
row, N clients connect, each with its own auth key and test phone number (``99966 2 YYYY``,
sign-up with code 22222), and pair up: clients 2k and 2k+1 import each other by phone and then
both send ``--messages`` messages to the other, one after another (the next when the previous
``messages.sendMessage`` returned), all clients at once. Each message carries the time it was
sent in its text; the receiver reads its live updates (``client.updates`` for tgcore,
``events.NewMessage`` for Telethon) and notes the time it arrived.

Printed, never asserted:

- delivered messages/s: messages received / (last arrival - first send);
- latency p50/p99: arrival - send, over every message (one process, one monotonic clock);
- server CPU per message: the server's user + system CPU time (``/proc/PID/stat``) spent from
  the first send to the last arrival, divided by the messages delivered.

Sign-ups stay within the server's flood limits: every client has its own key and phone, and makes
one ``auth.sendCode``, one ``auth.signIn`` and one ``auth.signUp``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import trio
from _server import ServerProcess

from tgcore.client import Client, ClientConfig
from tgcore.tl import TLObject, functions, types

HOST = "127.0.0.1"
CODE = "22222"  # test numbers of DC 2
#: Clients signing in (handshake and sign-up) at once.
SIGN_UP_CONCURRENCY = 32
#: Seconds to wait for the last messages of a row before counting them lost.
DRAIN_TIMEOUT = 60.0


# -- one row's numbers ---------------------------------------------------------------------------


@attrs.define
class Row:
    """What one row measured."""

    client: str
    clients: int
    sent: int = 0
    latencies: list[float] = attrs.field(factory=list)
    first_send: float = 0.0
    last_arrival: float = 0.0
    cpu_seconds: float = 0.0
    sign_up_seconds: float = 0.0

    def arrived(self, sent_at: float) -> None:
        """One message arrived now; it was sent at ``sent_at`` (perf_counter)."""
        now = time.perf_counter()
        self.latencies.append(now - sent_at)
        self.last_arrival = max(self.last_arrival, now)

    def cells(self) -> list[str]:
        """The row of the printed table."""
        delivered = len(self.latencies)
        elapsed = self.last_arrival - self.first_send
        rate = delivered / elapsed if delivered and elapsed > 0 else 0.0
        cpu = self.cpu_seconds / delivered * 1e6 if delivered else 0.0
        return [
            self.client,
            f"{self.clients:,}",
            f"{self.sign_up_seconds:.1f}",
            f"{delivered:,}/{self.sent:,}",
            f"{rate:,.0f}",
            f"{percentile(self.latencies, 50) * 1000:.1f}",
            f"{percentile(self.latencies, 99) * 1000:.1f}",
            f"{cpu:,.0f}",
        ]


def percentile(values: list[float], q: int) -> float:
    """The ``q``-th percentile of ``values`` (0 for none)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def text_of(sent_at: float, sender: int, n: int) -> str:
    """A message text that carries its send time."""
    return f"t={sent_at:.9f} from={sender} n={n}"


def sent_at_of(text: str) -> float | None:
    """The send time carried in a benchmark message's text."""
    found = re.match(r"t=(\d+\.\d+) ", text)
    return float(found[1]) if found else None


def phone(index: int) -> str:
    """The test phone number of client ``index`` (DC 2: ``99966 2 YYYY``)."""
    return f"999662{index:04d}"


class Barrier:
    """Trio: wait until ``parties`` tasks have arrived."""

    def __init__(self, parties: int) -> None:
        self._left = parties
        self._event = trio.Event()

    async def wait(self) -> None:
        """Arrive, then wait for the others."""
        self._left -= 1
        if self._left <= 0:
            self._event.set()
        await self._event.wait()


# -- our Trio client -----------------------------------------------------------------------------


async def ours_log_in(client: Client, number: str) -> int:
    """Sign the test number up (or in); the user id."""
    sent = await client(
        functions.auth.SendCode(
            phone_number=number, api_id=1, api_hash="0" * 32, settings=types.CodeSettings()
        )
    )
    assert isinstance(sent, types.auth.SentCode)
    result = await client(
        functions.auth.SignIn(
            phone_number=number, phone_code_hash=sent.phone_code_hash, phone_code=CODE
        )
    )
    if isinstance(result, types.auth.AuthorizationSignUpRequired):
        result = await client(
            functions.auth.SignUp(
                phone_number=number,
                phone_code_hash=sent.phone_code_hash,
                first_name=f"User{number[-4:]}",
                last_name="",
            )
        )
    assert isinstance(result, types.auth.Authorization)
    return result.user.id


def incoming_texts(update: TLObject) -> list[str]:
    """The texts of the incoming private messages in one pushed update."""
    if isinstance(update, types.UpdateShortMessage):
        return [] if update.out else [update.message]
    if isinstance(update, types.Updates | types.UpdatesCombined):
        return [
            item.message.message
            for item in update.updates
            if isinstance(item, types.UpdateNewMessage)
            and isinstance(item.message, types.Message)
            and not item.message.out
        ]
    return []


async def ours_row(server: ServerProcess, clients: int, messages: int, first_index: int) -> Row:
    """One row with tgcore's Trio client."""
    row = Row("tgcore", clients)
    limiter = trio.CapacityLimiter(SIGN_UP_CONCURRENCY)
    signed_up, ready, done = Barrier(clients), Barrier(clients), Barrier(clients)
    start = time.perf_counter()

    cpu_before = [0.0]  # set when the first message goes out

    async def one(index: int) -> None:
        partner = index ^ 1
        config = ClientConfig(request_timeout=120.0, updates_capacity=max(1024, 2 * messages))
        async with Client(HOST, server.port, public_key=server.public_key, config=config) as c:
            async with limiter:
                me = await ours_log_in(c, phone(first_index + index))
            await signed_up.wait()
            async with limiter:
                contact = types.InputPhoneContact(
                    client_id=1,
                    phone="+" + phone(first_index + partner),
                    first_name="Partner",
                    last_name="",
                )
                found = await c(functions.contacts.ImportContacts(contacts=[contact]))
                [user] = found.users
                assert isinstance(user, types.User) and user.access_hash is not None
                peer = types.InputPeerUser(user_id=user.id, access_hash=user.access_hash)
            await ready.wait()
            if not row.first_send:
                row.sign_up_seconds = time.perf_counter() - start
                row.first_send = time.perf_counter()
                cpu_before[0] = server.cpu_seconds()

            async def receive() -> None:
                got = 0
                with trio.move_on_after(DRAIN_TIMEOUT):
                    async for update in c.updates:
                        for text in incoming_texts(update):
                            if (sent_at := sent_at_of(text)) is not None:
                                row.arrived(sent_at)
                                got += 1
                        if got >= messages:
                            return

            async with trio.open_nursery() as nursery:
                nursery.start_soon(receive)
                for n in range(messages):
                    sent_at = time.perf_counter()
                    await c(
                        functions.messages.SendMessage(
                            peer=peer,
                            message=text_of(sent_at, me, n),
                            random_id=secrets.randbits(63) or 1,
                        )
                    )
                    row.sent += 1
            await done.wait()

    async with trio.open_nursery() as nursery:
        for index in range(clients):
            nursery.start_soon(one, index)
    row.cpu_seconds = server.cpu_seconds() - cpu_before[0]
    return row


# -- Telethon 1.45 (asyncio) ---------------------------------------------------------------------


async def telethon_row(server: ServerProcess, clients: int, messages: int, first_index: int) -> Row:
    """One row with Telethon: sign-up as in the interop tests, receipt via events.NewMessage."""
    from telethon import TelegramClient, errors, events
    from telethon.crypto import rsa
    from telethon.sessions import MemorySession
    from telethon.tl import functions as tl_functions
    from telethon.tl import types as tl_types

    rsa.add_key(server.public_key.decode(), old=False)
    row = Row("Telethon 1.45", clients)
    received = [0] * clients
    all_received = asyncio.Event()
    semaphore = asyncio.Semaphore(SIGN_UP_CONCURRENCY)

    def make_handler(index: int) -> Callable[[Any], Any]:
        async def on_message(event: Any) -> None:
            sent_at = sent_at_of(event.message.message or "")
            if sent_at is None:
                return
            row.arrived(sent_at)
            received[index] += 1
            if sum(received) >= clients * messages:
                all_received.set()

        return on_message

    async def sign_up(index: int) -> TelegramClient:
        session = MemorySession()
        session.set_dc(2, HOST, server.port)
        client = TelegramClient(session, 1, "0" * 32, timeout=60)
        number = phone(first_index + index)
        async with semaphore:
            await client.connect()
            sent = await client.send_code_request(number)
            try:
                await client.sign_in(number, CODE)
            except errors.PhoneNumberUnoccupiedError:
                result = await client(
                    tl_functions.auth.SignUpRequest(
                        phone_number=number,
                        phone_code_hash=sent.phone_code_hash,
                        first_name=f"User{number[-4:]}",
                        last_name="",
                    )
                )
                await client._on_login(result.user)
        client.add_event_handler(make_handler(index), events.NewMessage(incoming=True))
        return client

    start = time.perf_counter()
    connected = list(await asyncio.gather(*(sign_up(i) for i in range(clients))))
    try:

        async def find(index: int) -> Any:
            contact = tl_types.InputPhoneContact(
                client_id=1,
                phone="+" + phone(first_index + (index ^ 1)),
                first_name="P",
                last_name="",
            )
            async with semaphore:
                found = await connected[index](
                    tl_functions.contacts.ImportContactsRequest([contact])
                )
            [user] = found.users
            return tl_types.InputPeerUser(user.id, user.access_hash)

        peers = await asyncio.gather(*(find(i) for i in range(clients)))
        row.sign_up_seconds = time.perf_counter() - start
        row.first_send = time.perf_counter()
        cpu_before = server.cpu_seconds()

        async def send_all(index: int) -> None:
            for n in range(messages):
                sent_at = time.perf_counter()
                await connected[index](
                    tl_functions.messages.SendMessageRequest(
                        peer=peers[index],
                        message=text_of(sent_at, index, n),
                        random_id=secrets.randbits(63) or 1,
                    )
                )
                row.sent += 1

        await asyncio.gather(*(send_all(i) for i in range(clients)))
        with contextlib.suppress(TimeoutError):  # the table shows delivered/sent
            await asyncio.wait_for(all_received.wait(), DRAIN_TIMEOUT)
        row.cpu_seconds = server.cpu_seconds() - cpu_before
    finally:
        await asyncio.gather(*(client.disconnect() for client in connected))
    return row


# -- report --------------------------------------------------------------------------------------

HEADER = [
    "client",
    "clients",
    "sign-up s",
    "delivered",
    "msgs/s",
    "p50 ms",
    "p99 ms",
    "server CPU µs/msg",
]


def print_table(rows: list[Row]) -> None:
    """The rows as a Markdown table."""
    cells = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    for number, line in enumerate(cells):
        print("| " + " | ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) + " |")
        if number == 0:
            print("| " + " | ".join("-" * (w - 1) + ":" for w in widths) + " |")


def main() -> None:
    """Run the rows and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="10,100,1000", help="comma-separated client counts")
    parser.add_argument("--messages", type=int, default=20, help="messages each client sends")
    parser.add_argument(
        "--telethon-clients", default="10", help="comma-separated counts for Telethon rows"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.clients.split(",") if n]
    telethon_counts = [int(n) for n in args.telethon_clients.split(",") if n]
    if any(n < 2 or n % 2 for n in counts + telethon_counts):
        parser.error("client counts must be even (clients chat in pairs)")
    if sum(counts) + sum(telethon_counts) > 10_000:
        parser.error("there are 10,000 test numbers in all")
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("telethon").setLevel(logging.CRITICAL)

    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp))
        try:
            print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
            print(f"server: pid {server.proc.pid} on {HOST}:{server.port}")
            print(f"each client sends {args.messages} messages to its partner\n")
            rows: list[Row] = []
            first_index = 0
            for clients in counts:
                rows.append(trio.run(ours_row, server, clients, args.messages, first_index))
                first_index += clients
            for clients in telethon_counts:
                rows.append(asyncio.run(telethon_row(server, clients, args.messages, first_index)))
                first_index += clients
            print_table(rows)
        except BaseException:
            print("server log:\n" + server.log_path.read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            server.stop()


if __name__ == "__main__":
    main()
