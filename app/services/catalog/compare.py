"""Two to four models side by side (`/compare`), and the picker that leads there.

The model page's loader costs four statements per model (and its week of
history is not needed here), so the comparison loads every model at once in a
fixed number of statements whatever the number of models or endpoints:

1. the models' identity, context and modalities (also how unknown and merged ids are found);
2. the calculator's `load_subjects`: every endpoint with its provider, features
   and current standard and batch prices; the cost row estimates from these very
   offers, so capabilities, cheapest prices and the cost cannot disagree;
3. every endpoint's latest throughput and latency;
4. the ratings by stars, each model's row of counts (`model_community_counts`).

Each figure means what it means on the model page: a capability is supported
when some provider's or router's endpoint takes its parameters (the
Integrations section); the prices are the model's headline offer's, by the
one rule every page quotes prices by (`services.pricing.headline_price`); best
throughput and latency are the best p50 figures of that same set of endpoints
(the providers table); ratings are summarised by
`community_page.summarise_ratings`. The workload is read and estimated by the
calculator, exactly as `/calculator` does.

Ids come from `?models=a/b,c/d` or repeated `models=` parameters; they keep
the order given, which is also the canonical order of the page's URL.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Row, bindparam, select, union_all
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, Model, ModelCommunityCounts, ModelRedirect, Provider
from app.models.community import RATINGS_BY_STARS_COLUMNS
from app.services.catalog.catalog_page import parse_catalog_query, search_catalog
from app.services.catalog.catalog_rows import CatalogRow
from app.services.catalog.modalities import modalities_of, split_modalities
from app.services.community.community_page import RatingSummary, summarise_ratings
from app.services.community.ratings import STAR_CHOICES
from app.services.pricing.calculator import (
    Comparison,
    ModelEstimate,
    Offer,
    Subject,
    estimate_model,
    load_subjects,
)
from app.services.pricing.headline_price import CheapestPrices, headline, quoted_prices
from app.services.pricing.workload import Limits, Presets, read_workload

MIN_MODELS = 2
MAX_MODELS = 4
# Ids looked up at most, so a page that asks for too many can still show which exist.
MAX_LOOKUP = 12
MAX_ID_LENGTH = 200
MAX_ECHO = 60
MAX_LISTED = 5
PICK_RESULTS = 12
EXAMPLE_ID = "mistral/mistral-small-2603"
ID_HINT = f"Use author/model as in a model page's address, such as {EXAMPLE_ID}."
PRICE_KINDS = ("input", "output", "cache_read", "cache_write", "reasoning")
# Each feature of the Capabilities rows -> the model column where sources state it.
STATED_FEATURES = {"tools": "tool_calling", "json": "structured_outputs", "reasoning": "reasoning"}

_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*/[A-Za-z0-9][A-Za-z0-9._:-]*")
_SEPARATORS = re.compile(r"[,\s]+")


class CompareError(ValueError):
    """These ids cannot be compared; the message names every problem.

    `known` are the catalog's models among the ids, in the order given, so the
    error page can offer them again in the picker.
    """

    def __init__(self, message: str, known: tuple["ModelChoice", ...]) -> None:
        super().__init__(message)
        self.known = known


@dataclass(frozen=True)
class ModelIds:
    """The ids a URL names, well-formed and each once, in the order given, and what was wrong."""

    ids: tuple[str, ...]
    problems: tuple[str, ...]

    def text(self) -> str:
        """The ids as the canonical `models` parameter value."""
        return ",".join(self.ids)


@dataclass(frozen=True)
class ModelChoice:
    """A model as the picker lists it."""

    slug: str
    name: str
    author_name: str


@dataclass(frozen=True)
class Figure:
    """A best measured figure and the offer it was measured at (None: nothing measured)."""

    value: Decimal | None = None
    offer: str | None = None


@dataclass(frozen=True)
class Support:
    """Which offers of a model support a feature, out of how many offers are listed, and
    what sources state of the model (`stated`: None when none says either way)."""

    supporting: tuple[str, ...]
    offered_by: int
    stated: bool | None = None

    @property
    def supported(self) -> bool | None:
        """Like the model page: yes when an offer or a source says so, no only when a
        source says no, else None ("not known")."""
        if self.supporting or self.stated:
            return True
        return self.stated


@dataclass(frozen=True)
class ComparedModel:
    """One column of the comparison."""

    slug: str
    name: str
    status: str
    author_name: str
    context_window: int | None
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    features: Mapping[str, Support]
    cheapest: CheapestPrices
    throughput: Figure
    ttft: Figure
    ratings: RatingSummary

    @property
    def url_parts(self) -> tuple[str, str]:
        """(author slug, model slug) as in the model page's URL."""
        author, _, model = self.slug.partition("/")
        return author, model


