"""Bot API benchmark: sendMessage requests/s and getUpdates delivery latency, with aiogram.

    python bench/botapi.py [--requests 500] [--concurrency 16] [--deliveries 200]
                           [--storage sqlite|memory]

The server runs in its own process (this script started with ``--serve``: ``tgserver.app.serve``
plus two things ``tgserver run`` cannot do yet: it creates the bot and lifts the per-bot send
rate limits, which would otherwise cap a bot at 30 messages/s, Telegram's figure). The bench
process holds the clients:

- a user on tgcore's MTProto client (a Trio loop in a thread) signs up with a test number,
  resolves the bot by username and sends ``/start``, so the bot may write to it;
- **delivery latency**: the bot long-polls ``getUpdates`` (aiogram's ``bot.get_updates``; and a
  bare aiohttp POST as the reference); once the poll is in flight the user sends a message over
  MTProto; latency = from just before the user's ``messages.sendMessage`` to the return of the
  poll that carries it (one process, one ``perf_counter`` clock). One message at a time;
- **requests/s**: ``sendMessage`` to that user through aiogram, one at a time and with
  ``--concurrency`` at once, beside the HTTP floor measured in the same run: bare aiohttp
  requests (``getMe``, which touches no store, and ``sendMessage``) on a kept-alive
  connection. Server CPU per request comes from ``/proc/PID/stat``.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import queue
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
BOT_USERNAME = "bench_bot"
USER_PHONE = "9996620001"  # a test number of DC 2: code 22222
CODE = "22222"


# -- the server process -------------------------------------------------------------------------


def serve_main(data_dir: str, storage: str) -> None:
    """``--serve``: run the server, create the bot, lift its rate limits, report, run on."""
    import trio

    from tgserver.app import serve
    from tgserver.config import ServerConfig
    from tgserver.services.bots import BotLimits

    config = ServerConfig(
        data_dir=Path(data_dir),
        host=HOST,
        port=0,
        bot_api_port=0,
        storage=storage,  # type: ignore[arg-type]
        log_level="WARNING",
    )

    async def main() -> None:
        with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async with trio.open_nursery() as nursery:
                info = await nursery.start(serve, config)
                bots = info.bots
                bots.bots.set_limits(BotLimits(per_bot=10**9, per_chat=10**9))
                bot = await bots.bots.create_bot(BOT_USERNAME, "Bench")
                print(
                    f"READY {info.port} {info.bot_api_port} {bot.token}",
                    info.public_key_pem.decode().replace("\n", "|"),
                    flush=True,
                )
                async for _ in signals:
                    nursery.cancel_scope.cancel()
                    break

    trio.run(main)


class ServerProcess:
    """This script with ``--serve`` in a child process."""

    def __init__(self, data_dir: Path, storage: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(data_dir), "--storage", storage],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        found = re.match(r"READY (\d+) (\d+) (\S+) (.*)", line)
        if found is None:
            self.proc.kill()
            raise RuntimeError(f"the server did not start: {line!r}")
        self.port = int(found[1])
        self.bot_api_url = f"http://{HOST}:{found[2]}"
        self.token = found[3]
        self.public_key = found[4].replace("|", "\n").encode()

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far (Linux /proc)."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM and wait."""
        self.proc.terminate()
        self.proc.wait(timeout=30)


# -- the simulated user: tgcore's MTProto client on a Trio loop in a thread --------------------


