"""`bench.instructions`: a request's instructions, counted by callgrind in a real app process."""

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.config import Settings
from bench import instructions
from bench.instructions import collected_instructions, counted_rows, instructions_per_request


def _require_valgrind() -> None:
    """Skip without valgrind locally; in CI, where `.ci/run` installs it, fail instead."""
    if shutil.which("valgrind") is not None:
        return
    reason = "counting instructions needs valgrind (apt-get install valgrind)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run it")
    pytest.skip(reason)


def test_the_count_is_read_from_callgrinds_summary() -> None:
    stderr = "==12== Events    : Ir\n==12== Collected : 860498213\n==12==\n==12== I   refs: 1\n"
    assert collected_instructions(stderr) == 860_498_213


def test_no_summary_is_an_error_that_shows_what_valgrind_said() -> None:
    with pytest.raises(ValueError, match="valgrind: command not found"):
        collected_instructions("bash: valgrind: command not found")


def test_counts_only_the_counted_requests(settings: Settings) -> None:
    """The app's start and warm-up (hundreds of millions of instructions) are not counted:
    a health check is about a million and a half instructions."""
    _require_valgrind()
    per_request = instructions_per_request(settings.database_url, "cached", "/healthz", requests=2)
    assert 100_000 < per_request < 20_000_000


def test_without_valgrind_the_bench_reports_no_counts(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`python -m bench` leaves the section out rather than failing on a machine without it."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert counted_rows(settings.database_url) is None


def test_a_row_counted_across_the_turn_of_an_hour_is_counted_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its pages' charts were drawn for the hour it started in; after the turn they are
    worked out again, which a page people are served does not do."""
    hours = iter([datetime(2026, 12, 3, 18, tzinfo=UTC), datetime(2026, 12, 3, 19, tzinfo=UTC)])
    monkeypatch.setattr(
        instructions, "utcnow", lambda: next(hours, datetime(2026, 12, 3, 19, 30, tzinfo=UTC))
    )
    counts = iter([11_130_000.0, 8_460_000.0])
    monkeypatch.setattr(instructions, "_counted_instructions", lambda *_args: next(counts))

    assert instructions_per_request("sqlite://", "miss", "/", requests=10) == 8_460_000.0
