"""Retrying upstream calls: exponential backoff with full jitter, bounded twice.

Only failures a later attempt can cure are retried: timeouts, connection
errors, and answers with status 5xx or 429. Anything else (a 404, a body that
is not the JSON we expect) fails at once — asking again gets the same answer.

A server that says how long to wait (`Retry-After`, in seconds or as an HTTP
date) is never asked sooner than that. Two bounds keep a dead upstream from
holding a refresh forever: a number of attempts and a total time; a wait that
would end past the total time is not started, the last error is raised instead.

Waiting, the clock and the jitter are parameters so tests run in no time.
"""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx

logger = logging.getLogger("app.sources.retry")

T = TypeVar("T")

RETRYABLE_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one request."""

    max_attempts: int
    max_total_seconds: float
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 30.0

    def backoff(self, failed_attempts: int, jitter: float) -> float:
        """Full jitter: a random wait up to base * 2^(n-1), capped (jitter is in [0, 1))."""
        ceiling = self.base_delay_seconds * 2 ** (failed_attempts - 1)
        return jitter * min(self.max_delay_seconds, ceiling)


class RetryableStatusError(Exception):
    """An HTTP answer worth asking again for (5xx, 429), with the wait the server asked for."""

    def __init__(self, status_code: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        self.retry_after = retry_after


def is_retryable_status(status_code: int) -> bool:
    """True for the answers a later attempt may cure: 429 Too Many Requests and 5xx."""
    return status_code == 429 or 500 <= status_code <= 599


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """The wait a `Retry-After` header asks for, or None when absent or unreadable.

    The header is either a number of seconds or an HTTP date; a date in the
    past means "now" (0).
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def call_with_retries(
    call: Callable[[], T],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    jitter: Callable[[], float] = random.random,
) -> T:
    """Return `call()`, retrying it on retryable failures within the policy's bounds.

    Raises the last error when it is not retryable, when the attempts are
    used up, or when the next wait would end past the total time.
    """
    started = clock()
    attempt = 1
    while True:
        try:
            return call()
        except (*RETRYABLE_TRANSPORT_ERRORS, RetryableStatusError) as error:
            if attempt >= policy.max_attempts:
                raise
            delay = policy.backoff(attempt, jitter())
            if isinstance(error, RetryableStatusError) and error.retry_after is not None:
                delay = max(delay, error.retry_after)
            if clock() - started + delay > policy.max_total_seconds:
                raise
            logger.info("attempt %d failed (%s); retrying in %.2fs", attempt, error, delay)
            sleep(delay)
            attempt += 1
