"""The OpenRouter refresh records watched models' changes and sends their webhooks itself.

A database of its own (the refresh commits and takes a lease), the fake
upstream, and a local webhook receiver.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import ChangeEvent, Model, User, Watch, Webhook
from app.services.ingest.refresh_metrics import RunStatus, run_refresh
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import SeededDatabase, refresh_settings, seeded_database
from tests.support.webhook_receiver import webhook_receiver


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "watches") as seeded:
        yield seeded


def watcher_with_webhook(database: SeededDatabase, url: str) -> None:
    with database.factory() as session:
        user = User(email="watcher@example.com", display_name="Watcher", password_hash="-")
        model = session.scalars(select(Model).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
        session.add(user)
        session.flush()
        session.add(Watch(user_id=user.id, model_id=model.id))
        session.add(Webhook(user_id=user.id, url=url, secret="whsec_refresh"))
        session.commit()


def events(database: SeededDatabase) -> list[ChangeEvent]:
    with database.factory() as session:
        return list(session.scalars(select(ChangeEvent).order_by(ChangeEvent.id)))


def test_a_refresh_records_the_price_change_and_delivers_it_before_it_returns(
    database: SeededDatabase,
) -> None:
    with FakeOpenRouter() as fake, webhook_receiver() as receiver:
        watcher_with_webhook(database, receiver.url)
        settings = refresh_settings(database.url, fake, webhooks_allow_loopback=True)

        first = run_refresh(settings)
        recorded = events(database)
        second = run_refresh(settings)

        sent = [json.loads(request.body) for request in receiver.received]
    assert first.status is RunStatus.OK and second.status is RunStatus.OK
    venice = [
        e for e in recorded if e.kind == "price_changed" and e.details["provider"] == "venice"
    ]
    assert len(venice) == 1
    assert (venice[0].details["before"]["input"], venice[0].details["after"]["input"]) == (
        "0.188",
        "0.2",
    )
    assert all(e.source == "openrouter" for e in recorded)
    # The same upstream again: nothing new.
    assert [e.id for e in events(database)] == [e.id for e in recorded]
    assert sorted(body["id"] for body in sent) == [e.id for e in recorded]
