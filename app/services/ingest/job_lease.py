"""A named lock held in the database, so a job runs once at a time across processes.

The `job_leases` row works the same on SQLite and PostgreSQL (an advisory
lock would be PostgreSQL only): a process takes the lease by inserting the
row, or by taking over a row whose lease has expired — a crashed holder
cannot block the job forever. Both are single statements the database
serialises, so two processes racing for a free lease cannot both win: the
primary key refuses the second insert, and the second takeover finds the
row no longer expired (PostgreSQL re-checks the WHERE clause after waiting
for the first one's row lock; SQLite runs one writer at a time).

Each function runs inside the caller's transaction; the caller commits.
The lease is short, and a live holder keeps it with a `LeaseKeeper`, which
renews it from a thread whatever the holder is doing; a holder that is gone
(killed, out of memory, powered off) stops renewing, and the next process
takes over once the lease lapses. A holder still renews the lease inside its
write transaction and writes only when the renewal finds the row still its own.
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, cast

from sqlalchemy import CursorResult, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope, utcnow
from app.models import JobLease

logger = logging.getLogger("app.job_lease")
# Renewals per time to live: two may fail (a busy or briefly unreachable database) before it lapses.
RENEWALS_PER_TTL = 3


def new_holder() -> str:
    """A name unique to this process and call, readable in the table: `host:pid:random`."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def acquire_lease(
    *, session: Session, name: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Take the lease `name` for `holder` until `now + ttl`; False when someone else holds it."""
    took_over = cast(
        CursorResult[Any],
        session.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.expires_at < now)
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        ),
    )
    if took_over.rowcount == 1:
        return True
    try:
        with session.begin_nested():
            session.execute(
                insert(JobLease).values(
                    name=name, holder=holder, acquired_at=now, expires_at=now + ttl
                )
            )
    except IntegrityError:
        return False
    return True


def renew_lease(*, session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Extend the lease to `now + ttl` if `holder` still holds it; False when it was lost.

    On PostgreSQL the updated row stays locked until the caller commits, so
    no one can take the lease over while the caller's transaction writes.
    """
    renewed = cast(
        CursorResult[Any],
        session.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.holder == holder)
            .values(expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        ),
    )
    return renewed.rowcount == 1


def release_lease(*, session: Session, name: str, holder: str) -> None:
    """Give the lease up, if `holder` still holds it."""
    session.execute(
        delete(JobLease)
        .where(JobLease.name == name, JobLease.holder == holder)
        .execution_options(synchronize_session=False)
    )


class LeaseKeeper:
    """Renews a held lease from a daemon thread, every third of its time to live, until stopped.

    A thread rather than renewals between the job's steps: the job spends
    most of its time waiting on the network, and one slow answer (timeouts
    times retries) could outlast a short lease, letting a second run start
    beside a live one. The thread renews whatever the job is waiting on, so
    the lease lapses only when the holder's process is gone or cannot reach
    the database for a whole time to live.

    A renewal that fails (a database error) is logged and retried at the
    next beat. One that finds the row no longer the holder's (the lease lapsed
    and another process took it) sets `lost` and stops: the holder must then
    stop and write nothing; it still re-checks with `renew_lease` inside its
    write transaction, because the thread's view can be a beat old.
    """

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        name: str,
        holder: str,
        ttl: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._session_factory = session_factory
        self._name = name
        self._holder = holder
        self._ttl = ttl
        self._clock = clock
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{name}", daemon=True)

    @property
    def lost(self) -> bool:
        """True once a renewal found the lease taken by another holder."""
        return self._lost.is_set()

    def __enter__(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop renewing; waits at most one time to live for a renewal stuck on the database."""
        self._stop.set()
        self._thread.join(self._ttl.total_seconds())

    def _beat(self) -> None:
        interval = self._ttl.total_seconds() / RENEWALS_PER_TTL
        while not self._stop.wait(interval):
            try:
                with session_scope(self._session_factory) as session:
                    held = renew_lease(
                        session=session,
                        name=self._name,
                        holder=self._holder,
                        now=self._clock(),
                        ttl=self._ttl,
                    )
            except Exception:
                # Ending the thread here would let the lease lapse under a live holder.
                logger.warning(
                    "could not renew the %s lease; trying again", self._name, exc_info=True
                )
                continue
            if not held:
                logger.warning("the %s lease was taken over by another process", self._name)
                self._lost.set()
                return
