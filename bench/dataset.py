"""The realistic database the benchmark serves: a full catalog with a busy model page.

On an empty database: migrate, seed and import genai-prices as a first
`serve` does; then, on Mistral Small 4, 1,000 ratings and 200 Markdown
comments from generated people, and a week of metric samples for its
endpoints (every 10 minutes) and for a few other models' (every 30 minutes),
with each endpoint's current figures and a successful refresh run as the
refresh job would leave them, so the page renders its "live" state.

People are inserted directly with one precomputed password hash: hashing
1,000 argon2id passwords (64 MiB each) would take minutes and measure nothing.
Fifty of them are signed in, for the row that mixes page views with writes.
Everything random comes from a seeded generator, so every run builds the same
page.
"""

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope, utcnow
from app.models import (
    Comment,
    Endpoint,
    MetricHour,
    MetricSample,
    Model,
    Price,
    Rating,
    RefreshRun,
    User,
)
from app.services.accounts.passwords import hash_password
from app.services.accounts.sessions import create_session
from app.services.ingest.bootstrap import prepare_database
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from app.services.metrics.metric_charts_writer import refresh_metric_charts
from app.services.metrics.metric_hours_writer import rebuild_metric_hours
from app.services.metrics.rollups import refresh_rollups
from app.web.middleware.visitor import SESSION_COOKIE, session_policy

PEOPLE = 1_000
COMMENTS = 200
# Signed-in people of the mixed row, one per connection it opens.
WRITERS = 50
HIDDEN_COMMENTS = 2
SAMPLE_DAYS = 7
REFERENCE_SAMPLE_EVERY = timedelta(minutes=10)
OTHER_SAMPLE_EVERY = timedelta(minutes=30)
OTHER_SAMPLED_MODELS = 5
# The share of each star count among the ratings, 5 stars first.
STAR_WEIGHTS = {5: 38, 4: 31, 3: 16, 2: 8, 1: 7}
# Figures for endpoints that have none yet (imported ones): tokens/s and ms.
DEFAULT_THROUGHPUT = 60.0
DEFAULT_TTFT_MS = 700.0
METRICS_SOURCE = "openrouter"
# What the refresh copies from an endpoint's newest sample onto the endpoint.
CURRENT_FIGURES = (
    *(f"throughput_p{percentile}" for percentile in (50, 75, 90, 99)),
    *(f"ttft_p{percentile}_ms" for percentile in (50, 75, 90, 99)),
    "uptime_pct",
    "measured_at",
)
BENCH_PASSWORD = "bench password, never used to sign in"  # noqa: S105 - a throwaway hash input

_PARAGRAPHS = (
    "Switched our support bot to this model and the monthly bill dropped by about **60%** "
    "with no complaints from users so far.",
    "Latency on Venice is noticeably lower in the European morning; by the US afternoon the "
    "Mistral endpoint catches up.",
    "The reasoning mode is good for short multi-step tasks. For long agentic loops I still "
    "prefer a larger model, it loses track after twenty or so tool calls.",
    "Image understanding handles screenshots and charts well, *handwriting* much less so.",
    "Has anyone measured tool-call accuracy on real workloads? The "
    "[announcement](https://mistral.ai/news/mistral-small-4) only gives benchmark numbers.",
    "`response_format` with a JSON schema works on the Mistral endpoint; on the others I had "
    "to fall back to plain JSON mode.",
    "What worked for us:\n\n- keep the system prompt short\n- give tools precise schemas\n"
    "- cap `max_tokens`, it can ramble when reasoning is on",
    "Context window is real: we fed it a 180k-token contract and it found the clause we "
    "were after, with the page number.",
    "Pricing is hard to beat for the quality. Cached input makes our RAG pipeline almost "
    "free on repeated questions.",
    "Streaming starts fast but throughput varies a lot between providers, check the charts "
    "on this page before you pick one.",
    "Occasionally answers in French when the prompt mixes languages. A line in the system "
    "prompt fixed it.",
    "Compared it with two bigger models on our eval set: within **3 points** on accuracy at "
    "a fifth of the cost.",
)


