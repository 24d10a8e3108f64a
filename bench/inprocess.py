"""`python -m bench.inprocess DATABASE_URL`: per-request times through the ASGI app, no network.

wrk figures need both cores to themselves; when the machine is shared, this
gives comparable before/after figures for a change in seconds: the app is
built as `serve` builds it (production settings, request log at INFO, to a
discarded stream) and called through httpx's ASGI transport, so everything
from the outermost middleware to the rendered body is timed, but no socket
or HTTP parsing. Each row prints the median and 90th percentile of `--requests`
calls after a discarded warm-up.

The database must be one `bench.dataset` built (`python -m bench.inprocess --build
sqlite:////tmp/x.db` builds it first and prints the signed-in cookie it uses).
"""

import argparse
import asyncio
import logging
import os
import statistics
import time

import httpx

from app.config import Settings
from app.logging_config import configure_logging
from app.main import create_app
from bench.dataset import build_database
from bench.scenarios import MODEL_PATH, MY_PARTS_PATH

WARMUP = 20
# CPU milliseconds per request of each `time_requests` call, all threads of this process.
cpu_ms: list[float] = []


def build_app(
    database_url: str, *, page_cache: bool, computed_memo: bool = True
) -> httpx.AsyncClient:
    """The production app over `database_url`, wrapped in an in-process client."""
    settings = Settings(
        database_url=database_url,
        environment="production",
        secret_key=os.urandom(32).hex(),
        auto_populate=False,
        page_cache=page_cache,
        computed_memo=computed_memo,
    )
    app = create_app(settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")


async def time_requests(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], count: int
) -> list[float]:
    """Milliseconds per request for `count` sequential GETs; raises on a non-200 answer."""
    times = []
    for index in range(WARMUP + count):
        if index == WARMUP:
            cpu_started = time.process_time()
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:500]}")
        if index >= WARMUP:
            times.append(elapsed)
    cpu_ms.append((time.process_time() - cpu_started) * 1000 / count)
    return times


def summary(label: str, times: list[float]) -> str:
    """One line: median, 10th and 90th percentile milliseconds, and CPU ms per request."""
    deciles = statistics.quantiles(times, n=10)
    return (
        f"{label:<40} p50 {statistics.median(times):6.2f} ms   p10 {deciles[0]:6.2f} ms   "
        f"p90 {deciles[-1]:6.2f} ms   cpu {cpu_ms[-1]:6.2f} ms"
    )


async def main(args: argparse.Namespace) -> None:
    """Each row in turn, on an app of its own (so no row warms another's caches)."""
    htmx = {"HX-Request": "true"}
    rows: list[tuple[str, bool, bool, str, dict[str, str]]] = [
        ("Model page, cold (no cache, no memo)", False, False, MODEL_PATH, {}),
        ("Model page, cache miss", False, True, MODEL_PATH, {}),
        ("Model page, anonymous (cached)", True, True, MODEL_PATH, {}),
        ("Health check", True, True, "/healthz", {}),
    ]
    if args.cookie:
        rows.append(
            (
                "Signed-in parts (community/me)",
                True,
                True,
                MY_PARTS_PATH,
                {**htmx, "Cookie": args.cookie},
            )
        )
    for label, page_cache, memo, path, headers in rows:
        async with build_app(
            args.database_url, page_cache=page_cache, computed_memo=memo
        ) as client:
            times = await time_requests(client, path, headers, args.requests)
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
    configure_logging("INFO")
    # Logged as when served, but to nowhere: the cost of formatting stays in the figures.
    logging.getLogger("app").handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    if arguments.build:
        built = build_database(arguments.database_url)
        arguments.cookie = arguments.cookie or built.session_cookie
        print(f"Signed-in cookie: {built.session_cookie}")
    asyncio.run(main(arguments))
