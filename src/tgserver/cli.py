"""The ``tgserver`` command line (a click group; server commands arrive with the gateway)."""

from __future__ import annotations

import click

from tgcore import __version__


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
