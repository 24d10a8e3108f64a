"""The benchmark's database grown N times over, in place: what `python -m bench --scale N` serves.

On a database `bench.dataset` built (today's catalog, the busy reference
model), `scale_up` adds, so the same pages can be measured before and after:

- The catalog N times over. Every model gets N-1 siblings, the way real
  families grow (`-turbo`, `-mini`, `-pro`, ...): their own slug and name,
  modalities, endpoints and every price row, prices scaled by the sibling's
  multiplier and a few percent of noise per model, measured figures by noise
  per endpoint. Every other sibling is sold by its providers' regional twins
  (`<provider>-eu`, one new provider per provider), so providers grow too and
  no two models share an identity.
- The reference model with BUSY_COMMENTS comments (the new ones older than
  today's 200, so its newest page stays the one measured at 1x) and
  BUSY_RATINGS ratings, by as many generated people.
- Metric samples up to SAMPLES in all: the sampled endpoints' history
  extended back to the retention window at their cadence, then endpoints
  never sampled, every 30 minutes over that window, with `metric_hours`
  rebuilt for every hour written, as the refresh job leaves them.

Rows go in with Core `executemany` in chunks of CHUNK (never one ORM object
per row), so ten times the catalog and a million samples take tens of
seconds, not an afternoon; comments and ratings go in many rows a statement
(`_insert`'s `rows_a_statement`). A seeded generator makes every build the same.
"""

import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice

from sqlalchemy import Table, exists, func, insert, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope, utcnow
from app.models import (
    Comment,
    Endpoint,
    MetricSample,
    Model,
    ModelModality,
    Price,
    Provider,
    Rating,
    User,
)
from app.models.metrics import FIGURE_COLUMNS
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from app.services.metrics.metric_hours_writer import rebuild_metric_hours
from app.services.metrics.rollups import refresh_rollups
from app.sources.genai_prices import PRICE_COLUMNS
from bench.dataset import (
    OTHER_SAMPLE_EVERY,
    REFERENCE_SAMPLE_EVERY,
    CommentWriters,
    comment_rows,
    person_rows,
    rating_rows,
    sample_clock,
    sample_rows,
    table_counts,
    vacuum_analyze,
)

BUSY_COMMENTS = 100_000
BUSY_RATINGS = 10_000
SAMPLES = 1_000_000
CHUNK = 5_000
# A sibling's slug suffix, name suffix and price multiplier; past the ninth, numbered again.
SIBLINGS = (
    ("turbo", "Turbo", Decimal("0.80")),
    ("mini", "Mini", Decimal("0.25")),
    ("pro", "Pro", Decimal("2.50")),
    ("lite", "Lite", Decimal("0.12")),
    ("preview", "Preview", Decimal("1.00")),
    ("long", "Long", Decimal("1.40")),
    ("instruct", "Instruct", Decimal("0.90")),
    ("distill", "Distill", Decimal("0.30")),
    ("vision", "Vision", Decimal("1.20")),
)
TWIN_SUFFIX = "-eu"
# Money is stored with nine decimals.
MONEY_STEP = Decimal("0.000000001")
FIGURE_STEP = Decimal("0.01")
# Older comments are spread over this span before today's oldest; a few are hidden.
COMMENT_HISTORY = timedelta(days=730)
HIDDEN_SHARE = 0.01
# Uptime is a percentage near 100: noise would take it past.
NOISY_FIGURES = tuple(column for column in FIGURE_COLUMNS if column != "uptime_pct")
MONEY_COLUMNS = tuple(column for column in PRICE_COLUMNS if column != "long_context_threshold")


@dataclass(frozen=True)
class Sibling:
    """One generated sibling of every model: how its slug and name end, how its prices scale."""

    number: int
    slug_suffix: str
    name_suffix: str
    multiplier: Decimal

    @property
    def at_twins(self) -> bool:
        """Every other sibling is sold by the regional twins of its model's providers."""
        return self.number % 2 == 1


@dataclass(frozen=True)
class ScaleReport:
    """What `scale_up` built: rows per table afterwards and the seconds it took."""

    counts: dict[str, int]
    seconds: float


def siblings(factor: int) -> list[Sibling]:
    """The factor-1 siblings each model gets, so the catalog ends `factor` times its size."""
    result = []
    for index in range(factor - 1):
        slug, name, multiplier = SIBLINGS[index % len(SIBLINGS)]
        round_number = index // len(SIBLINGS) + 1
        if round_number > 1:
            slug, name = f"{slug}-{round_number}", f"{name} {round_number}"
        result.append(Sibling(index + 1, slug, name, multiplier))
    return result


