"""`modelatlas import models-dev [FILE|URL]`, run as a separate process as a user runs it."""

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from app.db import make_engine
from app.models import Model, RefreshRun
from tests.support.cli import run_cli
from tests.support.databases import throwaway_database

FIXTURES = Path(__file__).parents[2] / "fixtures" / "models_dev"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with throwaway_database(tmp_path, "models-dev-cli") as url:
        yield url


@pytest.fixture
def fixtures_url() -> Iterator[str]:
    """The fixture directory over HTTP on 127.0.0.1, as models.dev serves api.json."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(FIXTURES))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def count(database_url: str, table: type[Model] | type[RefreshRun]) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(table)) or 0
    finally:
        engine.dispose()


def test_a_file_imported_twice_changes_nothing_the_second_time(
    database_url: str, tmp_path: Path
) -> None:
    file = str(FIXTURES / "api.json")
    first = run_cli("import", "models-dev", file, database_url=database_url, cwd=tmp_path)
    second = run_cli("import", "models-dev", file, database_url=database_url, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "models.dev: 12 offers from 9 providers: created" in first.stderr
    assert "models.dev: no changes (12 offers from 9 providers)" in second.stderr
    assert count(database_url, RefreshRun) == 2


def test_a_url_is_downloaded_and_imported(
    database_url: str, tmp_path: Path, fixtures_url: str
) -> None:
    result = run_cli(
        "import", "models-dev", f"{fixtures_url}/api.json", database_url=database_url, cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert count(database_url, Model) >= 8


@pytest.mark.parametrize("file", ["empty.json", "no-such-file.json"])
def test_an_unreadable_file_exits_2_before_touching_the_database(
    database_url: str, tmp_path: Path, file: str
) -> None:
    result = run_cli(
        "import", "models-dev", str(FIXTURES / file), database_url=database_url, cwd=tmp_path
    )

    assert result.returncode == 2
    assert "Cannot read" in result.stderr
    assert "Traceback" not in result.stderr
    engine = make_engine(database_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_the_bundled_copy_is_the_default(database_url: str, tmp_path: Path) -> None:
    result = run_cli("import", "models-dev", database_url=database_url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert count(database_url, Model) > 500
