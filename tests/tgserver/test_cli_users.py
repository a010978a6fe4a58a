"""``tgserver users add`` / ``users list``: accounts created ahead of time."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio
from click.testing import CliRunner, Result

from tgserver.cli import main
from tgserver.store.accounts import ACCOUNTS_FILE, AccountStores


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The commands configure the root logger; give the next test the one it had."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    clean: dict[str, str | None] = {var: None for var in os.environ if var.startswith("TGSERVER_")}
    clean.update(env or {})
    return CliRunner().invoke(main, args, env=clean)


def add(data: Path, phone: str, first: str, *extra: str) -> Result:
    return invoke(
        ["users", "add", "--data", str(data), "--phone", phone, "--first-name", first, *extra]
    )


def test_add_and_list(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = add(data, "+1 555 0001", " Ann ", "--last-name", "Lee", "--username", "@ann_lee")
    assert result.exit_code == 0, result.output
    assert result.output == "created user 1000001: +15550001 Ann @ann_lee\n"
    assert add(data, "15550002", "Bob").output == "created user 1000002: +15550002 Bob\n"
    listed = invoke(["users", "list", "--data", str(data)])
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "1000001\t+15550001\t@ann_lee\tAnn Lee",
        "1000002\t+15550002\t-\tBob",
    ]

    async def stored() -> list[str]:
        async with await AccountStores.open_sqlite(data / ACCOUNTS_FILE) as stores:
            return [u.first_name for u in await stores.users.list_users()]

    assert trio.run(stored) == ["Ann", "Bob"]


def test_data_dir_from_the_environment(tmp_path: Path) -> None:
    result = invoke(
        ["users", "add", "--phone", "15550001", "--first-name", "Ann"],
        env={"TGSERVER_DATA_DIR": str(tmp_path / "env-data")},
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env-data" / ACCOUNTS_FILE).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["15550001", "Again"], "this phone number already has an account"),
        (["15550009", "X", "--username", "ANN_LEE"], "another account has this username"),
        (["15550009", "X", "--username", "ann"], "a username has 5-32 characters"),
        (["abc", "X"], "not a phone number"),
        (["15550009", ""], "the first name must have 1-64 characters"),
        (["15550009", "x" * 65], "the first name must have 1-64 characters"),
        (["15550009", "X", "--last-name", "y" * 65], "the last name may have at most 64"),
    ],
)
def test_add_errors(tmp_path: Path, args: list[str], message: str) -> None:
    data = tmp_path / "data"
    assert add(data, "15550001", "Ann", "--username", "ann_lee").exit_code == 0
    result = add(data, *args)
    assert result.exit_code == 1
    assert message in result.output


def test_list_without_database(tmp_path: Path) -> None:
    result = invoke(["users", "list", "--data", str(tmp_path / "nothing")])
    assert (result.exit_code, result.output) == (0, "")


def test_storage_errors_are_reported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / ACCOUNTS_FILE).write_bytes(b"this is not a database" * 100)
    result = add(data, "15550001", "Ann")
    assert result.exit_code == 1 and "cannot add the user" in result.output
    listed = invoke(["users", "list", "--data", str(data)])
    assert listed.exit_code == 1 and "cannot list the users" in listed.output


def test_run_refuses_an_incomplete_twilio_setup(tmp_path: Path) -> None:
    result = invoke(
        ["run", "--data", str(tmp_path / "d"), "--port", "0"],
        env={"TGSERVER_SMS_PROVIDER": "twilio", "TGSERVER_TWILIO_ACCOUNT_SID": "AC1"},
    )
    assert result.exit_code == 1
    assert "sms_provider = twilio" in result.output
    assert not (tmp_path / "d").exists()  # failed before creating anything
