"""The cost calculator's catalog side: models' current prices, estimates, comparable models.

Everything here costs a fixed number of statements whatever the number of
models or endpoints: one statement loads models with every endpoint, provider
and current standard and batch price (`load_subjects`), and "comparable
models" adds one: on the stored workloads an indexed ranking of what the
rollup refresh stored (`services.pricing.stored_workload_costs`), on others
an indexed pre-selection on the per-model rollup columns, then one more
`load_subjects` for those candidates. The arithmetic is `pricing`'s.

Comparable models are those with at least this model's context window (when
known) and every one of its input modalities. On a workload not stored, the
rollups (cheapest input and output price) rank them roughly, which is enough
to pick a shortlist; their actual current price rows then decide the five
cheapest for the workload.
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
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app.db import Money
from app.execute_core import execute_core
from app.literal_limits import literal_count
from app.models import Endpoint, Model, ModelModality, ModelWorkloadCost, Price, Provider
from app.named_rows import NamedRow, named_rows
from app.services.catalog.model_redirects import canonical_slugs
from app.services.model_page.model_page_loader import (
    BATCH_SHEET,
    STANDARD_SHEET,
    SUPPORTED_PARAMETERS_TEXT,
    ModelPage,
    features_of_json,
)
from app.services.pricing.headline_price import (
    API_SELLER,
    OUTLIER_NOTE,
    ROUTER,
    headline,
    is_free,
)
from app.services.pricing.stored_workload_costs import (
    stored_per_month,
    stored_workload_keys,
    workload_key,
)
from app.services.pricing.workload import Limits, Presets, WorkloadForm, read_workload
from app.services.pricing.workload_cost import (
    COMPONENT_LABELS,
    PRICE_SHEET_COLUMNS,
    Estimate,
    PriceSheet,
    Workload,
    estimate,
    monthly_cost,
)

ESTIMATED_TIERS = ("standard", "batch")
COMPARABLE_COUNT = 5
# Rollup prices only approximate a workload's cost (no cache, batch or
# long-context terms), so a few times more candidates than shown are priced exactly.
COMPARABLE_SHORTLIST = 25
# Ranked by their stored cost, the candidates are in their final order: enough are read to
# list five after dropping other ids of one model (same name), the database's walk of its
# index stopping there.
COMPARABLE_STORED_ROWS = 2 * COMPARABLE_COUNT
# Comparable models cost at least 1/COMPARABLE_BAND and at most COMPARABLE_BAND times as much.
COMPARABLE_BAND = Decimal(4)
# Statuses of models no longer offered: never suggested as an alternative.
GONE_STATUSES = ("deprecated", "retired")
MAX_COMPARED_MODELS = 10
SLUG_HINT = "Use the slugs in model page addresses, such as mistral/mistral-small-2603."
_MODEL_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._:-]*")
# What is not a letter or digit: `\W` is everything but `str.isalnum` and the underscore.
_NOT_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Offer:
    """One endpoint of a model with its current standard and batch prices (None: no row)."""

    provider_slug: str
    provider_name: str
    variant: str
    provider_kind: str
    context_window: int | None
    features: tuple[str, ...]
    standard: PriceSheet | None
    batch: PriceSheet | None
    far_below_lab_price: bool = False

    @property
    def label(self) -> str:
        return f"{self.provider_name} ({self.variant})" if self.variant else self.provider_name

    @property
    def is_router(self) -> bool:
        return self.provider_kind == ROUTER

    @property
    def price_note(self) -> str | None:
        """What the row says of its price when the price is not to be trusted as it stands."""
        return OUTLIER_NOTE if self.far_below_lab_price else None

    @property
    def is_regular(self) -> bool:
        """An offer that may set the headline price: an API provider's own paid offer (not a
        router, not a free one), not flagged as far below the lab's price."""
        return (
            self.provider_kind == API_SELLER and not is_free(self) and not self.far_below_lab_price
        )

    @property
    def input_price(self) -> Decimal | None:
        return None if self.standard is None else self.standard.input

    @property
    def output_price(self) -> Decimal | None:
        return None if self.standard is None else self.standard.output

    @property
    def cache_read_price(self) -> Decimal | None:
        return None if self.standard is None else self.standard.cache_read

    @property
    def cache_write_price(self) -> Decimal | None:
        return None if self.standard is None else self.standard.cache_write

    @property
    def reasoning_price(self) -> Decimal | None:
        return None if self.standard is None else self.standard.reasoning

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
    # True: it reasons; False: it does not; None: not known.
    reasoning: bool | None
    offers: tuple[Offer, ...]

    @property
    def url_parts(self) -> tuple[str, str]:
        """(author slug, model slug) as in the model page's URL."""
        author, _, model = self.slug.partition("/")
        return author, model

    def fits(self, workload: Workload) -> bool:
        """False when a request's input exceeds the model's context window."""
        return _fits_window(self.context_window, workload)

    def limits(self) -> Limits:
        return Limits.for_model(
            context_window=self.context_window,
            max_output=self.max_output,
            # Asked for unless the model is known not to reason: a model not known to
            # reason is estimated without them, and the estimate says what they would add.
            reasoning=self.reasoning is not False,
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
    """A workload on every offer of one model, cheapest first (unknown and unfit last).

    Offers that may set the headline price come first (see `estimate_model`),
    so the first known row is the model's cheapest. `unbilled_reasoning` is the
    reasoning tokens per request left out because whether the model reasons is
    not known, and `unbilled_reasoning_cost` what they would add a month at the
    cheapest offer.
    """

    subject: Subject
    workload: Workload
    rows: tuple[OfferEstimate, ...]
    unbilled_reasoning: int = 0
    unbilled_reasoning_cost: Decimal | None = None

    @property
    def fits(self) -> bool:
        """False when a request's input exceeds the model's context window."""
        return self.subject.fits(self.workload)

    @property
    def best(self) -> OfferEstimate | None:
        """The first row when its total is known: a provider's regular offer when any is known."""
        first = self.rows[0] if self.rows else None
        return first if first is not None and first.per_month is not None else None

    @property
    def router_below(self) -> OfferEstimate | None:
        """The cheapest router offer when it costs less than the best provider's offer."""
        best = self.best
        if best is None or best.offer.is_router:
            return None
        lower = [
            row
            for row in self.rows
            if row.offer.is_router
            and not is_free(row.offer)
            and row.per_month is not None
            and best.per_month is not None
            and row.per_month < best.per_month
        ]
        return lower[0] if lower else None

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
        if self.unbilled_reasoning:
            notes.append(self.reasoning_note)
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

    @property
    def reasoning_note(self) -> str:
        """Why reasoning tokens of the workload were not billed, and what they would add."""
        tokens = f"{self.unbilled_reasoning:,}"
        note = (
            f"Whether {self.subject.name} reasons is not known, so the workload's {tokens}"
            " reasoning tokens per request are not billed"
        )
        best = self.best
        if best is None or self.unbilled_reasoning_cost is None:
            return f"{note}."
        extra = f"{self.unbilled_reasoning_cost:,.2f}"
        return f"{note}; if it does reason, they add ${extra} a month at {best.offer.label}."


@dataclass(frozen=True)
class ComparableModel:
    """Another model that can take the same requests, with what the workload costs there at
    its cheapest offer (`offer_label`)."""

    id: int
    slug: str
    name: str
    context_window: int | None
    offer_label: str
    per_month: Decimal

    @property
    def url_parts(self) -> tuple[str, str]:
        """(author slug, model slug) as in the model page's URL."""
        author, _, model = self.slug.partition("/")
        return author, model


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
        others = [comparable.slug for comparable in self.comparables]
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
    subject: Subject | None = None,
) -> ModelCalculator:
    """The model page's calculator for the workload in `params` (three statements when valid;
    on a stored workload two, or four when nothing stored qualifies and the candidates are
    worked out; one fewer when the model's `subject` is given, as the model page gives it:
    `page_subject`)."""
    subject = subject or load_subjects(session=session, slugs=[slug]).get(slug)
    if subject is None:
        raise LookupError(f"no model {slug}")
    form = read_workload(params, presets=presets, limits=subject.limits())
    if form.workload is None:
        return ModelCalculator(form=form, presets=presets, result=None, comparables=())
    result = estimate_model(subject, form.workload)
    return ModelCalculator(
        form=form,
        presets=presets,
        result=result,
        comparables=comparable_models(
            session=session,
            subject=subject,
            input_modalities=input_modalities,
            workload=form.workload,
            cost=result.best.per_month if result.best else None,
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

    Offers that may set the headline price (`Offer.is_regular`) come first,
    cheapest first, then routers, `:free` variants and offers far below the
    lab's price, then those whose total is not known: so "Cheapest" is always
    the first row, and every regular offer at its price is marked with it.

    A model that does not reason is estimated without the reasoning tokens.
    One not known to reason is too, and the estimate says so (see
    `ModelEstimate.reasoning_note`) instead of silently billing nothing.
    """
    effective = workload if subject.reasoning else workload.without_reasoning()
    rows = sorted(_offer_estimates(subject, effective), key=_cheapest_first)
    first = rows[0] if rows else None
    lowest = None if first is None or not first.offer.is_regular else first.per_month
    marked = tuple(
        replace(
            row,
            cheapest=(row is first and row.per_month is not None)
            or (lowest is not None and row.offer.is_regular and row.per_month == lowest),
        )
        for row in rows
    )
    unbilled = workload.reasoning_tokens if subject.reasoning is None else 0
    result = ModelEstimate(
        subject=subject, workload=effective, rows=marked, unbilled_reasoning=unbilled
    )
    best = result.best
    if not unbilled or best is None or best.per_month is None:
        return result
    with_reasoning = estimate(workload, best.offer.sheet_for(workload)).per_month
    extra = None if with_reasoning is None else with_reasoning - best.per_month
    return replace(result, unbilled_reasoning_cost=extra)


def best_offer(subject: Subject, workload: Workload) -> OfferEstimate | None:
    """`estimate_model(subject, workload).best`, the bill drawn up for that offer alone.

    Comparable models show only each candidate's cheapest offer: its offers
    are ranked by their totals (`pricing.monthly_cost`) in `estimate_model`'s
    order, and only the winner is estimated line by line.
    """
    effective = workload if subject.reasoning else workload.without_reasoning()
    ranked = (
        (_cheapest_key(offer, monthly_cost(effective, offer.sheet_for(effective))), offer)
        for offer in subject.offers
        if _offer_fits(offer, effective)
    )
    key, offer = min(ranked, key=lambda pair: pair[0], default=(None, None))
    if key is None or offer is None or key[0]:
        return None
    return OfferEstimate(
        offer=offer,
        estimate=estimate(effective, offer.sheet_for(effective)),
        fits=True,
        cheapest=True,
    )


def _offer_estimates(subject: Subject, workload: Workload) -> list[OfferEstimate]:
    return [
        OfferEstimate(
            offer=offer,
            estimate=estimate(workload, offer.sheet_for(workload)),
            fits=_offer_fits(offer, workload),
        )
        for offer in subject.offers
    ]


def _offer_fits(offer: Offer, workload: Workload) -> bool:
    return _fits_window(offer.context_window, workload)


def _fits_window(context_window: int | None, workload: Workload) -> bool:
    """False when a request's input exceeds `context_window` (None: not known, so it fits)."""
    return context_window is None or workload.input_tokens <= context_window


def _cheapest_first(row: OfferEstimate) -> tuple[bool, bool, Decimal, str]:
    return _cheapest_key(row.offer, row.per_month)


def _cheapest_key(offer: Offer, per_month: Decimal | None) -> tuple[bool, bool, Decimal, str]:
    return (per_month is None, not offer.is_regular, per_month or Decimal(0), offer.label)


def comparable_models(
    *,
    session: Session,
    subject: Subject,
    input_modalities: Sequence[str],
    workload: Workload,
    cost: Decimal | None,
) -> tuple[ComparableModel, ...]:
    """The five models cheapest for this workload among those that can take the same requests.

    Only models still offered (not deprecated or retired), each once: another
    id of the same model (same name) is not a comparable model. When the
    workload's `cost` on the subject is known (and not zero), only models it
    costs between a quarter and four times as much on are listed: a model a
    hundred times cheaper is rarely a like-for-like alternative. A model priced
    only through a free offer (a `:free` variant or a $0 tier) is left out: $0
    there says nothing about what a production workload would cost.

    On a stored workload the database ranks the candidates by what the rollup
    refresh stored (`services.pricing.stored_workload_costs`), one statement;
    on any other, or before the first refresh stored anything, the rollup
    prices pick a shortlist whose offers are loaded and priced.
    """
    cost = cost or None
    found: list[ComparableModel] = []
    if workload_key(workload) in stored_workload_keys():
        found = _stored_comparables(session, subject, input_modalities, workload, cost)
    if not found:
        found = _worked_out_comparables(session, subject, input_modalities, workload, cost)
    comparables = [c for c in found if cost is None or _in_band(c.per_month, cost)]
    comparables.sort(key=lambda c: (c.per_month, c.name.casefold()))
    distinct: dict[str, ComparableModel] = {}
    for comparable in comparables:
        distinct.setdefault(_same_model_key(comparable.name), comparable)
    distinct.pop(_same_model_key(subject.name), None)
    return tuple(distinct.values())[:COMPARABLE_COUNT]


def _candidate_parameters(
    subject: Subject, input_modalities: Sequence[str], workload: Workload
) -> dict[str, object]:
    """What both ways of finding candidates bind (`_candidate_conditions`): the subject,
    its window, the workload's input and the input modalities."""
    return {
        "subject_id": subject.id,
        "context_window": subject.context_window,
        "input_tokens": workload.input_tokens,
        **{f"modality_{n}": modality for n, modality in enumerate(_text_last(input_modalities))},
    }


def _stored_comparables(
    session: Session,
    subject: Subject,
    input_modalities: Sequence[str],
    workload: Workload,
    cost: Decimal | None,
) -> list[ComparableModel]:
    """The cheapest candidates by their stored cost on `workload`, in the band when `cost`."""
    statement = _stored_ranking_query(
        min_context=subject.context_window is not None,
        modality_count=len(input_modalities),
        banded=cost is not None,
    )
    rows = execute_core(
        session,
        statement,
        {
            **_candidate_parameters(subject, input_modalities, workload),
            "workload_key": workload_key(workload),
            "lowest": (cost or Decimal(0)) / COMPARABLE_BAND,
            "highest": (cost or Decimal(0)) * COMPARABLE_BAND,
        },
    )
    # By position, the statement's order: cheaper than a Row's lookup by name (`app.named_rows`).
    return [
        ComparableModel(
            id=model_id,
            slug=slug,
            name=name,
            context_window=context_window,
            offer_label=offer_label,
            per_month=per_month,
        )
        for model_id, slug, name, context_window, offer_label, per_month in rows
    ]


def _worked_out_comparables(
    session: Session,
    subject: Subject,
    input_modalities: Sequence[str],
    workload: Workload,
    cost: Decimal | None,
) -> list[ComparableModel]:
    """The shortlisted candidates with their cheapest offer, worked out from their offers."""
    input_weight = workload.input_tokens
    output_weight = workload.output_tokens + workload.reasoning_tokens
    proxy = _rollup_cost(subject, input_weight, output_weight) if cost else None
    shortlist = _shortlist_query(
        by_input=bool(input_weight),
        by_output=bool(output_weight),
        min_context=subject.context_window is not None,
        modality_count=len(input_modalities),
        banded=bool(proxy),
    )
    ids = execute_core(
        session,
        shortlist,
        {
            **_candidate_parameters(subject, input_modalities, workload),
            "input_weight": input_weight,
            "output_weight": output_weight,
            "lowest": (proxy or Decimal(0)) / COMPARABLE_BAND,
            "highest": (proxy or Decimal(0)) * COMPARABLE_BAND,
        },
    ).scalars()
    found = []
    # In id order, as `load_subjects` gives them: ties keep that order.
    for candidate in load_subjects(session=session, ids=list(ids)).values():
        best = best_offer(candidate, workload)
        if best is not None and not is_free(best.offer):
            found.append(_comparable(candidate, best))
    return found


def _comparable(candidate: Subject, best: OfferEstimate) -> ComparableModel:
    """The candidate as listed, its cost to the places a stored one has."""
    assert best.per_month is not None, "only known estimates are comparable"
    return ComparableModel(
        id=candidate.id,
        slug=candidate.slug,
        name=candidate.name,
        context_window=candidate.context_window,
        offer_label=best.offer.label,
        per_month=stored_per_month(best.per_month),
    )


def _text_last(modalities: Sequence[str]) -> list[str]:
    """The modalities in the order the shortlist probes them: text, which nearly every model
    takes, last (SQLite tests the conditions in order), so fewer candidates reach its probe."""
    return sorted(modalities, key=lambda modality: modality == "text")


def _in_band(value: Decimal, cost: Decimal) -> bool:
    return cost / COMPARABLE_BAND <= value <= cost * COMPARABLE_BAND


def _same_model_key(name: str) -> str:
    """A model's name reduced to letters and digits: two ids with one name are one model.

    One regular expression, not a test per character: a page sorts some two dozen names.
    """
    return _NOT_ALNUM.sub("", name.casefold())


def _rollup_cost(subject: Subject, input_weight: int, output_weight: int) -> Decimal | None:
    """What the shortlist ranks models by (headline prices times token weights), for the subject."""
    price = headline(subject.offers, author_slug=subject.url_parts[0])
    if price.offer is None:
        return None
    return (price.input or Decimal(0)) * input_weight + (price.output or Decimal(0)) * (
        output_weight
    )


# The calculator's statements are built once, with bound parameters, from
# table columns (run as Core statements): building them per request, and the
# ORM's result machinery, cost more than the queries themselves.
_model = Model.__table__.c
_modality = ModelModality.__table__.c
_endpoint = Endpoint.__table__.c
_provider = Provider.__table__.c
_price = Price.__table__.c
_workload_cost = ModelWorkloadCost.__table__.c


def _candidate_conditions(*, min_context: bool, modality_count: int) -> list[ColumnElement[bool]]:
    """What a model must be to be compared with the subject, on both ways of ranking them.

    Parameters: `subject_id`, `context_window` (the subject's, when `min_context`),
    `input_tokens` (a request's input, which must fit) and `modality_0`... (the
    input modalities every candidate must take).
    """
    conditions = [
        _model.id != bindparam("subject_id"),
        # Not NOT IN: an IN list is an expanding parameter, rewritten on every execution.
        *(_model.status != status for status in GONE_STATUSES),
        or_(_model.context_window.is_(None), _model.context_window >= bindparam("input_tokens")),
    ]
    if min_context:
        conditions.append(_model.context_window >= bindparam("context_window"))
    conditions.extend(
        exists().where(
            _modality.model_id == _model.id,
            _modality.direction == "input",
            _modality.modality == bindparam(f"modality_{number}"),
        )
        for number in range(modality_count)
    )
    return conditions


@cache
def _stored_ranking_query(*, min_context: bool, modality_count: int, banded: bool) -> Select:
    """The candidates cheapest by their stored cost on one workload (`workload_key`), in the
    order `_stored_comparables` unpacks them, cheapest first.

    Read through `ix_model_workload_costs_ranking` in cost order, so the database
    stops after the first `COMPARABLE_STORED_ROWS` that qualify. When `banded`,
    only costs from `lowest` to `highest`; other parameters: `_candidate_conditions`.
    """
    statement = (
        select(
            _model.id,
            _model.slug,
            _model.name,
            _model.context_window,
            _workload_cost.offer_label,
            _workload_cost.per_month,
        )
        .join_from(
            ModelWorkloadCost.__table__, Model.__table__, _model.id == _workload_cost.model_id
        )
        .where(
            _workload_cost.workload_key == bindparam("workload_key"),
            *_candidate_conditions(min_context=min_context, modality_count=modality_count),
        )
        .order_by(_workload_cost.per_month, _workload_cost.model_id)
        .limit(literal_count(COMPARABLE_STORED_ROWS))
    )
    if banded:
        statement = statement.where(
            _workload_cost.per_month >= bindparam("lowest", type_=Money),
            _workload_cost.per_month <= bindparam("highest", type_=Money),
        )
    return statement


@cache
def _shortlist_query(
    *, by_input: bool, by_output: bool, min_context: bool, modality_count: int, banded: bool
) -> Select:
    """The ids of the models ranked cheapest by their rollup prices, for one shape of
    workload: ranked from the search index's columns (SQLite's indexes carry the row id;
    PostgreSQL's `ix_models_shortlist` holds it), not the models' rows.

    Parameters: `input_weight`, `output_weight`, when `banded` `lowest` and
    `highest` (the band of rollup cost to pick from), and `_candidate_conditions`'.
    """
    rollup_cost = func.coalesce(_model.price_input_min, 0) * bindparam(
        "input_weight", type_=BigInteger
    ) + func.coalesce(_model.price_output_min, 0) * bindparam("output_weight", type_=BigInteger)
    ranked = (
        select(_model.id)
        .where(*_candidate_conditions(min_context=min_context, modality_count=modality_count))
        .order_by(rollup_cost, _model.id)
        .limit(COMPARABLE_SHORTLIST)
    )
    if banded:
        ranked = ranked.where(
            rollup_cost >= bindparam("lowest", type_=Money),
            rollup_cost <= bindparam("highest", type_=Money),
        )
    if by_input:
        ranked = ranked.where(_model.price_input_min.is_not(None))
    if by_output:
        ranked = ranked.where(_model.price_output_min.is_not(None))
    return ranked


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
            SUPPORTED_PARAMETERS_TEXT,
            _provider.slug.label("provider_slug"),
            _provider.name.label("provider_name"),
            _provider.kind,
            _price.service_tier,
            # Last, in `PriceSheet`'s order: `_sheet` takes them by position.
            *(_price[name].label(f"price_{name}") for name in PRICE_SHEET_COLUMNS),
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
                # Not IN: an IN list is an expanding parameter, rewritten on every execution.
                or_(*(_price.service_tier == tier for tier in ESTIMATED_TIERS)),
            ),
        )
        .where(condition)
        .order_by(_model.id, _endpoint.id)
    )