def scale_up(url: str, factor: int, *, seed: int = 18) -> ScaleReport:
    """Grow the database at `url` (built by `bench.dataset`) as the module docstring says."""
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        generator = random.Random(seed)
        now = utcnow()
        retention = timedelta(days=Settings(database_url=url).metrics_retention_days)
        with session_scope(make_session_factory(engine)) as session:
            grow_catalog(session, siblings(factor), generator)
            add_busy_model(session, generator, now, comments=BUSY_COMMENTS, ratings=BUSY_RATINGS)
            add_samples(session, generator, now, total=SAMPLES, history=retention)
        vacuum_analyze(engine)
        return ScaleReport(table_counts(engine), time.perf_counter() - started)
    finally:
        engine.dispose()


def grow_catalog(session: Session, family: list[Sibling], generator: random.Random) -> None:
    """Add each sibling of every model, with modalities, endpoints and prices, then rollups."""
    if not family:
        return
    models = _rows(session, Model.__table__)
    endpoints = _rows(session, Endpoint.__table__)
    twins = _add_twin_providers(session, {row["provider_id"] for row in endpoints})
    multipliers: dict[tuple[int, str], Decimal] = {}
    taken = {model["slug"] for model in models}
    slugs: dict[tuple[int, str], str] = {}
    new_models = []
    for model in models:
        for sibling in family:
            key = (model["id"], sibling.slug_suffix)
            multipliers[key] = sibling.multiplier * _noise(generator, 0.1)
            slugs[key] = _free_slug(f"{model['slug']}-{sibling.slug_suffix}", taken)
            new_models.append(_sibling_model(model, sibling, slugs[key]))
    _insert(session, Model.__table__, new_models)
    model_ids = {slug: model_id for slug, model_id in session.execute(select(Model.slug, Model.id))}
    sibling_of = {key: model_ids[slug] for key, slug in slugs.items()}
    _insert(
        session,
        ModelModality.__table__,
        (
            {**modality, "model_id": sibling_of[(modality["model_id"], sibling.slug_suffix)]}
            for modality in _rows(session, ModelModality.__table__)
            for sibling in family
        ),
    )
    new_endpoints = []
    for endpoint in endpoints:
        for sibling in family:
            new_endpoints.append(
                _sibling_endpoint(
                    endpoint,
                    sibling,
                    model_id=sibling_of[(endpoint["model_id"], sibling.slug_suffix)],
                    provider_id=_seller(endpoint["provider_id"], sibling, twins),
                    noise=_noise(generator, 0.15),
                )
            )
    _insert(session, Endpoint.__table__, new_endpoints)
    endpoint_ids = {
        (model_id, provider_id, variant): endpoint_id
        for endpoint_id, model_id, provider_id, variant in session.execute(
            select(Endpoint.id, Endpoint.model_id, Endpoint.provider_id, Endpoint.variant)
        )
    }
    endpoint_rows = {endpoint["id"]: endpoint for endpoint in endpoints}
    _insert(
        session,
        Price.__table__,
        (
            _sibling_price(
                price, sibling, endpoint_rows, sibling_of, twins, endpoint_ids, multipliers
            )
            for price in _rows(session, Price.__table__)
            for sibling in family
        ),
    )
    refresh_rollups(session=session)


def _sibling_price(
    price: dict,
    sibling: Sibling,
    endpoints: dict[int, dict],
    sibling_of: dict[tuple[int, str], int],
    twins: dict[int, int],
    endpoint_ids: dict[tuple[int, int, str], int],
    multipliers: dict[tuple[int, str], Decimal],
) -> dict:
    """`price` copied to the sibling's endpoint, every amount scaled by its multiplier."""
    endpoint = endpoints[price["endpoint_id"]]
    model_id = sibling_of[(endpoint["model_id"], sibling.slug_suffix)]
    provider_id = _seller(endpoint["provider_id"], sibling, twins)
    multiplier = multipliers[(endpoint["model_id"], sibling.slug_suffix)]
    scaled = {column: _scaled(price[column], multiplier, MONEY_STEP) for column in MONEY_COLUMNS}
    copy = {key: value for key, value in price.items() if key != "id"}
    return {
        **copy,
        **scaled,
        "endpoint_id": endpoint_ids[(model_id, provider_id, endpoint["variant"])],
    }


