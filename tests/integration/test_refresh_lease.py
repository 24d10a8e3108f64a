"""The job lease: one holder at a time, expiry, renewal and release, on the real backend."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.models import JobLease, RefreshRun
from app.services.job_lease import acquire_lease, new_holder, release_lease, renew_lease
from app.services.refresh_metrics import LEASE_NAME, LEASE_TTL, RunStatus, refresh_metrics
from app.sources.openrouter import EndpointsFailure, ModelEndpoints, ModelListing, OpenRouterSource
from tests.fake_openrouter import FakeOpenRouter
from tests.refresh_support import (
    SeededDatabase,
    database_state,
    refresh_settings,
    run_refresh_job,
    seeded_database,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "lease") as seeded:
        yield seeded


def take(factory: sessionmaker[Session], holder: str, now: datetime = NOW) -> bool:
    with session_scope(factory) as session:
        return acquire_lease(session=session, name="job", holder=holder, now=now, ttl=TTL)


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
            ttl=LEASE_TTL,
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
        after_expiry = NOW + LEASE_TTL + timedelta(minutes=1)
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
