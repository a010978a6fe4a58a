"""SIGKILL loses no update: messages a user sent to a bot (acknowledged over MTProto) before
the server was killed all reach the bot's getUpdates after a restart, once each and in
order, and updates the bot confirmed before the kill do not come back."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import httpx
import pytest
import trio

from tests.sigkill_support import SCRIPT, running_server
from tests.tgserver.test_durability_sigkill import User, client, log_in
from tgcore.tl import functions, types

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")

BOT_API = re.compile(r"bot api (http://\S+)/bot<token>/<method>")
MESSAGES = 40
CONFIRMED = 15


async def _bot_api_url(log: Path) -> str:
    with trio.fail_after(30):
        # The subprocess writes the log: there is nothing to wait on but the file.
        while not (found := BOT_API.search(await trio.Path(log).read_text())):  # noqa: ASYNC110
            await trio.sleep(0.05)
    return found[1]


async def test_updates_survive_sigkill(server_data_dir: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TGSERVER_")}
    created = await trio.run_process(
        [str(SCRIPT), "bots", "create", "--data", str(server_data_dir), "--username", "kill_bot"],
        capture_stdout=True,
        env=env,
    )
    token = created.stdout.decode().strip().splitlines()[-1]
    user = User("9996627101", "Erin")
    texts = [f"message {i}" for i in range(MESSAGES)]
    late = [f"late {i}" for i in range(5)]

    with trio.fail_after(60):
        log = tmp_path / "first.log"
        async with running_server(server_data_dir, log) as (server, port):
            url = await _bot_api_url(log)
            key = (server_data_dir / "server.pub.pem").read_bytes()
            async with client(port, key, user) as c, httpx.AsyncClient() as http:
                await log_in(c, user)
                resolved = await c(functions.contacts.ResolveUsername(username="kill_bot"))
                [bot] = resolved.users
                assert isinstance(bot, types.User) and bot.bot and bot.access_hash is not None
                peer = types.InputPeerUser(user_id=bot.id, access_hash=bot.access_hash)
                for n, text in enumerate(texts):
                    await c(
                        functions.messages.SendMessage(peer=peer, message=text, random_id=n + 1)
                    )
                # The bot takes the first few and confirms them; then the server dies.
                first = (
                    await http.post(f"{url}/bot{token}/getUpdates", json={"limit": CONFIRMED})
                ).json()
                assert [u["message"]["text"] for u in first["result"]] == texts[:CONFIRMED]
                last_confirmed = first["result"][-1]["update_id"]
                response = await http.post(
                    f"{url}/bot{token}/getUpdates", json={"offset": last_confirmed + 1, "limit": 1}
                )
                assert response.json()["result"][0]["message"]["text"] == texts[CONFIRMED]
                # More messages, and the kill right after their answers: whether or not the
                # bot's queue was fed from the box log in between, nothing may be lost.
                for n, text in enumerate(late, start=MESSAGES):
                    await c(
                        functions.messages.SendMessage(peer=peer, message=text, random_id=n + 1)
                    )
                server.kill()
                assert server.proc.wait() == -signal.SIGKILL

    with trio.fail_after(60):
        log = tmp_path / "second.log"
        async with running_server(server_data_dir, log) as (server, port):
            url = await _bot_api_url(log)
            async with httpx.AsyncClient() as http:
                response = await http.post(f"{url}/bot{token}/getUpdates")
                updates = response.json()["result"]
    assert [u["message"]["text"] for u in updates] == texts[CONFIRMED:] + late
    ids = [u["update_id"] for u in updates]
    assert ids == sorted(set(ids)) and ids[0] == last_confirmed + 1
