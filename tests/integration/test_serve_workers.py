"""`modelatlas serve --workers N`: refused without shared rate limits, else N processes.

The server runs as an operator runs it, a real `modelatlas serve` process on
SQLite, with the background refresh on against the fake OpenRouter. Which
process answered a request is read from the kernel (Linux's /proc): the
connection's server-side socket belongs to exactly one worker process.
"""

import http.client
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.worker_processes import page_cache_note, rate_limit_refusal
from tests.support.cli import run_cli
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import NO_NETWORK, SeededDatabase, runs, seeded_database
from tests.support.served_process import ServedProcess, served

PROC = Path("/proc")
WORKERS_STARTED_SECONDS = 60
STARTED = re.compile(r"INFO uvicorn\.error Started server process \[(\d+)\]")
LIST_PATH = "/api/v1/models"
SLOW_START_SECONDS = 6

# --- The refusal, before anything is touched ---------------------------------------------


def test_several_workers_counting_rate_limits_in_memory_are_refused(tmp_path: Path) -> None:
    database = tmp_path / "atlas.db"

    result = run_cli("serve", "--workers", "3", database_url=f"sqlite:///{database}", cwd=tmp_path)

    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "Configuration error: --workers 3 with MODELATLAS_RATE_LIMIT_STORAGE_URL=memory://" in (
        message
    )
    assert "each process would allow the full limit" in message
    assert "together they would allow 3 times as many failed sign-ins" in message
    assert "Set MODELATLAS_RATE_LIMIT_STORAGE_URL=redis://HOST:6379/0" in message
    assert "--allow-per-process-limits" in message
    assert not database.exists(), "refused before migrating"


@pytest.mark.parametrize("count", ["0", "-2", "two", "1.5"])
def test_workers_must_be_a_whole_number_of_processes(tmp_path: Path, count: str) -> None:
    result = run_cli("serve", "--workers", count, database_url="sqlite://", cwd=tmp_path)

    assert result.returncode == 2
    assert f"argument --workers: {count!r} is not a number of processes (1 or more)" in (
        result.stderr
    )


def test_one_process_or_shared_counters_need_no_refusal() -> None:
    memory = Settings(environment="test")
    redis = Settings(environment="test", rate_limit_storage_url="redis://127.0.0.1:6379/0")

    assert rate_limit_refusal(memory, 1) is None
    assert rate_limit_refusal(redis, 8) is None
    assert rate_limit_refusal(memory, 2) is not None


def test_the_page_cache_note_is_for_several_workers_each_caching_in_memory() -> None:
    def note(workers: int = 2, **settings: object) -> str | None:
        return page_cache_note(Settings(environment="test", **settings), workers)

    assert note(workers=1) is None
    assert note(page_cache=False) is None
    assert note(page_cache_url="redis://127.0.0.1:6379/0") is None
    assert "reaches the others' cached pages within 2.5 s" in (
        note(page_cache_check_seconds=2.5) or ""
    )
    assert "at their next cached answer" in (note(page_cache_check_seconds=0) or "")
    assert "of up to 64 MiB" in (note() or "")


# --- Two workers, running ------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as server:
        yield server


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path_factory.mktemp("workers-db"), "workers") as seeded:
        yield seeded


def slow_starting_workers(directory: Path) -> str:
    """A PYTHONPATH whose `sitecustomize` makes each worker start SLOW_START_SECONDS late.

    Workers are multiprocessing's spawned children, the only processes run with
    `--multiprocessing-fork`; the command and uvicorn's supervisor start as usual.
    """
    (directory / "sitecustomize.py").write_text(
        "import sys, time\n"
        f"if '--multiprocessing-fork' in sys.argv:\n    time.sleep({SLOW_START_SECONDS})\n"
    )
    return os.pathsep.join(filter(None, [str(directory), os.environ.get("PYTHONPATH")]))


