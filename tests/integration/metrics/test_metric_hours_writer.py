"""`metric_hours` stays the hourly mean of the samples after every kind of write of them.

The model page charts read `metric_hours` only, so a write of samples that
left it behind would draw a wrong week. Each test compares the table with the
means computed from scratch from `metric_samples`.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.models import Endpoint, MetricHour, MetricSample
from app.services.ingest.refresh_metrics import RunStatus
from app.services.metrics.metric_history_reader import computed_metric_history
from app.services.metrics.metric_hours_writer import rebuild_metric_hours
from app.services.metrics.retention import downsample_samples
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    SeededDatabase,
    refresh_settings,
    run_refresh_job,
    seeded_database,
)
from tests.support.sample_catalog import endpoints_of_one_model

NOW = datetime(2026, 6, 10, 12, 30, tzinfo=UTC)

Hourly = dict[tuple[int, datetime], tuple[float | None, float | None]]


def _stored(session: Session) -> Hourly:
    """Every row of metric_hours, figures rounded (float means of Decimals)."""
    return {
        (row.endpoint_id, row.hour): (_round(row.throughput_p50), _round(row.ttft_p50_ms))
        for row in session.execute(select(MetricHour.__table__))
    }


def _from_samples(session: Session) -> Hourly:
    """The hourly means computed in Python from every stored sample."""
    groups: dict[tuple[int, datetime], list[MetricSample]] = defaultdict(list)
    for sample in session.scalars(select(MetricSample)):
        hour = sample.measured_at.replace(minute=0, second=0, microsecond=0)
        groups[(sample.endpoint_id, hour)].append(sample)
    return {
        key: (
            _mean([s.throughput_p50 for s in samples]),
            _mean([s.ttft_p50_ms for s in samples]),
        )
        for key, samples in groups.items()
    }


def _mean(values: list[Decimal | None]) -> float | None:
    known = [float(value) for value in values if value is not None]
    return _round(sum(known) / len(known)) if known else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _endpoints(session: Session, count: int) -> list[Endpoint]:
    return endpoints_of_one_model(session, lab="hours-lab", count=count)


def _sample(
    endpoint: Endpoint, at: datetime, throughput: int | None, ttft: int | None, source: str = "a"
) -> dict[str, object]:
    return {
        "endpoint_id": endpoint.id,
        "measured_at": at,
        "window": "30m",
        "throughput_p50": None if throughput is None else Decimal(throughput),
        "ttft_p50_ms": None if ttft is None else Decimal(ttft),
        "source": source,
    }


def test_samples_added_through_the_orm_update_their_hours(session: Session) -> None:
    first, second = _endpoints(session, 2)
    hour = datetime(2026, 6, 10, 9, tzinfo=UTC)
    session.add_all(
        MetricSample(**_sample(endpoint, at, throughput, ttft))  # type: ignore[arg-type]
        for endpoint, at, throughput, ttft in (
            (first, hour + timedelta(minutes=5), 100, 500),
            (first, hour + timedelta(minutes=35), 110, None),
            (first, hour + timedelta(hours=2), 90, 700),
            (second, hour, None, 300),
        )
    )
    session.flush()
    assert _stored(session) == {
        (first.id, hour): (105.0, 500.0),
        (first.id, hour + timedelta(hours=2)): (90.0, 700.0),
        (second.id, hour): (None, 300.0),
    }

    session.add(MetricSample(**_sample(first, hour + timedelta(minutes=50), 120, 900)))  # type: ignore[arg-type]
    session.flush()
    assert _stored(session)[(first.id, hour)] == (110.0, 700.0)
    assert _stored(session) == _from_samples(session)


def test_a_core_insert_is_followed_by_an_explicit_rebuild(session: Session) -> None:
    (endpoint,) = _endpoints(session, 1)
    start = datetime(2026, 6, 10, 1, tzinfo=UTC)
    rows = [_sample(endpoint, start + timedelta(minutes=20 * n), 100 + n, 400) for n in range(9)]
    session.execute(insert(MetricSample), rows)
    assert _stored(session) == {}

    rebuild_metric_hours(
        session, endpoint_ids=[endpoint.id], start=start, end=rows[-1]["measured_at"]
    )  # type: ignore[arg-type]

    assert _stored(session) == _from_samples(session)
    assert len(_stored(session)) == 3


def test_retention_keeps_the_hours_of_the_samples_it_merges(session: Session) -> None:
    first, second = _endpoints(session, 2)
    old = datetime(2026, 6, 1, 8, tzinfo=UTC)
    rows = [
        _sample(first, old + timedelta(minutes=10), 100, 400, source="a"),
        _sample(first, old + timedelta(minutes=20), 130, None, source="a"),
        _sample(first, old + timedelta(minutes=30), 40, 600, source="b"),
        _sample(second, old + timedelta(hours=3), 70, 100),
        _sample(second, NOW - timedelta(minutes=10), 80, 200),
    ]
    session.add_all(MetricSample(**row) for row in rows)  # type: ignore[arg-type]
    session.flush()
    before = _stored(session)

    removed = downsample_samples(session=session, now=NOW, keep_raw=timedelta(days=2))

    assert removed == 4
    after = _stored(session)
    assert after == _from_samples(session)
    # Two sources in one hour: the hour's mean is now the mean of their hourly means,
    # exactly what the merged samples say; hours of one source are unchanged.
    assert after[(first.id, old)] == (_round((115 + 40) / 2), 500.0)
    assert before[(first.id, old)] == (_round(270 / 3), 500.0)
    assert after[(second.id, old + timedelta(hours=3))] == (70.0, 100.0)
    assert after[(second.id, NOW.replace(minute=0))] == (80.0, 200.0)


def test_the_charts_read_the_hours(session: Session) -> None:
    (endpoint,) = _endpoints(session, 1)
    session.add_all(
        MetricSample(**_sample(endpoint, NOW - timedelta(hours=hours), 50 + hours, 300))  # type: ignore[arg-type]
        for hours in (1, 2, 200)
    )
    session.flush()

    history = computed_metric_history(session=session, model_id=endpoint.model_id, now=NOW)

    points = history[endpoint.id].points
    assert [(point.at, point.throughput_p50) for point in points] == [
        (datetime(2026, 6, 10, 10, tzinfo=UTC), 52.0),
        (datetime(2026, 6, 10, 11, tzinfo=UTC), 51.0),
    ]
    assert all(point.at.tzinfo is UTC for point in points)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "hours") as seeded:
        yield seeded


def test_a_refresh_writes_the_hours_of_its_samples(database: SeededDatabase) -> None:
    with FakeOpenRouter() as fake:
        settings = refresh_settings(database.url, fake)
        assert run_refresh_job(database, settings).status is RunStatus.OK
        assert run_refresh_job(database, settings).status is RunStatus.OK

    with database.factory() as session:
        stored = _stored(session)
        assert stored == _from_samples(session)
        sampled = session.scalars(
            select(MetricSample.endpoint_id).where(MetricSample.window != "1h").distinct()
        ).all()
        assert len(sampled) > 1
        assert {endpoint_id for endpoint_id, _ in stored} >= set(sampled)