_SUBJECTS_BY_SLUG = _subjects_query(_model.slug.in_(bindparam("slugs", expanding=True)))
# The model page's one model: an IN list is an expanding parameter, whose statement
# SQLAlchemy rewrites on every execution.
_SUBJECT_BY_SLUG = _subjects_query(_model.slug == bindparam("slug"))
_SUBJECTS_BY_ID = _subjects_query(_model.id.in_(bindparam("ids", expanding=True)))


def load_subjects(
    *, session: Session, slugs: Collection[str] = (), ids: Collection[int] = ()
) -> dict[str, Subject]:
    """The models with these slugs or ids, by slug, each with every offer and its current prices.

    One statement (none when nothing is asked for).
    """
    if len(slugs) == 1:
        rows = named_rows(execute_core(session, _SUBJECT_BY_SLUG, {"slug": next(iter(slugs))}))
    elif slugs:
        rows = named_rows(execute_core(session, _SUBJECTS_BY_SLUG, {"slugs": list(slugs)}))
    elif ids:
        rows = named_rows(execute_core(session, _SUBJECTS_BY_ID, {"ids": list(ids)}))
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
        if row.endpoint_id is not None and row.kind in (API_SELLER, ROUTER):
            by_endpoint.setdefault(row.endpoint_id, []).append(row)
    return _priced_subject(
        first, tuple(_offer(endpoint_rows) for endpoint_rows in by_endpoint.values())
    )