# How each ranked row picks its best figure (max or min), and where a model's figure is.
_RANKED: dict[str, tuple[Callable[[Iterable[Any]], Any], Callable[[Any], Any]]] = {
    "context_window": (max, lambda model: model.context_window),
    **{kind: (min, attrgetter(f"cheapest.{kind}")) for kind in PRICE_KINDS},
    "throughput": (max, lambda model: model.throughput.value),
    "ttft": (min, lambda model: model.ttft.value),
    "rating": (max, lambda model: model.ratings.average),
}


@dataclass(frozen=True)
class ModelComparison:
    """The compare page: the models in the order given and the workload's cost on each."""

    models: tuple[ComparedModel, ...]
    costs: Comparison
    leaders: Mapping[str, frozenset[str]]

    @property
    def ids_text(self) -> str:
        return self.costs.models_text

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(model.name for model in self.models)

    def ids_without(self, slug: str) -> str:
        """The `models` value of this comparison with one model left out."""
        return ",".join(model.slug for model in self.models if model.slug != slug)

    @property
    def status_code(self) -> int:
        """422 when the workload asked for cannot be estimated (the calculator's rule), else 200."""
        return self.costs.status_code

    @property
    def estimates(self) -> tuple[ModelEstimate, ...]:
        """The workload on each model, in column order; empty while the workload is invalid."""
        return self.costs.results

    def pick_query(self, without: str | None = None) -> str:
        """The picker's query holding these models (but `without`), to add or replace one."""
        ids = self.ids_text if without is None else self.ids_without(without)
        return urlencode([("models", ids)], safe="/,")

    def query_string(self) -> str:
        """The canonical query: the ids, then the workload as the calculator spells it canonically.

        A URL that names no workload keeps naming none (the default preset is implied).
        """
        if not self.costs.form.requested:
            return urlencode([("models", self.ids_text)], safe="/,")
        return self.costs.query_string()

    def query_without(self, slug: str) -> str:
        """The query of this comparison with one model left out (the workload kept)."""
        items = self.costs.form.query_items() if self.costs.form.requested else []
        return urlencode([("models", self.ids_without(slug)), *items], safe="/,")


@dataclass(frozen=True)
class Picker:
    """The model chooser: the models already chosen, and the catalog's matches for a search."""

    selected: tuple[ModelChoice, ...]
    q: str = ""
    results: tuple[CatalogRow, ...] | None = None
    notes: tuple[str, ...] = ()


def read_model_ids(values: Sequence[str]) -> ModelIds:
    """Ids from `models` parameters, each a list separated by commas (or spaces).

    Empty entries (a trailing comma) are skipped; a malformed id or one given
    twice is a problem, named in the message, and kept out of `ids`.
    """
    entries = [entry for value in values for entry in _SEPARATORS.split(value) if entry]
    malformed = {e: None for e in entries if len(e) > MAX_ID_LENGTH or not _MODEL_ID.fullmatch(e)}
    counts: dict[str, int] = {}
    for entry in entries:
        if entry not in malformed:
            counts[entry] = counts.get(entry, 0) + 1
    problems = []
    if malformed:
        shown = _listing([f"“{_echo(entry)}”" for entry in malformed])
        problems.append(f"Not a model id: {shown}. {ID_HINT}")
    repeated = [entry for entry, count in counts.items() if count > 1]
    if repeated:
        problems.append(f"Listed more than once: {_listing(repeated)}. Name each model once.")
    return ModelIds(ids=tuple(counts), problems=tuple(problems))


