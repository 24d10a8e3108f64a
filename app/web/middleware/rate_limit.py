"""Named rate limits, counted by the `limits` library in memory or in Redis.

Each rule's limit is a setting (`MODELATLAS_RATE_LIMIT_<RULE>`, e.g.
`10/15 minutes`, several joined by `;`), and the counters live wherever
`MODELATLAS_RATE_LIMIT_STORAGE_URL` points: `memory://` for one process,
`redis://…` so that several processes share them. The moving-window strategy
counts the last N minutes exactly, so a burst at a window's edge gets no
second allowance.

Routes call `enforce(request, rule, key)`; over the limit it raises
`RateLimited`, an HTTP 429 with `Retry-After` that the app's error handlers
show as a page (or a message fragment for htmx).

Password checks count only failures, and a check takes a while (the hash),
so checking the count first and recording a failure after would let a burst
of parallel guesses all pass the check before any is recorded. `attempt`
instead reserves the attempt before the work: each attempt in flight is
counted (an atomic increment), and one is allowed only while the failures in
the window plus the attempts in flight stay within the limit. A failed
attempt is then recorded before its reservation is given back, a successful
one gives its reservation back without a trace.
"""

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import HTTPException, Request, status
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.config import Settings

RULE_MESSAGES = {
    "login_failures_per_account": "Too many failed sign-ins for this account.",
    "login_failures_per_ip": "Too many failed sign-ins from your network.",
    "signups_per_ip": "Too many accounts were created from your network.",
    "comments_per_user": "You are commenting faster than this site allows.",
    "ratings_per_user": "You are rating faster than this site allows.",
    "workloads_per_user": "You are saving workloads faster than this site allows.",
    "watches_per_user": "You are changing watches and webhooks faster than this site allows.",
    "exports_per_ip": "Too many full exports were downloaded from your network.",
    "model_lists_per_ip": "Too many full model lists were downloaded from your network.",
}


# Longer than any password check takes; a place held by a process that died is freed then.
IN_FLIGHT_EXPIRY_SECONDS = 120


class RateLimited(HTTPException):
    """Over a rate limit: 429 with the seconds to wait in `Retry-After`."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        wait = _wait_in_words(retry_after_seconds)
        super().__init__(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"{message} Please try again in {wait}.",
            headers={"Retry-After": str(retry_after_seconds)},
        )
        self.retry_after_seconds = retry_after_seconds


def _wait_in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class RateLimiter:
    """The app's rules (name -> limits) and the counters they are checked against."""

    limiter: MovingWindowRateLimiter
    rules: dict[str, list[RateLimitItem]]

    def _retry_after(self, item: RateLimitItem, rule: str, key: str) -> int:
        reset_at = self.limiter.get_window_stats(item, rule, key).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def hit(self, rule: str, key: str) -> int | None:
        """Count one event; the seconds to wait if that went over a limit, else None."""
        for item in self.rules[rule]:
            if not self.limiter.hit(item, rule, key):
                return self._retry_after(item, rule, key)
        return None

    def clear(self, rule: str, key: str) -> None:
        """Forget the events counted for this key (e.g. failures before a good sign-in)."""
        for item in self.rules[rule]:
            self.limiter.clear(item, rule, key)

    def reserve(self, rule: str, key: str) -> int | None:
        """Hold a place for one attempt; the seconds to wait if there is none, else None.

        A held place must be given back with `settle`.
        """
        in_flight = self._in_flight(rule, key, +1)
        for item in self.rules[rule]:
            remaining = self.limiter.get_window_stats(item, rule, key).remaining
            if remaining < in_flight:
                self._in_flight(rule, key, -1)
                return self._retry_after(item, rule, key)
        return None

    def settle(self, rule: str, key: str, *, failed: bool) -> None:
        """Give back a place held by `reserve`, recording the attempt first if it failed."""
        try:
            if failed:
                for item in self.rules[rule]:
                    self.limiter.hit(item, rule, key)
        finally:
            self._in_flight(rule, key, -1)

    def _in_flight(self, rule: str, key: str, change: int) -> int:
        # Expires on its own in case a process dies holding places.
        return self.limiter.storage.incr(
            f"in-flight/{rule}/{key}", IN_FLIGHT_EXPIRY_SECONDS, amount=change
        )


def make_rate_limiter(settings: Settings) -> RateLimiter:
    """The limiter for these settings; a malformed limit fails here, at start-up."""
    storage = storage_from_string(settings.rate_limit_storage_url)
    rules = {rule: parse_many(getattr(settings, f"rate_limit_{rule}")) for rule in RULE_MESSAGES}
    return RateLimiter(limiter=MovingWindowRateLimiter(storage), rules=rules)


def _limiter(request: Request) -> RateLimiter:
    return request.app.state.rate_limiter


def client_ip(request: Request) -> str:
    """The client's address (uvicorn has already applied trusted proxies' forwarding)."""
    return request.client.host if request.client else "unknown"


def enforce(request: Request, rule: str, key: str) -> None:
    """Count one event of `rule` for `key`; raise `RateLimited` when over the limit."""
    retry_after = _limiter(request).hit(rule, key)
    if retry_after is not None:
        raise RateLimited(RULE_MESSAGES[rule], retry_after)


@dataclass
class Attempt:
    """One attempt in progress; it counts as a failure unless marked as succeeded."""

    succeeded: bool = False


@contextmanager
def attempt(request: Request, *limits: tuple[str, str]) -> Iterator[Attempt]:
    """Reserve an attempt under each `(rule, key)`; on exit, record it unless it succeeded.

    Raises `RateLimited`, holding nothing, when any of the limits is used up
    (attempts in flight included). An attempt that raises is not recorded:
    its asker was never told whether the password was right.
    """
    limiter = _limiter(request)
    held: list[tuple[str, str]] = []
    try:
        for rule, key in limits:
            retry_after = limiter.reserve(rule, key)
            if retry_after is not None:
                raise RateLimited(RULE_MESSAGES[rule], retry_after)
            held.append((rule, key))
    except BaseException:
        for rule, key in held:
            limiter.settle(rule, key, failed=False)
        raise
    outcome = Attempt()
    answered = False
    try:
        yield outcome
        answered = True
    finally:
        for rule, key in held:
            limiter.settle(rule, key, failed=answered and not outcome.succeeded)


def reset(request: Request, rule: str, key: str) -> None:
    """Forget the counted events of `rule` for `key`."""
    _limiter(request).clear(rule, key)
