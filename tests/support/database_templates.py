"""Databases filled once per test run and copied for every test that needs one.

Migrating, seeding and importing the catalog is the same work each time and the
slowest part of many tests. Each kind of database here is built once per run, by
the same functions the app uses (`catalog` is what `prepare_database`, the first
start of `serve`, leaves behind), into a template; every test that asks gets its
own copy of it (see `tests.support.databases.create_database`), so tests stay as isolated
as with a database filled for them alone, and follow any change to first start.

pytest-xdist workers share the templates: the first process that needs one builds
it under a file lock in the run's templates directory and notes its URL there; the
others wait for the lock and read the note. The process that started the run
removes them all at its end (`remove_templates`).
"""

import fcntl
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app import migrate
from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope
from app.services.ingest.bootstrap import prepare_database
from app.services.ingest.genai_import import import_genai_prices
from app.services.ingest.seed import seed_reference
from tests.support.databases import create_database, drop_database, throwaway_database

_NOTE_SUFFIX = ".url"


def _seeded(url: str) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            seed_reference(session=session)
    finally:
        engine.dispose()


def _genai_imported(url: str) -> None:
    _seeded(url)
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            import_genai_prices(session=session)
    finally:
        engine.dispose()


def _first_started(url: str) -> None:
    prepare_database(Settings(environment="test", database_url=url), echo=lambda _line: None)


BUILDERS: dict[str, Callable[[str], None]] = {
    # The schema at head, no rows.
    "migrated": migrate.upgrade,
    # The schema and the reference entry (Mistral Small 4 at Venice and Mistral).
    "seeded": _seeded,
    # The reference entry and the genai-prices catalog alone: what most catalog tests read,
    # so their expectations are genai-prices' data, not the layers a second source adds.
    "genai_catalog": _genai_imported,
    # What `modelatlas serve` leaves on an empty database: the full imported catalog.
    "catalog": _first_started,
}

_directory: Path | None = None


def new_templates_directory() -> Path:
    """A directory for one run's templates, made by the process that starts the run."""
    return Path(tempfile.mkdtemp(prefix="modelatlas-test-templates-"))


def use_templates_directory(directory: Path) -> None:
    """Keep this process's templates (and its xdist workers') in `directory`."""
    global _directory
    _directory = directory


def template_url(kind: str) -> str:
    """The URL of the `kind` template (a key of BUILDERS), built on first use in the run."""
    if _directory is None:
        raise RuntimeError("tests/conftest.py sets the templates directory at configure time")
    note = _directory / f"{kind}{_NOTE_SUFFIX}"
    with _locked(_directory / f"{kind}.lock"):
        if note.exists():
            return note.read_text()
        url = create_database(_directory, f"template_{kind}")
        try:
            BUILDERS[kind](url)
        except BaseException:
            drop_database(url)
            raise
        note.write_text(url)
        return url


@contextmanager
def database_copy(kind: str, directory: Path, label: str) -> Iterator[str]:
    """Yield the URL of a new database holding what the `kind` template holds; drop it after."""
    with throwaway_database(directory, label, template=template_url(kind)) as url:
        yield url


def remove_templates(directory: Path) -> None:
    """Drop every template noted in `directory`, then the directory itself."""
    for note in directory.glob(f"*{_NOTE_SUFFIX}"):
        drop_database(note.read_text())
    shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