def load_comparison(
    *, session: Session, ids: ModelIds, params: Mapping[str, str], presets: Presets
) -> ModelComparison:
    """The comparison of the models `ids` names on the workload in `params`.

    Raises CompareError when the ids are malformed, repeated, fewer than two,
    more than four or not in the catalog. Four statements when they are fine
    (see the module docstring), one when they are not.
    """
    ids, facts = _load_facts(session, ids)
    problems = list(ids.problems)
    choose = f"Choose from {MIN_MODELS} to {MAX_MODELS} models to compare"
    if not ids.ids and not ids.problems:
        problems.append(f"{choose}; none was named.")
    elif len(ids.ids) == 1:
        problems.append(f"{choose}; only {ids.ids[0]} was named.")
    elif len(ids.ids) > MAX_MODELS:
        problems.append(f"Compare at most {MAX_MODELS} models at once; {len(ids.ids)} were named.")
    unknown = [slug for slug in ids.ids[:MAX_LOOKUP] if slug not in facts]
    if unknown:
        problems.append(f"Not in the catalog: {', '.join(unknown)}. {ID_HINT}")
    known = tuple(_choice(facts[slug]) for slug in ids.ids if slug in facts)
    if problems:
        raise CompareError(" ".join(problems), known)

    subjects = load_subjects(session=session, slugs=ids.ids)
    model_ids = [facts[slug].id for slug in ids.ids]
    figures = _load_figures(session, model_ids)
    ratings = _load_ratings(session, model_ids)
    models = tuple(
        _compared(facts[slug], subjects[slug], figures, ratings.get(facts[slug].id, {}))
        for slug in ids.ids
    )
    form = read_workload(params, presets=presets, limits=Limits())
    estimates: tuple[ModelEstimate, ...] = ()
    if form.workload is not None:
        estimates = tuple(estimate_model(subjects[slug], form.workload) for slug in ids.ids)
    costs = Comparison(
        form=form, presets=presets, models_text=ids.text(), models_error=None, results=estimates
    )
    return ModelComparison(models=models, costs=costs, leaders=_leaders(models))


def load_picker(*, session: Session, ids: ModelIds, q: str) -> Picker:
    """The chooser with the catalog models among `ids` chosen and the matches for `q`.

    Ids that are malformed or not in the catalog are left out with a note. The
    search is the catalog's (every word in the name or slug), without the
    models already chosen.
    """
    ids, facts = _load_facts(session, ids)
    selected = tuple(_choice(facts[slug]) for slug in ids.ids if slug in facts)
    notes = list(ids.problems)
    unknown = [slug for slug in ids.ids[:MAX_LOOKUP] if slug not in facts]
    if unknown:
        notes.append(f"Not in the catalog, left out: {', '.join(unknown)}.")
    query, messages = parse_catalog_query(params={"q": q}, author_slugs=(), provider_slugs=())
    notes.extend(message.text for message in messages)
    results = None
    if query.q:
        page = search_catalog(session=session, query=query, page_size=PICK_RESULTS + len(selected))
        chosen = {choice.slug for choice in selected}
        results = tuple(row for row in page.rows if row.slug not in chosen)[:PICK_RESULTS]
    return Picker(selected=selected, q=query.q, results=results, notes=tuple(notes))


def _echo(text: str) -> str:
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _listing(items: Sequence[str]) -> str:
    """The first few items, then how many more: a message stays short whatever the URL holds."""
    shown = ", ".join(items[:MAX_LISTED])
    return shown if len(items) <= MAX_LISTED else f"{shown} and {len(items) - MAX_LISTED} more"


def _choice(row: Row) -> ModelChoice:
    return ModelChoice(slug=row.slug, name=row.name, author_name=row.author_name)


def _compared(
    facts: Row, subject: Subject, figures: Mapping[int, list[Row]], ratings: Mapping[int, int]
) -> ComparedModel:
    modalities = split_modalities(facts.modalities)
    offers = subject.offers
    return ComparedModel(
        slug=facts.slug,
        name=facts.name,
        status=facts.status,
        author_name=facts.author_name,
        context_window=facts.context_window,
        input_modalities=modalities["input"],
        output_modalities=modalities["output"],
        features={
            feature: _support(offers, feature, stated=getattr(facts, column))
            for feature, column in STATED_FEATURES.items()
        },
        cheapest=quoted_prices(headline(offers, author_slug=facts.slug.partition("/")[0])),
        throughput=_best(figures.get(facts.id, []), "throughput_p50", highest=True),
        ttft=_best(figures.get(facts.id, []), "ttft_p50_ms", highest=False),
        ratings=summarise_ratings(ratings),
    )


def _support(offers: Sequence[Offer], feature: str, *, stated: bool | None) -> Support:
    """Like the Integrations section: providers and routers alike, each label once."""
    supporting = dict.fromkeys(offer.label for offer in offers if feature in offer.features)
    return Support(
        supporting=tuple(supporting),
        offered_by=len({offer.label for offer in offers}),
        stated=stated,
    )


def _best(endpoints: Sequence[Row], column: str, *, highest: bool) -> Figure:
    """The best p50 figure among inference providers (routers when there are none).

    Ties go to the offer listed first on the model page (by name).
    """
    providers = [endpoint for endpoint in endpoints if endpoint.kind != "router"]
    measured = [e for e in providers or endpoints if getattr(e, column) is not None]
    if not measured:
        return Figure()
    sign = -1 if highest else 1
    best = min(measured, key=lambda e: (sign * getattr(e, column), _label(e).casefold()))
    return Figure(value=getattr(best, column), offer=_label(best))


