"""A model's facts as each source states them, and the shown values derived from them.

Several sources describe the same model and do not always agree (a release
date, a context window, open or closed weights). Each source's value is kept
in `model_facts` with when it was first seen; what the catalog shows (the
columns of `models`) is the value of the most trusted source that states it,
so a page can name its source and say where sources differ materially.

API (stable; the model page and every importer use it):

- `SOURCE_PRECEDENCE`: sources, most trusted first — the curated seed, the
  lab's own offer, models.dev, OpenRouter, genai-prices, then values inferred
  (e.g. from an id). A source not listed ranks below all of them;
  `inferred:<rule>` ranks as "inferred".
- `SHOWN_FIELDS`: the facts derived onto `Model` columns, all nullable:
  name, description, released_at, weights, context_window, max_output,
  knowledge_cutoff, reasoning, tool_calling, structured_outputs, status,
  deprecates_at, hf_repo_id, and modalities (the `model_modalities` rows).
  Values are Python values: `date` for released_at/deprecates_at, "open" or
  "closed" for weights, `Modalities` for modalities, bool for capabilities.
- `FactBook(session, model_ids=None)`: the stored facts (of all models, or of
  the given ones) loaded in one query, for bulk writers. `record(model_id,
  source, facts, seen_at=)` brings one source's statement about one model in
  line: each field in `facts` is inserted, updated, or (value None: the
  source no longer states it) deleted; an unchanged value writes nothing, so
  re-importing the same data is a no-op. New facts are inserted in one
  statement by `flush()`, which a writer calls before its session flushes
  or commits. `derive(model)` sets the model's
  shown columns from the highest-precedence facts and returns whether
  anything changed; a field no source states keeps its stored value.
- `record_facts(session=, model=, source=, facts=, seen_at=)`: the same for one
  model (record, then derive), for writers that touch a few models.
  `stated_facts(model)` reads a model's filled columns as facts: the seed
  records its curated entry with it, so no import overrides what it states.
- `facts_of(session, model_ids)`: model id -> field -> `FieldFacts`, the
  values by source in precedence order (`values[0]` is the one shown) and
  `disagreement`: True when two sources differ materially — release dates
  more than a month apart, different context windows, open vs closed
  weights, or different modalities. Other fields never set it.

"Not known" is a value: a capability no source states stays None, never
False. Modalities from an id are recorded as "inferred", so any source that
states them wins.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.execute_core import execute_core
from app.models import Model, ModelFact, ModelModality
from app.models.catalog import MODEL_STATUSES, WEIGHTS

CURATED_SOURCE = "curated"
SOURCE_PRECEDENCE = (CURATED_SOURCE, "lab", "models.dev", "openrouter", "genai-prices", "inferred")

_RANKS = {source: rank for rank, source in enumerate(SOURCE_PRECEDENCE)}

SHOWN_FIELDS = (
    "name",
    "description",
    "released_at",
    "weights",
    "context_window",
    "max_output",
    "knowledge_cutoff",
    "reasoning",
    "tool_calling",
    "structured_outputs",
    "status",
    "deprecates_at",
    "hf_repo_id",
    "modalities",
)
_DATE_FIELDS = frozenset({"released_at", "deprecates_at"})
_INT_FIELDS = frozenset({"context_window", "max_output"})
_BOOL_FIELDS = frozenset({"reasoning", "tool_calling", "structured_outputs"})
_TEXT_FIELDS = frozenset({"name", "description", "knowledge_cutoff", "hf_repo_id"})
_DIRECTIONS = ("input", "output")

# Two release dates this far apart are two different claims, not rounding.
RELEASE_DATE_TOLERANCE = timedelta(days=31)


@dataclass(frozen=True)
class Modalities:
    """What a model reads and writes: text, image, audio, video, file."""

    input: frozenset[str]
    output: frozenset[str]


@dataclass(frozen=True)
class SourcedValue:
    """One source's value of a fact, and when that source first stated it."""

    source: str
    value: Any
    seen_at: datetime


@dataclass(frozen=True)
class FieldFacts:
    """Every source's value of one fact of one model, most trusted first."""

    field: str
    values: tuple[SourcedValue, ...]
    disagreement: bool

    @property
    def shown(self) -> SourcedValue:
        """The value the page shows: the most trusted source's."""
        return self.values[0]


def precedence(source: str) -> int:
    """Rank of a source, 0 the most trusted; unlisted sources rank last.

    A source named `kind:detail` ranks as `kind`: "inferred:family" is one
    rule of inference, as trusted as any other.
    """
    return _RANKS.get(source.partition(":")[0], len(SOURCE_PRECEDENCE))


