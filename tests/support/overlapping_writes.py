"""Two writes in committed transactions of their own, the second sent while the first is open.

What a unique row or a counter must survive: two people posting at once. The
first write runs in its own thread and transaction and holds the transaction
open; the second starts while it is uncommitted, so it has to wait on the
database (a row lock on PostgreSQL, the write lock on SQLite) and only then
see what the first wrote. Tests then check the stored result.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, session_scope
from tests.support.database_templates import database_copy

# How long the second write is given to finish on its own: still running after it, it is
# waiting on the first's transaction, which is what the test needs to have happened.
SECOND_WRITER_HEAD_START_SECONDS = 0.5
WAIT_SECONDS = 30

Write = Callable[[Session], object]


@contextmanager
def engine_of_its_own(directory: Path, label: str) -> Iterator[Engine]:
    """An engine on a new migrated database of its own: the writes commit for real, which
    the rolled-back fixtures' shared transaction would not let two threads do."""
    with database_copy("migrated", directory, label) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def second_waits_for_first(factory: sessionmaker[Session], first: Write, second: Write) -> None:
    """Run `first`, then `second` while `first`'s transaction is open; both commit.

    Raises what either raised, and AssertionError if the second did not wait
    on the first (then the test would not have tested an overlap).
    """
    errors: list[BaseException] = []
    first_written = threading.Event()
    release_first = threading.Event()
    second_started = threading.Event()

    def run_first() -> None:
        try:
            with session_scope(factory) as session:
                first(session)
                first_written.set()
                release_first.wait(timeout=WAIT_SECONDS)
        except BaseException as error:
            errors.append(error)
            first_written.set()

    def run_second() -> None:
        try:
            with session_scope(factory) as session:
                second_started.set()
                second(session)
        except BaseException as error:
            errors.append(error)

    first_thread = threading.Thread(target=run_first)
    second_thread = threading.Thread(target=run_second)
    first_thread.start()
    assert first_written.wait(timeout=WAIT_SECONDS)
    second_thread.start()
    assert second_started.wait(timeout=WAIT_SECONDS)
    second_thread.join(timeout=SECOND_WRITER_HEAD_START_SECONDS)
    second_was_waiting = second_thread.is_alive()
    release_first.set()
    first_thread.join(timeout=WAIT_SECONDS)
    second_thread.join(timeout=WAIT_SECONDS)

    if errors:
        raise errors[0]
    assert second_was_waiting, "the second write did not overlap the first's transaction"
