"""The providers table's live figures: p50 with p90, measured-at, the stale badge, sparklines.

Also the Popularity section, the week's hourly history behind the charts,
and the loader's constant query count with all of that present.

Each test measures a model of its own, and a test that judges staleness
first empties the refresh log so that it alone decides the last success.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Endpoint, MetricSample, Model, PopularitySignal, Provider, RefreshRun
from app.services.metrics.freshness import Freshness
from app.services.metrics.metric_history_reader import computed_metric_history
from app.services.model_page.model_page_loader import load_model_page
from tests.support.model_page import REFERENCE_URL, add_model
from tests.support.page_text import section, table_rows, text_of

STALE_AFTER = timedelta(minutes=30)  # 3 x the default 10-minute refresh interval


def _endpoint(session: Session, provider_slug: str, model_slug: str) -> Endpoint:
    endpoint = session.scalar(
        select(Endpoint)
        .join(Provider, Provider.id == Endpoint.provider_id)
        .join(Model, Model.id == Endpoint.model_id)
        .where(Provider.slug == provider_slug, Model.slug == model_slug)
    )
    assert endpoint is not None
    return endpoint


def _providers_of(session: Session, slug: str, count: int) -> list[Endpoint]:
    """A fresh model `slug/m` whose hosts are named Host 1..count, and its endpoints in order."""
    add_model(session, author_slug=slug, model_id="m", name=slug, providers=count)
    return [_endpoint(session, f"{slug}-host-{n}", f"{slug}/m") for n in range(1, count + 1)]


def _no_runs_yet(session: Session) -> None:
    """Start from an empty refresh log, so the test alone decides the last successful run."""
    session.execute(delete(RefreshRun))


def _measure(session: Session, endpoint: Endpoint, at: datetime, **figures: str) -> None:
    """Give the endpoint current figures measured at `at`, and the matching sample."""
    values = {name: Decimal(value) for name, value in figures.items()}
    for name, value in values.items():
        setattr(endpoint, name, value)
    endpoint.measured_at = at
    session.add(
        MetricSample(
            endpoint_id=endpoint.id, measured_at=at, window="30m", source="openrouter", **values
        )
    )


def _run(session: Session, *, finished: datetime, status: str = "ok") -> None:
    session.add(
        RefreshRun(
            source="openrouter",
            started_at=finished - timedelta(seconds=20),
            finished_at=finished,
            status=status,
            counts={},
        )
    )


def _page(client: TestClient, url: str = REFERENCE_URL) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def _row(page: BeautifulSoup, provider: str) -> Tag:
    table = section(page, "providers").select_one("table.endpoints")
    assert table is not None
    for tr in table.select("tbody tr"):
        if text_of(tr.find("th")) == provider:
            return tr
    raise AssertionError(f"no row for {provider}")


def _stale_rows(page: BeautifulSoup) -> list[str]:
    table = section(page, "providers").select_one("table.endpoints")
    assert table is not None
    return [text_of(tr.find("th")) for tr in table.select("tbody tr") if tr.select(".badge-stale")]


def test_a_never_refreshed_catalog_shows_the_reference_figures_without_stale_badges(
    client: TestClient, catalog_session: Session
) -> None:
    _no_runs_yet(catalog_session)
    catalog_session.commit()

    page = _page(client)

    rows = table_rows(section(page, "providers").select_one("table.endpoints"))
    shown = {name: (row["Throughput"], row["Latency (TTFT)"]) for name, row in rows.items()}
    assert shown == {
        "Venice": ("96 tok/s", "666 ms"),
        "Mistral": ("29 tok/s", "440 ms"),
    }
    assert _stale_rows(page) == []
    measured = _row(page, "Venice").select_one("td.measured time")
    assert measured is not None
    assert (measured["datetime"], text_of(measured)) == (
        "2026-03-20T12:00:00+00:00",
        "2026-03-20 12:00 UTC",
    )
    described = text_of(section(page, "providers"))
    assert "Data from OpenRouter as of 2026-03-20 (catalog snapshot)" in described
    assert "the live refresh has not run on this site yet" in described
    assert "measured over the last" not in described


def test_p50_is_shown_with_p90_on_hover_and_in_the_accessible_detail(
    client: TestClient, catalog_session: Session
) -> None:
    now = utcnow()
    _no_runs_yet(catalog_session)
    measured, _unmeasured = _providers_of(catalog_session, "pct", 2)
    _measure(
        catalog_session,
        measured,
        now - timedelta(minutes=5),
        throughput_p50="101.4",
        throughput_p90="140",
        ttft_p50_ms="612",
        ttft_p90_ms="1250.5",
        uptime_pct="99.5",
    )
    _run(catalog_session, finished=now - timedelta(minutes=4))
    catalog_session.commit()

    page = _page(client, "/models/pct/m")

    row = _row(page, "Host 1")
    throughput, latency = row.select("td")[0:2]
    assert (text_of(throughput), throughput["title"]) == ("101 tok/s", "p90: 140\u202ftok/s")
    assert (text_of(latency), latency["title"]) == ("612 ms", "p90: 1251\u202fms")
    details = row.select_one("details.endpoint-figures")
    assert details is not None
    assert text_of(details.find("summary")) == "All figures for Host 1"
    figures = {text_of(dt): text_of(dt.find_next_sibling("dd")) for dt in details.select("dt")}
    assert figures == {
        "Throughput p50 / p90": "101 tok/s / 140 tok/s",
        "Latency (TTFT) p50 / p90": "612 ms / 1251 ms",
        "Uptime": "99.5%",
    }
    assert _row(page, "Host 2").select("td")[0]["title"] == "p90: not known"


def test_only_rows_measured_longer_ago_than_the_threshold_are_stale(
    client: TestClient, catalog_session: Session
) -> None:
    now = utcnow()
    _no_runs_yet(catalog_session)
    fresh, late = _providers_of(catalog_session, "some", 2)
    _measure(catalog_session, fresh, now - timedelta(minutes=2), throughput_p50="90")
    _measure(catalog_session, late, now - timedelta(minutes=45), throughput_p50="30")
    _run(catalog_session, finished=now - timedelta(minutes=1))
    catalog_session.commit()

    page = _page(client, "/models/some/m")

    assert _stale_rows(page) == ["Host 2"]
    badge = _row(page, "Host 2").select_one(".badge-stale")
    assert badge is not None
    assert (text_of(badge), badge["title"]) == ("stale", "Not refreshed for over 30 min")
    described = text_of(section(page, "providers"))
    assert "has not succeeded" not in described
    assert "Data from OpenRouter, measured over the last 30 minutes." in described
    assert "catalog snapshot" not in described


def test_every_measured_row_is_stale_when_the_last_success_is_too_old(
    client: TestClient, catalog_session: Session
) -> None:
    now = utcnow()
    _no_runs_yet(catalog_session)
    recent, older = _providers_of(catalog_session, "all", 2)
    _measure(catalog_session, recent, now - timedelta(minutes=20), throughput_p50="90")
    _measure(catalog_session, older, now - timedelta(minutes=40), throughput_p50="30")
    _run(catalog_session, finished=now - timedelta(minutes=31))
    _run(catalog_session, finished=now - timedelta(minutes=1), status="failed")
    catalog_session.commit()

    page = _page(client, "/models/all/m")

    assert _stale_rows(page) == ["Host 1", "Host 2"]
    assert "the live refresh has not succeeded for over 30 min" in text_of(
        section(page, "providers")
    )


@pytest.mark.parametrize(
    ("age", "last_success_age", "stale"),
    [
        (timedelta(minutes=30), timedelta(0), False),
        (timedelta(minutes=30, seconds=1), timedelta(0), True),
        (timedelta(0), timedelta(minutes=30), False),
        (timedelta(0), timedelta(minutes=30, seconds=1), True),
        (timedelta(days=400), None, False),
    ],
)
def test_stale_means_older_than_the_threshold_once_a_refresh_has_succeeded(
    age: timedelta, last_success_age: timedelta | None, stale: bool
) -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    freshness = Freshness(
        now=now,
        threshold=STALE_AFTER,
        last_success_at=None if last_success_age is None else now - last_success_age,
    )

    assert freshness.is_stale(now - age) is stale
    assert freshness.is_stale(None) is False


def test_each_provider_row_has_throughput_and_latency_sparklines(
    client: TestClient, catalog_session: Session
) -> None:
    now = utcnow()
    charted, _uncharted = _providers_of(catalog_session, "chart", 2)
    for hours_ago, throughput, ttft in ((50, "80", "700"), (2, "100", "650"), (1, "96", "666")):
        _measure(
            catalog_session,
            charted,
            now - timedelta(hours=hours_ago),
            throughput_p50=throughput,
            ttft_p50_ms=ttft,
        )
    catalog_session.commit()

    page = _page(client, "/models/chart/m")

    charts = _row(page, "Host 1").select("td.history svg")
    assert [chart["class"] for chart in charts] == [
        ["sparkline", "sparkline-throughput"],
        ["sparkline", "sparkline-latency"],
    ]
    assert charts[0]["aria-label"] == (
        "Host 1 throughput, last 7 days: lowest 80\u202ftok/s"
        ", highest 100\u202ftok/s, latest 96\u202ftok/s"
    )
    assert charts[1]["aria-label"] == (
        "Host 1 latency (TTFT), last 7 days: lowest 650\u202fms"
        ", highest 700\u202fms, latest 666\u202fms"
    )
    for chart in charts:  # the lone point 50 hours ago is a dot, the last two hours a line
        assert len(chart.select("circle")) == 1
        assert chart.find("path")["d"].count("L") == 1
    assert text_of(_row(page, "Host 2").select_one("td.history")) == "no data this week"
    providers = section(page, "providers")
    assert 'style="' not in str(providers)
    headings = [text_of(th) for th in providers.select("table.endpoints thead th")]
    assert headings[-1] == "Last 7 days throughput · latency"
    assert "The charts show hourly averages over the last 7 days." in text_of(providers)


def test_popularity_shows_downloads_likes_source_link_and_date(
    client: TestClient, catalog_session: Session
) -> None:
    model = add_model(catalog_session, author_slug="poplab", model_id="pop-1", name="Pop One")
    model.weights = "open"
    model.hf_repo_id = "poplab/pop-1"
    catalog_session.add(
        PopularitySignal(
            model_id=model.id,
            source="huggingface",
            downloads=1_234_567,
            likes=892,
            measured_at=datetime(2026, 4, 2, 8, 0, tzinfo=UTC),
        )
    )
    catalog_session.commit()

    popularity = section(_page(client, "/models/poplab/pop-1"), "popularity")

    figures = {text_of(dt): dt.find_next_sibling("dd") for dt in popularity.select("dl dt")}
    assert {name: text_of(dd) for name, dd in figures.items()} == {
        "Downloads (last 30 days)": "1.2M",
        "Likes": "892",
    }
    assert figures["Downloads (last 30 days)"].find("data")["value"] == "1234567"
    link = popularity.select_one("p a")
    assert link is not None
    assert (text_of(link), link["href"]) == (
        "Hugging Face",
        "https://huggingface.co/poplab/pop-1",
    )
    assert "as of 2026-04-02" in text_of(popularity)
    assert "not known" not in text_of(popularity)


def test_history_is_averaged_per_endpoint_and_hour_over_the_last_week(
    catalog_session: Session,
) -> None:
    now = datetime(2026, 5, 8, 12, 20, tzinfo=UTC)
    model = add_model(catalog_session, author_slug="histlab", model_id="h", name="H", providers=2)
    other = add_model(catalog_session, author_slug="otherlab", model_id="o", name="O", providers=1)
    first, second = sorted(model.endpoints, key=lambda e: e.id)
    samples = [
        (first, datetime(2026, 5, 8, 10, 5, tzinfo=UTC), "90", "600"),
        (first, datetime(2026, 5, 8, 10, 35, tzinfo=UTC), "110", None),
        (first, datetime(2026, 5, 8, 12, 10, tzinfo=UTC), "50", "500"),
        (first, datetime(2026, 5, 1, 11, 59, tzinfo=UTC), "1", "1"),  # just over a week ago
        (second, datetime(2026, 5, 3, 0, 0, tzinfo=UTC), "20", "200"),
        (other.endpoints[0], datetime(2026, 5, 8, 10, 0, tzinfo=UTC), "7", "7"),
    ]
    catalog_session.add_all(
        MetricSample(
            endpoint_id=endpoint.id,
            measured_at=at,
            window="30m",
            throughput_p50=Decimal(throughput),
            ttft_p50_ms=None if ttft is None else Decimal(ttft),
            source="openrouter",
        )
        for endpoint, at, throughput, ttft in samples
    )
    catalog_session.flush()

    histories = computed_metric_history(session=catalog_session, model_id=model.id, now=now)

    assert set(histories) == {first.id, second.id}
    history = histories[first.id]
    assert (history.start, history.end) == (
        datetime(2026, 5, 1, 13, 0, tzinfo=UTC),
        datetime(2026, 5, 8, 13, 0, tzinfo=UTC),
    )
    assert history.throughput == (
        (datetime(2026, 5, 8, 10, 0, tzinfo=UTC), Decimal(100)),
        (datetime(2026, 5, 8, 12, 0, tzinfo=UTC), Decimal(50)),
    )
    assert history.latency == (
        (datetime(2026, 5, 8, 10, 0, tzinfo=UTC), Decimal(600)),
        (datetime(2026, 5, 8, 12, 0, tzinfo=UTC), Decimal(500)),
    )
    assert histories[second.id].throughput == (
        (datetime(2026, 5, 3, 0, 0, tzinfo=UTC), Decimal(20)),
    )


def test_loader_query_count_stays_constant_with_history_popularity_and_runs(
    catalog_session: Session, count_queries
) -> None:
    now = utcnow()
    counts = {}
    for slug, providers in (("qfew", 1), ("qmany", 6)):
        model = add_model(
            catalog_session, author_slug=slug, model_id="m", name=slug, providers=providers
        )
        for endpoint in model.endpoints:
            for hours_ago in (1, 2, 30):
                _measure(
                    catalog_session, endpoint, now - timedelta(hours=hours_ago), throughput_p50="9"
                )
        catalog_session.add(
            PopularitySignal(
                model_id=model.id, source="huggingface", downloads=1, likes=1, measured_at=now
            )
        )
    _run(catalog_session, finished=now)
    catalog_session.commit()

    for slug in ("qfew", "qmany"):
        count_queries.statements.clear()
        page = load_model_page(
            session=catalog_session, author_slug=slug, model_slug="m", stale_after=STALE_AFTER
        )
        counts[slug] = sum(sql.startswith("SELECT") for sql in count_queries.statements)
        assert page is not None
        assert page.popularity is not None
        assert all(row.history.shapes()[0] is not None for row in page.providers)

    # The content version and last refresh, the model, its endpoints, its facts by source,
    # their stored charts, scores.
    assert counts["qfew"] == counts["qmany"] == 6


def test_the_json_api_reports_all_four_measured_percentiles(
    client: TestClient, catalog_session: Session
) -> None:
    (endpoint,) = _providers_of(catalog_session, "api", 1)
    _measure(
        catalog_session,
        endpoint,
        utcnow(),
        throughput_p50="50",
        throughput_p75="60",
        throughput_p90="70",
        throughput_p99="80.5",
        ttft_p50_ms="400",
        ttft_p99_ms="2000",
    )
    catalog_session.commit()

    response = client.get("/api/v1/models/api/m/endpoints")

    assert response.status_code == 200
    (entry,) = response.json()["data"]["endpoints"]
    assert entry["throughput_last_30m"] == {"p50": 50, "p75": 60, "p90": 70, "p99": 80.5}
    assert entry["latency_last_30m"] == {"p50": 400, "p75": None, "p90": None, "p99": 2000}