class MtprotoUser:
    """Signs up, opens the chat with the bot, then sends what :meth:`send` asks for.

    ``send`` returns at once; the message carries the ``perf_counter`` taken just before the
    user's ``messages.sendMessage``.
    """

    def __init__(self, server: ServerProcess) -> None:
        self._server = server
        self._commands: queue.Queue[str | None] = queue.Queue()
        self._ready: queue.Queue[int | BaseException] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="mtproto-user", daemon=True)
        self._thread.start()
        ready = self._ready.get(timeout=60)
        if isinstance(ready, BaseException):
            raise ready
        #: The user's id (the bot's chat id for it).
        self.id = ready

    def send(self, text: str) -> None:
        """Queue a message ``t=<perf_counter> <text>`` to the bot."""
        self._commands.put(text)

    def close(self) -> None:
        """Log off and end the thread."""
        self._commands.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        import trio

        try:
            trio.run(self._main)
        except BaseException as exc:
            self._ready.put(exc)

    async def _main(self) -> None:
        import trio

        from tgcore.client import Client
        from tgcore.tl import functions, types

        async with Client(HOST, self._server.port, public_key=self._server.public_key) as client:
            sent = await client(
                functions.auth.SendCode(
                    phone_number=USER_PHONE,
                    api_id=1,
                    api_hash="0" * 32,
                    settings=types.CodeSettings(),
                )
            )
            result = await client(
                functions.auth.SignIn(
                    phone_number=USER_PHONE, phone_code_hash=sent.phone_code_hash, phone_code=CODE
                )
            )
            if isinstance(result, types.auth.AuthorizationSignUpRequired):
                result = await client(
                    functions.auth.SignUp(
                        phone_number=USER_PHONE,
                        phone_code_hash=sent.phone_code_hash,
                        first_name="Bench",
                        last_name="User",
                    )
                )
            me = result.user.id
            resolved = await client(functions.contacts.ResolveUsername(username=BOT_USERNAME))
            [bot] = [u for u in resolved.users if isinstance(u, types.User)]
            peer = types.InputPeerUser(user_id=bot.id, access_hash=bot.access_hash or 0)

            async def send(text: str) -> None:
                await client(
                    functions.messages.SendMessage(
                        peer=peer, message=text, random_id=secrets.randbits(63) or 1
                    )
                )

            await send("/start")
            self._ready.put(me)
            while (text := await trio.to_thread.run_sync(self._commands.get)) is not None:
                await send(f"t={time.perf_counter():.9f} {text}")


def sent_at_of(text: str) -> float | None:
    """The send time a benchmark message carries."""
    found = re.match(r"t=(\d+\.\d+) ", text)
    return float(found[1]) if found else None


# -- figures ------------------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    """The ``q``-th percentile of ``values`` (0 for none)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def ms(value: float) -> str:
    """Seconds as milliseconds with two decimals."""
    return f"{value * 1000:.2f}"