def _label(endpoint: Row) -> str:
    return f"{endpoint.name} ({endpoint.variant})" if endpoint.variant else endpoint.name


def _leaders(models: Sequence[ComparedModel]) -> dict[str, frozenset[str]]:
    """For each ranked row, the models holding its best figure; none when all known are equal."""
    leaders = {}
    for row, (pick, value_of) in _RANKED.items():
        known = {model.slug: value_of(model) for model in models}
        values = {value for value in known.values() if value is not None}
        if len(values) > 1:
            best = pick(values)
            leaders[row] = frozenset(slug for slug, value in known.items() if value == best)
    return leaders


def _load_facts(session: Session, ids: ModelIds) -> tuple[ModelIds, dict[str, Row]]:
    """The models `ids` names, by slug, and `ids` with each old slug replaced by its model's.

    An id that a merge retired (`model_redirects`) names its canonical model, so a
    comparison linked before the merge still opens (under the canonical URL).
    One statement; none when there are no ids.
    """
    looked_up = ids.ids[:MAX_LOOKUP]
    if not looked_up:
        return ids, {}
    found = {row.asked: row for row in session.execute(_FACTS_QUERY, {"slugs": list(looked_up)})}
    canonical = [found[slug].slug if slug in found else slug for slug in ids.ids]
    counts = Counter(canonical)
    problems = list(ids.problems)
    repeated = [slug for slug, count in counts.items() if count > 1]
    if repeated:
        problems.append(
            f"Listed more than once under another id: {_listing(repeated)}. Name each model once."
        )
    facts = {row.slug: row for row in found.values()}
    return ModelIds(ids=tuple(counts), problems=tuple(problems)), facts


def _load_figures(session: Session, model_ids: Sequence[int]) -> dict[int, list[Row]]:
    by_model: dict[int, list[Row]] = {}
    for row in session.execute(_FIGURES_QUERY, {"ids": list(model_ids)}):
        by_model.setdefault(row.model_id, []).append(row)
    return by_model


def _load_ratings(session: Session, model_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """How many ratings give each model each number of stars; a model without counts is
    not in the result (no ratings, as on the model page)."""
    return {
        model_id: dict(zip(STAR_CHOICES, counts, strict=True))
        for model_id, *counts in session.execute(_RATINGS_QUERY, {"ids": list(model_ids)})
    }


# Built once with bound parameters from table columns (run as Core statements),
# like the model page's own statements.
_model = Model.__table__.c
_author = Author.__table__.c
_endpoint = Endpoint.__table__.c
_provider = Provider.__table__.c
_counted = ModelCommunityCounts.__table__.c
_redirect = ModelRedirect.__table__.c

_FACTS_COLUMNS = (
    _model.id,
    _model.slug,
    _model.name,
    _model.status,
    _model.context_window,
    _model.tool_calling,
    _model.structured_outputs,
    _model.reasoning,
    _author.name.label("author_name"),
    modalities_of(_model.id).label("modalities"),
)
# The models asked for by their slug, then those asked for by a slug they had before a
# merge (`model_redirects`); `asked` is the id as the URL gave it.
_FACTS_QUERY = union_all(
    select(*_FACTS_COLUMNS, _model.slug.label("asked"))
    .join_from(Model.__table__, Author.__table__, _author.id == _model.author_id)
    .where(_model.slug.in_(bindparam("slugs", expanding=True))),
    select(*_FACTS_COLUMNS, _redirect.old_slug.label("asked"))
    .join_from(Model.__table__, Author.__table__, _author.id == _model.author_id)
    .join(ModelRedirect.__table__, _redirect.model_id == _model.id)
    .where(_redirect.old_slug.in_(bindparam("slugs", expanding=True))),
)
_FIGURES_QUERY = (
    select(
        _endpoint.model_id,
        _endpoint.variant,
        _endpoint.throughput_p50,
        _endpoint.ttft_p50_ms,
        _provider.name,
        _provider.kind,
    )
    .join_from(Endpoint.__table__, Provider.__table__, _provider.id == _endpoint.provider_id)
    .where(
        _endpoint.model_id.in_(bindparam("ids", expanding=True)), Endpoint.on_sale(_endpoint.status)
    )
)
# The models' rows of counts, which triggers keep: the model page reads the same numbers.
_RATINGS_QUERY = select(
    _counted.model_id, *(_counted[RATINGS_BY_STARS_COLUMNS[stars]] for stars in STAR_CHOICES)
).where(_counted.model_id.in_(bindparam("ids", expanding=True)))
