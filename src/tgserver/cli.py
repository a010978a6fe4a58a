"""The ``tgserver`` command line: ``run``, ``keygen``, ``info`` and ``users``."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import trio

from tgcore import __version__
from tgcore.errors import TgError
from tgserver.config import LOG_LEVELS, STORAGE_BACKENDS, ConfigError, ServerConfig
from tgserver.keys import (
    fingerprint_hex,
    generate_server_key,
    load_or_create_server_key,
    private_key_path,
    public_key_path,
)
from tgserver.logging_setup import configure_logging

if TYPE_CHECKING:
    from tgserver.app import ServerInfo
    from tgserver.store.accounts import UserRecord

__all__ = ["main"]

log = logging.getLogger("tgserver")

_TCP_FRAMINGS = "abridged, intermediate, padded, full, obfuscated2"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tgserver")
def main() -> None:
    """tgstack's self-hostable, Telegram-compatible server."""


@main.command()
def info() -> None:
    """Print what this build of tgserver contains."""
    from tgcore.crypto import ige_backend
    from tgcore.tl import LAYER

    click.echo(f"tgserver {__version__}")
    click.echo(f"TL layer: {LAYER}")
    click.echo(f"AES-IGE backend: {ige_backend()}")


_data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory: server key, database, files.  [default: ./tgdata]",
)
_config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML config file (default: $TGSERVER_CONFIG, if set).",
)
_port_type = click.IntRange(0, 65535)


