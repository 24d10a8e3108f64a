"""Facts with their sources: recording, precedence, derived columns and the disagreement flag."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Author, Model, ModelFact
from app.services.model_page.model_facts import (
    SOURCE_PRECEDENCE,
    FactBook,
    Modalities,
    disagree,
    facts_of,
    record_facts,
)

SEEN = datetime(2026, 11, 1, tzinfo=UTC)
LATER = datetime(2026, 12, 1, tzinfo=UTC)
TEXT_ONLY = Modalities(input=frozenset({"text"}), output=frozenset({"text"}))
TEXT_AND_IMAGE = Modalities(input=frozenset({"text", "image"}), output=frozenset({"text"}))


@pytest.fixture
def model(session: Session) -> Model:
    author = Author(slug="meta", name="Meta")
    row = Model(author=author, slug="meta/llama-3.3-70b", name="llama-3.3-70b", status="unknown")
    session.add(row)
    session.flush()
    return row


def fact_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ModelFact)) or 0


def test_the_most_trusted_source_sets_the_shown_value(session: Session, model: Model) -> None:
    record_facts(
        session=session,
        model=model,
        source="genai-prices",
        facts={"context_window": 128_000, "name": "Llama 3.3 70B Instruct"},
        seen_at=SEEN,
    )
    record_facts(
        session=session,
        model=model,
        source="models.dev",
        facts={"context_window": 131_072, "released_at": date(2024, 12, 6), "weights": "open"},
        seen_at=SEEN,
    )

    assert model.context_window == 131_072
    assert model.name == "Llama 3.3 70B Instruct"
    assert model.released_at == date(2024, 12, 6)
    assert model.weights == "open"

    record_facts(session=session, model=model, source="curated", facts={"context_window": 128_000})
    assert model.context_window == 128_000


def test_facts_of_lists_sources_in_precedence_order(session: Session, model: Model) -> None:
    for source in reversed(SOURCE_PRECEDENCE):
        record_facts(
            session=session, model=model, source=source, facts={"reasoning": source == "lab"}
        )
    session.flush()

    reasoning = facts_of(session, [model.id])[model.id]["reasoning"]

    assert [v.source for v in reasoning.values] == list(SOURCE_PRECEDENCE)
    assert reasoning.shown.source == "curated"
    assert reasoning.disagreement is False
    assert model.reasoning is False


def test_re_recording_the_same_facts_writes_nothing(session: Session, model: Model) -> None:
    facts = {"released_at": date(2024, 12, 6), "modalities": TEXT_ONLY, "tool_calling": True}
    book = FactBook(session)
    assert book.record(model.id, "models.dev", facts, seen_at=SEEN) == 3
    book.flush()

    again = FactBook(session)
    assert again.record(model.id, "models.dev", dict(facts), seen_at=LATER) == 0
    assert again.derive(model) is True
    session.flush()
    assert again.derive(model) is False
    assert facts_of(session, [model.id])[model.id]["released_at"].shown.seen_at == SEEN


def test_a_fact_no_longer_stated_is_removed(session: Session, model: Model) -> None:
    book = FactBook(session)
    book.record(model.id, "openrouter", {"description": "A model.", "max_output": 8192})
    book.flush()
    assert fact_rows(session) == 2

    assert FactBook(session).record(model.id, "openrouter", {"description": None}) == 1
    session.flush()
    assert fact_rows(session) == 1

    assert book.record(model.id, "openrouter", {"max_output": None}) == 1
    assert fact_rows(session) == 0


def test_a_fact_changed_after_its_bulk_insert_is_updated(session: Session, model: Model) -> None:
    book = FactBook(session)
    book.record(model.id, "models.dev", {"max_output": 8192}, seen_at=SEEN)
    book.flush()

    assert book.record(model.id, "models.dev", {"max_output": 16_384}, seen_at=LATER) == 1
    book.flush()

    shown = facts_of(session, [model.id])[model.id]["max_output"].shown
    assert (shown.value, shown.seen_at) == (16_384, LATER)


def test_modalities_follow_the_stated_source_not_the_inferred_one(
    session: Session, model: Model
) -> None:
    record_facts(session=session, model=model, source="inferred", facts={"modalities": TEXT_ONLY})
    record_facts(
        session=session, model=model, source="openrouter", facts={"modalities": TEXT_AND_IMAGE}
    )
    session.flush()
    session.expire(model, ["modalities"])

    assert model.modality_list("input") == ["text", "image"]
    assert facts_of(session, [model.id])[model.id]["modalities"].disagreement is True


def test_an_unstated_capability_stays_not_known(session: Session, model: Model) -> None:
    record_facts(session=session, model=model, source="models.dev", facts={"reasoning": True})

    assert model.reasoning is True
    assert model.tool_calling is None
    assert model.structured_outputs is None


@pytest.mark.parametrize(
    ("field", "values", "expected"),
    [
        ("released_at", [date(2024, 12, 6), date(2024, 12, 20)], False),
        ("released_at", [date(2024, 12, 6), date(2025, 2, 1)], True),
        ("context_window", [128_000, 131_072], True),
        ("context_window", [128_000, 128_000], False),
        ("weights", ["open", "closed"], True),
        ("modalities", [TEXT_ONLY, TEXT_AND_IMAGE], True),
        ("max_output", [8192, 4096], False),
        ("description", ["One.", "Two."], False),
    ],
)
def test_disagreement_is_material_only(field: str, values: list[object], expected: bool) -> None:
    assert disagree(field, values) is expected


def test_a_value_the_field_cannot_hold_is_refused(session: Session, model: Model) -> None:
    book = FactBook(session)
    with pytest.raises(ValueError, match="context_window"):
        book.record(model.id, "models.dev", {"context_window": "128k"})
    with pytest.raises(ValueError, match="unknown fact"):
        book.record(model.id, "models.dev", {"colour": "blue"})
