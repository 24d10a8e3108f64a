"""Shared fixtures: migrated throwaway databases, rolled-back sessions, an app client.

Two databases per test process, copies of the run's templates
(`tests.support.database_templates`):
- `empty_engine`: the schema and nothing in it; tests that build their own data
  use `session`.
- `catalog_engine`: the catalog as the app's first start fills it; tests use
  `catalog_session` or `client`.
Every test runs inside a transaction that is rolled back, so tests never see
each other's writes.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine
from app.services.accounts import passwords
from tests.support import database_templates, first_start
from tests.support.app_clients import app_client
from tests.support.fake_hub import serving_fake_hub
from tests.support.listening import listening
from tests.support.query_counts import QueryCounter
from tests.support.run_order import put_in_run_order

# Property tests check what the code answers, never how fast: Hypothesis's per-example
# deadline fails a test when a busy machine (CI runs the suite twice, in parallel
# workers) slows one example down.
hypothesis_settings.register_profile("modelatlas", deadline=None)
hypothesis_settings.load_profile("modelatlas")

# argon2id's smallest memory and time: still the real algorithm, in about a millisecond.
QUICK_ARGON2 = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
TEMPLATES_DIRECTORY = pytest.StashKey[Path]()
TEMPLATES_WORKER_INPUT = "modelatlas_templates_directory"


def pytest_configure(config: pytest.Config) -> None:
    """One templates directory per run: made by the starting process, shared with workers."""
    worker_input = getattr(config, "workerinput", None)
    if worker_input is None:
        directory = database_templates.new_templates_directory()
        config.stash[TEMPLATES_DIRECTORY] = directory
    else:
        directory = Path(worker_input[TEMPLATES_WORKER_INPUT])
    database_templates.use_templates_directory(directory)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist: tell each worker where the run's templates are."""
    node.workerinput[TEMPLATES_WORKER_INPUT] = str(node.config.stash[TEMPLATES_DIRECTORY])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slow blocks first and the short tests last (tests/support/run_order.py)."""
    put_in_run_order(items, Path(__file__).parent)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist: keep the figures a finished worker measured for the run's summary."""
    first_start.take_from_worker(node.config, getattr(node, "workeroutput", {}))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    line = first_start.summary_line(config)
    if line is not None:
        terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    directory = config.stash.get(TEMPLATES_DIRECTORY, None)
    if directory is not None:
        database_templates.remove_templates(directory)


@pytest.fixture(autouse=True)
def _quick_password_hashing(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Hash passwords with argon2id at its lowest cost, unless the test is marked
    `production_password_cost`.

    A production hash spends a quarter of a second of CPU on purpose; the hundreds of
    sign-ups and sign-ins in this suite would otherwise spend about half its time there.
    Tests of the hashing itself (its parameters, upgrading old hashes, how many run at
    once) are marked and hash as production does. Servers the tests start as separate
    processes always do.
    """
    if request.node.get_closest_marker("production_password_cost") is not None:
        yield
        return
    monkeypatch.setattr(passwords, "_hasher", PasswordHash((QUICK_ARGON2,)))
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def databases_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("databases")


@contextmanager
def _engine_on_copy(template: str, directory: Path, label: str) -> Iterator[Engine]:
    with database_templates.database_copy(template, directory, label) as url:
        engine = make_engine(url)
        if engine.dialect.name == "sqlite":
            _use_real_sqlite_transactions(engine)
        try:
            yield engine
        finally:
            engine.dispose()


def _use_real_sqlite_transactions(engine: Engine) -> None:
    """Make pysqlite emit BEGIN itself, so the tests' outer transaction is real.

    By default pysqlite begins a transaction only before DML; the SAVEPOINT that
    stands in for a commit under test then opens the transaction itself, and
    releasing it commits to disk: a test's writes would leak into later tests.
    This is SQLAlchemy's documented recipe for SAVEPOINT support on pysqlite.
    """

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def empty_engine(databases_dir: Path) -> Iterator[Engine]:
    with _engine_on_copy("migrated", databases_dir, "empty") as engine:
        yield engine


@pytest.fixture(scope="session")
def catalog_engine(databases_dir: Path) -> Iterator[Engine]:
    with _engine_on_copy("genai_catalog", databases_dir, "catalog") as engine:
        yield engine


@contextmanager
def _rolled_back_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory whose sessions all share one connection and one outer transaction.

    Commits inside the code under test become savepoints; the outer transaction is
    rolled back at the end, so the database is left as it was.
    """
    connection = engine.connect()
    transaction = connection.begin()
    factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    try:
        yield factory
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(empty_engine: Engine) -> Iterator[Session]:
    with _rolled_back_factory(empty_engine) as factory, factory() as session:
        yield session


@pytest.fixture
def catalog_factory(catalog_engine: Engine) -> Iterator[sessionmaker[Session]]:
    with _rolled_back_factory(catalog_engine) as factory:
        yield factory


@pytest.fixture
def catalog_session(catalog_factory: sessionmaker[Session]) -> Iterator[Session]:
    with catalog_factory() as session:
        yield session


@pytest.fixture
def settings(catalog_engine: Engine) -> Settings:
    return Settings(
        environment="test",
        database_url=catalog_engine.url.render_as_string(hide_password=False),
    )


@pytest.fixture
def client(settings: Settings, catalog_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """A client for an app whose sessions run inside the test's rolled-back transaction."""
    with app_client(settings, catalog_factory) as test_client:
        yield test_client


@pytest.fixture
def memo_clients(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps with the page cache off on the same data: one remembering what pages
    compute (`ComputedMemo`), one computing it every time. Tests compare their answers."""
    with (
        app_client(settings, catalog_factory, page_cache=False, computed_memo=True) as remembering,
        app_client(settings, catalog_factory, page_cache=False, computed_memo=False) as computing,
    ):
        yield remembering, computing


@pytest.fixture
def count_queries(catalog_engine: Engine) -> Iterator[QueryCounter]:
    """Record every statement the catalog engine executes during the test."""
    counter = QueryCounter()
    with listening(catalog_engine, "before_cursor_execute", counter):
        yield counter


@pytest.fixture(scope="module")
def hub_url() -> Iterator[str]:
    """The base URL of a fake Hugging Face Hub (`tests.support.fake_hub`)."""
    with serving_fake_hub() as url:
        yield url


@pytest.fixture
def clean_loggers() -> Iterator[None]:
    """Loggers are process-wide: put back what the test changes (`configure_logging`)."""
    names = ("app", "app.requests", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {
        name: (
            logger.handlers[:],
            logger.filters[:],
            logger.level,
            logger.propagate,
            logger.disabled,
        )
        for name in names
        for logger in [logging.getLogger(name)]
    }
    yield
    for name, (handlers, filters, level, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.filters[:] = filters
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled
