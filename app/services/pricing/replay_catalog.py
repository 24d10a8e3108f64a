"""The catalog as a usage replay needs it: which model an id names, and every dated price.

Usage logs name models the way the API that served them does: OpenRouter's
`mistralai/mistral-small-2603`, a provider's own `mistral-small-2603`, or our
slug `mistral/mistral-small-2603`. `resolve_model_ids` maps them all to our
models with one statement per kind of id, however many rows the log has;
an id that names different models at different sources is left unresolved
(ambiguous), never guessed. Ids still unknown go through the catalog's own
resolver (`CatalogWriter.find_model_for_offer`: the lab an id names, the
reviewed alias table, serving-variant suffixes, merged models' old slugs),
then are compared by spelling-blind merge key (`model_keys`) with our
models' slugs: a lab's API answers with its dated snapshot
(`gpt-4o-mini-2024-07-18`, `claude-sonnet-4-20250514`), which is priced as
the undated model unless the catalog lists that snapshot as a model of its
own. That costs a few statements more, once per log, not per id.

`load_offers` then reads, in two statements, the resolved models and every
standard-tier price row of every endpoint of theirs, oldest first, so each
row of the log can be priced at the price in force on its own date.
"""

import bisect
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, ExternalId, Model, Price, Provider
from app.services.catalog.author_aliases import FIRST_PARTY_PROVIDERS
from app.services.catalog.catalog_writer import CatalogWriter
from app.services.catalog.model_keys import merge_key, parse_model_ref
from app.services.pricing.headline_price import FREE_VARIANT
from app.services.pricing.price_rows_writer import start_of
from app.services.pricing.workload_cost import PriceSheet

STANDARD_TIER = "standard"
# No stored id holds a NUL character, and PostgreSQL cannot even be asked for one (its text
# cannot contain U+0000): a log's id with one in it is an unknown model, looked up nowhere.
_NUL = "\x00"
_SHEET_FIELDS = tuple(name for name in PriceSheet.__dataclass_fields__ if name != "tier")


@dataclass(frozen=True)
class Resolution:
    """What the catalog makes of the model ids in a log: id -> model id, and the ambiguous ones."""

    models: dict[str, int]
    ambiguous: frozenset[str]


def resolve_model_ids(*, session: Session, ids: Collection[str]) -> Resolution:
    """Our model for each id: by slug, then external id (OpenRouter's...), then provider model id.

    Ids are matched as written and in lower case, and an id with a provider
    prefix (`openai/gpt-4o`, as LiteLLM writes it) also by what follows the
    prefix. One statement per kind of id.
    """
    candidates = {text: _spellings(text) for text in ids if _NUL not in text}
    every = sorted({spelling for spellings in candidates.values() for spelling in spellings})
    if not every:
        return Resolution(models={}, ambiguous=frozenset())
    by_slug = _single_models(
        session.execute(select(Model.slug, Model.id).where(Model.slug.in_(every)))
    )
    by_external = _single_models(
        session.execute(
            select(ExternalId.external_id, ExternalId.model_id).where(
                ExternalId.external_id.in_(every)
            )
        )
    )
    by_endpoint = _single_models(
        session.execute(
            select(Endpoint.provider_model_id, Endpoint.model_id).where(
                Endpoint.provider_model_id.in_(every)
            )
        )
    )
    models: dict[str, int] = {}
    ambiguous: set[str] = set()
    for text, spellings in candidates.items():
        for table in (by_slug, by_external, by_endpoint):
            found = next((table[s] for s in spellings if s in table), None)
            if found is None:
                continue
            if found < 0:
                ambiguous.add(text)
            else:
                models[text] = found
            break
    unknown = [text for text in candidates if text not in models and text not in ambiguous]
    if unknown:
        _resolve_by_rules(session, unknown, models, ambiguous)
    return Resolution(models=models, ambiguous=frozenset(ambiguous))


def _resolve_by_rules(
    session: Session, unknown: Sequence[str], models: dict[str, int], ambiguous: set[str]
) -> None:
    """Ids not stored as written: the catalog's resolver (labs, aliases, serving variants,
    merged models' old slugs), then the spelling-blind key, dated snapshots as their model."""
    writer = CatalogWriter(session=session)
    by_key = _single_models(
        (merge_key(slug.partition("/")[2]).full, model.id)
        for slug, model in writer.models_by_slug.items()
    )
    for text in unknown:
        place = writer.find_model_for_offer("", text)
        if place is not None:
            models[text] = place.model.id
            continue
        key = merge_key(parse_model_ref("", text).bare_id)
        found = by_key.get(key.full, by_key.get(key.base))
        if found is not None and found < 0:
            ambiguous.add(text)
        elif found is not None:
            models[text] = found


def _spellings(text: str) -> tuple[str, ...]:
    """The id, lower-cased, and without a provider prefix, most specific first."""
    spellings = [text, text.lower()]
    prefix, slash, rest = text.partition("/")
    if slash and prefix and rest:
        spellings += [rest, rest.lower()]
    return tuple(dict.fromkeys(spellings))


