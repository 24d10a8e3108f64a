"""Running the refresh as users do: `modelatlas refresh`, two at once, and `serve --refresh-every`.

The commands run as real processes against their own database and the fake
upstream, exactly as the contract says:
`MODELATLAS_OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1 modelatlas refresh`.
"""

import itertools
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.models import MetricSample
from app.services.ingest.refresh_metrics import (
    PeriodicRefresh,
    RefreshCounts,
    RefreshOutcome,
    RunStatus,
    parse_interval,
)
from tests.support.executables import modelatlas_executable
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    MODEL_PAGE,
    NO_NETWORK,
    SeededDatabase,
    count_rows,
    database_state,
    price_history,
    provider_rows,
    runs,
    seeded_database,
    status_rows,
)

LIST_PATH = "/api/v1/models"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "running") as seeded:
        yield seeded


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as server:
        yield server


def environment(database_url: str, base_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MODELATLAS_")}
    return env | {
        "MODELATLAS_DATABASE_URL": database_url,
        "MODELATLAS_ENVIRONMENT": "test",
        "MODELATLAS_OPENROUTER_BASE_URL": base_url,
        "MODELATLAS_HF_BASE_URL": NO_NETWORK,
        "NO_COLOR": "1",
        "COLUMNS": "1000",
        **extra,
    }


def start_refresh(
    database_url: str, base_url: str, cwd: Path, **extra: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [modelatlas_executable(), "refresh"],
        cwd=cwd,
        env=environment(database_url, base_url, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Exit code and everything the process printed."""
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, stdout + stderr


def test_refresh_command_updates_the_model_page_and_price_history(
    database: SeededDatabase, fake: FakeOpenRouter, tmp_path: Path
) -> None:
    code, output = finish(start_refresh(database.url, fake.base_url, tmp_path))

    assert code == 0, output
    assert "Metrics refreshed from openrouter" in output
    assert "5 models seen, 9 endpoints updated" in output
    rows = provider_rows(database.url)
    assert re.search(r"\b102\s*tok/s", rows["Venice"])
    assert re.search(r"\b612\s*ms", rows["Venice"])
    assert re.search(r"\b32\s*tok/s", rows["Mistral"])
    assert re.search(r"\b398\s*ms", rows["Mistral"])
    old, new = price_history(database, "venice")
    assert (old.input, old.effective_to) == (Decimal("0.188"), new.effective_from)
    assert (new.input, new.output, new.effective_to) == (Decimal("0.2"), Decimal("0.8"), None)


def test_refresh_command_on_a_new_database_fills_the_catalog_first(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'new.db'}"

    code, output = finish(start_refresh(database_url, fake.base_url, tmp_path))

    assert code == 0, output
    assert "Empty catalog: seeding the reference model" in output
    rows = provider_rows(database_url)
    assert re.search(r"\b102\s*tok/s", rows["Venice"])
    assert re.search(r"\b32\s*tok/s", rows["Mistral"])


def test_refresh_command_exits_non_zero_when_the_upstream_fails(
    database: SeededDatabase, tmp_path: Path
) -> None:
    before = database_state(database)

    # One attempt: the retries' waits (tests/unit/sources) would only delay the same failure.
    code, output = finish(
        start_refresh(
            database.url,
            "http://127.0.0.1:9/api/v1",
            tmp_path,
            MODELATLAS_OPENROUTER_MAX_ATTEMPTS="1",
        )
    )

    assert code == 1, output
    assert "Metrics refresh failed" in output
    assert "the model list is unavailable: connection" in output
    assert [run.status for run in runs(database)] == ["failed"]
    assert database_state(database) == before


def test_two_refreshes_at_once_do_the_work_exactly_once(
    database: SeededDatabase, fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.faults.paths, fake.faults.delay_seconds = LIST_PATH, 3.0

    first = start_refresh(database.url, fake.base_url, tmp_path)
    second = start_refresh(database.url, fake.base_url, tmp_path)
    results = [finish(first), finish(second)]

    assert [code for code, _ in results] == [0, 0], results
    outputs = [output for _, output in results]
    skipped = [o for o in outputs if "skipped: another refresh is running" in o]
    refreshed = [o for o in outputs if "Metrics refreshed from openrouter" in o]
    assert (len(skipped), len(refreshed)) == (1, 1), outputs
    assert sorted(run.status for run in runs(database)) == ["ok", "skipped_locked"]
    assert len(fake.requests_to(LIST_PATH)) == 1
    seeded_samples = 2
    assert count_rows(database, MetricSample) == seeded_samples + 9


# The shortest lease MODELATLAS_REFRESH_LEASE_SECONDS allows: the waits below are multiples.
LEASE_SECONDS = 3
SHORT_LEASE = {
    "MODELATLAS_REFRESH_LEASE_SECONDS": str(LEASE_SECONDS),
    "MODELATLAS_OPENROUTER_TIMEOUT_SECONDS": "120",
}


def test_a_killed_refresh_is_shown_died_and_the_next_takes_over_once_its_lease_lapses(
    database: SeededDatabase, fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.faults.paths, fake.faults.delay_seconds = "/endpoints", 60.0
    first = start_refresh(database.url, fake.base_url, tmp_path, **SHORT_LEASE)
    try:
        wait_for(lambda: bool(fake.requests_to("/endpoints")), 30, "the first run to fetch")
        time.sleep(LEASE_SECONDS * 1.5)  # the upstream keeps it waiting longer than a lease
        code, output = finish(start_refresh(database.url, fake.base_url, tmp_path, **SHORT_LEASE))
        assert code == 0, output
        assert "skipped: another refresh is running" in output, "the lease lapsed while waiting"
        first_id = runs(database)[0].id
        assert status_rows(database.url)[first_id] == ("running", "—")

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed = time.monotonic()
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()

    # Its last renewal was before the kill: a lease later, it has lapsed for sure.
    time.sleep(max(0.0, killed + LEASE_SECONDS + 0.5 - time.monotonic()))
    status, error = status_rows(database.url)[first_id]
    assert status == "died"
    assert error.startswith("its process stopped without finishing (its lease lapsed unrenewed)")

    fake.faults.delay_seconds = 0.0
    code, output = finish(start_refresh(database.url, fake.base_url, tmp_path, **SHORT_LEASE))

    assert code == 0, output
    assert "Metrics refreshed from openrouter" in output
    dead, skipped, taker = runs(database)
    assert (dead.id, skipped.status, taker.status) == (first_id, "skipped_locked", "ok")
    assert dead.found_dead_at == taker.started_at
    assert status_rows(database.url)[first_id] == (
        f"died found {taker.started_at:%Y-%m-%d %H:%M} UTC",
        "its process stopped without finishing (the lease was not renewed); "
        f"found by run {taker.id}",
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_serve_refreshes_in_the_background_without_blocking_requests(
    database: SeededDatabase, fake: FakeOpenRouter, tmp_path: Path
) -> None:
    refresh_may_end = threading.Event()
    fake.faults.paths, fake.faults.hold = LIST_PATH, refresh_may_end
    port = free_port()
    server = subprocess.Popen(
        [modelatlas_executable(), "serve", "--port", str(port), "--refresh-every", "1h"],
        cwd=tmp_path,
        env=environment(database.url, fake.base_url, MODELATLAS_AUTO_POPULATE="false"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def answering() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(answering, 30, "the server to answer")
        wait_for(lambda: len(fake.requests_to(LIST_PATH)) == 1, 10, "the refresh to start")
        page = httpx.get(f"{base}{MODEL_PAGE}", timeout=30)
        # Answered while the refresh still waits for the upstream's answer.
        assert page.status_code == 200
        assert [run.status for run in runs(database)] == ["running"]
        refresh_may_end.set()
        wait_for(lambda: [r.status for r in runs(database)] == ["ok"], 30, "the refresh to end")
        assert re.search(r"\b102\s*tok/s", provider_rows(database.url)["Venice"])
    finally:
        refresh_may_end.set()
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert "Refreshing metrics every 1:00:00 in the background." in stderr


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("10m", 600), ("1h", 3600), (" 2M ", 120)]
)
def test_intervals_are_read_in_seconds_minutes_or_hours(text: str, seconds: int) -> None:
    assert parse_interval(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["10", "0m", "1d", "-1m", "m", "ten minutes", ""])
def test_other_intervals_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not an interval like 30s, 10m or 1h"):
        parse_interval(text)


def test_serve_refuses_a_bad_interval_with_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [modelatlas_executable(), "serve", "--refresh-every", "1d"],
        cwd=tmp_path,
        env=environment("sqlite://", NO_NETWORK),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "--refresh-every: '1d' is not an interval like 30s, 10m or 1h" in result.stderr


def test_the_scheduler_runs_at_once_then_every_interval_and_survives_a_crash() -> None:
    calls: list[float] = []
    three_calls = threading.Event()

    def run(_settings: Settings) -> RefreshOutcome:
        calls.append(time.monotonic())
        if len(calls) >= 3:
            three_calls.set()
        if len(calls) == 1:
            raise RuntimeError("the first run crashes")
        counts = RefreshCounts().as_json()
        return RefreshOutcome(run_id=len(calls), status=RunStatus.OK, counts=counts, error=None)

    scheduler = PeriodicRefresh(
        settings=Settings(environment="test"), interval=timedelta(seconds=0.05), run=run
    )
    scheduler.start()
    assert three_calls.wait(timeout=5)
    scheduler.stop()
    count = len(calls)
    time.sleep(0.2)

    assert len(calls) == count, "the scheduler kept running after stop()"
    assert all(later - earlier >= 0.05 for earlier, later in itertools.pairwise(calls))
