"""`modelatlas user create`: the installed script, run as an operator runs it.

The password only ever arrives on standard input; the created account then
signs in through the web form of an app on the same database.
"""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.db import make_engine, make_session_factory
from app.main import create_app
from app.models.accounts import User
from tests.support.auth import PASSWORD, sign_in
from tests.support.databases import throwaway_database
from tests.support.executables import modelatlas_executable


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(tmp_path_factory.mktemp("user-cli"), "user_cli") as url:
        yield url


def user_create(
    database_url: str, cwd: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MODELATLAS_")}
    env |= {"MODELATLAS_DATABASE_URL": database_url, "MODELATLAS_ENVIRONMENT": "test"}
    env |= {"NO_COLOR": "1", "COLUMNS": "1000"}
    return subprocess.run(
        [modelatlas_executable(), "user", "create", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _find_user(database_url: str, email: str) -> User | None:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalars(select(User).where(User.email == email)).first()
    finally:
        engine.dispose()


def test_creates_an_administrator_from_a_password_on_stdin(
    database_url: str, tmp_path: Path
) -> None:
    result = user_create(
        database_url,
        tmp_path,
        "--email",
        " Admin@Example.COM ",
        "--display-name",
        "Site Admin",
        "--admin",
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )

    assert result.returncode == 0, result.stderr
    assert "Created administrator admin@example.com." in result.stderr
    user = _find_user(database_url, "admin@example.com")
    assert user is not None
    assert user.is_admin
    assert user.display_name == "Site Admin"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in result.stdout + result.stderr


def test_the_created_account_signs_in_on_the_web(database_url: str, tmp_path: Path) -> None:
    created = user_create(
        database_url,
        tmp_path,
        "--email",
        "web@example.com",
        "--display-name",
        "Web Person",
        "--password-stdin",
        stdin=f"{PASSWORD}\r\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created user web@example.com." in created.stderr
    app = create_app(Settings(environment="test", database_url=database_url))

    with TestClient(app) as client:
        sign_in(client, email="web@example.com")
        assert "Web Person" in client.get("/account/menu").text


def test_refuses_a_duplicate_email(database_url: str, tmp_path: Path) -> None:
    args = ("--email", "twice@example.com", "--display-name", "Twice", "--password-stdin")
    assert user_create(database_url, tmp_path, *args, stdin=PASSWORD).returncode == 0

    again = user_create(database_url, tmp_path, *args, stdin=PASSWORD)

    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_refuses_a_common_password(database_url: str, tmp_path: Path) -> None:
    result = user_create(
        database_url,
        tmp_path,
        "--email",
        "weak@example.com",
        "--display-name",
        "Weak",
        "--password-stdin",
        stdin="password123\n",
    )

    assert result.returncode == 1
    assert "password:" in result.stderr
    assert "most common" in result.stderr
    assert _find_user(database_url, "weak@example.com") is None


def test_without_a_terminal_it_asks_for_password_stdin(database_url: str, tmp_path: Path) -> None:
    result = user_create(
        database_url, tmp_path, "--email", "tty@example.com", "--display-name", "No TTY"
    )

    assert result.returncode == 2
    assert "--password-stdin" in result.stderr
    assert _find_user(database_url, "tty@example.com") is None


def test_there_is_no_password_argument(database_url: str, tmp_path: Path) -> None:
    result = user_create(
        database_url,
        tmp_path,
        "--email",
        "argv@example.com",
        "--display-name",
        "Argv",
        "--password",
        PASSWORD,
    )

    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr
