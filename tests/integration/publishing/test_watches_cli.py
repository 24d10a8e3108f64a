"""`modelatlas deliver`, run as a user runs it: a separate process on its own database."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import make_engine, make_session_factory
from app.models import ChangeEvent, Model, User, Watch, Webhook, WebhookDelivery
from app.services.ingest.seed import REFERENCE_MODEL_SLUG, seed_reference
from tests.support.cli import run_cli
from tests.support.database_templates import database_copy
from tests.support.webhook_receiver import webhook_receiver


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with database_copy("migrated", tmp_path, "deliver") as url:
        yield url


def queue_one_delivery(database_url: str, url: str) -> int:
    """A watcher, their webhook, one event and its pending delivery; the delivery's id."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            seed_reference(session=session)
            model = session.scalars(select(Model).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
            user = User(email="cli@example.com", display_name="CLI", password_hash="-")
            session.add(user)
            session.flush()
            webhook = Webhook(user_id=user.id, url=url, secret="whsec_cli")
            event = ChangeEvent(
                model_id=model.id,
                kind="status_changed",
                source="test",
                details={"before": "preview", "after": "active"},
            )
            session.add_all([Watch(user_id=user.id, model_id=model.id), webhook, event])
            session.flush()
            delivery = WebhookDelivery(
                webhook_id=webhook.id, event_id=event.id, next_attempt_at=datetime.now(UTC)
            )
            session.add(delivery)
            session.commit()
            return delivery.id
    finally:
        engine.dispose()


def test_deliver_with_nothing_due_says_so(database_url: str, tmp_path: Path) -> None:
    result = run_cli("deliver", database_url=database_url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "No webhook deliveries due." in result.stderr + result.stdout


def test_deliver_sends_what_is_due_and_exits_1_on_a_failure(
    database_url: str, tmp_path: Path
) -> None:
    with webhook_receiver(statuses=[500]) as receiver:
        delivery_id = queue_one_delivery(database_url, receiver.url)
        settings = {
            "MODELATLAS_WEBHOOKS_ALLOW_LOOPBACK": "true",
            "MODELATLAS_WEBHOOK_RETRY_BASE_SECONDS": "0",
        }

        failed = run_cli("deliver", database_url=database_url, cwd=tmp_path, **settings)
        retried = run_cli("deliver", database_url=database_url, cwd=tmp_path, **settings)

        headers = [request.headers["x-modelatlas-delivery"] for request in receiver.received]
    assert failed.returncode == 1, failed.stderr
    assert "1 failed" in failed.stderr + failed.stdout
    assert retried.returncode == 0, retried.stderr
    assert "1 delivered" in retried.stderr + retried.stdout
    assert headers == [str(delivery_id)] * 2
