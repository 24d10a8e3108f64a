"""`python -m bench.instructions DATABASE_URL`: instructions per request, as callgrind counts them.

On a shared machine even CPU time drifts: on 2026-12-03 the same code's cold
model page took 13.7 ms of CPU per request at 06:27 and 8.8 ms at 07:40, so a
change worth 5% cannot be seen by timing it, in process or not. The number of
instructions a request executes does not drift: valgrind's callgrind counts
them, the same to 0.2% from one run to the next, so two versions of the code
compare in one run each, at any hour. Instructions are not time (a cache miss
costs more than an add, and Python's allocator and garbage collector
interleave differently), but fewer of them for the same page is less work.

Each row runs in a process of its own under `valgrind --tool=callgrind
--instr-atstart=no`: the app is built as `bench.inprocess` builds it and
warmed up uncounted, then counting is switched on (`callgrind_control -i on`)
for the counted requests alone. Valgrind runs every instruction slowly, a
counted one more so: a row of 20 requests takes some half a minute.
"""

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile

from app.db import utcnow
from app.services.metrics.week_window import history_window
from bench.inprocess import build_app, log_as_served_to_nowhere
from bench.scenarios import MODEL_PATH

# Row name: page cache on, computed memo on (as in `bench.inprocess`).
ROWS = {"cold": (False, False), "miss": (False, True), "cached": (True, True)}
WARMUP = 5
# Counted requests per row in `python -m bench`'s report: the count per request repeats to
# 0.2% with ten as with more, and each counted request costs valgrind some seconds.
REPORTED_REQUESTS = 10
_COUNTING_CHILD = "BENCH_INSTRUCTIONS_CHILD"
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def collected_instructions(valgrind_stderr: str) -> int:
    """The instructions callgrind counted, from the summary it writes when the process ends."""
    found = _COLLECTED.search(valgrind_stderr)
    if found is None:
        raise ValueError(f"callgrind printed no count:\n{valgrind_stderr[-2000:]}")
    return int(found.group(1))


def instructions_per_request(database_url: str, row: str, path: str, requests: int) -> float:
    """Run one row under callgrind and divide what it counted by the counted requests.

    Counted again when the hour turned while it ran: the row's app drew the
    metric charts for the hour it started in (`bench.dataset.redraw_metric_charts`),
    and after the turn its pages work them out from the hourly means, a cost
    the page people are served does not have (a cache miss counted 11.1 M
    instructions across a turn, 8.5 M before and after it).
    """
    while True:
        window = history_window(utcnow())
        counted = _counted_instructions(database_url, row, path, requests)
        if history_window(utcnow()) == window:
            return counted


def _counted_instructions(database_url: str, row: str, path: str, requests: int) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as scratch:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={scratch}/callgrind.out",
            sys.executable,
            "-m",
            "bench.instructions",
            database_url,
            "--rows",
            row,
            "--path",
            path,
            "--requests",
            str(requests),
        ]
        finished = subprocess.run(  # noqa: S603 - our own module, under valgrind from PATH
            command,
            env={**os.environ, _COUNTING_CHILD: "1"},
            capture_output=True,
            text=True,
            check=False,
        )
    if finished.returncode != 0:
        raise SystemExit(f"the {row} row failed under valgrind:\n{finished.stderr[-3000:]}")
    return collected_instructions(finished.stderr) / requests


def counted_rows(database_url: str, path: str = MODEL_PATH) -> dict[str, float] | None:
    """Instructions per request of every row on `path` (millions), as `python -m bench` reports
    them; None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    return {
        row: instructions_per_request(database_url, row, path, REPORTED_REQUESTS) / 1e6
        for row in ROWS
    }


def _count_instructions(on: bool) -> None:
    """Switch callgrind's counting for this process on or off."""
    subprocess.run(  # noqa: S603 - callgrind's own control script, from PATH
        ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],  # noqa: S607
        check=True,
        capture_output=True,
    )


async def run_counted_row(database_url: str, row: str, path: str, requests: int) -> None:
    """In the child under valgrind: build and warm the app, then make the counted requests."""
    page_cache, computed_memo = ROWS[row]
    async with build_app(
        database_url, page_cache=page_cache, computed_memo=computed_memo
    ) as client:
        for index in range(WARMUP + requests):
            if index == WARMUP:
                _count_instructions(True)
            response = await client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"GET {path} answered {response.status_code}")
        _count_instructions(False)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.instructions", description=__doc__.split("\n")[0]
    )
    parser.add_argument("database_url", help="a database `bench.dataset` built")
    parser.add_argument(
        "--rows", default="cold,miss", help=f"comma-separated, of {', '.join(ROWS)} (cold,miss)"
    )
    parser.add_argument("--path", default=MODEL_PATH, help="the page requested")
    parser.add_argument("--requests", type=int, default=20, help="counted requests per row")
    arguments = parser.parse_args()
    unknown = set(arguments.rows.split(",")) - set(ROWS)
    if unknown:
        parser.error(f"no row {', '.join(sorted(unknown))}; rows: {', '.join(ROWS)}")
    if arguments.requests < 1:
        parser.error("--requests must be at least 1")
    return arguments


if __name__ == "__main__":
    arguments = parse_args()
    log_as_served_to_nowhere()
    if os.environ.get(_COUNTING_CHILD):
        asyncio.run(
            run_counted_row(
                arguments.database_url, arguments.rows, arguments.path, arguments.requests
            )
        )
    else:
        for name in arguments.rows.split(","):
            count = instructions_per_request(
                arguments.database_url, name, arguments.path, arguments.requests
            )
            print(f"{name:<8} {arguments.path}: {count / 1e6:8.2f} M instructions per request")
