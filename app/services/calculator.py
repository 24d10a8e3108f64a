"""The cost calculator's catalog side: models' current prices, estimates, comparable models.

Everything here costs a fixed number of statements whatever the number of
models or endpoints: one statement loads models with every endpoint, provider
and current standard and batch price (`load_subjects`), and "comparable
models" adds one indexed pre-selection on the per-model rollup columns plus one
more `load_subjects` for the candidates. The arithmetic is `pricing`'s.

Comparable models are those with at least this model's context window (when
known) and every one of its input modalities. The rollups (cheapest input and
output price) rank them roughly, which is enough to pick a shortlist;
their actual current price rows then decide the five cheapest for the workload.
"""

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from urllib.parse import urlencode

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Session

from app.models import Endpoint, Model, ModelModality, Price, Provider
from app.services.model_page import features_of
from app.services.model_redirects import canonical_slugs
from app.services.pricing import COMPONENT_LABELS, Estimate, PriceSheet, Workload, estimate
from app.services.workload import Limits, Presets, WorkloadForm, read_workload

ESTIMATED_TIERS = ("standard", "batch")
COMPARABLE_COUNT = 5
# Rollup prices only approximate a workload's cost (no cache, batch or
# long-context terms), so a few times more candidates than shown are priced exactly.
COMPARABLE_SHORTLIST = 25
MAX_COMPARED_MODELS = 10
FREE_VARIANT = "free"
SLUG_HINT = "Use the slugs in model page addresses, such as mistral/mistral-small-2603."
_MODEL_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._:-]*")
_SHEET_FIELDS = tuple(name for name in PriceSheet.__dataclass_fields__ if name != "tier")


@dataclass(frozen=True)
class Offer:
    """One endpoint of a model with its current standard and batch prices (None: no row)."""

    provider_slug: str
    provider_name: str
    variant: str
    is_router: bool
    context_window: int | None
    features: tuple[str, ...]
    standard: PriceSheet | None
    batch: PriceSheet | None

    @property
    def label(self) -> str:
        return f"{self.provider_name} ({self.variant})" if self.variant else self.provider_name

    @property
    def is_regular(self) -> bool:
        """An inference provider's own, unrestricted offer (not a router, not a `:free` variant)."""
        return not self.is_router and self.variant != FREE_VARIANT

    def sheet_for(self, workload: Workload) -> PriceSheet:
        """The batch price when the workload may wait and there is one; else the standard price."""
        if workload.batch and self.batch is not None:
            return self.batch
        return self.standard or PriceSheet()


@dataclass(frozen=True)
class Subject:
    """A model as the calculator sees it: its bounds and every offer of it."""

    id: int
    slug: str
    name: str
    context_window: int | None
    max_output: int | None
    reasoning: bool
    offers: tuple[Offer, ...]

    @property
    def url_parts(self) -> tuple[str, str]:
        """(author slug, model slug) as in the model page's URL."""
        author, _, model = self.slug.partition("/")
        return author, model

    def limits(self) -> Limits:
        return Limits.for_model(
            context_window=self.context_window, max_output=self.max_output, reasoning=self.reasoning
        )


@dataclass(frozen=True)
class OfferEstimate:
    """One offer's estimate; `fits` is False when the prompt exceeds the provider's context."""

    offer: Offer
    estimate: Estimate
    fits: bool
    cheapest: bool = False

    @property
    def per_month(self) -> Decimal | None:
        return self.estimate.per_month if self.fits else None


@dataclass(frozen=True)
class ModelEstimate:
    """A workload on every offer of one model, cheapest first (unknown and unfit last)."""

    subject: Subject
    workload: Workload
    rows: tuple[OfferEstimate, ...]

    @property
    def fits(self) -> bool:
        """False when a request's input exceeds the model's context window."""
        window = self.subject.context_window
        return window is None or self.workload.input_tokens <= window

    @property
    def best(self) -> OfferEstimate | None:
        """The cheapest known offer, a provider's regular one when any is known."""
        known = [row for row in self.rows if row.per_month is not None]
        regular = [row for row in known if row.offer.is_regular]
        return (regular or known or [None])[0]

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """(kind, label) of the bill's columns: the token kinds the workload uses, and
        per-request fees when any offer charges one."""
        kinds = [kind for kind, count in self.workload.tokens_per_request().items() if count]
        if any(row.estimate.component("requests").per_request for row in self.rows):
            kinds.append("requests")
        return tuple((kind, COMPONENT_LABELS[kind]) for kind in kinds)

    @property
    def notes(self) -> tuple[str, ...]:
        """Where a price stood in for a missing one, and why a total is not known."""
        notes = []
        for row in self.rows:
            if not row.fits:
                continue
            label = row.offer.label
            for component in row.estimate.components:
                if component.tokens and component.note:
                    notes.append(f"{label}: {component.label.lower()} — {component.note}.")
            if row.estimate.missing:
                missing = ", ".join(row.estimate.missing).lower()
                notes.append(f"{label}: {missing} price not known, so the total is not known.")
        return tuple(notes)