def page_subject(page: ModelPage) -> Subject:
    """The page's model as the calculator sees it, from the endpoint rows the page read
    (`ModelPage.offer_rows`): what `load_subjects` reads again in a statement of its own."""
    offers = tuple(
        _offer_of(
            row,
            provider_kind=row.provider_kind,
            context_window=row.context_window,
            standard=_sheet_at(row, STANDARD_SHEET),
            batch=_sheet_at(row, BATCH_SHEET),
        )
        for row in page.offer_rows
        if row.provider_kind in (API_SELLER, ROUTER)
    )
    return _priced_subject(page, offers)


def _priced_subject(model: ModelPage | NamedRow, offers: tuple[Offer, ...]) -> Subject:
    """`model` (anything with its id, slug, name, context window, maximum output and stated
    reasoning) with `offers`, those far below the lab's price marked as such."""
    price = headline(offers, author_slug=model.slug.partition("/")[0])
    offers = tuple(
        replace(offer, far_below_lab_price=True) if price.is_outlier(offer) else offer
        for offer in offers
    )
    reasoning = True if any(_reveals_reasoning(offer) for offer in offers) else model.reasoning
    return Subject(
        id=model.id,
        slug=model.slug,
        name=model.name,
        context_window=model.context_window,
        max_output=model.max_output,
        reasoning=reasoning,
        offers=offers,
    )