def encode(field: str, value: Any) -> Any:
    """A fact's value as stored JSON; raises ValueError for a value the field cannot hold."""
    if field in _DATE_FIELDS:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError(f"{field} must be a date, not {value!r}")
        return value.isoformat()
    if field in _INT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{field} must be a positive int, not {value!r}")
        return value
    if field in _BOOL_FIELDS:
        if not isinstance(value, bool):
            raise ValueError(f"{field} must be a bool, not {value!r}")
        return value
    if field in _TEXT_FIELDS:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{field} must be a non-empty string, not {value!r}")
        return value
    if field == "weights" and value in WEIGHTS:
        return value
    if field == "status" and value in MODEL_STATUSES:
        return value
    if field == "modalities" and isinstance(value, Modalities):
        return {"input": sorted(value.input), "output": sorted(value.output)}
    raise ValueError(f"{field} cannot hold {value!r}")


def decode(field: str, stored: Any) -> Any:
    """A stored JSON value back as the field's Python value."""
    if field in _DATE_FIELDS:
        return date.fromisoformat(stored)
    if field == "modalities":
        return Modalities(
            input=frozenset(stored.get("input", ())), output=frozenset(stored.get("output", ()))
        )
    return stored


def disagree(field: str, values: Iterable[Any]) -> bool:
    """True when the (decoded) values of one fact differ materially."""
    distinct = set(values)
    if len(distinct) < 2:
        return False
    if field == "released_at":
        return max(distinct) - min(distinct) > RELEASE_DATE_TOLERANCE
    return field in ("context_window", "weights", "modalities")


@dataclass
class _Fact:
    """One stored (or about to be inserted) fact as the FactBook tracks it."""

    model_id: int
    field: str
    source: str
    value: Any
    seen_at: datetime
    stored: bool


class FactBook:
    """Stored facts, loaded once, and the writes that align them with what sources state.

    Facts are read and written as plain rows, not ORM objects: an import
    states tens of thousands, and an object each cost seconds. New facts are
    inserted in one statement by `flush`; a changed or withdrawn one is one
    UPDATE or DELETE, sent at once.
    """

    def __init__(self, session: Session, *, model_ids: Iterable[int] | None = None) -> None:
        self.session = session
        columns = ModelFact.__table__.c
        facts = select(
            columns.model_id, columns.field, columns.source, columns.value, columns.seen_at
        )
        modalities = select(ModelModality)
        if model_ids is not None:
            ids = list(model_ids)
            facts = facts.where(columns.model_id.in_(ids))
            modalities = modalities.where(ModelModality.model_id.in_(ids))
        self._facts: dict[int, dict[tuple[str, str], _Fact]] = defaultdict(dict)
        for model_id, field, source, value, seen_at in session.execute(facts):
            self._facts[model_id][(field, source)] = _Fact(
                model_id, field, source, value, seen_at, stored=True
            )
        self._modalities: dict[int, list[ModelModality]] = defaultdict(list)
        for row in session.scalars(modalities):
            self._modalities[row.model_id].append(row)
        self._pending: list[_Fact] = []

    def record(
        self,
        model_id: int,
        source: str,
        facts: Mapping[str, Any],
        *,
        seen_at: datetime | None = None,
    ) -> int:
        """Store what `source` states of the model now; returns how many facts were written.

        New facts reach the database at the next `flush()`.
        """
        stored = self._facts[model_id]
        written = 0
        for field, value in facts.items():
            if field not in SHOWN_FIELDS:
                raise ValueError(f"unknown fact {field!r}")
            fact = stored.get((field, source))
            if value is None:
                if fact is not None:
                    self._delete(fact)
                    del stored[(field, source)]
                    written += 1
                continue
            encoded = encode(field, value)
            if fact is None:
                new = _Fact(model_id, field, source, encoded, seen_at or utcnow(), stored=False)
                self._pending.append(new)
                stored[(field, source)] = new
                written += 1
            elif fact.value != encoded:
                self._change(fact, encoded, seen_at or utcnow())
                written += 1
        return written

    def flush(self) -> None:
        """Insert the facts first stated since the last flush, in one statement."""
        rows = [
            {
                "model_id": f.model_id,
                "field": f.field,
                "source": f.source,
                "value": f.value,
                "seen_at": f.seen_at,
            }
            for f in self._pending
        ]
        if rows:
            self.session.execute(insert(ModelFact.__table__), rows)
        for fact in self._pending:
            fact.stored = True
        self._pending.clear()

    def _delete(self, fact: _Fact) -> None:
        if fact.stored:
            self.session.execute(delete(ModelFact.__table__).where(*_key_of(fact)))
        else:
            self._pending.remove(fact)

    def _change(self, fact: _Fact, value: Any, seen_at: datetime) -> None:
        if fact.stored:
            self.session.execute(
                update(ModelFact.__table__)
                .where(*_key_of(fact))
                .values(value=value, seen_at=seen_at)
            )
        fact.value = value
        fact.seen_at = seen_at

    def shown(self, model_id: int, field: str) -> _Fact | None:
        """The most trusted stored fact of one field, if any source states it."""
        candidates = [f for (name, _), f in self._facts[model_id].items() if name == field]
        return min(candidates, key=lambda f: precedence(f.source), default=None)

    def derive(self, model: Model) -> bool:
        """Set the model's shown columns from its most trusted facts; True when any changed."""
        changed = False
        for field in SHOWN_FIELDS:
            fact = self.shown(model.id, field)
            if fact is None:
                continue
            value = decode(field, fact.value)
            if field == "modalities":
                changed |= self._set_modalities(model, value)
            elif getattr(model, field) != value:
                setattr(model, field, value)
                changed = True
        return changed

    def _set_modalities(self, model: Model, wanted: Modalities) -> bool:
        """Make the model's modality rows exactly `wanted`, through its collection if loaded."""
        loaded = "modalities" in model.__dict__
        rows = model.modalities if loaded else self._modalities[model.id]
        target = {("input", m) for m in wanted.input} | {("output", m) for m in wanted.output}
        have = {(row.direction, row.modality): row for row in rows}
        for key in have.keys() - target:
            rows.remove(have[key])
            if not loaded:
                self.session.delete(have[key])
        for direction, modality in sorted(target - have.keys()):
            row = ModelModality(model_id=model.id, direction=direction, modality=modality)
            rows.append(row)
            if not loaded:
                self.session.add(row)
        return have.keys() != target


