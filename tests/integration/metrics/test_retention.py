"""Retention: old samples become one averaged row per endpoint per hour; recent ones stay raw."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Endpoint, MetricSample
from app.services.metrics.retention import downsample_samples
from tests.support.sample_catalog import endpoints_of_one_model

NOW = datetime(2026, 9, 1, 12, 34, tzinfo=UTC)
KEEP_RAW = timedelta(days=90)
OLD_HOUR = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)  # ~123 days before NOW


def _endpoints(session: Session, count: int) -> list[Endpoint]:
    return endpoints_of_one_model(session, lab="retention-lab", count=count)


def _sample(
    endpoint: Endpoint,
    measured_at: datetime,
    throughput: int,
    ttft: int | None,
    *,
    window: str = "30m",
) -> MetricSample:
    return MetricSample(
        endpoint_id=endpoint.id,
        measured_at=measured_at,
        window=window,
        throughput_p50=Decimal(throughput),
        throughput_p90=Decimal(throughput * 2),
        ttft_p50_ms=None if ttft is None else Decimal(ttft),
        uptime_pct=Decimal(100),
        source="openrouter",
    )


def _rows(session: Session) -> list[tuple[int, datetime, str, Decimal | None, Decimal | None]]:
    session.expire_all()
    return [
        (s.endpoint_id, s.measured_at, s.window, s.throughput_p50, s.ttft_p50_ms)
        for s in session.scalars(
            select(MetricSample).order_by(MetricSample.endpoint_id, MetricSample.measured_at)
        )
    ]


def test_old_samples_are_merged_per_endpoint_and_hour_with_averaged_figures(
    session: Session,
) -> None:
    first, second = _endpoints(session, 2)
    session.add_all(
        [
            _sample(first, OLD_HOUR + timedelta(minutes=5), 90, 600),
            _sample(first, OLD_HOUR + timedelta(minutes=15), 100, None),
            _sample(first, OLD_HOUR + timedelta(minutes=55), 110, 700),
            _sample(first, OLD_HOUR + timedelta(hours=1, minutes=5), 40, 400),
            _sample(second, OLD_HOUR + timedelta(minutes=25), 20, 300),
        ]
    )
    session.flush()

    removed = downsample_samples(session=session, now=NOW, keep_raw=KEEP_RAW)

    assert removed == 5
    assert _rows(session) == [
        (first.id, OLD_HOUR, "1h", Decimal(100), Decimal(650)),
        (first.id, OLD_HOUR + timedelta(hours=1), "1h", Decimal(40), Decimal(400)),
        (second.id, OLD_HOUR, "1h", Decimal(20), Decimal(300)),
    ]
    merged = session.scalar(select(MetricSample).where(MetricSample.endpoint_id == first.id))
    assert merged is not None
    assert (merged.throughput_p90, merged.uptime_pct, merged.source) == (
        Decimal(200),
        Decimal(100),
        "openrouter",
    )


def test_recent_samples_and_the_hour_straddling_the_cutoff_stay_raw(session: Session) -> None:
    (endpoint,) = _endpoints(session, 1)
    cutoff = NOW - KEEP_RAW  # 12:34, ninety days back
    session.add_all(
        [
            _sample(endpoint, cutoff - timedelta(minutes=50), 10, 100),  # 11:44: whole hour, old
            _sample(endpoint, cutoff - timedelta(minutes=4), 20, 200),  # 12:30: cutoff's hour
            _sample(endpoint, NOW - timedelta(days=1), 30, 300),
        ]
    )
    session.flush()

    removed = downsample_samples(session=session, now=NOW, keep_raw=KEEP_RAW)

    assert removed == 1
    windows = [(measured_at, window) for _, measured_at, window, _, _ in _rows(session)]
    assert windows == [
        (datetime(2026, 6, 3, 11, 0, tzinfo=UTC), "1h"),
        (cutoff - timedelta(minutes=4), "30m"),
        (NOW - timedelta(days=1), "30m"),
    ]


def test_a_second_run_changes_nothing(session: Session) -> None:
    (endpoint,) = _endpoints(session, 1)
    session.add_all(
        _sample(endpoint, OLD_HOUR + timedelta(minutes=10 * n), 10 * n, 100) for n in range(6)
    )
    session.flush()
    assert downsample_samples(session=session, now=NOW, keep_raw=KEEP_RAW) == 6
    after_first = _rows(session)

    assert downsample_samples(session=session, now=NOW, keep_raw=KEEP_RAW) == 0
    assert downsample_samples(session=session, now=NOW + timedelta(days=3), keep_raw=KEEP_RAW) == 0
    assert (
        _rows(session) == after_first == [(endpoint.id, OLD_HOUR, "1h", Decimal(25), Decimal(100))]
    )


def test_hourly_rows_already_present_are_left_alone(session: Session) -> None:
    (endpoint,) = _endpoints(session, 1)
    session.add(_sample(endpoint, OLD_HOUR, 77, 777, window="1h"))
    session.flush()

    assert downsample_samples(session=session, now=NOW, keep_raw=KEEP_RAW) == 0
    assert _rows(session) == [(endpoint.id, OLD_HOUR, "1h", Decimal(77), Decimal(777))]


def test_an_empty_table_is_fine(session: Session) -> None:
    assert downsample_samples(session=session, now=NOW, keep_raw=KEEP_RAW) == 0
