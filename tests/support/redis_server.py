"""The Redis server tests share: 127.0.0.1:6379, skipped without it locally, required in CI."""

import os

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_available(url: str = REDIS_URL) -> bool:
    """True when a Redis server answers PING at `url` within half a second."""
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.exceptions.ConnectionError:
        return False


def require_redis(what: str, url: str = REDIS_URL) -> str:
    """`url`, once a Redis server answers there; else skip (locally) or fail (in CI) `what`."""
    if not redis_available(url):
        reason = f"no Redis at {url}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run {what}")
        pytest.skip(reason)
    return url