def _seller(provider_id: int, sibling: Sibling, twins: dict[int, int]) -> int:
    return twins[provider_id] if sibling.at_twins else provider_id


def _free_slug(wanted: str, taken: set[str]) -> str:
    """`wanted`, or with a number after it when a real model has that slug; then taken."""
    slug, number = wanted, 1
    while slug in taken:
        number += 1
        slug = f"{wanted}-{number}"
    taken.add(slug)
    return slug


def _sibling_model(model: dict, sibling: Sibling, slug: str) -> dict:
    """The model's row for its sibling: own slug and name, later dates, rollups left to SQL."""
    copy = {key: value for key, value in model.items() if key != "id"}
    return {
        **copy,
        "slug": slug,
        "name": f"{model['name']} {sibling.name_suffix}",
        "hf_repo_id": None,
        "created_at": model["created_at"] + timedelta(hours=sibling.number),
        "updated_at": model["updated_at"] + timedelta(hours=sibling.number),
    }


def _sibling_endpoint(
    endpoint: dict, sibling: Sibling, *, model_id: int, provider_id: int, noise: Decimal
) -> dict:
    """The endpoint's copy for the sibling, at `provider_id`, its figures scaled by `noise`."""
    copy = {key: value for key, value in endpoint.items() if key != "id"}
    return {
        **copy,
        **{column: _scaled(endpoint[column], noise, FIGURE_STEP) for column in NOISY_FIGURES},
        "model_id": model_id,
        "provider_id": provider_id,
        "provider_model_id": f"{endpoint['provider_model_id']}-{sibling.slug_suffix}"[:300],
    }


def _add_twin_providers(session: Session, provider_ids: set[int]) -> dict[int, int]:
    """A regional twin of each provider in `provider_ids`; returns provider id -> twin's id."""
    providers = [row for row in _rows(session, Provider.__table__) if row["id"] in provider_ids]
    twin_slugs = {
        row["id"]: f"{row['slug'][: 80 - len(TWIN_SUFFIX)]}{TWIN_SUFFIX}" for row in providers
    }
    _insert(
        session,
        Provider.__table__,
        (
            {
                **{key: value for key, value in row.items() if key != "id"},
                "slug": twin_slugs[row["id"]],
                "name": f"{row['name']} (EU)",
            }
            for row in providers
        ),
    )
    ids = {slug: twin_id for slug, twin_id in session.execute(select(Provider.slug, Provider.id))}
    return {provider_id: ids[slug] for provider_id, slug in twin_slugs.items()}