def _sheet_at(row: NamedRow, columns: slice) -> PriceSheet | None:
    """The price row at `columns` of `row` (its tier, then `PRICE_SHEET_COLUMNS`), or None."""
    tier, *values = row[columns]
    return None if tier is None else PriceSheet(tier, *values)


def _reveals_reasoning(offer: Offer) -> bool:
    """An offer shows the model reasons when it takes reasoning parameters or prices reasoning."""
    sheets = (sheet for sheet in (offer.standard, offer.batch) if sheet is not None)
    return "reasoning" in offer.features or any(sheet.reasoning is not None for sheet in sheets)


def _offer(rows: Sequence) -> Offer:
    first = rows[0]
    sheets = {row.service_tier: _sheet(row) for row in rows if row.service_tier is not None}
    return _offer_of(
        first,
        provider_kind=first.kind,
        context_window=first.endpoint_context_window,
        standard=sheets.get("standard"),
        batch=sheets.get("batch"),
    )


def _offer_of(
    row: NamedRow,
    *,
    provider_kind: str,
    context_window: int | None,
    standard: PriceSheet | None,
    batch: PriceSheet | None,
) -> Offer:
    """An offer from an endpoint row with its provider's slug, name and the endpoint's
    variant and supported parameters; the rest as the row's statement names them."""
    return Offer(
        provider_slug=row.provider_slug,
        provider_name=row.provider_name,
        variant=row.variant,
        provider_kind=provider_kind,
        context_window=context_window,
        features=features_of_json(row.supported_parameters),
        standard=standard,
        batch=batch,
    )


def _sheet(row: NamedRow) -> PriceSheet:
    """The row's price columns (the statement's last, in `PriceSheet`'s order) as a sheet.

    Taken by position: a dozen lookups by name per row were a third of
    loading the comparable models' offers.
    """
    return PriceSheet(row.service_tier, *row[-len(PRICE_SHEET_COLUMNS) :])