@dataclass(frozen=True)
class ComparableModel:
    """Another model that can take the same requests, with what the workload costs there."""

    estimate: ModelEstimate
    best: OfferEstimate

    @property
    def per_month(self) -> Decimal:
        assert self.best.per_month is not None, "only known estimates are comparable"
        return self.best.per_month


@dataclass(frozen=True)
class ModelCalculator:
    """What the model page's calculator shows: the form, the estimate and cheaper neighbours."""

    form: WorkloadForm
    presets: Presets
    result: ModelEstimate | None
    comparables: tuple[ComparableModel, ...]

    @property
    def status_code(self) -> int:
        return self.form.status_code

    def export_query(self) -> str:
        """Query string of this estimate's CSV export (`/calculator.csv`)."""
        assert self.result is not None, "only an estimate can be exported"
        return _models_query([self.result.subject.slug], self.form)

    def compare_query(self) -> str:
        """Query string of `/calculator` comparing this model with its comparable models."""
        assert self.result is not None, "only an estimate can be compared"
        others = [comparable.estimate.subject.slug for comparable in self.comparables]
        return _models_query([self.result.subject.slug, *others], self.form)


@dataclass(frozen=True)
class Comparison:
    """The `/calculator` page: several models on one workload."""

    form: WorkloadForm
    presets: Presets
    models_text: str
    models_error: str | None
    results: tuple[ModelEstimate, ...]

    @property
    def status_code(self) -> int:
        requested = self.form.requested or bool(self.models_text)
        return 422 if requested and (self.form.errors or self.models_error) else 200

    @property
    def cheapest(self) -> ModelEstimate | None:
        """The model whose best offer costs least for the workload, among those it fits."""
        priced = [
            (result.best.per_month, result)
            for result in self.results
            if result.fits and result.best is not None and result.best.per_month is not None
        ]
        return min(priced, key=lambda pair: pair[0], default=(None, None))[1]

    def query_string(self) -> str:
        """The canonical query of this comparison: its models, then the workload's parameters."""
        if self.models_error or self.form.workload is None:
            models = [("models", self.models_text)] if self.models_text else []
            return urlencode([*models, *self.form.query_items()], safe="/,")
        return _models_query([result.subject.slug for result in self.results], self.form)


def _models_query(slugs: Sequence[str], form: WorkloadForm) -> str:
    models = [("models", ",".join(slugs))] if slugs else []
    return urlencode([*models, *form.query_items()], safe="/,")


def model_calculator(
    *,
    session: Session,
    slug: str,
    input_modalities: Sequence[str],
    params: Mapping[str, str],
    presets: Presets,
) -> ModelCalculator:
    """The model page's calculator for the workload in `params` (three statements when valid)."""
    subject = load_subjects(session=session, slugs=[slug]).get(slug)
    if subject is None:
        raise LookupError(f"no model {slug}")
    form = read_workload(params, presets=presets, limits=subject.limits())
    if form.workload is None:
        return ModelCalculator(form=form, presets=presets, result=None, comparables=())
    return ModelCalculator(
        form=form,
        presets=presets,
        result=estimate_model(subject, form.workload),
        comparables=comparable_models(
            session=session,
            subject=subject,
            input_modalities=input_modalities,
            workload=form.workload,
        ),
    )


def compare_models(*, session: Session, params: Mapping[str, str], presets: Presets) -> Comparison:
    """The `/calculator` comparison: the models in `?models=a/b,c/d` on the workload in `params`.

    The workload is bounded generically here; a model whose context window is
    smaller than a request's input is listed as not fitting rather than refused.
    """
    models_text = params.get("models", "").strip()
    slugs, models_error = read_model_slugs(models_text)
    slugs = canonical_slugs(session=session, slugs=slugs)
    subjects = load_subjects(session=session, slugs=slugs)
    unknown = [slug for slug in slugs if slug not in subjects]
    if unknown and models_error is None:
        models_error = f"Not in the catalog: {', '.join(unknown)}. {SLUG_HINT}"
    form = read_workload(params, presets=presets, limits=Limits())
    results: tuple[ModelEstimate, ...] = ()
    if form.workload is not None:
        workload = form.workload
        results = tuple(estimate_model(subjects[s], workload) for s in slugs if s in subjects)
    return Comparison(
        form=form,
        presets=presets,
        models_text=models_text,
        models_error=models_error,
        results=results,
    )