def _single_models(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    """id -> model id; -1 where one id names several models (ambiguous)."""
    found: dict[str, int] = {}
    for key, model_id in rows:
        if found.get(key, model_id) != model_id:
            found[key] = -1
        else:
            found[key] = model_id
    return found


@dataclass(frozen=True)
class DatedPrice:
    """One standard-tier price row: in force from `start` until `end` (None: still)."""

    start: datetime
    end: datetime | None
    sheet: PriceSheet


@dataclass(frozen=True)
class PriceAt:
    """The price that applies on a day; `assumed_from` is set when the day is before the first
    recorded price, which then stands in for the unknown earlier one."""

    sheet: PriceSheet
    assumed_from: date | None = None


@dataclass(frozen=True)
class ReplayOffer:
    """One provider's offer of a model with its whole standard-tier price history."""

    provider_slug: str
    provider_name: str
    variant: str
    is_router: bool
    is_lab: bool
    prices: tuple[DatedPrice, ...]
    retired_at: datetime | None = None

    @property
    def label(self) -> str:
        return f"{self.provider_name} ({self.variant})" if self.variant else self.provider_name

    @property
    def is_regular(self) -> bool:
        """An inference provider's own, unrestricted offer (not a router, not a `:free` variant)."""
        return not self.is_router and self.variant != FREE_VARIANT

    def price_on(self, day: date) -> PriceAt | None:
        """The price in force at 00:00 UTC on `day` (when dated changes take effect).

        Before the first recorded price, that first price is assumed; in a gap
        between two rows, after the last one closed, or once the offer was
        retired (no longer listed by its source), there is no price.
        """
        moment = start_of(day)
        if not self.prices or (self.retired_at is not None and self.retired_at <= moment):
            return None
        index = bisect.bisect_right(self._starts, moment) - 1
        if index < 0:
            first = self.prices[0]
            return PriceAt(sheet=first.sheet, assumed_from=first.start.date())
        found = self.prices[index]
        if found.end is not None and found.end <= moment:
            return None
        return PriceAt(sheet=found.sheet)

    @cached_property
    def _starts(self) -> list[datetime]:
        return [price.start for price in self.prices]


@dataclass(frozen=True)
class ReplayModel:
    """A model of the catalog with every offer of it."""

    id: int
    slug: str
    name: str
    author_slug: str
    offers: tuple[ReplayOffer, ...]


def load_offers(*, session: Session, model_ids: Collection[int]) -> dict[int, ReplayModel]:
    """The models with these ids, each with every offer and its price history (two statements)."""
    if not model_ids:
        return {}
    ids = sorted(model_ids)
    offer_rows = session.execute(
        select(
            Model.id,
            Model.slug,
            Model.name,
            Author.slug.label("author_slug"),
            Endpoint.id.label("endpoint_id"),
            Endpoint.variant,
            Endpoint.retired_at,
            Provider.slug.label("provider_slug"),
            Provider.name.label("provider_name"),
            Provider.kind,
        )
        .join(Author, Author.id == Model.author_id)
        .outerjoin(Endpoint, Endpoint.model_id == Model.id)
        .outerjoin(Provider, Provider.id == Endpoint.provider_id)
        .where(Model.id.in_(ids))
        .order_by(Model.id, Endpoint.id)
    ).all()
    price_rows = session.execute(
        select(Price.endpoint_id, Price.effective_from, Price.effective_to, *_price_columns())
        .join(Endpoint, Endpoint.id == Price.endpoint_id)
        .where(Endpoint.model_id.in_(ids), Price.service_tier == STANDARD_TIER)
        .order_by(Price.endpoint_id, Price.effective_from)
    ).all()
    prices: dict[int, list[DatedPrice]] = {}
    for row in price_rows:
        values = {name: getattr(row, name) for name in _SHEET_FIELDS}
        sheet = PriceSheet(tier=STANDARD_TIER, **values)
        prices.setdefault(row.endpoint_id, []).append(
            DatedPrice(start=row.effective_from, end=row.effective_to, sheet=sheet)
        )
    return _models(offer_rows, prices)


def _price_columns() -> list:
    return [getattr(Price, name) for name in _SHEET_FIELDS]


def _models(rows: Sequence, prices: dict[int, list[DatedPrice]]) -> dict[int, ReplayModel]:
    by_model: dict[int, list] = {}
    for row in rows:
        by_model.setdefault(row.id, []).append(row)
    models = {}
    for model_id, model_rows in by_model.items():
        first = model_rows[0]
        offers = tuple(
            ReplayOffer(
                provider_slug=row.provider_slug,
                provider_name=row.provider_name,
                variant=row.variant,
                is_router=row.kind == "router",
                is_lab=FIRST_PARTY_PROVIDERS.get(row.provider_slug, row.provider_slug)
                == first.author_slug,
                prices=tuple(prices.get(row.endpoint_id, ())),
                retired_at=row.retired_at,
            )
            for row in model_rows
            if row.endpoint_id is not None
        )
        models[model_id] = ReplayModel(
            id=model_id,
            slug=first.slug,
            name=first.name,
            author_slug=first.author_slug,
            offers=offers,
        )
    return models