@dataclass(frozen=True)
class Writer:
    """A signed-in person of the mixed row: their session cookie and its CSRF token."""

    cookie: str
    csrf_token: str


@dataclass(frozen=True)
class Dataset:
    """What was built: row counts, a signed-in reader's cookie, and people who write."""

    counts: dict[str, int]
    session_cookie: str
    writers: tuple[Writer, ...]


def build_database(url: str) -> Dataset:
    """Fill the empty database at `url`; SystemExit when it already has tables."""
    engine = make_engine(url)
    try:
        if inspect(engine).get_table_names():
            raise SystemExit(f"{url} is not empty: the benchmark builds its own database")
        settings = Settings(database_url=url, auto_populate=True)
        prepare_database(settings, echo=lambda text: print(f"  {text}"))
        factory = make_session_factory(engine)
        now = utcnow()
        generator = random.Random(6)
        with session_scope(factory) as session:
            model = session.scalars(select(Model).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
            people = _add_people(session, now)
            _add_ratings(session, model.id, people, generator, now)
            reader = _add_comments(session, model.id, people, generator, now)
            _add_metric_history(session, model.id, generator, now)
            policy = session_policy(settings)
            issued = create_session(session=session, user=reader, policy=policy)
            writing = [
                create_session(session=session, user=person, policy=policy)
                for person in people[1 : WRITERS + 1]
            ]
        vacuum_analyze(engine)
        return Dataset(
            counts=table_counts(engine),
            session_cookie=f"{SESSION_COOKIE}={issued.token}",
            writers=tuple(
                Writer(cookie=f"{SESSION_COOKIE}={each.token}", csrf_token=each.row.csrf_token)
                for each in writing
            ),
        )
    finally:
        engine.dispose()


def redraw_metric_charts(url: str) -> None:
    """Store every sampled model's charts for the window current now, as the metrics refresh
    keeps them every few minutes in production.

    The charts the build stored are for the hour it ran in; once that hour has
    turned, a cold model page works them out from the hourly means instead, a
    page half as costly again, and a row measured then would not be measuring
    the page people are served. So every run redraws them before it starts.
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            sampled = connection.execute(select(MetricHour.endpoint_id).distinct()).scalars()
            refresh_metric_charts(connection, endpoint_ids=list(sampled), now=utcnow())
    finally:
        engine.dispose()


def vacuum_analyze(engine: Engine) -> None:
    """On PostgreSQL, vacuum and gather planner statistics, as autovacuum soon would after
    such a load.

    Without statistics the planner guesses row counts for freshly filled tables;
    without the vacuum, the rows the build rewrote stay behind as dead rows, and
    GIN indexes keep their pending entries, which every search then reads. The
    benchmark would measure a state no server with autovacuum on (PostgreSQL's
    default) keeps for long, and one this machine's test server, which runs with
    autovacuum off, would never leave. SQLite gathers no statistics unless told,
    in production too, so it is left as is.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def _add_people(session: Session, now: datetime) -> list[User]:
    """PEOPLE readers and one administrator (who hid a couple of comments), oldest first."""
    rows = person_rows(range(1, PEOPLE + 1), hash_password(BENCH_PASSWORD), now)
    rows.append(
        {**rows[0], "email": "admin@example.test", "display_name": "Admin", "is_admin": True}
    )
    session.execute(insert(User), rows)
    return list(session.scalars(select(User).order_by(User.id)))


def person_rows(numbers: range, password_hash: str, now: datetime) -> list[dict[str, object]]:
    """Readers numbered `numbers`, all with one precomputed hash, the lower numbers older."""
    return [
        {
            "email": f"reader{number:04d}@example.test",
            "display_name": f"Reader {number}",
            "password_hash": password_hash,
            "is_admin": False,
            "created_at": now - timedelta(days=120, minutes=number),
            "password_changed_at": now - timedelta(days=120, minutes=number),
        }
        for number in numbers
    ]


def _add_ratings(
    session: Session, model_id: int, people: list[User], generator: random.Random, now: datetime
) -> None:
    """One rating from every reader, stars drawn with STAR_WEIGHTS."""
    user_ids = [person.id for person in people[:PEOPLE]]
    session.execute(insert(Rating), rating_rows(model_id, user_ids, generator, now))


def rating_rows(
    model_id: int, user_ids: list[int], generator: random.Random, now: datetime
) -> list[dict[str, object]]:
    """One rating of `model_id` by each of `user_ids`, over 90 days, stars as STAR_WEIGHTS."""
    stars = generator.choices(
        list(STAR_WEIGHTS), weights=list(STAR_WEIGHTS.values()), k=len(user_ids)
    )
    rated_at = [now - timedelta(minutes=generator.randrange(60, 60 * 24 * 90)) for _ in stars]
    return [
        {
            "model_id": model_id,
            "user_id": user_id,
            "stars": count,
            "created_at": at,
            "updated_at": at,
        }
        for user_id, count, at in zip(user_ids, stars, rated_at, strict=True)
    ]


def _add_comments(
    session: Session, model_id: int, people: list[User], generator: random.Random, now: datetime
) -> User:
    """COMMENTS comments over 90 days, some edited, a few hidden; returns the signed-in reader.

    The reader wrote every 25th comment, so the newest page holds comments they
    may edit and delete, and their per-user fragment has controls to render.
    """
    reader, admin = people[0], people[-1]
    times = sorted(
        now - timedelta(minutes=generator.randrange(60, 60 * 24 * 90)) for _ in range(COMMENTS)
    )
    hidden = set(generator.sample(range(COMMENTS - 40), HIDDEN_COMMENTS))
    writers = CommentWriters(reader.id, [person.id for person in people[1:PEOPLE]], admin.id)
    session.execute(insert(Comment), comment_rows(model_id, times, writers, hidden, generator))
    return reader


@dataclass(frozen=True)
class CommentWriters:
    """Who writes comments: the signed-in reader (every 25th), the others, the hiding admin."""

    reader_id: int
    other_ids: list[int]
    admin_id: int


def comment_rows(
    model_id: int,
    times: list[datetime],
    writers: CommentWriters,
    hidden: set[int],
    generator: random.Random,
) -> list[dict[str, object]]:
    """A comment at each of `times`, 1 to 3 paragraphs, a tenth edited, `hidden` ones hidden."""
    rows = []
    for index, created in enumerate(times):
        author = writers.reader_id if index % 25 == 0 else generator.choice(writers.other_ids)
        edited = created + timedelta(hours=2) if generator.random() < 0.1 else None
        rows.append(
            {
                "model_id": model_id,
                "user_id": author,
                "body": "\n\n".join(generator.sample(_PARAGRAPHS, generator.randint(1, 3))),
                "created_at": created,
                "edited_at": edited,
                "hidden_at": created + timedelta(days=1) if index in hidden else None,
                "hidden_by_id": writers.admin_id if index in hidden else None,
            }
        )
    return rows


def _add_metric_history(
    session: Session, model_id: int, generator: random.Random, now: datetime
) -> None:
    """A week of samples per endpoint, the endpoints' current figures, and the refresh run."""
    sampled = {model_id: REFERENCE_SAMPLE_EVERY}
    sampled |= dict.fromkeys(_busiest_other_models(session, model_id), OTHER_SAMPLE_EVERY)
    endpoints = session.scalars(
        select(Endpoint).where(Endpoint.model_id.in_(sampled)).order_by(Endpoint.id)
    ).all()
    for endpoint in endpoints:
        every = sampled[endpoint.model_id]
        last = _add_samples(session, endpoint, every, generator, now)
        for figure in CURRENT_FIGURES:
            setattr(endpoint, figure, last[figure])
        endpoint.metrics_source = METRICS_SOURCE
    session.flush()
    refresh_rollups(session=session, model_ids=list(sampled))
    session.add(
        RefreshRun(
            source=METRICS_SOURCE,
            started_at=now - timedelta(seconds=20),
            finished_at=now,
            status="ok",
            counts={"samples_written": len(endpoints)},
        )
    )


def _busiest_other_models(session: Session, model_id: int) -> list[int]:
    """The models other than the reference with the most endpoints (ties by slug)."""
    return list(
        session.scalars(
            select(Model.id)
            .join(Endpoint, Endpoint.model_id == Model.id)
            .where(Model.id != model_id)
            .group_by(Model.id, Model.slug)
            .order_by(func.count(Endpoint.id).desc(), Model.slug)
            .limit(OTHER_SAMPLED_MODELS)
        )
    )


def _add_samples(
    session: Session,
    endpoint: Endpoint,
    every: timedelta,
    generator: random.Random,
    now: datetime,
) -> dict[str, object]:
    """Samples every `every` over SAMPLE_DAYS with a daily cycle and noise; returns the last."""
    newest = sample_clock(now, every)
    count = int(timedelta(days=SAMPLE_DAYS) / every)
    times = [newest - (step - 1) * every for step in range(count, 0, -1)]
    figures = (endpoint.throughput_p50, endpoint.ttft_p50_ms)
    rows = sample_rows(endpoint.id, figures, times, generator)
    session.execute(insert(MetricSample), rows)
    rebuild_metric_hours(session, endpoint_ids=[endpoint.id], start=times[0], end=newest)
    return rows[-1]


def sample_clock(now: datetime, every: timedelta) -> datetime:
    """The newest sampling time: `now` rounded down to a multiple of `every`."""
    return now - timedelta(seconds=now.timestamp() % every.total_seconds())


def sample_rows(
    endpoint_id: int,
    figures: tuple[Decimal | None, Decimal | None],
    times: list[datetime],
    generator: random.Random,
) -> list[dict[str, object]]:
    """A sample at each of `times`: a daily cycle around the endpoint's figures, and noise.

    `figures` are its current throughput and time to first token, if known.
    """
    throughput = float(figures[0] or DEFAULT_THROUGHPUT)
    ttft = float(figures[1] or DEFAULT_TTFT_MS)
    rows = []
    for at in times:
        daily = math.sin(2 * math.pi * at.hour / 24)
        speed = throughput * (1 + 0.15 * daily + generator.gauss(0, 0.05))
        wait = ttft * (1 - 0.10 * daily + generator.gauss(0, 0.08))
        rows.append(
            {
                "endpoint_id": endpoint_id,
                "measured_at": at,
                "window": "30m",
                "throughput_p50": _figure(speed),
                "throughput_p75": _figure(speed * 0.9),
                "throughput_p90": _figure(speed * 0.8),
                "throughput_p99": _figure(speed * 0.6),
                "ttft_p50_ms": _figure(wait),
                "ttft_p75_ms": _figure(wait * 1.2),
                "ttft_p90_ms": _figure(wait * 1.5),
                "ttft_p99_ms": _figure(wait * 2.5),
                "uptime_pct": _figure(100 - abs(generator.gauss(0, 0.4))),
                "source": METRICS_SOURCE,
            }
        )
    return rows


def _figure(value: float) -> Decimal:
    """A measured figure as stored: a Decimal with two decimals, never negative."""
    return Decimal(f"{max(value, 0.0):.2f}")


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of interest, for the report's description of the data."""
    tables = {
        "models": Model,
        "endpoints": Endpoint,
        "prices": Price,
        "people": User,
        "ratings": Rating,
        "comments": Comment,
        "metric_samples": MetricSample,
    }
    with Session(engine) as session:
        return {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in tables.items()
        }
