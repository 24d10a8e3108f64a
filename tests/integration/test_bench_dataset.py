"""`bench.dataset.redraw_metric_charts`: every run measures the page with its charts stored,
as the metrics refresh keeps them, whatever hour the benchmark's database was built in."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.db import utcnow
from app.models import MetricChart, MetricSample
from app.services.metrics.week_window import history_window
from bench.dataset import redraw_metric_charts
from tests.support.metrics_refresh import SeededDatabase, seeded_database
from tests.support.sample_catalog import endpoints_of_one_model


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "bench-charts") as seeded:
        yield seeded


def test_charts_left_from_an_earlier_hour_are_redrawn_for_this_one(
    database: SeededDatabase,
) -> None:
    with database.factory.begin() as session:
        endpoint, *_ = endpoints_of_one_model(session, lab="bench-charts-lab", count=1)
        session.add_all(
            MetricSample(
                endpoint_id=endpoint.id,
                measured_at=utcnow() - timedelta(hours=hours),
                window="30m",
                source="openrouter",
                throughput_p50=Decimal(50 + hours),
                ttft_p50_ms=Decimal(400),
            )
            for hours in range(1, 30)
        )
        session.flush()
        # The build ran some hours ago: its charts are for that hour's window.
        built_for = history_window(utcnow() - timedelta(hours=3))[1]
        session.execute(update(MetricChart).values(window_end=built_for))
        model_id = endpoint.model_id

    before = history_window(utcnow())[1]
    redraw_metric_charts(database.url)
    after = history_window(utcnow())[1]

    with database.factory() as session:
        rows = session.execute(select(MetricChart.model_id, MetricChart.window_end)).all()
    assert model_id in {row.model_id for row in rows}
    assert {row.window_end for row in rows} <= {before, after}
    assert built_for not in (before, after)
