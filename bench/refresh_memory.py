"""How long a metrics refresh over a big upstream takes, and how much memory it needs.

Serves N models x M endpoints (1,000 x 3 by default) from the fake OpenRouter
in a separate process, so its memory is not counted, and runs the refresh
job in this process against a fresh, seeded SQLite database (or the database
given with --database-url, which must be empty):

1. a first run, which creates every model, provider, endpoint and price;
2. a second run over the same data, which updates figures and appends samples
   and must write no price row;
3. a third run like the second, under tracemalloc, for the peak of Python
   allocations during a run.

Prints wall time per run, the tracemalloc peak, and the process's maximum
resident set size (VmHWM) before, after the first two runs (the refresh's
own peak) and after the third; with --json, writes them to
that file too (the growth run of `python -m bench --scale N` reads it). Not
part of the test suite:

    python -m bench.refresh_memory [--models 1000] [--endpoints 3] [--json PATH]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app import migrate
from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope
from app.services.ingest.refresh_metrics import RefreshOutcome, RunStatus, refresh_metrics
from app.services.ingest.seed import seed_reference
from app.sources.openrouter import OpenRouterSource
from bench.machine import peak_rss_bytes

NO_NETWORK = "http://127.0.0.1:9"


@contextmanager
def fake_upstream(models: int, endpoints: int) -> Iterator[str]:
    """The fake OpenRouter serving a generated catalog in its own process; yields its base URL."""
    process = subprocess.Popen(  # noqa: S603 - our interpreter, our module, numbers
        [
            sys.executable,
            "-m",
            "tests.support.fake_openrouter",
            "--models",
            str(models),
            "--endpoints",
            str(endpoints),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def max_rss_mib() -> float:
    """This process's peak resident set size so far, in MiB."""
    return peak_rss_bytes() / 2**20


def timed_run(settings: Settings, label: str) -> tuple[RefreshOutcome, float]:
    """One refresh against the fake upstream; its outcome and wall seconds."""
    engine = make_engine(settings.database_url)
    try:
        started = time.perf_counter()
        with OpenRouterSource.from_settings(settings) as source:
            outcome = refresh_metrics(
                session_factory=make_session_factory(engine), settings=settings, source=source
            )
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    counts = outcome.counts
    print(
        f"{label}: {seconds:.1f}s, status {outcome.status}; models seen {counts['models_seen']}, "
        f"created {counts['models_created']}; endpoints updated {counts['endpoints_updated']}; "
        f"samples {counts['samples_written']}; prices changed {counts['prices_changed']}"
    )
    if outcome.status is not RunStatus.OK:
        raise SystemExit(f"{label} did not succeed: {outcome.error}")
    return outcome, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--endpoints", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        with session_scope(make_session_factory(engine)) as session:
            seed_reference(session=session)
        engine.dispose()
        print(f"{args.models} models x {args.endpoints} endpoints; database {url}")
        print(f"max RSS before the runs: {max_rss_mib():.0f} MiB")
        with fake_upstream(args.models, args.endpoints) as base_url:
            settings = Settings(
                environment="test",
                database_url=url,
                openrouter_base_url=base_url,
                hf_base_url=NO_NETWORK,
            )
            _, first_seconds = timed_run(settings, "run 1 (creates the catalog)")
            second, second_seconds = timed_run(settings, "run 2 (same data)")
            if second.counts["prices_changed"] != 0:
                raise SystemExit("the second run changed prices: not idempotent")
            # Read before tracemalloc, whose bookkeeping of every allocation takes memory too.
            refresh_peak = max_rss_mib()
            print(f"max RSS after runs 1 and 2: {refresh_peak:.0f} MiB")
            tracemalloc.start()
            timed_run(settings, "run 3 (same data, under tracemalloc)")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        print(f"tracemalloc peak during run 3: {peak / 2**20:.1f} MiB")
        print(f"max RSS after the runs: {max_rss_mib():.0f} MiB")
    if args.json:
        figures = {
            "models": args.models,
            "endpoints_per_model": args.endpoints,
            "first_run_seconds": first_seconds,
            "second_run_seconds": second_seconds,
            "tracemalloc_peak_mib": peak / 2**20,
            "max_rss_mib": refresh_peak,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
