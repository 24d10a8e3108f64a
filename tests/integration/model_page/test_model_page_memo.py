"""The model page's parts remembered per content version, as the content and the clock move.

As in test_computed_memo, two apps render the page with the page cache off,
one with the memo and one without, and must give the same HTML after each
kind of write and as the clock moves. The clock is the model page's
(`services.model_page.model_page_loader.utcnow`, which the route's "now" comes from), moved by
the tests: staleness, the week the sparklines span and the price charts'
right edge depend on it, and none of them may be remembered past their time.
"""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Endpoint, Model, Price, Provider, RefreshRun
from app.services.metrics.time_buckets import floor_to_hour
from app.services.model_page import model_page_loader
from tests.support.community_pages import MODEL_PATH
from tests.support.sample_catalog import add_throughput_samples

HTMX = {"HX-Request": "true"}


class Clock:
    """A settable `utcnow`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(utcnow())
    monkeypatch.setattr(model_page_loader, "utcnow", clock)
    return clock


def _same_page(
    memo_clients: tuple[TestClient, TestClient],
    path: str = MODEL_PATH,
    headers: dict[str, str] | None = None,
) -> str:
    """The page from both apps, twice from the remembering one (a miss, then a hit)."""
    remembering, computing = memo_clients
    first = remembering.get(path, headers=headers)
    remembered = remembering.get(path, headers=headers)
    computed = computing.get(path, headers=headers)
    assert first.status_code == remembered.status_code == computed.status_code
    assert first.text == remembered.text == computed.text
    return remembered.text


def _reference_model(session: Session) -> Model:
    return session.scalars(select(Model).where(Model.slug == "mistral/mistral-small-2603")).one()


def _reference_endpoints(session: Session) -> list[Endpoint]:
    model = _reference_model(session)
    return list(session.scalars(select(Endpoint).where(Endpoint.model_id == model.id)))


def _part(html: str, selector: str) -> str:
    found = BeautifulSoup(html, "html.parser").select(selector)
    return "".join(str(element) for element in found)


def _change_a_price(session: Session, at: datetime) -> None:
    """Every current standard price of the reference model in force before `at` goes up by one."""
    for endpoint in _reference_endpoints(session):
        current = session.scalars(
            select(Price).where(
                Price.endpoint_id == endpoint.id,
                Price.service_tier == "standard",
                Price.effective_to.is_(None),
            )
        ).one_or_none()
        if current is None or current.effective_from >= at:
            continue
        current.effective_to = at
        session.add(
            Price(
                endpoint_id=endpoint.id,
                service_tier="standard",
                effective_from=at,
                input=(current.input or Decimal(0)) + 1,
                output=current.output,
                source="test",
            )
        )
    session.flush()
    session.commit()


def test_a_repeat_view_reads_only_the_version_and_the_last_refresh(
    memo_clients: tuple[TestClient, TestClient], count_queries
) -> None:
    remembering, _ = memo_clients
    assert remembering.get(MODEL_PATH).status_code == 200

    count_queries.statements.clear()
    assert remembering.get(MODEL_PATH).status_code == 200

    selects = [sql for sql in count_queries.statements if sql.lstrip().startswith("SELECT")]
    assert len(selects) == 1
    assert "content_versions" in selects[0]
    assert "refresh_runs" in selects[0]


def test_a_price_change_shows_in_the_history_at_once(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session, clock: Clock
) -> None:
    before = _same_page(memo_clients)

    _change_a_price(catalog_session, clock.now)
    after = _same_page(memo_clients)

    assert 'class="price-chart"' not in before
    assert 'class="price-chart"' in after
    assert _part(after, "#price-history .price-changes")


def test_the_price_charts_run_to_the_moving_now(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session, clock: Clock
) -> None:
    _change_a_price(catalog_session, clock.now)
    today = _same_page(memo_clients)

    clock.now += timedelta(days=3)
    later = _same_page(memo_clients)

    assert _part(today, "svg.price-chart") != _part(later, "svg.price-chart")
    assert _part(today, "#price-history ol") == _part(later, "#price-history ol")


def _refresh_succeeded(session: Session, at: datetime) -> None:
    """A successful metrics refresh finishing at `at`: the content version does not move.

    Refresh runs are not page content: the page reads the last one on every
    render instead.
    """
    session.add(
        RefreshRun(
            source="openrouter",
            started_at=at - timedelta(seconds=20),
            finished_at=at,
            status="ok",
            counts={},
        )
    )
    session.commit()


def test_a_refresh_recorded_without_moving_the_version_shows_at_once(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session, clock: Clock
) -> None:
    # Figures measured just now: no row is stale either way, only the note changes.
    for endpoint in _reference_endpoints(catalog_session):
        endpoint.measured_at = clock.now
    catalog_session.flush()
    catalog_session.commit()
    never_refreshed = _same_page(memo_clients)

    _refresh_succeeded(catalog_session, clock.now)
    refreshed = _same_page(memo_clients)

    assert "the live refresh has not run on this site yet" in never_refreshed
    assert "the live refresh has not run on this site yet" not in refreshed
    assert "badge-stale" not in refreshed


def test_the_overdue_note_follows_the_clock(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session, clock: Clock
) -> None:
    # Within one hour, so the week the charts span stays the same: only the note changes.
    clock.now = floor_to_hour(clock.now) + timedelta(minutes=1)
    _refresh_succeeded(catalog_session, clock.now)
    on_time = _same_page(memo_clients)

    clock.now += timedelta(minutes=40)
    overdue = _same_page(memo_clients)

    assert "has not succeeded for over" not in on_time
    assert "has not succeeded for over" in overdue


def test_a_row_turns_stale_as_the_clock_passes_its_threshold(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session, clock: Clock
) -> None:
    # Early in an hour, so the clock passes the 30 minutes' threshold within it: the week
    # the charts span stays the same, and only the row's staleness changes.
    clock.now = floor_to_hour(clock.now) + timedelta(minutes=1)
    endpoint = _reference_endpoints(catalog_session)[0]
    endpoint.measured_at = clock.now - timedelta(minutes=10)
    # A refresh that succeeded "later" is never overdue: only the row's own age counts here.
    catalog_session.add(
        RefreshRun(
            source="openrouter",
            started_at=clock.now,
            finished_at=clock.now + timedelta(days=1),
            status="ok",
            counts={},
        )
    )
    catalog_session.flush()
    catalog_session.commit()
    fresh = _same_page(memo_clients)

    clock.now += timedelta(minutes=40)
    stale = _same_page(memo_clients)

    assert stale.count("badge-stale") == fresh.count("badge-stale") + 1
    assert "has not succeeded for over" not in stale


def test_the_weeks_charts_move_on_the_hour(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session, clock: Clock
) -> None:
    add_throughput_samples(
        catalog_session,
        _reference_endpoints(catalog_session),
        now=clock.now,
        throughput_hours_ago=((5, 40), (3, 90), (2, 70), (1, 60)),
    )
    catalog_session.commit()
    this_hour = _same_page(memo_clients)

    clock.now += timedelta(hours=1)
    next_hour = _same_page(memo_clients)

    assert _part(this_hour, "svg.sparkline-throughput")
    assert _part(this_hour, "svg.sparkline") != _part(next_hour, "svg.sparkline")


def test_each_providers_quick_start_is_its_own_remembered_or_not(
    memo_clients: tuple[TestClient, TestClient],
) -> None:
    quick_starts = {}
    for snippet in ("venice", "mistral", "openrouter", "nobody"):
        path = f"{MODEL_PATH}?snippet={snippet}"
        page = _same_page(memo_clients, path)
        fragment = _same_page(memo_clients, path, HTMX)
        quick_starts[snippet] = _part(page, "#quick-start")
        assert _part(fragment, "#quick-start") == quick_starts[snippet]
    default = _part(_same_page(memo_clients), "#quick-start")

    assert len(set(quick_starts.values())) == 3
    assert quick_starts["nobody"] == default
    assert "?snippet=venice#quick-start" not in quick_starts["venice"]
    assert "?snippet=venice#quick-start" in quick_starts["mistral"]


def test_a_new_api_address_reaches_the_quick_start(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session
) -> None:
    path = f"{MODEL_PATH}?snippet=venice"
    before = _same_page(memo_clients, path)
    venice = catalog_session.scalars(select(Provider).where(Provider.slug == "venice")).one()
    venice.api_base = "https://api.venice.example/v2"
    catalog_session.flush()
    catalog_session.commit()

    after = _same_page(memo_clients, path)
    fragment = _same_page(memo_clients, path, HTMX)

    assert "https://api.venice.example/v2" not in before
    assert "https://api.venice.example/v2" in _part(after, "#quick-start")
    assert "https://api.venice.example/v2" in fragment


@pytest.mark.parametrize("benchmark", ["", "no-such-benchmark"])
def test_the_price_vs_quality_block_is_the_same_remembered_or_not(
    memo_clients: tuple[TestClient, TestClient], benchmark: str
) -> None:
    path = f"{MODEL_PATH}?benchmark={benchmark}"

    page = _same_page(memo_clients, path)
    fragment = _same_page(memo_clients, path, HTMX)

    assert _part(fragment, "#price-vs-quality") == _part(page, "#price-vs-quality")


def test_an_unknown_model_is_not_found_remembered_or_not(
    memo_clients: tuple[TestClient, TestClient],
) -> None:
    remembering, computing = memo_clients
    for client in (remembering, remembering, computing):
        assert client.get("/models/mistral/no-such-model").status_code == 404
