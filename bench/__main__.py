"""`python -m bench`: build the realistic database, load each server with wrk, report.

1. Builds a fresh database (a SQLite file in bench/.scratch, or the empty
   database given with --database-url) as `bench.dataset` describes.
2. Runs, one after the other, each pinned to CPU 0 with wrk on CPU 1: the
   bare ASGI app, Model Atlas (`modelatlas serve`, as deployed), and Model
   Atlas with its page cache off. Every row gets a discarded warm-up, then
   --repetitions runs whose medians are reported.
3. Weighs the model page (HTML, gzipped HTML, gzipped JavaScript) and checks
   where its assets come from and how they may be cached.
4. Prints the table and writes it as JSON (--json) and as bench/RESULTS.md.

Not part of the test suite: it takes about three minutes and both cores.
"""

import argparse
import os
import secrets
import shutil
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from app.config import Settings
from bench.dataset import build_database
from bench.machine import describe_machine
from bench.page_weight import GZIP_LEVEL, PageWeight, weigh_page
from bench.report import (
    DEFAULT_JSON,
    DEFAULT_MARKDOWN,
    page_checks,
    summarise,
    terminal_report,
    write_results,
)
from bench.scenarios import (
    ATLAS,
    ATLAS_COLD,
    ATLAS_UNCACHED,
    ATLAS_WRITTEN_TO,
    HELLO,
    MODEL_PATH,
    SERVERS,
    Scenario,
    scenarios,
)
from bench.servers import (
    LOAD_CPU,
    SERVER_CPU,
    atlas_command,
    free_port,
    hello_command,
    require_two_cores,
    serving,
)
from bench.wrk import WrkRun, require_wrk, run_wrk

SCRATCH = Path(__file__).resolve().parent / ".scratch"
UNLIMITED = "1000000/minute"
# The page cache's setting (issue 6); builds without it serve every page uncached.
PAGE_CACHE_SETTING = "page_cache"


def positive(text: str) -> int:
    """argparse type: a whole number of at least 1 (wrk takes whole seconds)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default="",
        help="an EMPTY database to build in (e.g. PostgreSQL); default: a new SQLite file",
    )
    parser.add_argument("--duration", type=positive, default=5, help="seconds per run (default 5)")
    parser.add_argument("--warmup", type=positive, default=2, help="discarded seconds (default 2)")
    parser.add_argument("--repetitions", type=positive, default=3, help="runs per row (default 3)")
    parser.add_argument("--connections", type=positive, default=32, help="for throughput rows")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="results JSON path")
    parser.add_argument("--markdown", type=Path, default=DEFAULT_MARKDOWN, help="RESULTS.md path")
    return parser.parse_args()


def atlas_env(database_url: str, *, page_cache: bool, memo: bool = True) -> dict[str, str]:
    """A production environment for `modelatlas serve`, without the caller's MODELATLAS_ ones."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("MODELATLAS_")}
    env |= {
        "MODELATLAS_ENVIRONMENT": "production",
        "MODELATLAS_SECRET_KEY": secrets.token_urlsafe(32),
        "MODELATLAS_DATABASE_URL": database_url,
        "MODELATLAS_AUTO_POPULATE": "false",
        # The mixed row's 50 people write far faster than anyone may in production.
        "MODELATLAS_RATE_LIMIT_RATINGS_PER_USER": UNLIMITED,
        "MODELATLAS_RATE_LIMIT_COMMENTS_PER_USER": UNLIMITED,
    }
    if not page_cache:
        env["MODELATLAS_PAGE_CACHE"] = "off"
    if not memo:
        env["MODELATLAS_COMPUTED_MEMO"] = "off"
    return env


@contextmanager
def started(server: str, database_url: str) -> Iterator[str]:
    """One of SERVERS running on a free port; yields its base URL."""
    port = free_port()
    log = SCRATCH / f"{server.replace(', ', '-').replace(' ', '-')}.log"
    if server == HELLO:
        with serving(
            hello_command(port), port=port, env=os.environ, ready_path="/", log=log
        ) as url:
            yield url
        return
    env = atlas_env(
        database_url,
        page_cache=server in (ATLAS, ATLAS_WRITTEN_TO),
        memo=server != ATLAS_COLD,
    )
    with serving(atlas_command(port), port=port, env=env, ready_path="/healthz", log=log) as url:
        yield url


def check_answer(base_url: str, scenario: Scenario) -> None:
    """SystemExit unless the scenario's URL answers 200 with what it should contain."""
    response = httpx.get(f"{base_url}{scenario.path}", headers=dict(scenario.headers))
    missing = [text for text in scenario.must_contain if text not in response.text]
    unwanted = [text for text in scenario.must_not_contain if text in response.text]
    if response.status_code != 200 or missing or unwanted:
        raise SystemExit(
            f"{scenario.label}: GET {scenario.path} answered {response.status_code}; "
            f"missing {missing}, unexpected {unwanted}:\n{response.text[:2000]}"
        )


