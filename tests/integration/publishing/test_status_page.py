"""/status: recent runs newest first with counts, rejected reasons and errors; metrics freshness.

Each test empties the refresh log first, so the runs it sees are its own.
"""

from datetime import datetime, timedelta

from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import JobLease, RefreshRun
from app.services.publishing.status_page import GONE_MESSAGE, RUNS_PER_PAGE, flatten_counts
from tests.support.page_text import text_of


def _runs(session: Session, *runs: RefreshRun) -> None:
    session.execute(delete(RefreshRun))
    session.add_all(runs)
    session.commit()


def _run(
    started: datetime,
    *,
    source: str = "openrouter",
    status: str = "ok",
    seconds: float | None = 12,
    counts: dict | None = None,
    error: str | None = None,
    holder: str | None = None,
    found_dead_at: datetime | None = None,
) -> RefreshRun:
    return RefreshRun(
        source=source,
        started_at=started,
        finished_at=None if seconds is None else started + timedelta(seconds=seconds),
        status=status,
        counts=counts or {},
        error=error,
        holder=holder,
        found_dead_at=found_dead_at,
    )


def _status(client: TestClient, query: str = "") -> BeautifulSoup:
    response = client.get(f"/status{query}")
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def _table_rows(page: BeautifulSoup) -> list[dict[str, str]]:
    table = page.select_one("table.runs")
    assert isinstance(table, Tag)
    header = [text_of(th) for th in table.select("thead th")]
    return [
        dict(zip(header, (text_of(cell) for cell in tr.find_all(["th", "td"])), strict=True))
        for tr in table.select("tbody tr")
    ]


def test_runs_are_listed_newest_first_with_duration_status_counts_and_errors(
    client: TestClient, catalog_session: Session
) -> None:
    now = utcnow()
    _runs(
        catalog_session,
        _run(
            now - timedelta(hours=2),
            counts={
                "models_seen": 3,
                "samples_written": 8,
                "rejected": {"missing_pricing": 2, "bad_latency": 1},
                "popularity": {"polled": 2, "failed": 1},
            },
        ),
        _run(
            now - timedelta(minutes=30),
            status="failed",
            seconds=3.4,
            counts={},
            error="upstream answered 503 three times\n<script>alert(1)</script>",
        ),
        _run(now - timedelta(minutes=1), source="genai-prices", status="running", seconds=None),
    )

    page = _status(client)

    rows = _table_rows(page)
    assert [(row["Source"], row["Status"], row["Duration"]) for row in rows] == [
        ("genai-prices", "running", "—"),
        ("openrouter", "failed", "3.4 s"),
        ("openrouter", "ok", "12 s"),
    ]
    assert rows[2]["Counts"] == (
        "models seen 3 popularity: failed 1 popularity: polled 2 samples written 8"
    )
    assert rows[2]["Rejected"] == "bad_latency 1 missing_pricing 2"
    assert rows[2]["Error"] == "—"
    assert rows[1]["Rejected"] == "none"
    assert rows[1]["Error"] == "upstream answered 503 three times <script>alert(1)</script>"
    assert page.select_one("table.runs script") is None
    started = page.select("table.runs tbody tr")[2].find("time")
    assert started["datetime"] == (now - timedelta(hours=2)).isoformat()


