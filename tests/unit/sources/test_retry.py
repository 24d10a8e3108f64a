"""Retrying upstream calls: what is retried, how long it waits, and the two bounds."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from app.sources.retry import (
    RetryableStatusError,
    RetryPolicy,
    call_with_retries,
    is_retryable_status,
    retry_after_seconds,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(*errors: Exception, result: str = "answer") -> tuple[Callable[[], str], list[int]]:
    """A call that raises `errors` in turn, then returns `result`; also its call counter."""
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return call, calls


def run(call: Callable[[], str], policy: RetryPolicy, time: FakeTime, jitter: float = 1.0) -> str:
    return call_with_retries(
        call, policy=policy, sleep=time.sleep, clock=time.clock, jitter=lambda: jitter
    )


def test_timeouts_and_connection_errors_are_retried_with_exponential_backoff() -> None:
    time = FakeTime()
    call, calls = failing(httpx.ReadTimeout("slow"), httpx.ConnectError("refused"))

    assert run(call, RetryPolicy(max_attempts=3, max_total_seconds=60), time) == "answer"

    assert len(calls) == 3
    assert time.sleeps == [0.5, 1.0]


def test_jitter_spreads_the_wait_below_the_exponential_ceiling() -> None:
    time = FakeTime()
    call, _ = failing(httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow"))

    run(call, RetryPolicy(max_attempts=3, max_total_seconds=60), time, jitter=0.25)

    assert time.sleeps == [0.125, 0.25]


def test_the_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=10, max_total_seconds=600, max_delay_seconds=4)

    assert [policy.backoff(n, jitter=1.0) for n in range(1, 7)] == [0.5, 1, 2, 4, 4, 4]


def test_5xx_and_429_are_retried_and_retry_after_is_honoured() -> None:
    time = FakeTime()
    call, calls = failing(RetryableStatusError(503, None), RetryableStatusError(429, 7.0))

    assert run(call, RetryPolicy(max_attempts=3, max_total_seconds=60), time) == "answer"

    assert len(calls) == 3
    assert time.sleeps == [0.5, 7.0]


def test_a_retry_after_shorter_than_the_backoff_does_not_shorten_it() -> None:
    time = FakeTime()
    call, _ = failing(RetryableStatusError(429, 0.0))

    run(call, RetryPolicy(max_attempts=2, max_total_seconds=60), time)

    assert time.sleeps == [0.5]


@pytest.mark.parametrize(
    "error", [ValueError("not JSON"), httpx.UnsupportedProtocol("ftp"), KeyError("x")]
)
def test_other_failures_are_not_retried(error: Exception) -> None:
    time = FakeTime()
    call, calls = failing(error)

    with pytest.raises(type(error)):
        run(call, RetryPolicy(max_attempts=5, max_total_seconds=60), time)

    assert len(calls) == 1
    assert time.sleeps == []


def test_attempts_are_bounded_and_the_last_error_is_raised() -> None:
    time = FakeTime()
    call, calls = failing(*(RetryableStatusError(500 + n, None) for n in range(5)))

    with pytest.raises(RetryableStatusError) as raised:
        run(call, RetryPolicy(max_attempts=3, max_total_seconds=60), time)

    assert raised.value.status_code == 502
    assert len(calls) == 3


def test_total_time_is_bounded_a_wait_past_it_is_not_started() -> None:
    time = FakeTime()
    call, calls = failing(RetryableStatusError(429, 2.0), RetryableStatusError(429, 30.0))

    with pytest.raises(RetryableStatusError) as raised:
        run(call, RetryPolicy(max_attempts=10, max_total_seconds=10), time)

    assert raised.value.retry_after == 30.0
    assert len(calls) == 2
    assert time.sleeps == [2.0]


def test_time_spent_in_attempts_counts_against_the_total() -> None:
    time = FakeTime()
    calls: list[int] = []

    def slow_failure() -> str:
        calls.append(1)
        time.now += 4.0
        raise httpx.ReadTimeout("slow")

    with pytest.raises(httpx.ReadTimeout):
        run(slow_failure, RetryPolicy(max_attempts=10, max_total_seconds=10), time)

    # 4s attempt, 0.5s wait, 4s attempt, 1s wait (ends at 9.5s), 4s attempt: no wait ends past 10s.
    assert len(calls) == 3
    assert time.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 120 ", 120.0),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        (format_datetime(NOW - timedelta(minutes=5), usegmt=True), 0.0),
        ("soon", None),
        ("-3", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(429, True), (500, True), (503, True), (599, True), (400, False), (404, False), (200, False)],
)
def test_only_429_and_5xx_answers_are_retryable(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable
