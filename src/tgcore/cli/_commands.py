"""The commands of ``tgclient`` (see :mod:`tgcore.cli`)."""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click
import trio

from tgcore import __version__
from tgcore.client import (
    Client,
    ClientConfig,
    Progress,
    TransferError,
    download_file,
    get_me,
    log_in,
    media_location,
    send_file,
    sent_message,
)
from tgcore.client.errors import UnauthorizedError
from tgcore.errors import RpcError, TgError
from tgcore.storage import SqliteSessionStore
from tgcore.tl import TLObject, functions, types

__all__ = ["main", "resolve_peer"]

_T = TypeVar("_T")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8443


class _Settings:
    """What the group options say, for the commands."""

    def __init__(self, session: Path, host: str | None, port: int | None, key: Path) -> None:
        self.session = session
        self.host = host
        self.port = port
        self.key = key


@contextlib.asynccontextmanager
async def _connect(settings: _Settings) -> Any:
    store = SqliteSessionStore(settings.session)
    saved = await store.load()
    host = settings.host or (saved.host if saved else DEFAULT_HOST)
    port = settings.port or (saved.port if saved else DEFAULT_PORT)
    try:
        public_key = settings.key.read_bytes()
    except OSError as exc:
        raise click.ClickException(
            f"cannot read the server's public key {settings.key}: {exc.strerror}"
            " (use --key or TGCLIENT_KEY)"
        ) from None
    async with Client(host, port, public_key=public_key, session=store, config=ClientConfig()) as c:
        yield c


def _run(settings: _Settings, body: Callable[[Client], Awaitable[_T]]) -> _T:
    async def main() -> _T:
        async with _connect(settings) as client:
            return await body(client)

    try:
        return trio.run(main)
    except UnauthorizedError:
        raise click.ClickException("not logged in: run `tgclient login` first") from None
    except (TgError, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None


# -- peers ------------------------------------------------------------------------------------


def _user_peer(users: list[Any], user_id: int) -> types.InputPeerUser:
    for user in users:
        if isinstance(user, types.User) and user.id == user_id:
            return types.InputPeerUser(user_id=user.id, access_hash=user.access_hash or 0)
    raise click.ClickException(f"the server did not return user {user_id}")


def _resolved_user(resolved: types.contacts.ResolvedPeer) -> types.InputPeerUser:
    if not isinstance(resolved.peer, types.PeerUser):
        raise click.ClickException("only users are supported as peers for now")
    return _user_peer(resolved.users, resolved.peer.user_id)


async def _by_phone(client: Client, phone: str) -> types.InputPeerUser:
    try:
        return _resolved_user(await client(functions.contacts.ResolvePhone(phone=phone)))
    except RpcError:
        pass  # not visible by number: import it as a contact, as phone apps do
    contact = types.InputPhoneContact(
        client_id=1, phone="+" + phone, first_name=phone, last_name=""
    )
    imported = await client(functions.contacts.ImportContacts(contacts=[contact]))
    if not imported.imported:
        raise click.ClickException(f"nobody has the phone number +{phone}")
    return _user_peer(imported.users, imported.imported[0].user_id)


async def _by_id(client: Client, user_id: int) -> types.InputPeerUser | None:
    dialogs = await client(
        functions.messages.GetDialogs(
            offset_date=0, offset_id=0, offset_peer=types.InputPeerEmpty(), limit=100, hash=0
        )
    )
    users = getattr(dialogs, "users", [])
    for user in users:
        if isinstance(user, types.User) and user.id == user_id:
            return types.InputPeerUser(user_id=user.id, access_hash=user.access_hash or 0)
    return None


async def resolve_peer(client: Client, peer: str) -> types.TypeInputPeer:
    """The input peer a PEER argument names (see the module docstring)."""
    peer = peer.strip()
    if peer.lower() in ("me", "self"):
        return types.InputPeerSelf()
    if peer.startswith("+"):
        return await _by_phone(client, peer[1:])
    if peer.lstrip("-").isdigit():
        found = await _by_id(client, int(peer))
        if found is not None:
            return found
        if len(peer) >= 7:
            return await _by_phone(client, peer)
        raise click.ClickException(f"no chat with user {peer}: name them by @username or +phone")
    username = peer.removeprefix("@")
    try:
        resolved = await client(functions.contacts.ResolveUsername(username=username))
    except RpcError as exc:
        raise click.ClickException(f"cannot resolve @{username}: {exc.name}") from None
    return _resolved_user(resolved)


# -- progress ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _progress_bar(label: str) -> Iterator[Progress]:
    bar: Any = None
    shown = 0

    def update(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - shown)
        shown = done

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


# -- commands ---------------------------------------------------------------------------------


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "TGCLIENT"}
)
@click.version_option(__version__, prog_name="tgclient")
@click.option(
    "--session",
    type=click.Path(dir_okay=False, path_type=Path),
    default="tgclient.session",
    show_default=True,
    help="SQLite session file (auth key, server address, unfinished uploads).",
)
@click.option("--host", help=f"Server address (default: the session's, else {DEFAULT_HOST}).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help=f"Server port (default: the session's, else {DEFAULT_PORT}).",
)
@click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    default="tgdata/server.pub.pem",
    show_default=True,
    help="The server's RSA public key (PEM).",
)
@click.pass_context
def main(ctx: click.Context, session: Path, host: str | None, port: int | None, key: Path) -> None:
    """A command-line Telegram client on tgcore (log in, send, upload, download)."""
    ctx.obj = _Settings(session, host, port, key)


@main.command()
@click.option("--phone", prompt="Phone number", help="Your phone number.")
@click.option("--code", help="The login code (asked for when not given).")
@click.option("--first-name", default="User", show_default=True, help="Name of a new account.")
@click.option("--last-name", default="", help="Last name of a new account.")
@click.pass_obj
def login(
    settings: _Settings, phone: str, code: str | None, first_name: str, last_name: str
) -> None:
    """Log in with a phone number and the code the server sends (signing up if new)."""

    async def ask() -> str:
        answer: str = await trio.to_thread.run_sync(lambda: click.prompt("Login code"))
        return answer

    async def body(client: Client) -> types.User:
        return await log_in(client, phone, code or ask, first_name=first_name, last_name=last_name)

    user = _run(settings, body)
    name = " ".join(filter(None, [user.first_name, user.last_name])) or "?"
    click.echo(f"logged in as {name} (id {user.id}, +{user.phone})")


@main.command()
@click.pass_obj
def whoami(settings: _Settings) -> None:
    """Print who the session is logged in as."""
    user = _run(settings, get_me)
    if user is None:
        raise click.ClickException("not logged in: run `tgclient login` first")
    click.echo(f"{user.first_name} (id {user.id}, +{user.phone})")


@main.command()
@click.argument("peer")
@click.argument("text")
@click.pass_obj
def send(settings: _Settings, peer: str, text: str) -> None:
    """Send TEXT to PEER."""

    async def body(client: Client) -> int:
        input_peer = await resolve_peer(client, peer)
        random_id = secrets.randbits(63) or 1
        answer: TLObject = await client(
            functions.messages.SendMessage(peer=input_peer, message=text, random_id=random_id)
        )
        if isinstance(answer, types.UpdateShortSentMessage):
            return answer.id
        return sent_message(answer, random_id).id

    click.echo(f"sent message {_run(settings, body)}")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "peer", required=True, help="Who gets the file (a PEER).")
