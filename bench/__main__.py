"""`python -m bench`: build the realistic database, load each server with wrk, report.

1. Builds a fresh database (a SQLite file in bench/.scratch, or the empty
   database given with --database-url) as `bench.dataset` describes.
2. Runs, one after the other, each pinned to CPU 0 with wrk on CPU 1: the
   bare ASGI app, Model Atlas (`modelatlas serve`, as deployed), and Model
   Atlas with its page cache off. Every row gets a discarded warm-up, then
   --repetitions runs whose medians are reported.
3. Weighs the model page (HTML, gzipped HTML, gzipped JavaScript) and checks
   where its assets come from and how they may be cached.
4. Counts the machine instructions of a cold and of a cache-miss model page
   (`bench.instructions`, when valgrind is installed): unlike the times,
   which drift with the machine's other load, they compare across runs.
5. Prints the table and writes it as JSON (--json) and as bench/RESULTS.md.

Not part of the test suite: it takes about five minutes and both cores.
With `--scale N` it measures how the costs grow instead (`bench.growth`):
today's catalog, then N times it, side by side in bench/RESULTS-growth.md.
"""

import argparse
import shutil
import statistics
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.config import Settings
from bench.dataset import build_database
from bench.growth import run_growth
from bench.instructions import counted_rows
from bench.machine import describe_machine
from bench.page_weight import GZIP_LEVEL, PageWeight, weigh_page
from bench.report import (
    DEFAULT_GROWTH_JSON,
    DEFAULT_GROWTH_MARKDOWN,
    DEFAULT_JSON,
    DEFAULT_MARKDOWN,
    page_checks,
    summarise,
    terminal_report,
    write_results,
)
from bench.runs import SCRATCH, check_answer, load, started
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
    require_two_cores,
)
from bench.wrk import WrkRun, require_wrk

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
    parser.add_argument(
        "--scale",
        type=positive,
        default=1,
        help="measure today's catalog and N times it side by side (bench.growth), not the load",
    )
    parser.add_argument(
        "--conditions",
        default="",
        help="how loaded the machine was, for RESULTS-growth.md (e.g. 'shared with 7 workers')",
    )
    parser.add_argument("--growth-json", type=Path, default=DEFAULT_GROWTH_JSON)
    parser.add_argument("--growth-markdown", type=Path, default=DEFAULT_GROWTH_MARKDOWN)
    return parser.parse_args()


def measure_all(
    database_url: str, all_scenarios: list[Scenario], args: argparse.Namespace
) -> tuple[dict[str, list[WrkRun]], PageWeight]:
    """Start each server in turn and load its scenarios; weigh the page on the cached one."""
    runs: dict[str, list[WrkRun]] = {}
    weight: PageWeight | None = None
    for server in SERVERS:
        print(f"{server}:")
        with started(server, database_url) as running:
            base_url = running.url
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
    if args.scale > 1:
        run_growth(database_url, args, wrk=wrk)
        return
    print(f"Building the database ({database_url})…")
    dataset = build_database(database_url)
    print("  " + ", ".join(f"{count:,} {name}" for name, count in dataset.counts.items()))
    all_scenarios = scenarios(
        connections=args.connections,
        session_cookie=dataset.session_cookie,
        writers=[(writer.cookie, writer.csrf_token) for writer in dataset.writers],
    )
    runs, weight = measure_all(database_url, all_scenarios, args)
    print("Counting instructions per request under valgrind…")
    instructions = counted_rows(database_url)
    if instructions is None:
        print("  valgrind is not installed (apt-get install valgrind): no counts in the report")
    results = assemble(
        all_scenarios,
        runs,
        weight,
        machine=describe_machine(database_url=database_url, wrk=wrk),
        dataset=dataset.counts,
        args=args,
    )
    if instructions is not None:
        results["instructions"] = {"path": MODEL_PATH, "millions": instructions}
    write_results(results, json_path=args.json, markdown_path=args.markdown)
    print()
    print(terminal_report(results))
    print(f"\nWrote {args.json} and {args.markdown}; server logs in {SCRATCH}.")


if __name__ == "__main__":
    main()