def read_model_slugs(text: str) -> tuple[list[str], str | None]:
    """Model slugs from `a/b,c/d` (commas or spaces), de-duplicated, with a message if unusable."""
    slugs = list(dict.fromkeys(part for part in re.split(r"[,\s]+", text) if part))
    malformed = [slug for slug in slugs if not _MODEL_SLUG.fullmatch(slug) or len(slug) > 200]
    if malformed:
        shown = ", ".join(slug[:60] for slug in malformed[:3])
        return [], f"Not a model slug: {shown}. {SLUG_HINT}"
    if len(slugs) > MAX_COMPARED_MODELS:
        return [], f"Compare at most {MAX_COMPARED_MODELS} models at once."
    return slugs, None


def estimate_model(subject: Subject, workload: Workload) -> ModelEstimate:
    """The workload on each of the model's offers, cheapest first, the cheapest marked.

    "Cheapest" is the price of the best offer (`ModelEstimate.best`), and every
    offer at that price is marked, a router's included; a rate-limited `:free`
    variant below it is listed first but not marked. A model that does not
    reason is estimated without the reasoning tokens.
    """
    effective = workload if subject.reasoning else workload.without_reasoning()
    rows = sorted(
        (
            OfferEstimate(
                offer=offer,
                estimate=estimate(effective, offer.sheet_for(effective)),
                fits=offer.context_window is None or effective.input_tokens <= offer.context_window,
            )
            for offer in subject.offers
        ),
        key=_cheapest_first,
    )
    best = ModelEstimate(subject=subject, workload=effective, rows=tuple(rows)).best
    lowest = None if best is None else best.per_month
    marked = tuple(
        replace(row, cheapest=lowest is not None and row.per_month == lowest) for row in rows
    )
    return ModelEstimate(subject=subject, workload=effective, rows=marked)


def _cheapest_first(row: OfferEstimate) -> tuple[bool, Decimal, bool, str]:
    unknown = row.per_month is None
    return (unknown, row.per_month or Decimal(0), not row.offer.is_regular, row.offer.label)


def comparable_models(
    *,
    session: Session,
    subject: Subject,
    input_modalities: Sequence[str],
    workload: Workload,
) -> tuple[ComparableModel, ...]:
    """The five models cheapest for this workload among those that can take the same requests.

    A model priced only through a rate-limited `:free` variant is left out: $0
    there says nothing about what a production workload would cost.
    """
    input_weight = workload.input_tokens
    output_weight = workload.output_tokens + workload.reasoning_tokens
    shortlist = _shortlist_query(
        by_input=bool(input_weight),
        by_output=bool(output_weight),
        min_context=subject.context_window is not None,
        modality_count=len(input_modalities),
    )
    ids = list(
        session.scalars(
            shortlist,
            {
                "subject_id": subject.id,
                "input_weight": input_weight,
                "output_weight": output_weight,
                "context_window": subject.context_window,
                **{f"modality_{n}": modality for n, modality in enumerate(input_modalities)},
            },
        )
    )
    if not ids:
        return ()
    candidates = load_subjects(session=session, ids=ids)
    comparables = []
    for candidate in candidates.values():
        result = estimate_model(candidate, workload)
        best = result.best
        if best is not None and result.fits and best.offer.variant != FREE_VARIANT:
            comparables.append(ComparableModel(estimate=result, best=best))
    comparables.sort(key=lambda c: (c.per_month, c.estimate.subject.name.casefold()))
    return tuple(comparables[:COMPARABLE_COUNT])


# The calculator's statements are built once, with bound parameters, from
# table columns (run as Core statements): building them per request, and the
# ORM's result machinery, cost more than the queries themselves.
_model = Model.__table__.c
_modality = ModelModality.__table__.c
_endpoint = Endpoint.__table__.c
_provider = Provider.__table__.c
_price = Price.__table__.c