def load(base_url: str, scenario: Scenario, args: argparse.Namespace) -> list[WrkRun]:
    """A discarded warm-up, then the measured runs; SystemExit on any error response."""
    url = f"{base_url}{scenario.path}"
    script = None
    if scenario.script:
        script = SCRATCH / f"{scenario.key}.lua"
        script.write_text(scenario.script)
    options = {
        "connections": scenario.connections,
        "headers": scenario.headers,
        "cpu": LOAD_CPU,
        "script": script,
    }
    run_wrk(url, seconds=args.warmup, **options)
    runs = [run_wrk(url, seconds=args.duration, **options) for _ in range(args.repetitions)]
    if any(run.non_2xx for run in runs):
        raise SystemExit(f"{scenario.label}: non-2xx answers under load; see {SCRATCH}/*.log")
    if errors := sum(run.socket_errors for run in runs):
        print(f"  warning: {errors} socket errors (connect, read, write or timeout)")
    figures = ", ".join(f"{run.requests_per_second:,.0f}" for run in runs)
    print(f"  {scenario.label} ({scenario.connections} conn): {figures} req/s")
    return runs


def measure_all(
    database_url: str, all_scenarios: list[Scenario], args: argparse.Namespace
) -> tuple[dict[str, list[WrkRun]], PageWeight]:
    """Start each server in turn and load its scenarios; weigh the page on the cached one."""
    runs: dict[str, list[WrkRun]] = {}
    weight: PageWeight | None = None
    for server in SERVERS:
        print(f"{server}:")
        with started(server, database_url) as base_url:
            if server == ATLAS:
                weight = weigh_page(base_url, MODEL_PATH)
            for scenario in [each for each in all_scenarios if each.server == server]:
                check_answer(base_url, scenario)
                runs[scenario.key] = load(base_url, scenario, args)
    assert weight is not None
    return runs, weight


def assemble(
    all_scenarios: list[Scenario],
    runs: dict[str, list[WrkRun]],
    weight: PageWeight,
    *,
    machine: dict[str, Any],
    dataset: dict[str, int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """The results dictionary: what the JSON holds and every report is rendered from."""
    ceilings = {
        scenario.connections: statistics.median(
            run.requests_per_second for run in runs[scenario.key]
        )
        for scenario in all_scenarios
        if scenario.server == HELLO
    }
    has_page_cache = PAGE_CACHE_SETTING in Settings.model_fields
    return {
        "machine": machine,
        "method": {
            "duration_seconds": args.duration,
            "warmup_seconds": args.warmup,
            "repetitions": args.repetitions,
            "connections": args.connections,
            "server_cpu": SERVER_CPU,
            "load_cpu": LOAD_CPU,
            "gzip_level": GZIP_LEVEL,
            "page_cache": (
                f"on by default; `{ATLAS_UNCACHED}` rows run with MODELATLAS_PAGE_CACHE=off "
                "(figures computed from the database are still remembered until the next "
                f"write); the `{ATLAS_COLD}` row also with MODELATLAS_COMPUTED_MEMO=off, "
                "every page rendered from the database alone; the "
                f"`{ATLAS_WRITTEN_TO}` row runs as deployed, last, since its ratings and "
                "comments change what the model page shows"
                if has_page_cache
                else "not in this build: every row is served uncached"
            ),
        },
        "dataset": dataset,
        "rows": [
            summarise(scenario, runs[scenario.key], ceilings[scenario.connections])
            for scenario in all_scenarios
        ],
        "page": {**asdict(weight), "js_gzip_bytes": weight.js_gzip_bytes},
        "page_checks": page_checks(
            {
                "html_bytes": weight.html_bytes,
                "html_gzip_bytes": weight.html_gzip_bytes,
                "js_gzip_bytes": weight.js_gzip_bytes,
                "third_party": len(weight.third_party),
                "short_lived": len(weight.short_lived),
                "unhashed": len(weight.unhashed),
            }
        ),
    }


def main() -> None:
    args = parse_args()
    wrk = require_wrk()
    require_two_cores()
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir()
    database_url = args.database_url or f"sqlite:///{SCRATCH / 'bench.db'}"
    print(f"Building the database ({database_url})…")
    dataset = build_database(database_url)
    print("  " + ", ".join(f"{count:,} {name}" for name, count in dataset.counts.items()))
    all_scenarios = scenarios(
        connections=args.connections,
        session_cookie=dataset.session_cookie,
        writers=[(writer.cookie, writer.csrf_token) for writer in dataset.writers],
    )
    runs, weight = measure_all(database_url, all_scenarios, args)
    results = assemble(
        all_scenarios,
        runs,
        weight,
        machine=describe_machine(database_url=database_url, wrk=wrk),
        dataset=dataset.counts,
        args=args,
    )
    write_results(results, json_path=args.json, markdown_path=args.markdown)
    print()
    print(terminal_report(results))
    print(f"\nWrote {args.json} and {args.markdown}; server logs in {SCRATCH}.")


if __name__ == "__main__":
    main()
