"""The job lease: one holder at a time, expiry, renewal and release, on the real backend.

The keeper's tests run in real time with a lease of about a second, so a
lapse and a renewal are both seen within a few seconds.
"""

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.db import make_session_factory, session_scope, utcnow
from app.models import JobLease, RefreshRun
from app.services.ingest.job_lease import (
    LeaseKeeper,
    acquire_lease,
    new_holder,
    release_lease,
    renew_lease,
)
from app.services.ingest.refresh_metrics import LEASE_NAME, RunStatus, refresh_metrics
from app.sources.openrouter import EndpointsFailure, ModelEndpoints, ModelListing, OpenRouterSource
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    SeededDatabase,
    database_state,
    refresh_settings,
    run_refresh_job,
    seeded_database,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)
KEEPER_TTL = timedelta(seconds=1.5)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "lease") as seeded:
        yield seeded


def take(
    factory: sessionmaker[Session], holder: str, now: datetime = NOW, ttl: timedelta = TTL
) -> bool:
    with session_scope(factory) as session:
        return acquire_lease(session=session, name="job", holder=holder, now=now, ttl=ttl)


def lease_row(factory: sessionmaker[Session]) -> JobLease:
    with factory() as session:
        return session.get_one(JobLease, "job")


def keeper(factory: sessionmaker[Session], holder: str) -> LeaseKeeper:
    return LeaseKeeper(session_factory=factory, name="job", holder=holder, ttl=KEEPER_TTL)


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_held_lease_cannot_be_taken(database: SeededDatabase) -> None:
    assert take(database.factory, "first")
    assert not take(database.factory, "second", NOW + TTL - timedelta(seconds=1))

    with database.factory() as session:
        lease = session.get_one(JobLease, "job")
    assert (lease.holder, lease.expires_at) == ("first", NOW + TTL)


def test_an_expired_lease_is_taken_over(database: SeededDatabase) -> None:
    take(database.factory, "crashed")

    assert take(database.factory, "next", NOW + TTL + timedelta(seconds=1))

    with database.factory() as session:
        assert session.get_one(JobLease, "job").holder == "next"


def test_only_the_holder_renews_and_releases(database: SeededDatabase) -> None:
    take(database.factory, "first")
    later = NOW + timedelta(minutes=4)

    with session_scope(database.factory) as session:
        assert not renew_lease(session=session, name="job", holder="other", now=later, ttl=TTL)
        release_lease(session=session, name="job", holder="other")
        assert renew_lease(session=session, name="job", holder="first", now=later, ttl=TTL)
    assert not take(database.factory, "second", NOW + TTL + timedelta(seconds=1))

    with session_scope(database.factory) as session:
        release_lease(session=session, name="job", holder="first")
    assert take(database.factory, "second", NOW)


def test_a_kept_lease_outlives_its_time_to_live_and_lapses_once_the_keeper_stops(
    database: SeededDatabase,
) -> None:
    start = utcnow()
    assert take(database.factory, "worker", start, KEEPER_TTL)

    with keeper(database.factory, "worker") as kept:
        time.sleep(KEEPER_TTL.total_seconds() * 2.5)
        assert not take(database.factory, "second", utcnow(), KEEPER_TTL)
        assert not kept.lost
    lease = lease_row(database.factory)
    assert lease.holder == "worker"
    assert lease.expires_at > start + 2 * KEEPER_TTL

    assert wait_for(
        lambda: take(database.factory, "second", utcnow(), KEEPER_TTL),
        KEEPER_TTL.total_seconds() + 1,
    ), "the lease was still renewed after the keeper stopped"


def test_a_keeper_whose_lease_was_taken_reports_it_and_leaves_the_new_holder_alone(
    database: SeededDatabase,
) -> None:
    start = utcnow()
    take(database.factory, "stalled", start, KEEPER_TTL)

    with keeper(database.factory, "stalled") as kept:
        assert take(database.factory, "thief", start + 3 * KEEPER_TTL, KEEPER_TTL)
        assert wait_for(lambda: kept.lost, KEEPER_TTL.total_seconds() * 2)

    lease = lease_row(database.factory)
    assert (lease.holder, lease.expires_at) == ("thief", start + 4 * KEEPER_TTL)