@cache
def _shortlist_query(
    *, by_input: bool, by_output: bool, min_context: bool, modality_count: int
) -> Select[tuple[int]]:
    """Ids of the models ranked cheapest by their rollup prices, for one shape of workload.

    Parameters: `subject_id`, `input_weight`, `output_weight`, `context_window`
    and `modality_0`... (the input modalities every candidate must take).
    """
    shortlist = (
        select(_model.id)
        .where(_model.id != bindparam("subject_id"), _model.status != "deprecated")
        .order_by(
            func.coalesce(_model.price_input_min, 0) * bindparam("input_weight", type_=BigInteger)
            + func.coalesce(_model.price_output_min, 0)
            * bindparam("output_weight", type_=BigInteger),
            _model.id,
        )
        .limit(COMPARABLE_SHORTLIST)
    )
    if by_input:
        shortlist = shortlist.where(_model.price_input_min.is_not(None))
    if by_output:
        shortlist = shortlist.where(_model.price_output_min.is_not(None))
    if min_context:
        shortlist = shortlist.where(_model.context_window >= bindparam("context_window"))
    for number in range(modality_count):
        shortlist = shortlist.where(
            exists().where(
                _modality.model_id == _model.id,
                _modality.direction == "input",
                _modality.modality == bindparam(f"modality_{number}"),
            )
        )
    return shortlist


def _subjects_query(condition: ColumnElement[bool]) -> Select:
    """Models matching `condition` outer-joined to their endpoints, providers and the
    current standard and batch price rows (on the `ix_prices_current` index)."""
    return (
        select(
            _model.id,
            _model.slug,
            _model.name,
            _model.context_window,
            _model.max_output,
            _model.reasoning,
            _endpoint.id.label("endpoint_id"),
            _endpoint.variant,
            _endpoint.context_window.label("endpoint_context_window"),
            _endpoint.supported_parameters,
            _provider.slug.label("provider_slug"),
            _provider.name.label("provider_name"),
            _provider.kind,
            _price.service_tier,
            *(_price[name].label(f"price_{name}") for name in _SHEET_FIELDS),
        )
        .select_from(Model.__table__)
        .outerjoin(
            Endpoint.__table__,
            and_(_endpoint.model_id == _model.id, Endpoint.on_sale(_endpoint.status)),
        )
        .outerjoin(Provider.__table__, _provider.id == _endpoint.provider_id)
        .outerjoin(
            Price.__table__,
            and_(
                _price.endpoint_id == _endpoint.id,
                _price.effective_to.is_(None),
                _price.service_tier.in_(ESTIMATED_TIERS),
            ),
        )
        .where(condition)
        .order_by(_model.id, _endpoint.id)
    )


_SUBJECTS_BY_SLUG = _subjects_query(_model.slug.in_(bindparam("slugs", expanding=True)))
_SUBJECTS_BY_ID = _subjects_query(_model.id.in_(bindparam("ids", expanding=True)))


def load_subjects(
    *, session: Session, slugs: Collection[str] = (), ids: Collection[int] = ()
) -> dict[str, Subject]:
    """The models with these slugs or ids, by slug, each with every offer and its current prices.

    One statement (none when nothing is asked for).
    """
    if slugs:
        rows = session.execute(_SUBJECTS_BY_SLUG, {"slugs": list(slugs)}).all()
    elif ids:
        rows = session.execute(_SUBJECTS_BY_ID, {"ids": list(ids)}).all()
    else:
        return {}
    by_model: dict[int, list] = {}
    for row in rows:
        by_model.setdefault(row.id, []).append(row)
    return {model_rows[0].slug: _subject(model_rows) for model_rows in by_model.values()}


def _subject(rows: Sequence) -> Subject:
    first = rows[0]
    by_endpoint: dict[int, list] = {}
    for row in rows:
        if row.endpoint_id is not None:
            by_endpoint.setdefault(row.endpoint_id, []).append(row)
    offers = tuple(_offer(endpoint_rows) for endpoint_rows in by_endpoint.values())
    reasoning = first.reasoning or any(_reveals_reasoning(offer) for offer in offers)
    return Subject(
        id=first.id,
        slug=first.slug,
        name=first.name,
        context_window=first.context_window,
        max_output=first.max_output,
        reasoning=reasoning,
        offers=offers,
    )


def _reveals_reasoning(offer: Offer) -> bool:
    """An offer shows the model reasons when it takes reasoning parameters or prices reasoning."""
    sheets = (sheet for sheet in (offer.standard, offer.batch) if sheet is not None)
    return "reasoning" in offer.features or any(sheet.reasoning is not None for sheet in sheets)


def _offer(rows: Sequence) -> Offer:
    first = rows[0]
    sheets = {row.service_tier: _sheet(row) for row in rows if row.service_tier is not None}
    return Offer(
        provider_slug=first.provider_slug,
        provider_name=first.provider_name,
        variant=first.variant,
        is_router=first.kind == "router",
        context_window=first.endpoint_context_window,
        features=features_of(first.supported_parameters or ()),
        standard=sheets.get("standard"),
        batch=sheets.get("batch"),
    )


def _sheet(row: Row) -> PriceSheet:
    return PriceSheet(
        tier=row.service_tier, **{name: getattr(row, f"price_{name}") for name in _SHEET_FIELDS}
    )
