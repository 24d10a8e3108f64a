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
A holder that works longer than its lease renews it before writing, and
writes only when the renewal finds the row still its own.
"""

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import JobLease


def new_holder() -> str:
    """A name unique to this process and call, readable in the table: `host:pid:random`."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def acquire_lease(
    *, session: Session, name: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Take the lease `name` for `holder` until `now + ttl`; False when someone else holds it."""
    took_over = session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.expires_at < now)
        .values(holder=holder, acquired_at=now, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
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
    renewed = session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.holder == holder)
        .values(expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1


def release_lease(*, session: Session, name: str, holder: str) -> None:
    """Give the lease up, if `holder` still holds it."""
    session.execute(
        delete(JobLease)
        .where(JobLease.name == name, JobLease.holder == holder)
        .execution_options(synchronize_session=False)
    )
