"""The stored week of charts draws exactly what the hourly means draw, and only for its window.

Each write of hourly means stores the charts' geometry of the models it
touched (`services.metrics.metric_charts_writer`); the model page reads it
instead of the means when it is for the page's window and endpoints. A chart
drawn from the store must be the chart drawn from the means, and a store for
another window, drawing or set of endpoints must not be drawn at all.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.models import Endpoint, MetricChart, MetricSample
from app.services.ingest.refresh_metrics import RunStatus
from app.services.metrics.metric_charts_writer import refresh_metric_charts
from app.services.metrics.metric_history_reader import (
    EndpointHistory,
    computed_metric_history,
    load_metric_history,
)
from app.services.metrics.week_window import history_window
from app.web.render.sparkline import endpoint_sparklines
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    SeededDatabase,
    refresh_settings,
    run_refresh_job,
    seeded_database,
)
from tests.support.sample_catalog import endpoints_of_one_model

NOW = datetime(2026, 6, 10, 12, 30, tzinfo=UTC)


def _measured_model(session: Session) -> list[Endpoint]:
    """A model of four endpoints: a broken line with a lone dot, a flat line, a week of
    figures with no throughput, and one never measured."""
    lined, flat, unknown, _never = endpoints_of_one_model(session, lab="charts-lab", count=4)
    figures: list[tuple[Endpoint, int, int | None, int | None]] = [
        *((lined, hours, 40 + hours % 7, 300 + hours) for hours in (*range(0, 30), 40, 50, 51)),
        *((flat, hours, 75, 500) for hours in range(3, 160)),
        *((unknown, hours, None, 250) for hours in (2, 3, 4)),
    ]
    session.add_all(
        MetricSample(
            endpoint_id=endpoint.id,
            measured_at=NOW - timedelta(hours=hours),
            window="30m",
            source="a",
            throughput_p50=None if throughput is None else Decimal(throughput),
            ttft_p50_ms=None if ttft is None else Decimal(ttft),
        )
        for endpoint, hours, throughput, ttft in figures
    )
    session.flush()
    return [lined, flat, unknown, _never]


def _drawn(histories: dict[int, EndpointHistory]) -> dict[int, tuple[bool, str]]:
    return {
        endpoint_id: (history.has_points, str(endpoint_sparklines(history, "Host")))
        for endpoint_id, history in histories.items()
    }


def _loaded(session: Session, endpoints: list[Endpoint]) -> dict[int, EndpointHistory]:
    return load_metric_history(
        session=session,
        model_id=endpoints[0].model_id,
        endpoint_ids=[endpoint.id for endpoint in endpoints],
        now=NOW,
    )


def test_stored_charts_are_the_charts_drawn_from_the_means(session: Session) -> None:
    endpoints = _measured_model(session)
    refresh_metric_charts(session, endpoint_ids=[endpoints[0].id], now=NOW)

    stored = _loaded(session, endpoints)
    computed = computed_metric_history(session=session, model_id=endpoints[0].model_id, now=NOW)

    assert all(history.stored is not None and not history.points for history in stored.values())
    assert _drawn(stored) == _drawn(computed)
    assert len(stored) == 3
    assert "<circle" in _drawn(stored)[endpoints[0].id][1]
    assert _drawn(stored)[endpoints[2].id][1].count("<svg") == 1


@pytest.mark.parametrize(
    "stale",
    [
        {"window_end": history_window(NOW - timedelta(hours=1))[1]},
        {"charts": {"drawing": "another", "endpoints": [], "charts": {}}},
    ],
    ids=["another window", "another drawing"],
)
def test_charts_stored_for_another_window_or_drawing_are_not_drawn(
    session: Session, stale: dict[str, object]
) -> None:
    endpoints = _measured_model(session)
    refresh_metric_charts(session, endpoint_ids=[endpoints[0].id], now=NOW)
    session.execute(update(MetricChart).values(**stale))

    loaded = _loaded(session, endpoints)

    assert all(history.stored is None for history in loaded.values())
    assert _drawn(loaded) == _drawn(
        computed_metric_history(session=session, model_id=endpoints[0].model_id, now=NOW)
    )
    assert loaded[endpoints[1].id].points


def test_charts_stored_before_an_endpoint_joined_the_model_are_not_drawn(
    session: Session,
) -> None:
    endpoints = _measured_model(session)
    refresh_metric_charts(session, endpoint_ids=[endpoints[0].id], now=NOW)
    newcomer = Endpoint(
        model_id=endpoints[0].model_id,
        provider=endpoints[0].provider,
        variant="fast",
        provider_model_id="m2",
    )
    session.add(newcomer)
    session.flush()

    loaded = _loaded(session, [*endpoints, newcomer])

    assert all(history.stored is None for history in loaded.values())
    assert loaded[endpoints[1].id].points


def test_samples_written_through_the_orm_store_their_models_charts(session: Session) -> None:
    endpoints = _measured_model(session)

    (row,) = session.execute(select(MetricChart.model_id, MetricChart.window_end)).all()

    assert row.model_id == endpoints[0].model_id
    assert row.window_end > NOW  # the clock's window, not the samples'


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "charts") as seeded:
        yield seeded


def test_a_refresh_stores_the_charts_of_its_models_for_its_window(
    database: SeededDatabase,
) -> None:
    with FakeOpenRouter() as fake:
        settings = refresh_settings(database.url, fake)
        assert run_refresh_job(database, settings).status is RunStatus.OK

    with database.factory() as session:
        measured_at = session.scalar(select(func.max(MetricSample.measured_at)))
        assert measured_at is not None
        sampled = session.execute(
            select(Endpoint.model_id, Endpoint.id)
            .join(MetricSample, MetricSample.endpoint_id == Endpoint.id)
            .where(MetricSample.measured_at == measured_at)
            .distinct()
        ).all()
        stored = dict(session.execute(select(MetricChart.model_id, MetricChart.window_end)).all())
        assert {stored.get(model_id) for model_id, _ in sampled} == {history_window(measured_at)[1]}
        model_id = sampled[0].model_id
        endpoint_ids = session.scalars(select(Endpoint.id).where(Endpoint.model_id == model_id))
        loaded = load_metric_history(
            session=session, model_id=model_id, endpoint_ids=list(endpoint_ids), now=measured_at
        )
        assert loaded and all(history.stored is not None for history in loaded.values())
        assert _drawn(loaded) == _drawn(
            computed_metric_history(session=session, model_id=model_id, now=measured_at)
        )
