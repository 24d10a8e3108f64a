"""Starting the servers under test: one uvicorn worker pinned to one core, and stopping it.

The server gets core SERVER_CPU and wrk gets LOAD_CPU, so the load generator
never takes cycles from the process being measured (and the two never
migrate between cores mid-run).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SERVER_CPU = 0
LOAD_CPU = 1
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15
REPOSITORY = Path(__file__).resolve().parents[1]


def require_two_cores() -> None:
    """SystemExit unless this process may run on both the server's and the load's core."""
    if shutil.which("taskset") is None:
        raise SystemExit("taskset is not installed: apt-get install util-linux")
    if not {SERVER_CPU, LOAD_CPU} <= os.sched_getaffinity(0):
        raise SystemExit(
            f"the benchmark pins the server to CPU {SERVER_CPU} and wrk to CPU {LOAD_CPU}; "
            f"this process may only use CPUs {sorted(os.sched_getaffinity(0))}"
        )


def hello_command(port: int) -> list[str]:
    """uvicorn serving the bare ASGI app with the settings `modelatlas serve` uses."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.hello_asgi:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def atlas_command(port: int) -> list[str]:
    """`modelatlas serve`, exactly as deployed, from this interpreter's environment."""
    script = shutil.which("modelatlas", path=str(Path(sys.executable).parent))
    if script is None:
        raise SystemExit("the `modelatlas` command is not installed: pip install -e '.[test]'")
    return [script, "serve", "--host", "127.0.0.1", "--port", str(port)]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class RunningServer:
    """A server under test: where it answers, and its process (whose memory may be read)."""

    url: str
    pid: int


@contextmanager
def serving(
    command: list[str], *, port: int, env: Mapping[str, str], ready_path: str, log: Path
) -> Iterator[RunningServer]:
    """Run `command` pinned to SERVER_CPU until the block ends (taskset execs it: same pid)."""
    base_url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - fixed executables, our own arguments
            ["taskset", "-c", str(SERVER_CPU), *command],  # noqa: S607 - taskset from PATH
            cwd=REPOSITORY,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(process, f"{base_url}{ready_path}", log)
        yield RunningServer(base_url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"the server exited with {process.returncode} before answering:\n"
                f"{log.read_text(errors='replace')}"
            )
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer 200 within {START_TIMEOUT_SECONDS} s; see {log}")
