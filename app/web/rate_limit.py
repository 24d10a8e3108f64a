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
"""

import math
import time
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
    "exports_per_ip": "Too many full exports were downloaded from your network.",
}


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

    def exhausted(self, rule: str, key: str) -> int | None:
        """Without counting: the seconds to wait if no event is allowed now, else None."""
        for item in self.rules[rule]:
            if not self.limiter.test(item, rule, key):
                return self._retry_after(item, rule, key)
        return None

    def clear(self, rule: str, key: str) -> None:
        """Forget the events counted for this key (e.g. failures before a good sign-in)."""
        for item in self.rules[rule]:
            self.limiter.clear(item, rule, key)


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


def ensure_allowed(request: Request, rule: str, key: str) -> None:
    """Raise `RateLimited` if `rule` is used up for `key`, counting nothing.

    For events counted only when they fail (sign-in attempts): check first, and
    `record` afterwards if it failed.
    """
    retry_after = _limiter(request).exhausted(rule, key)
    if retry_after is not None:
        raise RateLimited(RULE_MESSAGES[rule], retry_after)


def record(request: Request, rule: str, key: str) -> None:
    """Count one event without refusing anything now (see `ensure_allowed`)."""
    _limiter(request).hit(rule, key)


def reset(request: Request, rule: str, key: str) -> None:
    """Forget the counted events of `rule` for `key`."""
    _limiter(request).clear(rule, key)