@pytest.fixture(scope="module")
def server(
    database: SeededDatabase, fake: FakeOpenRouter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedProcess]:
    """Two workers counting rate limits each for itself (allowed here: no Redis needed), each
    starting slower than uvicorn's own five seconds for a worker to answer its first ping."""
    directory = tmp_path_factory.mktemp("workers")
    with served(
        "--workers",
        "2",
        "--allow-per-process-limits",
        "--refresh-every",
        "1h",
        database_url=database.url,
        directory=directory,
        MODELATLAS_OPENROUTER_BASE_URL=fake.base_url,
        MODELATLAS_HF_BASE_URL=NO_NETWORK,
        PYTHONPATH=slow_starting_workers(tmp_path_factory.mktemp("slow-start")),
    ) as process:
        _wait_for(lambda: len(STARTED.findall(process.output())) == 2, "both workers to start")
        yield process


def _wait_for(
    condition: Callable[[], bool], what: str, timeout: float = WORKERS_STARTED_SECONDS
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def children(pid: int) -> set[int]:
    """The processes `pid` started that are still running."""
    found: set[int] = set()
    for task in (PROC / str(pid) / "task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def answering_process(server_port: int, client_port: int, candidates: set[int]) -> int | None:
    """Which of `candidates` holds the server's end of the connection from `client_port`."""
    wanted = (f"{server_port:04X}", f"{client_port:04X}")
    inode = None
    for line in (PROC / "net" / "tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
        if (local, remote) == wanted:
            inode = fields[9]
    if inode is None:
        return None
    for pid in candidates:
        for descriptor in (PROC / str(pid) / "fd").iterdir():
            try:
                if descriptor.readlink().name == f"socket:[{inode}]":
                    return pid
            except FileNotFoundError:
                continue  # closed while we looked
    return None


def test_two_workers_are_two_processes_and_both_answer(server: ServedProcess) -> None:
    workers = {int(pid) for pid in STARTED.findall(server.output())}
    assert len(workers) == 2
    assert server.pid not in workers
    assert workers <= children(server.pid)

    answered_by: set[int] = set()
    deadline = time.monotonic() + 30
    while answered_by != workers and time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            client_port = connection.sock.getsockname()[1]
            pid = answering_process(server.port, client_port, workers)
            if pid is not None:
                answered_by.add(pid)
        finally:
            connection.close()

    assert answered_by == workers


def test_workers_slower_to_start_than_uvicorns_default_are_not_killed(
    server: ServedProcess,
) -> None:
    assert "died" not in server.output()
    assert len(set(STARTED.findall(server.output()))) == 2


def test_every_worker_counts_staleness_in_the_interval_of_refresh_every(
    server: ServedProcess,
) -> None:
    pages = [httpx.get(f"{server.base_url}/status", timeout=10) for _ in range(6)]

    assert [page.status_code for page in pages] == [200] * 6
    assert all("is older than 3 h (three refresh intervals)" in page.text for page in pages)


def test_the_database_is_prepared_once_before_the_workers_start(server: ServedProcess) -> None:
    output = server.output()

    assert output.count("Upgrading the database schema") == 1
    assert output.index("Upgrading the database schema") < output.index("Started server process")
    assert "Serving Model Atlas on http://127.0.0.1:" in output
    assert "with 2 worker processes" in output


def test_the_command_says_each_worker_keeps_its_own_page_cache(server: ServedProcess) -> None:
    assert (
        "Each of the 2 workers keeps its own page cache (MODELATLAS_PAGE_CACHE_URL is empty)"
        in server.output()
    )


def test_the_background_refresh_runs_once_not_once_per_worker(
    server: ServedProcess, database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    _wait_for(lambda: [run.status for run in runs(database)] == ["ok"], "the refresh to end")

    assert len(fake.requests_to(LIST_PATH)) == 1
    assert "Refreshing metrics every 1:00:00 in the background." in server.output()
