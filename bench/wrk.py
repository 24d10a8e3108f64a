"""Running wrk and reading its report.

wrk is a C load generator: one thread drives many keep-alive connections with
epoll, so pinned to its own core it never competes with the server for the
core being measured, and it has no interpreter lock or per-request Python
cost of its own to cap the figure. Its text report is parsed here; the units
are wrk 4.1's (`us`/`ms`/`s`/`m`/`h` for times, padded to a common width, so
`1.12s ` ends in a space; `B`/`KB`/`MB`/... in 1024s for sizes).
"""

import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "wrk is not installed: apt-get install wrk (Debian's package, 4.1.0 here)"

_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}

_REQUESTS = re.compile(
    r"^\s*(?P<requests>\d+) requests in (?P<seconds>[\d.]+\w+), "
    r"(?P<size>[\d.]+)(?P<unit>[KMGTP]?)B read\s*$",
    re.MULTILINE,
)
_RATE = re.compile(r"^Requests/sec:\s+(?P<rate>[\d.]+)\s*$", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+(?P<percent>50|99)%\s+(?P<time>[\d.]+)(?P<unit>us|ms|s|m|h)\s*$")
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses: (?P<count>\d+)\s*$", re.MULTILINE)
_SOCKET_ERRORS = re.compile(
    r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", re.MULTILINE
)


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed a report this parser does not understand."""


@dataclass(frozen=True)
class WrkRun:
    """One wrk run: rate, latency percentiles, bytes per response and what went wrong."""

    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    bytes_read: int
    non_2xx: int
    socket_errors: int

    @property
    def bytes_per_response(self) -> float:
        """Headers and body, as read off the socket, per completed request."""
        return self.bytes_read / self.requests if self.requests else 0.0


def time_in_ms(number: str, unit: str) -> float:
    """A wrk time such as `635.00us` or `1.02s`, in milliseconds."""
    return float(number) * _TIME_UNITS_MS[unit]


def parse_report(text: str) -> WrkRun:
    """The figures of one `wrk --latency` report; WrkError when a line is missing."""
    requests = _REQUESTS.search(text)
    rate = _RATE.search(text)
    percentiles = {}
    for line in text.splitlines():
        if found := _PERCENTILE.match(line):
            percentiles[found["percent"]] = time_in_ms(found["time"], found["unit"])
    if requests is None or rate is None or set(percentiles) != {"50", "99"}:
        raise WrkError(f"unexpected wrk output (was --latency given?):\n{text}")
    non_2xx = _NON_2XX.search(text)
    socket_errors = _SOCKET_ERRORS.search(text)
    return WrkRun(
        requests=int(requests["requests"]),
        requests_per_second=float(rate["rate"]),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        bytes_read=round(float(requests["size"]) * _SIZE_UNITS[requests["unit"]]),
        non_2xx=int(non_2xx["count"]) if non_2xx else 0,
        socket_errors=sum(map(int, socket_errors.groups())) if socket_errors else 0,
    )


def require_wrk() -> str:
    """The wrk executable, or SystemExit saying how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(INSTALL_HINT)
    return found


def run_wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    headers: Mapping[str, str],
    cpu: int,
    script: Path | None = None,
) -> WrkRun:
    """Load `url` for `seconds` over `connections` keep-alive connections, wrk pinned to `cpu`.

    `script` is a wrk Lua script that makes each request (the mixed row's).
    """
    command = [
        "taskset",
        "-c",
        str(cpu),
        require_wrk(),
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        *(["-s", str(script)] if script else []),
        *[argument for name, value in headers.items() for argument in ("-H", f"{name}: {value}")],
        url,
    ]
    finished = subprocess.run(  # noqa: S603 - fixed executables, our own arguments
        command, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if finished.returncode != 0:
        raise WrkError(f"wrk exited with {finished.returncode}: {finished.stderr.strip()}")
    return parse_report(finished.stdout)
