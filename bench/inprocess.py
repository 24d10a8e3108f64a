"""`python -m bench.inprocess DATABASE_URL`: per-request times through the ASGI app, no network.

wrk figures need both cores to themselves; when the machine is shared, this
gives comparable before/after figures for a change in seconds: the app is
built as `serve` builds it (production settings, request log at INFO, to a
discarded stream) and called through httpx's ASGI transport, so everything
from the outermost middleware to the rendered body is timed, but no socket
or HTTP parsing. Each row prints the median and 90th percentile of `--requests`
calls after a discarded warm-up, the CPU time and the SQL statements per request.

The "after each rating" row is the mixed load's read side: before each
request (untimed) one reader's rating of the page's model is written through
a session of its own, as a rating posted to another worker would be; the
page cache then holds no copy of that page, and what is recomputed shows
what a community write costs the next reader.

The database must be one `bench.dataset` built (`python -m bench.inprocess --build
sqlite:////tmp/x.db` builds it first and prints the signed-in cookie it uses).
"""

import argparse
import asyncio
import logging
import os
import statistics
import time
from collections.abc import Callable
from itertools import cycle

import httpx
from sqlalchemy import Engine, event, select

from app.config import Settings
from app.db import make_engine, make_session_factory
from app.logging_config import configure_logging
from app.main import create_app
from app.models import Model, User
from app.served_app import freeze_startup_objects
from app.services.community.ratings import rate_model
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from bench.dataset import build_database, redraw_metric_charts
from bench.scenarios import MODEL_PATH, MY_PARTS_PATH

WARMUP = 20
# CPU milliseconds and SQL statements per request of each `time_requests` call.
cpu_ms: list[float] = []
statements_per_request: list[float] = []


class StatementCount:
    """SQL statements any engine of this process runs while `counting` is on."""

    def __init__(self) -> None:
        self.counting = False
        self.count = 0
        event.listen(Engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        if self.counting:
            self.count += 1


statements = StatementCount()

# Label, page cache on, computed memo on, path, headers, what to do before each request.
BenchRow = tuple[str, bool, bool, str, dict[str, str], Callable[[], None] | None]


def rating_writer(database_url: str) -> Callable[[], None]:
    """Something that writes the next reader's rating of the page's model, each call.

    Readers in turn, stars moving, so each call really changes a rating.
    """
    factory = make_session_factory(make_engine(database_url))
    with factory() as session:
        model_id = session.scalars(select(Model.id).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
        people = list(session.scalars(select(User.id).order_by(User.id).limit(50)))
    stars = cycle(range(1, 6))
    readers = cycle(people)

    def write() -> None:
        with factory() as session:
            rate_model(session=session, model_id=model_id, user_id=next(readers), stars=next(stars))
            session.commit()

    return write


def log_as_served_to_nowhere() -> None:
    """The app's log configured as `serve` configures it (INFO), written to nowhere: the cost
    of formatting each request's line stays in what is measured, the lines do not pile up."""
    configure_logging("INFO")
    handler = logging.getLogger("app").handlers[0]
    assert isinstance(handler, logging.StreamHandler), "configure_logging logs to a stream"
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - open for the process's life


def build_app(
    database_url: str, *, page_cache: bool, computed_memo: bool = True
) -> httpx.AsyncClient:
    """The production app over `database_url`, wrapped in an in-process client; the stored
    charts redrawn first (`bench.dataset.redraw_metric_charts`), and what exists once it is
    built frozen, as `modelatlas serve` does (`app.served_app.freeze_startup_objects`)."""
    redraw_metric_charts(database_url)
    settings = Settings(
        database_url=database_url,
        environment="production",
        secret_key=os.urandom(32).hex(),
        auto_populate=False,
        page_cache=page_cache,
        computed_memo=computed_memo,
    )
    app = create_app(settings)
    freeze_startup_objects()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")


async def time_requests(
    client: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    count: int,
    before_each: Callable[[], None] | None = None,
) -> list[float]:
    """Milliseconds per request for `count` sequential GETs; raises on a non-200 answer.

    `before_each` runs before every request, outside what is timed and counted.
    """
    times = []
    cpu = 0.0
    statements.count = 0
    for index in range(WARMUP + count):
        if before_each is not None:
            before_each()
        timed = index >= WARMUP
        statements.counting = timed
        cpu_started = time.process_time()
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        statements.counting = False
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:500]}")
        if timed:
            times.append(elapsed)
            cpu += time.process_time() - cpu_started
    cpu_ms.append(cpu * 1000 / count)
    statements_per_request.append(statements.count / count)
    return times


def summary(label: str, times: list[float]) -> str:
    """One line: median, 10th and 90th percentile milliseconds, CPU ms and SQL statements
    per request."""
    deciles = statistics.quantiles(times, n=10)
    return (
        f"{label:<40} p50 {statistics.median(times):6.2f} ms   p10 {deciles[0]:6.2f} ms   "
        f"p90 {deciles[-1]:6.2f} ms   cpu {cpu_ms[-1]:6.2f} ms   "
        f"sql {statements_per_request[-1]:5.2f}"
    )


async def main(args: argparse.Namespace) -> None:
    """Each row in turn, on an app of its own (so no row warms another's caches)."""
    htmx = {"HX-Request": "true"}
    rate = rating_writer(args.database_url)
    rows: list[BenchRow] = [
        ("Model page, cold (no cache, no memo)", False, False, MODEL_PATH, {}, None),
        ("Model page, cache miss", False, True, MODEL_PATH, {}, None),
        ("Model page, anonymous (cached)", True, True, MODEL_PATH, {}, None),
        ("Model page after each rating (cached)", True, True, MODEL_PATH, {}, rate),
        ("Health check", True, True, "/healthz", {}, None),
    ]
    if args.cookie:
        rows.append(
            (
                "Signed-in parts (community/me)",
                True,
                True,
                MY_PARTS_PATH,
                {**htmx, "Cookie": args.cookie},
                None,
            )
        )
    for label, page_cache, memo, path, headers, before_each in rows:
        async with build_app(
            args.database_url, page_cache=page_cache, computed_memo=memo
        ) as client:
            times = await time_requests(client, path, headers, args.requests, before_each)
            print(summary(label, times))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.inprocess", description=__doc__.split("\n")[0]
    )
    parser.add_argument("database_url")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row")
    parser.add_argument(
        "--cookie",
        default=os.environ.get("BENCH_COOKIE", ""),
        help="`modelatlas_session=...` for the signed-in row (default: $BENCH_COOKIE)",
    )
    parser.add_argument("--build", action="store_true", help="build the (empty) database first")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    log_as_served_to_nowhere()
    if arguments.build:
        built = build_database(arguments.database_url)
        arguments.cookie = arguments.cookie or built.session_cookie
        print(f"Signed-in cookie: {built.session_cookie}")
    asyncio.run(main(arguments))
