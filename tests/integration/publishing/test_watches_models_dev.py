"""The models.dev import records watched models' changes as the genai-prices import does."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ChangeEvent, Endpoint, Model, User, Watch
from app.services.ingest.models_dev_import import import_models_dev
from app.sources.models_dev import load_catalog

FIXTURE = Path(__file__).parents[2] / "fixtures" / "models_dev" / "api.json"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def import_file(session: Session, path: Path, now: datetime) -> list[ChangeEvent]:
    import_models_dev(session=session, catalog=load_catalog(str(path)), now=now)
    session.flush()
    return list(session.scalars(select(ChangeEvent).where(ChangeEvent.occurred_at == now)))


def test_an_unchanged_re_import_records_nothing_and_a_new_price_one_event(
    session: Session, tmp_path: Path
) -> None:
    import_file(session, FIXTURE, NOW)
    model = session.scalars(
        select(Model).join(Endpoint).where(Endpoint.provider_model_id == "deepseek-reasoner")
    ).first()
    assert model is not None
    user = User(email="dev@example.com", display_name="Dev", password_hash="-")
    session.add(user)
    session.flush()
    session.add(Watch(user_id=user.id, model_id=model.id))
    session.flush()
    data = json.loads(FIXTURE.read_text())
    data["deepseek"]["models"]["deepseek-reasoner"]["cost"]["input"] = 0.2
    changed = tmp_path / "api.json"
    changed.write_text(json.dumps(data))

    unchanged = import_file(session, FIXTURE, NOW + timedelta(hours=1))
    events = import_file(session, changed, NOW + timedelta(hours=2))

    assert unchanged == []
    [event] = events
    assert (event.kind, event.model_id, event.source) == ("price_changed", model.id, "models.dev")
    assert (event.details["before"]["input"], event.details["after"]["input"]) == ("0.14", "0.2")