def stated_facts(model: Model) -> dict[str, Any]:
    """The model's shown columns that hold a value, as facts (e.g. a curated entry's own).

    Reads `model.modalities`, so call it on a model whose modalities are loaded or new.
    """
    facts = {
        field: getattr(model, field)
        for field in SHOWN_FIELDS
        if field != "modalities" and getattr(model, field) is not None
    }
    if model.modalities:
        facts["modalities"] = Modalities(
            input=frozenset(model.modality_list("input")),
            output=frozenset(model.modality_list("output")),
        )
    return facts


def record_facts(
    *,
    session: Session,
    model: Model,
    source: str,
    facts: Mapping[str, Any],
    seen_at: datetime | None = None,
) -> bool:
    """Record one source's facts of one (flushed) model, then re-derive it; True on any change."""
    book = FactBook(session, model_ids=[model.id])
    written = book.record(model.id, source, facts, seen_at=seen_at)
    book.flush()
    return book.derive(model) or bool(written)


def _key_of(fact: _Fact) -> tuple[ColumnElement[bool], ...]:
    columns = ModelFact.__table__.c
    return (
        columns.model_id == fact.model_id,
        columns.field == fact.field,
        columns.source == fact.source,
    )


# Built once from table columns (run as a Core statement): the model page reads its facts
# on every render, and ORM objects cost more than the statement.
_fact = ModelFact.__table__.c
_FACT_COLUMNS = (_fact.model_id, _fact.field, _fact.source, _fact.value, _fact.seen_at)
_FACTS_OF = select(*_FACT_COLUMNS).where(_fact.model_id.in_(bindparam("ids", expanding=True)))
# The model page's one model: an IN list is an expanding parameter, whose statement
# SQLAlchemy rewrites on every execution, for a fifth of the statement's cost.
_FACTS_OF_ONE = select(*_FACT_COLUMNS).where(_fact.model_id == bindparam("id"))


def facts_of(session: Session, model_ids: Iterable[int]) -> dict[int, dict[str, FieldFacts]]:
    """Model id -> field -> every source's value, most trusted first, with the disagreement flag.

    One query however many models; a model or field no source states is absent.
    The model page reads its facts on every render: rows are taken apart by
    position and sorted by plain tuples, as a dozen lookups and a dataclass per
    row cost more than the statement.
    """
    ids = list(model_ids)
    if not ids:
        return {}
    grouped: dict[int, dict[str, list[tuple[int, str, Any, datetime]]]] = {}
    rows = (
        execute_core(session, _FACTS_OF_ONE, {"id": ids[0]})
        if len(ids) == 1
        else execute_core(session, _FACTS_OF, {"ids": ids})
    )
    for model_id, field, source, value, seen_at in rows.all():
        if field not in _SHOWN:
            continue
        values = grouped.setdefault(model_id, {}).setdefault(field, [])
        values.append((precedence(source), source, decode(field, value), seen_at))
    result: dict[int, dict[str, FieldFacts]] = {}
    for model_id, fields in grouped.items():
        found = result[model_id] = {}
        for field, values in fields.items():
            values.sort(key=_by_rank)
            ordered = tuple(
                SourcedValue(source, value, seen_at) for _, source, value, seen_at in values
            )
            found[field] = FieldFacts(
                field=field,
                values=ordered,
                disagreement=disagree(field, (value for _, _, value, _ in values)),
            )
    return result


_SHOWN = frozenset(SHOWN_FIELDS)


def _by_rank(value: tuple[int, str, Any, datetime]) -> tuple[int, str]:
    """Most trusted source first, ties by the source's name (as `precedence` ranks them)."""
    return value[0], value[1]
