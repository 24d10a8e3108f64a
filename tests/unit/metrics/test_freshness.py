"""Which figures may be called live: measured by a refresh, within the staleness threshold."""

from datetime import UTC, datetime, timedelta

import pytest

from app.services.metrics.freshness import Freshness

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
THRESHOLD = timedelta(minutes=30)


def _freshness(last_success_age: timedelta | None) -> Freshness:
    last = None if last_success_age is None else NOW - last_success_age
    return Freshness(now=NOW, threshold=THRESHOLD, last_success_at=last)


@pytest.mark.parametrize(
    ("last_success_age", "measured_age", "live"),
    [
        (timedelta(minutes=1), timedelta(minutes=5), True),
        (timedelta(minutes=1), timedelta(minutes=30), True),
        (timedelta(minutes=1), timedelta(minutes=31), False),  # the refresh no longer reports it
        (timedelta(minutes=45), timedelta(minutes=5), False),  # the refresh is overdue
        (None, timedelta(minutes=5), False),  # seed or import: no refresh ever ran
        (timedelta(minutes=1), None, False),  # nothing measured
    ],
)
def test_only_recent_figures_of_a_working_refresh_are_live(
    last_success_age: timedelta | None, measured_age: timedelta | None, live: bool
) -> None:
    measured_at = None if measured_age is None else NOW - measured_age
    assert _freshness(last_success_age).is_live(measured_at) is live