def test_a_keeper_retries_a_renewal_the_database_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite's write lock, held by another connection, makes renewals fail for a while."""
    path = tmp_path / "busy.db"
    migrate.upgrade(f"sqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    factory = make_session_factory(engine)
    take(factory, "worker", utcnow(), KEEPER_TTL)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        with (
            caplog.at_level(logging.WARNING, logger="app.job_lease"),
            keeper(factory, "worker") as kept,
        ):
            writer.execute("BEGIN IMMEDIATE")
            time.sleep(KEEPER_TTL.total_seconds() * 0.8)
            writer.execute("ROLLBACK")
            unlocked = utcnow()
            assert wait_for(
                lambda: lease_row(factory).expires_at > unlocked + KEEPER_TTL / 2,
                KEEPER_TTL.total_seconds(),
            ), "the keeper gave up after a failed renewal"
            assert not kept.lost
    finally:
        writer.close()
        engine.dispose()
    assert "could not renew the job lease; trying again" in caplog.text


def test_holders_are_unique_per_call() -> None:
    assert new_holder() != new_holder()


def test_a_refresh_finding_the_lease_held_logs_a_skip_and_writes_nothing(
    database: SeededDatabase,
) -> None:
    with session_scope(database.factory) as session:
        acquire_lease(
            session=session,
            name=LEASE_NAME,
            holder="elsewhere",
            now=datetime.now(UTC),
            ttl=TTL,
        )
    before = database_state(database)

    with FakeOpenRouter() as fake:
        outcome = run_refresh_job(database, refresh_settings(database.url, fake))
        requests = list(fake.requests)

    assert outcome.status is RunStatus.SKIPPED_LOCKED
    assert outcome.succeeded
    assert outcome.summary().startswith("Metrics refresh skipped: another refresh is running")
    assert requests == []
    assert database_state(database) == before
    with database.factory() as session:
        (run,) = session.scalars(select(RefreshRun)).all()
    assert (run.status, run.error) == ("skipped_locked", "another refresh is running")


def test_a_refresh_releases_the_lease_when_it_ends_even_on_failure(
    database: SeededDatabase,
) -> None:
    with FakeOpenRouter() as fake:
        fake.faults.status = 500
        failed = run_refresh_job(database, refresh_settings(database.url, fake))
        fake.faults.status = None
        succeeded = run_refresh_job(database, refresh_settings(database.url, fake))

    assert (failed.status, succeeded.status) == (RunStatus.FAILED, RunStatus.OK)
    with database.factory() as session:
        assert session.scalars(select(JobLease)).all() == []


@dataclass
class LeaseStealingSource:
    """An upstream so slow that another process takes the expired lease while it answers."""

    inner: OpenRouterSource
    factory: sessionmaker[Session]
    name: str = "openrouter"

    def list_models(self) -> ModelListing:
        return self.inner.list_models()

    def endpoints_of(self, model_ids: Sequence[str]) -> Iterator[ModelEndpoints | EndpointsFailure]:
        after_expiry = NOW + TTL + timedelta(minutes=1)
        with session_scope(self.factory) as session:
            assert acquire_lease(
                session=session, name=LEASE_NAME, holder="thief", now=after_expiry, ttl=TTL
            )
        return self.inner.endpoints_of(model_ids)


def test_a_run_whose_lease_was_taken_over_writes_nothing(database: SeededDatabase) -> None:
    before = database_state(database)

    with FakeOpenRouter() as fake:
        settings = refresh_settings(database.url, fake)
        with OpenRouterSource.from_settings(settings) as inner:
            outcome = refresh_metrics(
                session_factory=database.factory,
                settings=settings,
                source=LeaseStealingSource(inner, database.factory),
                clock=lambda: NOW,
            )

    assert outcome.status is RunStatus.FAILED
    assert outcome.error == (
        "LeaseLostError: the refresh lease expired and was taken by another run"
    )
    assert database_state(database) == before
    with database.factory() as session:
        assert session.get_one(JobLease, LEASE_NAME).holder == "thief"


@dataclass
class StolenWhileWaitingSource:
    """An upstream that answers only after another process took the lease, in real time."""

    inner: OpenRouterSource
    factory: sessionmaker[Session]
    wait_seconds: float
    name: str = "openrouter"
    handed_out: int = 0

    def list_models(self) -> ModelListing:
        return self.inner.list_models()

    def endpoints_of(self, model_ids: Sequence[str]) -> Iterator[ModelEndpoints | EndpointsFailure]:
        with session_scope(self.factory) as session:
            assert acquire_lease(
                session=session,
                name=LEASE_NAME,
                holder="thief",
                now=utcnow() + timedelta(hours=1),
                ttl=TTL,
            )
        time.sleep(self.wait_seconds)
        for result in self.inner.endpoints_of(model_ids):
            self.handed_out += 1
            yield result


def test_a_run_stops_fetching_as_soon_as_its_keeper_finds_the_lease_taken(
    database: SeededDatabase,
) -> None:
    before = database_state(database)

    with FakeOpenRouter() as fake:
        settings = refresh_settings(database.url, fake, refresh_lease_seconds=3)
        with OpenRouterSource.from_settings(settings) as inner:
            source = StolenWhileWaitingSource(inner, database.factory, wait_seconds=1.6)
            outcome = refresh_metrics(
                session_factory=database.factory, settings=settings, source=source
            )

    assert (outcome.status, outcome.error) == (
        RunStatus.FAILED,
        "LeaseLostError: the refresh lease expired and was taken by another run",
    )
    assert source.handed_out == 1, "the run kept reading answers it could not write"
    assert database_state(database) == before


def add_run(factory: sessionmaker[Session], *, holder: str | None, started: datetime) -> int:
    with session_scope(factory) as session:
        run = RefreshRun(
            source="openrouter", started_at=started, status="running", counts={}, holder=holder
        )
        session.add(run)
        session.flush()
        return run.id


def test_a_refresh_taking_over_a_lapsed_lease_marks_the_runs_left_running_as_died(
    database: SeededDatabase,
) -> None:
    now = utcnow()
    with session_scope(database.factory) as session:
        acquire_lease(
            session=session,
            name=LEASE_NAME,
            holder="killed",
            now=now - timedelta(minutes=3),
            ttl=timedelta(seconds=90),
        )
    killed = add_run(database.factory, holder="killed", started=now - timedelta(minutes=3))
    from_before_holders = add_run(database.factory, holder=None, started=now - timedelta(days=2))

    with FakeOpenRouter() as fake:
        outcome = run_refresh_job(database, refresh_settings(database.url, fake))

    assert outcome.status is RunStatus.OK
    with database.factory() as session:
        finder = session.get_one(RefreshRun, outcome.run_id)
        dead = [session.get_one(RefreshRun, run_id) for run_id in (killed, from_before_holders)]
    for run in dead:
        assert (run.status, run.finished_at, run.found_dead_at) == (
            "died",
            None,
            finder.started_at,
        )
        assert run.error == (
            "its process stopped without finishing (the lease was not renewed); "
            f"found by run {outcome.run_id}"
        )


def test_a_refresh_skipped_by_a_live_lease_leaves_the_running_run_alone(
    database: SeededDatabase,
) -> None:
    now = utcnow()
    with session_scope(database.factory) as session:
        acquire_lease(
            session=session, name=LEASE_NAME, holder="alive", now=now, ttl=timedelta(minutes=1)
        )
    alive = add_run(database.factory, holder="alive", started=now)

    with FakeOpenRouter() as fake:
        outcome = run_refresh_job(database, refresh_settings(database.url, fake))

    assert outcome.status is RunStatus.SKIPPED_LOCKED
    with database.factory() as session:
        run = session.get_one(RefreshRun, alive)
    assert (run.status, run.found_dead_at, run.error) == ("running", None, None)
