"""How much of the catalog's facts are known: each fact's coverage over priced text models.

The figure the catalog is judged by — what share of the models a user can
actually buy and prompt has a release date, open or closed weights, a context
window, a description — so it is measured by the product itself
(`modelatlas report coverage`) rather than by a script that drifts.

The denominator is the priced text models: models with a current price at
some endpoint that write text in answer to a prompt (`model_kind.generates_text`:
not embedding, rerank, transcription or speech models). A source-written
description and the summary Model Atlas composes from the facts
(`model_summary`) are counted apart, so neither passes for the other.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from statistics import median

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, Model, Price
from app.services.catalog.modalities import modalities_of, split_modalities
from app.services.catalog.model_kind import generates_text
from app.services.model_page.model_page_loader import load_model_page
from app.services.model_page.model_summary import SummaryFacts, compose_summary


@dataclass(frozen=True)
class CoveredFact:
    """One fact the report measures, and the share the catalog aims for (None: no target)."""

    key: str
    label: str
    known: Callable[[Row], bool]
    target: int | None = None


COVERED_FACTS: tuple[CoveredFact, ...] = (
    CoveredFact(
        "released", "release date", lambda m: bool(m.released_at or m.api_available_at), 80
    ),
    CoveredFact("weights", "open or closed weights", lambda m: m.weights is not None, 80),
    CoveredFact("context_window", "context window", lambda m: m.context_window is not None, 95),
    CoveredFact("description", "source description", lambda m: bool(m.description)),
    # Where no source describes a model, its page shows the summary composed from its
    # sourced facts instead, marked as composed: the page's description either way.
    CoveredFact(
        "overview",
        "description or composed summary",
        lambda m: bool(m.description) or _summary(m) is not None,
        70,
    ),
    CoveredFact("summary", "summary (curated or composed)", lambda m: _summary(m) is not None),
    CoveredFact("modalities", "input and output modalities", lambda m: bool(m.modalities)),
    CoveredFact("max_output", "maximum output", lambda m: m.max_output is not None),
    CoveredFact("knowledge_cutoff", "knowledge cutoff", lambda m: m.knowledge_cutoff is not None),
    CoveredFact("reasoning", "reasons or not", lambda m: m.reasoning is not None),
    CoveredFact("tool_calling", "tool calling", lambda m: m.tool_calling is not None),
    CoveredFact("status", "status", lambda m: m.status != "unknown"),
)


@dataclass(frozen=True)
class CoverageReport:
    """How many priced text models there are and how many know each fact."""

    models: int
    known: dict[str, int]
    # Per priced text model, how many facts its page shows as "not known"; empty when
    # not measured.
    not_known: list[int] = field(default_factory=list)
    # Which facts those are, over all the pages: label -> pages showing it not known.
    not_known_facts: Counter[str] = field(default_factory=Counter)

    def percent(self, key: str) -> Decimal:
        """The share of priced text models that know the fact, to one decimal place."""
        if not self.models:
            return Decimal(0)
        return (Decimal(100) * self.known[key] / self.models).quantize(Decimal("0.1"))

    def lines(self) -> list[str]:
        """The report as a terminal prints it, one fact a line, targets noted."""
        lines = [f"Priced text models: {self.models}"]
        for fact in COVERED_FACTS:
            share = f"{self.percent(fact.key)}%"
            line = f"  {fact.label:<36} {share:>6}  ({self.known[fact.key]})"
            if fact.target is not None:
                met = "met" if self.percent(fact.key) >= fact.target else "not met"
                line += f"  target {fact.target}%: {met}"
            lines.append(line)
        if self.not_known:
            lines.extend(self._not_known_lines())
        return lines

    def _not_known_lines(self) -> list[str]:
        counts = Counter(self.not_known)
        spread = ", ".join(f"{n}: {counts[n]}" for n in sorted(counts))
        worst = ", ".join(f"{label} {n}" for label, n in self.not_known_facts.most_common(6))
        return [
            f'"Not known" facts per page: median {median(self.not_known):g}, '
            f"max {max(self.not_known)}",
            f"  pages by count ({spread})",
            f"  most often not known: {worst}" if worst else "  most often not known: none",
        ]


def measure_coverage(*, session: Session, pages: bool = False) -> CoverageReport:
    """Each fact's coverage over the priced text models, in two statements.

    With `pages`, each model's page is also loaded as the site loads it, to count the
    facts it shows as "not known": a few statements a model, so seconds, not milliseconds.
    """
    billed: dict[int, bool] = {
        model_id: output_prices > 0
        for model_id, output_prices in session.execute(
            select(Endpoint.model_id, func.count(Price.output))
            .join(Price, Price.endpoint_id == Endpoint.id)
            .where(Price.effective_to.is_(None))
            .group_by(Endpoint.model_id)
        )
    }
    rows = session.execute(
        select(
            Model.id,
            Model.slug,
            Author.name.label("author_name"),
            Model.summary,
            Model.description,
            Model.released_at,
            Model.api_available_at,
            Model.weights,
            Model.context_window,
            Model.max_output,
            Model.knowledge_cutoff,
            Model.reasoning,
            Model.tool_calling,
            Model.status,
            Model.provider_count,
            modalities_of(Model.__table__.c.id).label("modalities"),
        ).join(Author, Author.id == Model.author_id)
    )
    text_models = [row for row in rows if row.id in billed and _writes_text(row, billed[row.id])]
    report = CoverageReport(
        models=len(text_models),
        known={
            fact.key: sum(1 for row in text_models if fact.known(row)) for fact in COVERED_FACTS
        },
    )
    if pages:
        for row in text_models:
            unknown = _unknown_on_page(session, row.slug)
            report.not_known.append(len(unknown))
            report.not_known_facts.update(unknown)
    return report


def _unknown_on_page(session: Session, slug: str) -> tuple[str, ...]:
    """The facts the model's page shows as "not known" (`ModelPage.unknown_facts`)."""
    author_slug, _, model_slug = slug.partition("/")
    page = load_model_page(
        session=session,
        author_slug=author_slug,
        model_slug=model_slug,
        stale_after=_NEVER_STALE,
    )
    return () if page is None else page.unknown_facts


# Staleness changes how figures are labelled, never which facts are known.
_NEVER_STALE = timedelta(days=36500)


def _writes_text(row: Row, bills_output: bool) -> bool:
    modalities = split_modalities(row.modalities)
    bare_id = row.slug.partition("/")[2]
    return generates_text(
        bare_id, modalities["input"], modalities["output"], bills_output=bills_output
    )


def _summary(row: Row) -> str | None:
    """The model's curated summary, else the one composed from its facts."""
    return row.summary or compose_summary(
        SummaryFacts(
            author_name=row.author_name,
            weights=row.weights,
            reasoning=row.reasoning,
            released_at=row.released_at or row.api_available_at,
            context_window=row.context_window,
            provider_count=row.provider_count or 0,
        )
    )