def add_busy_model(
    session: Session, generator: random.Random, now: datetime, *, comments: int, ratings: int
) -> None:
    """Bring the reference model to `ratings` ratings and `comments` comments, more people first.

    The added comments are older than every existing one, so the page a
    visitor sees first is today's; the reader and the administrator of the
    1x build go on writing and hiding among them.
    """
    model_id = session.scalars(select(Model.id).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
    admin = session.scalars(select(User).where(User.is_admin)).first()
    assert admin is not None, "scale_up runs on a database bench.dataset built"
    readers = session.scalar(select(func.count()).select_from(User).where(~User.is_admin)) or 0
    if ratings > readers:
        numbers = range(readers + 1, ratings + 1)
        _insert(session, User.__table__, person_rows(numbers, admin.password_hash, now))
    unrated = list(
        session.scalars(
            select(User.id)
            .where(
                ~User.is_admin,
                ~exists().where(Rating.model_id == model_id, Rating.user_id == User.id),
            )
            .order_by(User.id)
        )
    )
    rated = session.scalar(select(func.count()).where(Rating.model_id == model_id)) or 0
    wanted = unrated[: max(ratings - rated, 0)]
    _insert(
        session,
        Rating.__table__,
        rating_rows(model_id, wanted, generator, now),
        rows_a_statement=True,
    )
    _add_older_comments(session, model_id, admin.id, generator, comments)


def _add_older_comments(
    session: Session, model_id: int, admin_id: int, generator: random.Random, total: int
) -> None:
    """Comments on `model_id` before its oldest one, until it has `total`, in chunks."""
    existing = session.scalar(select(func.count()).where(Comment.model_id == model_id)) or 0
    oldest = session.scalar(
        select(func.min(Comment.created_at)).where(Comment.model_id == model_id)
    )
    if total <= existing or oldest is None:
        return
    people = list(session.scalars(select(User.id).where(~User.is_admin).order_by(User.id)))
    writers = CommentWriters(people[0], people[1:] or people, admin_id)
    span = int(COMMENT_HISTORY.total_seconds() // 60)
    times = sorted(
        oldest - timedelta(minutes=generator.randrange(1, span)) for _ in range(total - existing)
    )
    for start in range(0, len(times), CHUNK):
        chunk = times[start : start + CHUNK]
        hidden = {index for index in range(len(chunk)) if generator.random() < HIDDEN_SHARE}
        _insert(
            session,
            Comment.__table__,
            comment_rows(model_id, chunk, writers, hidden, generator),
            rows_a_statement=True,
        )


def add_samples(
    session: Session,
    generator: random.Random,
    now: datetime,
    *,
    total: int,
    history: timedelta,
) -> None:
    """Metric samples until the table holds `total`, then the hourly means of what was written.

    First the sampled endpoints' history, back to `now - history` at their own
    cadence (the reference model's every 10 minutes); then endpoints never
    sampled, by id, every 30 minutes over the same span.
    """
    wanted = total - (session.scalar(select(func.count()).select_from(MetricSample)) or 0)
    if wanted <= 0:
        return
    written: set[int] = set()
    rows = islice(_planned_samples(session, generator, now, history, written), wanted)
    _insert(session, MetricSample.__table__, rows)
    rebuild_metric_hours(session, endpoint_ids=written, start=now - history, end=now)


def _planned_samples(
    session: Session,
    generator: random.Random,
    now: datetime,
    history: timedelta,
    written: set[int],
) -> Iterator[dict]:
    """Sample rows, endpoint after endpoint, as `add_samples` says; each one joins `written`."""
    reference = session.scalars(select(Model.id).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
    start = now - history
    oldest_sample = select(MetricSample.endpoint_id, func.min(MetricSample.measured_at))
    oldest = {
        endpoint_id: measured_at
        for endpoint_id, measured_at in session.execute(
            oldest_sample.group_by(MetricSample.endpoint_id)
        )
    }
    endpoints = session.execute(
        select(
            Endpoint.id, Endpoint.model_id, Endpoint.throughput_p50, Endpoint.ttft_p50_ms
        ).order_by(Endpoint.id)
    ).all()
    sampled = [row for row in endpoints if row.id in oldest]
    unsampled = [row for row in endpoints if row.id not in oldest]
    for row in [*sampled, *unsampled]:
        every = REFERENCE_SAMPLE_EVERY if row.model_id == reference else OTHER_SAMPLE_EVERY
        newest = oldest[row.id] - every if row.id in oldest else sample_clock(now, every)
        steps = int((newest - start) / every)
        times = [newest - step * every for step in range(steps, -1, -1)]
        written.add(row.id)
        for index in range(0, len(times), CHUNK):
            yield from sample_rows(
                row.id,
                (row.throughput_p50, row.ttft_p50_ms),
                times[index : index + CHUNK],
                generator,
            )


def _rows(session: Session, table: Table) -> list[dict]:
    """Every row of `table` as a dict of its columns."""
    return [dict(row._mapping) for row in session.execute(select(table))]


def _insert(
    session: Session, table: Table, rows: Iterable[dict], *, rows_a_statement: bool = False
) -> None:
    """Core executemany of `rows` into `table`, CHUNK rows per call.

    With `rows_a_statement` (comments and ratings) the ids are asked back
    (RETURNING), which makes SQLAlchemy send the chunk as INSERTs of many rows
    each ("insertmanyvalues"). On PostgreSQL the triggers that keep the models'
    community counts (migration 0019) run once per statement, so the busy
    model's row of counts is updated once per thousand rows. Row by row,
    110,000 updates of that one row in one transaction, which PostgreSQL keeps
    every version of until it ends, took the busy model's comments and ratings
    from 4.6 s (before the triggers) to 97 s; this way, 9.2 s. SQLite, whose
    triggers run per row, takes 2.2 s either way.
    """
    statement = insert(table).returning(table.c.id) if rows_a_statement else insert(table)
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        session.execute(statement, chunk).close()


def _noise(generator: random.Random, spread: float) -> Decimal:
    """A factor within 1 ± `spread`, with two decimals."""
    return Decimal(f"{generator.uniform(1 - spread, 1 + spread):.2f}")


def _scaled(value: Decimal | None, factor: Decimal, step: Decimal) -> Decimal | None:
    return None if value is None else (value * factor).quantize(step)
