"""The model page's "Price vs quality" section: its scores and its chart, in one statement.

The section lists every score the model has and charts one benchmark: the
one asked for (`?benchmark=`), else the one most models are scored on,
which gives the fullest comparison (ties go to the name first in order).
One statement returns both the model's own scores and every score on the
charted benchmark, each with the scored model's cheapest current standard
prices (the `price_*_min` rollups), so the page's query count does not
depend on how many models share the benchmark.

A model scored on the charted benchmark by several sources is drawn once,
with its most recently measured score (undated scores count as oldest, then
the first source by name wins): one dot per model keeps the chart readable,
and the table above it lists every source's figure.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Row, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from app.execute_core import execute_core
from app.literal_limits import literal_count
from app.models import Author, BenchmarkScore, Model
from app.services.model_page.quality_chart import Candidate, Chart, build_chart


@dataclass(frozen=True)
class Score:
    """One benchmark result with its source."""

    benchmark: str
    score: Decimal
    source: str
    measured_on: date | None


@dataclass(frozen=True)
class PriceVsQuality:
    """The model's scores, the benchmarks it could be charted on, and the chart of one.

    `note` says why the benchmark asked for is not the one charted, when it is not.
    """

    scores: tuple[Score, ...]
    benchmarks: tuple[str, ...]
    benchmark: str | None
    chart: Chart | None
    note: str | None = None


NO_SCORES = PriceVsQuality(scores=(), benchmarks=(), benchmark=None, chart=None)


def load_price_vs_quality(
    *, session: Session, model_id: int, model_slug: str, benchmark: str | None = None
) -> PriceVsQuality:
    """The section of the model `model_id` (slug `model_slug`), charting `benchmark` if it can."""
    rows = execute_core(
        session, _SECTION_QUERY, {"model_id": model_id, "requested": benchmark or ""}
    ).all()
    if not rows:
        return NO_SCORES
    charted: str = rows[0].charted
    scores = tuple(
        Score(row.benchmark, row.score, row.source, row.measured_on)
        for row in sorted(rows, key=lambda row: (row.benchmark, row.source))
        if row.model_id == model_id
    )
    note = None
    if benchmark and benchmark != charted:
        note = f"This model has no {benchmark} score; the chart shows {charted}."
    candidates = _latest_per_model(row for row in rows if row.benchmark == charted)
    return PriceVsQuality(
        scores=scores,
        benchmarks=tuple(sorted({score.benchmark for score in scores})),
        benchmark=charted,
        chart=build_chart(candidates, current_slug=model_slug),
        note=note,
    )


def _latest_per_model(rows: Iterable[Row]) -> list[Candidate]:
    """Each model's most recent score (see the module docstring), as a chart candidate."""
    latest: dict[str, Row] = {}
    for row in sorted(rows, key=_most_recent_first):
        latest.setdefault(row.slug, row)
    return [
        Candidate(
            slug=row.slug,
            author_slug=row.author_slug,
            name=row.name,
            score=row.score,
            input_price=row.price_input_min,
            output_price=row.price_output_min,
        )
        for row in latest.values()
    ]


def _most_recent_first(row: Row) -> tuple[bool, int, str]:
    undated = row.measured_on is None
    return (undated, 0 if undated else -row.measured_on.toordinal(), row.source)


_score = BenchmarkScore.__table__.c
_counted = BenchmarkScore.__table__.alias("counted").c
_own = BenchmarkScore.__table__.alias("own").c
_model = Model.__table__.c
_author = Author.__table__.c

# The benchmark to chart: the one asked for if the model has a score on it, else the one
# with the most models scored, ties by name. NULL when the model has no score at all.
_CHARTED = (
    select(_counted.benchmark)
    .where(
        _counted.benchmark.in_(select(_own.benchmark).where(_own.model_id == bindparam("model_id")))
    )
    .group_by(_counted.benchmark)
    .order_by(
        case((_counted.benchmark == bindparam("requested"), 0), else_=1),
        func.count(func.distinct(_counted.model_id)).desc(),
        _counted.benchmark,
    )
    .limit(literal_count(1))
    .scalar_subquery()
)

# The model's own scores, and every model's scores on the charted benchmark.
_SECTION_QUERY = (
    select(
        _score.model_id,
        _score.benchmark,
        _score.score,
        _score.source,
        _score.measured_on,
        _model.slug,
        _model.name,
        _author.slug.label("author_slug"),
        _model.price_input_min,
        _model.price_output_min,
        _CHARTED.label("charted"),
    )
    .join_from(BenchmarkScore.__table__, Model.__table__, _model.id == _score.model_id)
    .join(Author.__table__, _author.id == _model.author_id)
    .where(or_(_score.model_id == bindparam("model_id"), _score.benchmark == _CHARTED))
)