def test_a_running_run_is_shown_running_only_while_its_lease_is_renewed(
    client: TestClient, catalog_session: Session
) -> None:
    now = utcnow()
    catalog_session.execute(delete(JobLease))
    catalog_session.add_all(
        [
            JobLease(name="job-a", holder="alive", expires_at=now + timedelta(seconds=60)),
            JobLease(name="job-b", holder="lapsed", expires_at=now - timedelta(seconds=5)),
        ]
    )
    found = now - timedelta(minutes=20)
    _runs(
        catalog_session,
        _run(
            now - timedelta(hours=1),
            status="died",
            seconds=None,
            found_dead_at=found,
            error="its process stopped without finishing (the lease was not renewed); "
            "found by run 7",
        ),
        _run(now - timedelta(minutes=9), status="running", seconds=None, holder="gone"),
        _run(now - timedelta(minutes=8), status="running", seconds=None, holder="lapsed"),
        _run(now - timedelta(minutes=7), status="running", seconds=None, holder="alive"),
        _run(now - timedelta(minutes=6), source="genai-prices", status="running", seconds=None),
    )

    rows = _table_rows(_status(client))

    assert [(row["Status"], row["Error"]) for row in rows] == [
        ("running", "—"),
        ("running", "—"),
        ("died", GONE_MESSAGE),
        ("died", GONE_MESSAGE),
        (
            f"died found {found:%Y-%m-%d %H:%M} UTC",
            "its process stopped without finishing (the lease was not renewed); found by run 7",
        ),
    ]


def test_runs_are_paginated(client: TestClient, catalog_session: Session) -> None:
    now = utcnow()
    total = RUNS_PER_PAGE + 5
    _runs(
        catalog_session,
        *(
            _run(now - timedelta(minutes=n), counts={"number": total - n})
            for n in range(total, 0, -1)
        ),
    )

    first = _status(client)
    second = _status(client, "?page=2")

    assert len(_table_rows(first)) == RUNS_PER_PAGE
    assert _table_rows(first)[0]["Counts"] == f"number {total - 1}"
    assert [row["Counts"] for row in _table_rows(second)] == [
        f"number {n}" for n in range(4, -1, -1)
    ]
    assert f"Runs 26\N{EN DASH}30 of {total}, newest first." in text_of(second.find(id="runs"))
    next_link = first.select_one('nav.pagination a[rel="next"]')
    assert next_link is not None
    assert next_link["href"] == "/status?page=2"


def test_a_bad_or_too_large_page_number_falls_back_with_a_notice(
    client: TestClient, catalog_session: Session
) -> None:
    _runs(catalog_session, _run(utcnow()))

    bad = _status(client, "?page=abc")
    past = _status(client, "?page=99")

    assert "Page must be a whole number from 1 — showing page 1." in text_of(bad.find(id="runs"))
    assert "past the end of the list" in text_of(past.find(id="runs"))
    assert len(_table_rows(bad)) == len(_table_rows(past)) == 1


def test_an_empty_log_says_so(client: TestClient, catalog_session: Session) -> None:
    _runs(catalog_session)

    page = _status(client)

    assert page.select_one("table.runs") is None
    assert "No runs recorded yet." in text_of(page.find(id="runs"))
    assert "never refreshed" in text_of(page.find(id="freshness"))


def test_freshness_is_judged_on_the_last_successful_metrics_run(
    client: TestClient, catalog_session: Session
) -> None:
    now = utcnow()
    _runs(
        catalog_session,
        _run(now - timedelta(minutes=50), seconds=60),
        _run(now - timedelta(minutes=5), status="failed"),
        _run(now - timedelta(minutes=2), source="genai-prices"),
    )

    stale = text_of(_status(client).find(id="freshness"))

    assert stale.startswith("Live metrics stale The last successful metrics refresh finished")
    assert "49 min ago — more than 30 min" in stale

    _runs(catalog_session, _run(now - timedelta(minutes=3), seconds=60))

    fresh = text_of(_status(client).find(id="freshness"))

    assert fresh.startswith("Live metrics fresh")
    assert "2 min ago" in fresh


def test_every_page_links_to_status_from_its_footer(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/").text, "html.parser")

    link = page.select_one('footer a[href="/status"]')
    assert link is not None
    assert text_of(link) == "Status"


def test_counts_are_flattened_with_dotted_names_in_key_order() -> None:
    counts = {"b": {"y": 2, "x": {"deep": 1}}, "a": [1, 2], "c": {}, "d": None}

    assert list(flatten_counts(counts)) == [
        ("a", "1, 2"),
        ("b.x.deep", "1"),
        ("b.y", "2"),
        ("c", "none"),
        ("d", "None"),
    ]
