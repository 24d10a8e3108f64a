"""The `modelatlas serve` process the browser tests drive, as their tests see it.

The `live_server` fixture (tests/e2e/conftest.py) starts it once per test process;
tests take this object to build URLs and to read how long the first start took.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class LiveServer:
    """A running `modelatlas serve` process."""

    base_url: str
    first_start_seconds: float

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"