@click.option("--caption", default="", help="Text under the file.")
@click.option("--photo", is_flag=True, help="Send as a photo instead of a document.")
@click.option("--mime-type", help="MIME type (default: guessed from the name).")
@click.option(
    "--parallel", type=click.IntRange(1, 64), default=8, show_default=True, help="Parts in flight."
)
@click.pass_obj
def upload(
    settings: _Settings,
    path: Path,
    peer: str,
    caption: str,
    photo: bool,
    mime_type: str | None,
    parallel: int,
) -> None:
    """Upload the file at PATH and send it to a peer (resumes an interrupted upload)."""

    async def body(client: Client) -> types.Message:
        input_peer = await resolve_peer(client, peer)
        with _progress_bar(f"uploading {path.name}") as progress:
            return await send_file(
                client,
                input_peer,
                path,
                caption=caption,
                photo=photo,
                mime_type=mime_type,
                parts_in_flight=parallel,
                progress=progress,
            )

    message = _run(settings, body)
    click.echo(f"sent message {message.id} ({path.stat().st_size} bytes)")


def _describe_media(message: types.Message) -> str:
    media = message.media
    if isinstance(media, types.MessageMediaDocument) and isinstance(media.document, types.Document):
        return f" [file {_file_name(message)}, {media.document.size} bytes]"
    if isinstance(media, types.MessageMediaPhoto) and isinstance(media.photo, types.Photo):
        return " [photo]"
    return ""


@main.command()
@click.argument("peer")
@click.option(
    "--limit", type=click.IntRange(1, 100), default=20, show_default=True, help="Messages to show."
)
@click.pass_obj
def history(settings: _Settings, peer: str, limit: int) -> None:
    """List the latest messages of the chat with PEER, oldest first (ids to download by)."""

    async def body(client: Client) -> list[types.Message]:
        input_peer = await resolve_peer(client, peer)
        found = await client(
            functions.messages.GetHistory(
                peer=input_peer,
                offset_id=0,
                offset_date=0,
                add_offset=0,
                limit=limit,
                max_id=0,
                min_id=0,
                hash=0,
            )
        )
        messages = getattr(found, "messages", [])
        return [m for m in messages if isinstance(m, types.Message)]

    for message in reversed(_run(settings, body)):
        direction = "out" if message.out else "in "
        click.echo(f"{message.id}\t{direction}\t{message.message}{_describe_media(message)}")


def _file_name(message: types.Message) -> str:
    media = message.media
    if isinstance(media, types.MessageMediaDocument) and isinstance(media.document, types.Document):
        for attribute in media.document.attributes:
            if isinstance(attribute, types.DocumentAttributeFilename) and attribute.file_name:
                return Path(attribute.file_name).name
        return f"document_{media.document.id}"
    return f"photo_{message.id}.jpg"


@main.command()
@click.argument("peer")
@click.argument("message_id", type=int)
@click.argument("dest", type=click.Path(path_type=Path), default=".")
@click.option(
    "--parallel", type=click.IntRange(1, 64), default=4, show_default=True, help="Requests at once."
)
@click.pass_obj
def download(settings: _Settings, peer: str, message_id: int, dest: Path, parallel: int) -> None:
    """Download the file of message MESSAGE_ID in the chat with PEER into DEST.

    Message ids are your own (``tgclient history PEER`` lists them). DEST is a file, or a
    directory to save it in under its own name (default: here).
    """

    into_directory = dest.is_dir()

    async def body(client: Client) -> tuple[Path, int]:
        input_peer = await resolve_peer(client, peer)
        if isinstance(input_peer, types.InputPeerChannel):  # pragma: no cover - users only so far
            raise click.ClickException("channels are not supported yet")
        found = await client(
            functions.messages.GetMessages(id=[types.InputMessageID(id=message_id)])
        )
        messages = [m for m in getattr(found, "messages", []) if isinstance(m, types.Message)]
        if not messages:
            raise click.ClickException(f"no message {message_id}")
        message = messages[0]
        try:
            location, size = media_location(message)
        except TransferError:
            raise click.ClickException(f"message {message_id} has no file") from None
        target = dest / _file_name(message) if into_directory else dest
        with _progress_bar(f"downloading {target.name}") as progress:
            await download_file(
                client, location, target, size=size, parallel=parallel, progress=progress
            )
        return target, size

    target, size = _run(settings, body)
    click.echo(f"saved {size} bytes to {target}")
