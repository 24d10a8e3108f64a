"""Facts from labs' own pages that no imported source states, recorded as "curated".

Two files, both read from public pages named in them:

- `app/data/model_curated_facts.toml`: release dates, context windows, open
  weights and reasoning of well-known models that no imported source covers
  (Llama 2, Qwen1.5, Claude 2), each entry with its page's URL.
- `app/data/model_lifecycle.toml`: retirements, below.

models.dev and genai-prices keep listing some models their lab has retired
(Anthropic's Claude 2 and Claude 3 Sonnet, for one), so the catalog showed
them as active. The lab's deprecation page says otherwise; its statement is
kept as a curated fact — the most trusted source — with the date the model
ends. Each entry finds its model as any offer does (`CatalogWriter`), by the
lab's provider id and model id, so it follows the resolver's merges.
"""

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.models import Model
from app.models.catalog import MODEL_STATUSES
from app.services.catalog.catalog_writer import CatalogWriter
from app.services.model_page.model_facts import CURATED_SOURCE, FactBook, encode

DATA = Path(__file__).resolve().parents[2] / "data"
LIFECYCLE_FILE = DATA / "model_lifecycle.toml"
CURATED_FILE = DATA / "model_curated_facts.toml"
# The facts a curated entry may state.
CURATED_FIELDS = ("released_at", "weights", "context_window", "reasoning")


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


@dataclass(frozen=True)
class CuratedEntry:
    """Facts of the model one provider's offer names, as the page at `source` states them."""

    provider: str
    id: str
    source: str
    facts: dict[str, Any]


def read_curated(path: Path = CURATED_FILE) -> tuple[CuratedEntry, ...]:
    """The entries of the curated facts file; a malformed one raises ValueError naming it."""
    entries = []
    for raw in tomllib.loads(path.read_text(encoding="utf-8")).get("model", []):
        facts = {field: raw[field] for field in CURATED_FIELDS if field in raw}
        unknown = raw.keys() - {"provider", "id", "source", *CURATED_FIELDS}
        try:
            entry = CuratedEntry(
                provider=raw["provider"], id=raw["id"], source=raw["source"], facts=facts
            )
            for field, value in facts.items():
                encode(field, value)
        except (KeyError, ValueError) as error:
            raise ValueError(f"{path.name}: entry {raw!r}: {error}") from error
        if unknown or not facts or not entry.source.startswith("https://"):
            raise ValueError(f"{path.name}: entry {raw!r} has no facts, unknown keys or no URL")
        entries.append(entry)
    return tuple(entries)


@cache
def curated() -> tuple[CuratedEntry, ...]:
    """The shipped curated entries, read once."""
    return read_curated()


def record_curated_facts(*, session: Session, seen_at: datetime) -> int:
    """Record every curated and lifecycle entry whose model the catalog has, and derive
    those models' columns.

    An entry whose model is not imported is skipped. Returns how many facts were written.
    """
    stated = [(e.provider, e.id, dict(e.facts)) for e in curated()]
    stated += [
        (e.provider, e.id, {"status": e.status, "deprecates_at": e.ends_on}) for e in lifecycle()
    ]
    return _record(session, stated, seen_at)


def _record(
    session: Session, stated: Iterable[tuple[str, str, dict[str, Any]]], seen_at: datetime
) -> int:
    """Record (provider, offer id, facts) entries as curated facts of the models they find."""
    catalog = CatalogWriter(session=session)
    found: dict[int, Model] = {}
    facts: dict[int, dict[str, Any]] = {}
    for provider, offer_id, entry_facts in stated:
        place = catalog.find_model_for_offer(provider, offer_id)
        if place is not None and place.model.id is not None:
            found[place.model.id] = place.model
            facts.setdefault(place.model.id, {}).update(entry_facts)
    book = FactBook(session, model_ids=found)
    written = 0
    for model_id, model_facts in facts.items():
        written += book.record(model_id, CURATED_SOURCE, model_facts, seen_at=seen_at)
    book.flush()
    for model in found.values():
        book.derive(model)
    return written