def _load_config(config_file: Path | None, **overrides: Any) -> ServerConfig:
    try:
        return ServerConfig.load(config_file, overrides=overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@_data_option
@click.option("--host", help="Address to listen on.  [default: 127.0.0.1]")
@click.option(
    "--port", type=_port_type, help="MTProto TCP port, 0 for any free one.  [default: 8443]"
)
@click.option(
    "--ws-port", type=_port_type, help="Separate WebSocket port.  [default: the MTProto port]"
)
@click.option("--dc-id", type=click.IntRange(1, 32767), help="This server's DC id.  [default: 2]")
@click.option(
    "--bot-api-port",
    type=_port_type,
    help="Bot API HTTP port, 0 for any free one.  [default: 8081]",
)
@click.option(
    "--storage",
    type=click.Choice(STORAGE_BACKENDS, case_sensitive=False),
    help="sqlite (files in the data directory) or memory (nothing on disk).  [default: sqlite]",
)
@click.option(
    "--media-root",
    help="Where uploaded files go: a folder or fsspec URL (s3://bucket/prefix, memory://x)."
    "  [default: DATA/media]",
)
@click.option(
    "--upload-ttl-hours",
    type=click.FloatRange(min=0, min_open=True),
    help="Hours an unfinished upload is kept.  [default: 24]",
)
@_config_option
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    help="Logging threshold.  [default: INFO]",
)
def run(
    data_dir: Path | None,
    host: str | None,
    port: int | None,
    ws_port: int | None,
    dc_id: int | None,
    bot_api_port: int | None,
    storage: str | None,
    media_root: str | None,
    upload_ttl_hours: float | None,
    config_file: Path | None,
    log_level: str | None,
) -> None:
    """Run the server until Ctrl-C or SIGTERM.

    Every option can also be set in the config file or by a TGSERVER_<OPTION> environment
    variable (TGSERVER_PORT, TGSERVER_DATA_DIR, ...); flags win over both.
    """
    config = _load_config(
        config_file,
        data_dir=data_dir,
        host=host,
        port=port,
        ws_port=ws_port,
        dc_id=dc_id,
        bot_api_port=bot_api_port,
        storage=storage,
        media_root=media_root,
        upload_ttl_hours=upload_ttl_hours,
        log_level=log_level,
    )
    configure_logging(config.log_level)
    log.debug("configuration: %r", config)
    try:
        # Fail before binding anything if the key cannot be read or created, or the SMS
        # provider is not fully configured.
        from tgserver.sms_config import sms_provider

        sms_provider(config)
        if config.storage == "sqlite":
            load_or_create_server_key(config.data_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    # A server process: fewer, cheaper garbage collections (see tgserver.gcpolicy).
    from tgserver.gcpolicy import server_gc

    try:
        with server_gc():
            trio.run(_serve_until_signal, config)
    except BaseException as exc:
        # Trio wraps errors of the nursery's tasks in exception groups; judge the one inside.
        leaf = _single_leaf(exc)
        if isinstance(leaf, OSError | TgError):
            raise click.ClickException(f"cannot run the server: {leaf}") from None
        if not isinstance(leaf, KeyboardInterrupt):
            raise
        # Ctrl-C that arrived outside the signal receiver (during start-up or shut-down).
    log.info("tgserver stopped")


async def _serve_until_signal(config: ServerConfig) -> None:
    """Start the gateway, log where it listens, and cancel it on SIGTERM or SIGINT."""
    # Imported here so `tgserver keygen/info` work without loading the gateway.
    from tgserver.app import serve

    # Opened before starting so a signal during start-up is queued rather than lost.
    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with trio.open_nursery() as nursery:
            info: ServerInfo = await nursery.start(serve, config)
            _log_listening(config, info)
            async for signum in signals:
                log.info("received %s, stopping", signal.Signals(signum).name)
                nursery.cancel_scope.cancel()
                break


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _log_listening(config: ServerConfig, info: ServerInfo) -> None:
    host = _url_host(info.host)
    ws_port = info.ws_port if info.ws_port is not None else info.port
    log.info("tgserver listening on mtproto://%s:%d (TCP: %s)", host, info.port, _TCP_FRAMINGS)
    log.info("websocket ws://%s:%d/apiws", host, ws_port)
    bot_api_url = getattr(info, "bot_api_url", None)  # embedders may pass their own info
    if bot_api_url is not None:
        log.info("bot api %s/bot<token>/<method>", bot_api_url)
    log.info("dc_id %d", config.dc_id)
    log.info(
        "server key fingerprint %d (0x%s)", info.fingerprint, fingerprint_hex(info.fingerprint)
    )
    if config.storage == "memory":
        log.info("storage: memory (nothing is written to disk; the key is new on every start)")
    else:
        log.info("public key: %s", public_key_path(config.data_dir).absolute())


def _single_leaf(exc: BaseException) -> BaseException | None:
    leaves = list(_leaves(exc))
    return leaves[0] if len(leaves) == 1 else None


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
    else:
        yield exc


@main.command()
@_data_option
@_config_option
@click.option("--force", is_flag=True, help="Replace an existing key (clients must re-add it).")
def keygen(data_dir: Path | None, config_file: Path | None, force: bool) -> None:
    """Create the server's RSA key without starting the server."""
    config = _load_config(config_file, data_dir=data_dir)
    configure_logging("WARNING")
    private_path = private_key_path(config.data_dir)
    try:
        if force:
            key = generate_server_key(config.data_dir)
            created = True
        else:
            created = not private_path.exists()
            key = load_or_create_server_key(config.data_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if created:
        click.echo(f"generated a new server key: {private_path.absolute()}")
    else:
        click.echo(f"server key already exists: {private_path.absolute()} (--force replaces it)")
    click.echo(f"fingerprint: {key.fingerprint} (0x{fingerprint_hex(key.fingerprint)})")
    click.echo(f"public key: {public_key_path(config.data_dir).absolute()}")


# --- users ----------------------------------------------------------------------------------

_USER_ERRORS = {
    "PHONE_NUMBER_INVALID": "not a phone number (5-15 digits with the country code)",
    "PHONE_NUMBER_OCCUPIED": "this phone number already has an account",
    "FIRSTNAME_INVALID": "the first name must have 1-64 characters",
    "LASTNAME_INVALID": "the last name may have at most 64 characters",
    "USERNAME_INVALID": (
        "a username has 5-32 characters (a-z, 0-9, _), starts with a letter and does not end with _"
    ),
    "USERNAME_OCCUPIED": "another account has this username",
}


@main.group()
def users() -> None:
    """Manage accounts (safe while the server runs)."""


@users.command("add")
@_data_option
@_config_option
@click.option("--phone", required=True, help="Phone number with the country code (+15551234).")
@click.option("--first-name", required=True, help="First name (1-64 characters).")
@click.option("--last-name", default="", help="Last name.")
@click.option("--username", help="Username without @ (5-32 of a-z, 0-9, _).")
def users_add(
    data_dir: Path | None,
    config_file: Path | None,
    phone: str,
    first_name: str,
    last_name: str,
    username: str | None,
) -> None:
    """Create an account ahead of time; its owner then signs in with the phone number.

    A running server sees the account at once (the database is shared safely).
    """
    from tgcore.errors import RpcError

    config = _load_config(config_file, data_dir=data_dir)
    configure_logging("WARNING")
    try:
        user = trio.run(_add_user, config.data_dir, phone, first_name, last_name, username)
    except RpcError as exc:
        raise click.ClickException(_USER_ERRORS.get(exc.name, exc.name)) from None
    except (TgError, OSError) as exc:
        raise click.ClickException(f"cannot add the user: {exc}") from None
    handle = f" @{user.username}" if user.username else ""
    click.echo(f"created user {user.id}: +{user.phone} {user.first_name}{handle}")


async def _add_user(
    data_dir: Path, phone: str, first_name: str, last_name: str, username: str | None
) -> UserRecord:
    import time

    from tgserver.services import create_account
    from tgserver.store.accounts import ACCOUNTS_FILE, AccountStores

    await trio.Path(data_dir).mkdir(parents=True, exist_ok=True)
    async with await AccountStores.open_sqlite(data_dir / ACCOUNTS_FILE) as stores:
        return await create_account(
            stores.users,
            phone=phone,
            first_name=first_name,
            last_name=last_name,
            username=username,
            now=time.time(),
        )


@users.command("list")
@_data_option
@_config_option
def users_list(data_dir: Path | None, config_file: Path | None) -> None:
    """Print every account: id, phone, name, username."""
    config = _load_config(config_file, data_dir=data_dir)
    configure_logging("WARNING")
    try:
        records = trio.run(_list_users, config.data_dir)
    except (TgError, OSError) as exc:
        raise click.ClickException(f"cannot list the users: {exc}") from None
    for user in records:
        name = f"{user.first_name} {user.last_name}".strip()
        handle = f"@{user.username}" if user.username else "-"
        click.echo(f"{user.id}\t+{user.phone}\t{handle}\t{name}")


async def _list_users(data_dir: Path) -> list[UserRecord]:
    from tgserver.store.accounts import ACCOUNTS_FILE, AccountStores

    path = data_dir / ACCOUNTS_FILE
    if not await trio.Path(path).exists():
        return []
    found: list[UserRecord] = []
    async with await AccountStores.open_sqlite(path) as stores:
        while page := await stores.users.list_users(found[-1].id if found else 0, 500):
            found.extend(page)
    return found


@main.group()
def bots() -> None:
    """Manage bots (safe while the server runs)."""


@bots.command("create")
@_data_option
@_config_option
@click.option("--username", required=True, help="The bot's username; must end in 'bot'.")
@click.option("--first-name", help="The bot's name.  [default: the username]")
def bots_create(
    data_dir: Path | None, config_file: Path | None, username: str, first_name: str | None
) -> None:
    """Create a bot account and print its token (the last line of the output).

    Bot API clients use the token at /bot<token>/<method>; MTProto clients log in with it
    (auth.importBotAuthorization).
    """
    from tgcore.errors import RpcError

    config = _load_config(config_file, data_dir=data_dir)
    configure_logging("WARNING")
    try:
        bot_id, token = trio.run(_create_bot, config.data_dir, username, first_name)
    except RpcError as exc:
        message = _USER_ERRORS.get(exc.name, exc.name)
        if exc.name == "USERNAME_INVALID":
            message += "; a bot's username ends in 'bot'"
        raise click.ClickException(message) from None
    except (TgError, OSError) as exc:
        raise click.ClickException(f"cannot create the bot: {exc}") from None
    click.echo(f"created bot {bot_id}: @{username}")
    click.echo(token)


async def _create_bot(data_dir: Path, username: str, first_name: str | None) -> tuple[int, str]:
    import time

    from tgserver.services.bots import create_bot
    from tgserver.store.accounts import ACCOUNTS_FILE, AccountStores
    from tgserver.store.bots import BOTS_FILE, SqliteBotStore

    await trio.Path(data_dir).mkdir(parents=True, exist_ok=True)
    async with (
        await AccountStores.open_sqlite(data_dir / ACCOUNTS_FILE) as stores,
        await SqliteBotStore.open(data_dir / BOTS_FILE) as bot_store,
    ):
        record = await create_bot(
            stores.users, bot_store, username=username, first_name=first_name, now=time.time()
        )
    return record.id, record.token
