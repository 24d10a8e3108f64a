"""`modelatlas serve` as a real process, started as an operator starts it, for tests of serving.

Tests of several processes (`--workers`, two servers on one database) need
what no in-process server shows: separate interpreters, each with its own
memory, and a supervisor with children. Each server here gets a free loopback
port, a log file of everything it prints, and is stopped (SIGTERM, then
SIGKILL) when the test is done with it.
"""

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.cli import cli_environment
from tests.support.executables import modelatlas_executable

START_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class ServedProcess:
    """A running `modelatlas serve`: its process, address and log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        """Everything the process has printed so far (stdout and stderr)."""
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(
    *args: str, database_url: str, directory: Path, name: str = "server", **environment: str
) -> Iterator[ServedProcess]:
    """`modelatlas serve *args` on a free port from `directory`, once `/healthz` answers 200.

    Only the MODELATLAS_ settings given here reach it (see `cli_environment`);
    its output goes to `directory/<name>.log`.
    """
    with started(
        *args, database_url=database_url, directory=directory, name=name, **environment
    ) as server:
        wait_until_healthy(server)
        yield server


@contextmanager
def started(
    *args: str, database_url: str, directory: Path, name: str = "server", **environment: str
) -> Iterator[ServedProcess]:
    """`modelatlas serve *args` as `served` starts it, without waiting for it to be healthy.

    A test that needs several servers starts them all, then waits for each
    (`wait_until_healthy`): their starts overlap instead of adding up.
    """
    port = free_port()
    log = directory / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [modelatlas_executable(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=directory,
            env=cli_environment(database_url, **environment),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield ServedProcess(process=process, port=port, log=log)
    finally:
        _stop(process)


def wait_until_healthy(server: ServedProcess) -> None:
    """Return once the server's `/healthz` answers 200; fail if it exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"modelatlas serve exited with {server.process.returncode} before it was "
                f"healthy:\n{server.output()}"
            )
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"/healthz did not answer 200 within {START_TIMEOUT_SECONDS} s:\n{server.output()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
