"""Lifecycle facts from labs' own documentation (`app/data/model_lifecycle.toml`), as "curated".

models.dev and genai-prices keep listing some models their lab has retired
(Anthropic's Claude 2 and Claude 3 Sonnet, for one), so the catalog showed
them as active. The lab's deprecation page says otherwise; its statement is
kept as a curated fact — the most trusted source — with the date the model
ends. Each entry finds its model as any offer does (`CatalogWriter`), by the
lab's provider id and model id, so it follows the resolver's merges.
"""

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session

from app.models import Model
from app.models.catalog import MODEL_STATUSES
from app.services.catalog_writer import CatalogWriter
from app.services.model_facts import CURATED_SOURCE, FactBook

LIFECYCLE_FILE = Path(__file__).resolve().parents[1] / "data" / "model_lifecycle.toml"


@dataclass(frozen=True)
class LifecycleEntry:
    """One lab's statement: this model is `status` and ends (or ended) on `ends_on`."""

    provider: str
    id: str
    status: str
    ends_on: date


def read_lifecycle(path: Path = LIFECYCLE_FILE) -> tuple[LifecycleEntry, ...]:
    """The entries of the lifecycle file; a malformed one raises ValueError naming it."""
    entries = []
    for raw in tomllib.loads(path.read_text(encoding="utf-8")).get("model", []):
        try:
            entry = LifecycleEntry(
                provider=raw["provider"], id=raw["id"], status=raw["status"], ends_on=raw["ends_on"]
            )
        except KeyError as error:
            raise ValueError(f"{path.name}: entry {raw!r} lacks {error}") from error
        if entry.status not in MODEL_STATUSES or not isinstance(entry.ends_on, date):
            raise ValueError(f"{path.name}: entry {raw!r} has a bad status or date")
        entries.append(entry)
    return tuple(entries)


@cache
def lifecycle() -> tuple[LifecycleEntry, ...]:
    """The shipped lifecycle entries, read once."""
    return read_lifecycle()


def record_lifecycle_facts(*, session: Session, seen_at: datetime) -> int:
    """Record every entry whose model the catalog has, and derive those models' columns.

    An entry whose model is not imported is skipped. Returns how many facts were written.
    """
    catalog = CatalogWriter(session=session)
    found: dict[int, tuple[Model, LifecycleEntry]] = {}
    for entry in lifecycle():
        place = catalog.find_model_for_offer(entry.provider, entry.id)
        if place is not None and place.model.id is not None:
            found[place.model.id] = (place.model, entry)
    book = FactBook(session, model_ids=found)
    written = 0
    for model, entry in found.values():
        facts = {"status": entry.status, "deprecates_at": entry.ends_on}
        written += book.record(model.id, CURATED_SOURCE, facts, seen_at=seen_at)
    book.flush()
    for model, _ in found.values():
        book.derive(model)
    return written
