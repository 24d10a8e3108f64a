"""`python -m bench --scale N`: how each cost grows from today's catalog to N times it.

On one database (a SQLite file in bench/.scratch, or the empty database
given with --database-url):

1. builds today's catalog (`bench.dataset`) and measures it;
2. grows it in place N times over (`bench.scaled_dataset`: models,
   endpoints and prices, one model with 100,000 comments and 10,000
   ratings, a million metric samples), timing the build, and measures again;
3. at each size, times a metrics refresh of REFRESH_MODELS x size models
   against the fake upstream (`bench.refresh_memory`, in a process of its
   own, so its peak memory is the refresh's alone), into a new database of
   the run's backend: psycopg and SQLite hold rows differently.

Each size is measured on the servers of `python -m bench`, pinned the same
way. With the page cache off: the export first (downloads read to the end
and dropped, then the server's peak resident set, VmHWM, which includes
everything it did since it started), `/api/v1/models` the same way (one
answer takes seconds: too slow for wrk), then one-connection wrk rows for
the model page, the catalog search and the three Atom feeds; with every
cache off, the cold model page. A p50 on one connection is the
time one request takes with nothing queued ahead of it.

The targets are checked on the N-times figures. Results go to
bench/results-growth.json and bench/RESULTS-growth.md, never to RESULTS.md:
growth runs take the better part of an hour on a shared machine, and their
figures must not pass for the reference run's.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from sqlalchemy import make_url, text

from app.db import make_engine
from bench.dataset import build_database
from bench.machine import describe_machine, peak_rss_bytes
from bench.report import growth_report, write_growth_results
from bench.runs import SCRATCH, check_answer, load, started
from bench.scaled_dataset import scale_up
from bench.scenarios import (
    ATLAS_COLD,
    ATLAS_UNCACHED,
    CATALOG_PATH,
    MODEL_PATH,
    Scenario,
)
from bench.servers import REPOSITORY, RunningServer

EXPORT_PATH = "/api/v1/export"
API_MODELS_PATH = "/api/v1/models"
DOWNLOADS = 3
DOWNLOAD_TIMEOUT_SECONDS = 600
# Models the refresh is timed over at 1x: a tenth of the 10x figure the targets name.
REFRESH_MODELS = 500
MB = 1_000_000
MIB = 2**20


@dataclass(frozen=True)
class Bound:
    """A limit on a figure at the grown size: at most (`≤`) or under (`<`) `limit`."""

    limit: float
    unit: str
    strict: bool = False

    def describe(self) -> str:
        return f"{'<' if self.strict else '≤'} {self.limit:g} {self.unit}"

    def met(self, value: float) -> bool:
        return value < self.limit if self.strict else value <= self.limit


@dataclass(frozen=True)
class Measure:
    """One line of the growth table: a figure, its unit, and the bound at the grown size."""

    key: str
    label: str
    unit: Literal["ms", "s", "MB", "models"]
    bound: Bound | None = None


MEASURES = (
    Measure("model_page_miss", "Model page, cache miss, p50", "ms", Bound(3, "ms")),
    Measure("model_page_cold", "Model page, cold (no cache, no memo), p50", "ms"),
    Measure("catalog_search", "Catalog: search + 2 filters, p50", "ms", Bound(10, "ms")),
    Measure("api_models", "`/api/v1/models` (every model), one answer", "s"),
    Measure("api_models_size", "`/api/v1/models`: size", "MB"),
    Measure("api_models_peak_rss", "`/api/v1/models`: server's peak RSS", "MB"),
    Measure("feed_models", "Atom feed: new models, p50", "ms"),
    Measure("feed_prices", "Atom feed: price changes, p50", "ms"),
    Measure("feed_model", "Atom feed: the busy model, p50", "ms"),
    Measure("export_seconds", "Export (JSON): one download", "s"),
    Measure("export_size", "Export (JSON): size", "MB"),
    Measure("export_peak_rss", "Export: server's peak RSS", "MB", Bound(150, "MB", strict=True)),
    Measure("refresh_models", "Refresh: models upstream", "models"),
    Measure("refresh_seconds", "Refresh: first run (creates them)", "s"),
    Measure("refresh_again_seconds", "Refresh: second run (same data)", "s"),
    Measure("refresh_peak_rss", "Refresh: peak RSS", "MB", Bound(300, "MB", strict=True)),
)


def growth_rows(one: dict[str, float], grown: dict[str, float]) -> list[dict[str, Any]]:
    """Each measure at 1x and at the grown size, their ratio, and the grown figure's verdict."""
    rows = []
    for measure in MEASURES:
        before, after = one[measure.key], grown[measure.key]
        rows.append(
            {
                "key": measure.key,
                "label": measure.label,
                "unit": measure.unit,
                "one": before,
                "grown": after,
                "growth": after / before if before else None,
                "target": measure.bound.describe() if measure.bound else None,
                "passed": measure.bound.met(after) if measure.bound else None,
            }
        )
    return rows


def latency_scenarios() -> list[Scenario]:
    """The one-connection rows of each size; targets are judged on the growth table instead."""
    page = ("Mistral Small 4", "</html>")
    feed = ("<feed", "</feed>")
    return [
        Scenario(
            "model_page_miss",
            "Model page, cache miss",
            ATLAS_UNCACHED,
            MODEL_PATH,
            1,
            must_contain=page,
        ),
        Scenario(
            "catalog_search",
            "Catalog: search + 2 filters",
            ATLAS_UNCACHED,
            CATALOG_PATH,
            1,
            must_contain=('id="catalog-total"',),
        ),
        Scenario(
            "feed_models",
            "Feed: new models",
            ATLAS_UNCACHED,
            "/feeds/models.atom",
            1,
            must_contain=feed,
        ),
        Scenario(
            "feed_prices",
            "Feed: price changes",
            ATLAS_UNCACHED,
            "/feeds/prices.atom",
            1,
            must_contain=feed,
        ),
        Scenario(
            "feed_model",
            "Feed: the busy model",
            ATLAS_UNCACHED,
            f"{MODEL_PATH}/feed.atom",
            1,
            must_contain=feed,
        ),
        Scenario(
            "model_page_cold", "Model page, cold", ATLAS_COLD, MODEL_PATH, 1, must_contain=page
        ),
    ]


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident set size so far, in MB."""
    return peak_rss_bytes(pid) / MB


def timed_downloads(url: str, count: int) -> tuple[float, int]:
    """GET `url` `count` times, reading each body to the end and dropping it.

    For answers too slow for wrk's one-connection rows (whole-catalog lists
    take seconds): the median seconds, and the size of the last body in bytes.
    """
    seconds, size = [], 0
    for _ in range(count):
        started_at = time.perf_counter()
        with httpx.stream("GET", url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            if response.status_code != 200:
                raise SystemExit(f"GET {url} answered {response.status_code}")
            size = sum(len(chunk) for chunk in response.iter_raw())
        seconds.append(time.perf_counter() - started_at)
    return statistics.median(seconds), size


def measure_downloads(server: RunningServer) -> dict[str, float]:
    """The export, then `/api/v1/models`: each one's time, size, and the server's peak RSS
    after it (the list's peak includes the export's, which comes first)."""
    export_seconds, export_bytes = timed_downloads(f"{server.url}{EXPORT_PATH}", DOWNLOADS)
    figures = {
        "export_seconds": export_seconds,
        "export_size": export_bytes / MB,
        "export_peak_rss": peak_rss_mb(server.pid),
    }
    api_seconds, api_bytes = timed_downloads(f"{server.url}{API_MODELS_PATH}", DOWNLOADS)
    return figures | {
        "api_models": api_seconds,
        "api_models_size": api_bytes / MB,
        "api_models_peak_rss": peak_rss_mb(server.pid),
    }


def measure_refresh(models: int, database_url: str) -> dict[str, float]:
    """`bench.refresh_memory` over `models` models, in a process of its own, into a new
    database of `database_url`'s backend; its figures."""
    figures_path = SCRATCH / f"refresh-{models}.json"
    command = [sys.executable, "-m", "bench.refresh_memory", "--models", str(models)]
    command += ["--json", str(figures_path)]
    with refresh_database(database_url) as target:
        subprocess.run(  # noqa: S603 - our interpreter, our module, a number, our database
            [*command, *(["--database-url", target] if target else [])],
            cwd=REPOSITORY,
            env=os.environ,
            check=True,
        )
    figures = json.loads(figures_path.read_text())
    return {
        "refresh_models": figures["models"],
        "refresh_seconds": figures["first_run_seconds"],
        "refresh_again_seconds": figures["second_run_seconds"],
        "refresh_peak_rss": figures["max_rss_mib"] * MIB / MB,
    }


@contextmanager
def refresh_database(database_url: str) -> Iterator[str]:
    """An empty database for the refresh on the run's PostgreSQL server, dropped afterwards;
    "" for SQLite, where `bench.refresh_memory` makes a file of its own."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield ""
        return
    name = f"{url.database}_refresh"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def measure_size(database_url: str, size: int, args: argparse.Namespace) -> dict[str, float]:
    """Every figure of MEASURES on the database as it now is; `size` sets the refresh's models."""
    figures: dict[str, float] = {}
    for server in (ATLAS_UNCACHED, ATLAS_COLD):
        print(f"{server}:")
        with started(server, database_url) as running:
            if server == ATLAS_UNCACHED:
                figures |= measure_downloads(running)
                print(
                    f"  export: {figures['export_seconds']:.2f} s, {figures['export_size']:.1f} "
                    f"MB, server peak RSS {figures['export_peak_rss']:.0f} MB; "
                    f"/api/v1/models: {figures['api_models']:.2f} s, "
                    f"{figures['api_models_size']:.1f} MB, server peak RSS "
                    f"{figures['api_models_peak_rss']:.0f} MB"
                )
            for scenario in [each for each in latency_scenarios() if each.server == server]:
                check_answer(running.url, scenario)
                runs = load(running.url, scenario, args)
                figures[scenario.key] = statistics.median(run.p50_ms for run in runs)
    figures |= measure_refresh(REFRESH_MODELS * size, database_url)
    return figures


def run_growth(database_url: str, args: argparse.Namespace, *, wrk: str) -> None:
    """Build, measure, grow, measure; write and print the growth table."""
    print(f"Building today's catalog ({database_url})…")
    started_at = time.perf_counter()
    dataset = build_database(database_url)
    one_seconds = time.perf_counter() - started_at
    print(f"  {one_seconds:.1f} s: " + _describe(dataset.counts))
    one = measure_size(database_url, 1, args)
    print(f"Growing it {args.scale} times over…")
    grown_data = scale_up(database_url, args.scale)
    print(f"  {grown_data.seconds:.1f} s: " + _describe(grown_data.counts))
    grown = measure_size(database_url, args.scale, args)
    results = {
        "machine": describe_machine(database_url=database_url, wrk=wrk),
        "conditions": args.conditions,
        "scale": args.scale,
        "method": {
            "duration_seconds": args.duration,
            "warmup_seconds": args.warmup,
            "repetitions": args.repetitions,
            "downloads": DOWNLOADS,
            "refresh_models_per_size": REFRESH_MODELS,
            "refresh_backend": make_url(database_url).get_backend_name(),
        },
        "datasets": {"one": dataset.counts, "grown": grown_data.counts},
        "build_seconds": {"one": one_seconds, "grown": grown_data.seconds},
        "rows": growth_rows(one, grown),
    }
    write_growth_results(results, json_path=args.growth_json, markdown_path=args.growth_markdown)
    print()
    print(growth_report(results))
    print(f"\nWrote {args.growth_json} and {args.growth_markdown}; server logs in {SCRATCH}.")


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {name}" for name, count in counts.items())