def table(header: list[str], rows: list[list[str]]) -> None:
    """Print rows under a header, first column left-aligned, the rest right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells))
    print()


# -- the measurements ---------------------------------------------------------------------------


async def throughput_row(
    name: str,
    server: ServerProcess,
    request: Callable[[], Awaitable[Any]],
    total: int,
    concurrency: int = 1,
) -> list[str]:
    """``total`` requests, ``concurrency`` at a time: requests/s, latency, server CPU."""
    for _ in range(min(20, total)):  # warm-up: connections, caches, code paths
        await request()
    latencies: list[float] = []

    async def worker(count: int) -> None:
        for _ in range(count):
            began = time.perf_counter()
            await request()
            latencies.append(time.perf_counter() - began)

    cpu = server.cpu_seconds()
    began = time.perf_counter()
    share, extra = divmod(total, concurrency)
    await asyncio.gather(*(worker(share + (i < extra)) for i in range(concurrency)))
    elapsed = time.perf_counter() - began
    cpu = server.cpu_seconds() - cpu
    return [
        name,
        str(concurrency),
        f"{total / elapsed:,.0f}",
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
        f"{cpu / total * 1e6:,.0f}",
    ]


async def delivery_row(
    name: str,
    user: MtprotoUser,
    poll: Callable[[int], Awaitable[list[tuple[int, str]]]],
    deliveries: int,
    offset: int,
) -> tuple[list[str], int]:
    """The user sends ``deliveries`` messages one at a time, each once a long poll waits."""
    latencies: list[float] = []
    for n in range(deliveries):
        pending = asyncio.create_task(poll(offset))
        # Let the request reach the server and park there before the message is sent.
        await asyncio.sleep(0.005)
        user.send(f"n={n}")
        got: float | None = None
        while got is None:
            updates = await pending
            arrived = time.perf_counter()
            for update_id, text in updates:
                offset = max(offset, update_id + 1)
                sent_at = sent_at_of(text)
                if sent_at is not None:
                    got = arrived - sent_at
            if got is None:
                pending = asyncio.create_task(poll(offset))
        latencies.append(got)
    row = [
        name,
        str(deliveries),
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
        ms(statistics.fmean(latencies)),
    ]
    return row, offset


async def run(args: argparse.Namespace, server: ServerProcess) -> None:
    import aiogram
    import aiohttp
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    base = f"{server.bot_api_url}/bot{server.token}"
    bot = Bot(
        server.token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.bot_api_url))
    )
    user = await asyncio.to_thread(MtprotoUser, server)
    print(
        f"tgserver Bot API at {server.bot_api_url} (own process, storage {args.storage});"
        f" aiogram {aiogram.__version__}, aiohttp {aiohttp.__version__}; {os.cpu_count()} cores\n"
    )
    async with aiohttp.ClientSession() as http:

        async def aiogram_poll(offset: int) -> list[tuple[int, str]]:
            updates = await bot.get_updates(offset=offset, timeout=30)
            return [(u.update_id, u.message.text or "" if u.message else "") for u in updates]

        async def raw_poll(offset: int) -> list[tuple[int, str]]:
            async with http.post(f"{base}/getUpdates", json={"offset": offset, "timeout": 30}) as r:
                body = await r.json()
            return [(u["update_id"], u.get("message", {}).get("text", "")) for u in body["result"]]

        # Drain /start (and anything older).
        offset = 0
        for update_id, _ in await raw_poll(0):
            offset = max(offset, update_id + 1)
        rows = []
        for name, poll in (
            ("aiogram bot.get_updates", aiogram_poll),
            ("aiohttp POST getUpdates (floor)", raw_poll),
        ):
            row, offset = await delivery_row(name, user, poll, args.deliveries, offset)
            rows.append(row)
        await asyncio.to_thread(user.close)
        print("getUpdates delivery: user's MTProto sendMessage -> the bot's long poll returns it")
        table(["client", "messages", "p50 ms", "p99 ms", "mean ms"], rows)

        chat_id = user.id

        async def raw_get_me() -> None:
            async with http.post(f"{base}/getMe") as response:
                await response.read()

        async def raw_send() -> None:
            async with http.post(
                f"{base}/sendMessage", json={"chat_id": chat_id, "text": "hello"}
            ) as response:
                assert response.status == 200, await response.text()
                await response.read()

        async def aiogram_get_me() -> None:
            await bot.get_me()

        async def aiogram_send() -> None:
            await bot.send_message(chat_id, "hello")

        n, c = args.requests, args.concurrency
        rows = [
            await throughput_row("aiohttp getMe (HTTP floor)", server, raw_get_me, n),
            await throughput_row("aiohttp sendMessage", server, raw_send, n),
            await throughput_row("aiogram getMe", server, aiogram_get_me, n),
            await throughput_row("aiogram sendMessage", server, aiogram_send, n),
            await throughput_row("aiohttp sendMessage", server, raw_send, n, c),
            await throughput_row("aiogram sendMessage", server, aiogram_send, n, c),
        ]
        print("requests/s (one bot, one chat; latency per request)")
        table(["client", "concurrent", "req/s", "p50 ms", "p99 ms", "server CPU µs/req"], rows)
    await bot.session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per row")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests")
    parser.add_argument("--deliveries", type=int, default=200, help="messages per latency row")
    parser.add_argument("--storage", choices=["sqlite", "memory"], default="sqlite")
    parser.add_argument("--serve", metavar="DATA_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_main(args.serve, args.storage)
        return
    with tempfile.TemporaryDirectory(prefix="tgbench-") as tmp:
        server = ServerProcess(Path(tmp) / "tgdata", args.storage)
        try:
            asyncio.run(run(args, server))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
