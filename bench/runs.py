"""Running the servers under test and loading them with wrk: what every benchmark shares.

`python -m bench` (today's catalog) and its `--scale` growth run
(`bench.growth`) start the same servers with the same production settings
and measure rows the same way: one answer checked, a discarded warm-up,
then the measured runs.
"""

import argparse
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.dataset import redraw_metric_charts
from bench.scenarios import ATLAS, ATLAS_COLD, ATLAS_WRITTEN_TO, HELLO, Scenario
from bench.servers import LOAD_CPU, RunningServer, atlas_command, free_port, hello_command, serving
from bench.wrk import WrkRun, run_wrk

SCRATCH = Path(__file__).resolve().parent / ".scratch"
UNLIMITED = "1000000/minute"


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
        # The growth run downloads the export more often than one address may.
        "MODELATLAS_RATE_LIMIT_EXPORTS_PER_IP": UNLIMITED,
    }
    if not page_cache:
        env["MODELATLAS_PAGE_CACHE"] = "off"
    if not memo:
        env["MODELATLAS_COMPUTED_MEMO"] = "off"
    return env


@contextmanager
def started(server: str, database_url: str) -> Iterator[RunningServer]:
    """One of SERVERS running on a free port; for Atlas, the stored charts redrawn first
    (`bench.dataset.redraw_metric_charts`)."""
    port = free_port()
    log = SCRATCH / f"{server.replace(', ', '-').replace(' ', '-')}.log"
    if server == HELLO:
        with serving(
            hello_command(port), port=port, env=os.environ, ready_path="/", log=log
        ) as running:
            yield running
        return
    redraw_metric_charts(database_url)
    env = atlas_env(
        database_url,
        page_cache=server in (ATLAS, ATLAS_WRITTEN_TO),
        memo=server != ATLAS_COLD,
    )
    command = atlas_command(port)
    with serving(command, port=port, env=env, ready_path="/healthz", log=log) as running:
        yield running


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

    def measure(seconds: int) -> WrkRun:
        return run_wrk(
            url,
            connections=scenario.connections,
            seconds=seconds,
            headers=scenario.headers,
            cpu=LOAD_CPU,
            script=script,
        )

    measure(args.warmup)
    runs = [measure(args.duration) for _ in range(args.repetitions)]
    if any(run.non_2xx for run in runs):
        raise SystemExit(f"{scenario.label}: non-2xx answers under load; see {SCRATCH}/*.log")
    if errors := sum(run.socket_errors for run in runs):
        print(f"  warning: {errors} socket errors (connect, read, write or timeout)")
    figures = ", ".join(f"{run.requests_per_second:,.0f}" for run in runs)
    print(f"  {scenario.label} ({scenario.connections} conn): {figures} req/s")
    return runs
