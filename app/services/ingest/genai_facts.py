"""What genai-prices states about a model, kept as facts so that better sources can outrank it.

genai-prices names a model, describes it, gives each provider's context
window and flags deprecated entries; its modalities are inferred from what
a model is priced for (a price per input image token means it reads images)
and, for vision models priced like text ones, from the id. So the first four
are recorded with source "genai-prices" — the name, the description, the
largest context window any provider states, and "deprecated" when every
entry is, else "active" — and the modalities as "inferred", which any
source that states them outranks (`services.model_page.model_facts`).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import Model
from app.services.catalog.model_grouping import ModelGroup
from app.services.model_page.model_facts import FactBook, Modalities
from app.sources.genai_prices import SOURCE_NAME

INFERRED_SOURCE = "inferred"


def genai_facts(group: ModelGroup) -> dict[str, Any]:
    """The facts genai-prices states of one grouped model (None: not stated)."""
    return {
        "name": group.name,
        "description": group.description,
        "context_window": group.context_window,
        "status": "deprecated" if group.deprecated else "active",
    }


def inferred_facts(group: ModelGroup) -> dict[str, Any]:
    """The modalities read from what the model is priced for (and, for some, its id)."""
    if not group.input_modalities or not group.output_modalities:
        return {"modalities": None}
    return {
        "modalities": Modalities(
            input=frozenset(group.input_modalities), output=frozenset(group.output_modalities)
        )
    }


def record_genai_facts(
    *, session: Session, synced: Iterable[tuple[Model, ModelGroup]], seen_at: datetime
) -> set[Model]:
    """Record each (flushed) model's facts and derive its columns; the models that changed."""
    book = FactBook(session)
    pairs = list(synced)
    for model, group in pairs:
        book.record(model.id, SOURCE_NAME, genai_facts(group), seen_at=seen_at)
        book.record(model.id, INFERRED_SOURCE, inferred_facts(group), seen_at=seen_at)
    book.flush()
    return {model for model, _ in pairs if book.derive(model)}
