"""Whose address a request comes from, as `modelatlas serve` decides it.

The per-address sign-in limit is only as good as the address: `X-Forwarded-For`
is believed only from the proxies named in `MODELATLAS_FORWARDED_ALLOW_IPS`,
so a client talking to the server directly cannot name a fresh address with
each guess. The server is the real command, as an operator runs it.
"""

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.auth import form_token, unique_email
from tests.support.databases import throwaway_database
from tests.support.executables import modelatlas_executable

START_TIMEOUT_SECONDS = 60
PER_ADDRESS = 3


@contextmanager
def served(directory: Path, **settings: str) -> Iterator[str]:
    """`modelatlas serve` on an empty (migrated, unpopulated) database; its base URL."""
    with throwaway_database(directory, "client_address") as database_url:
        env = {key: value for key, value in os.environ.items() if not key.startswith("MODELATLAS_")}
        env.update(
            MODELATLAS_DATABASE_URL=database_url,
            MODELATLAS_AUTO_POPULATE="false",
            MODELATLAS_RATE_LIMIT_LOGIN_FAILURES_PER_IP=f"{PER_ADDRESS}/15 minutes",
            **{f"MODELATLAS_{name.upper()}": value for name, value in settings.items()},
        )
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = directory / "serve.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [modelatlas_executable(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=directory,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(process, base_url, log)
            yield base_url
        finally:
            process.terminate()
            process.wait(timeout=15)


def _wait_until_healthy(process: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve never became healthy:\n{log.read_text(errors='replace')}")


def _wrong_sign_ins_from_named_addresses(base_url: str, count: int) -> list[int]:
    """One failed sign-in per made-up X-Forwarded-For address, each for another account."""
    statuses = []
    for number in range(count):
        with httpx.Client(base_url=base_url, timeout=30) as browser:
            token = form_token(browser.get("/login").text)
            response = browser.post(
                "/login",
                data={"csrf_token": token, "email": unique_email(), "password": "wrong guess"},
                headers={"X-Forwarded-For": f"203.0.113.{number + 1}"},
            )
            statuses.append(response.status_code)
    return statuses


def test_a_direct_client_cannot_name_its_own_address(tmp_path: Path) -> None:
    with served(tmp_path) as base_url:
        statuses = _wrong_sign_ins_from_named_addresses(base_url, PER_ADDRESS + 1)
        server_header = httpx.get(f"{base_url}/healthz").headers.get("server")

    assert statuses == [400] * PER_ADDRESS + [429]
    assert server_header is None


def test_a_named_proxy_is_believed(tmp_path: Path) -> None:
    with served(tmp_path, forwarded_allow_ips="127.0.0.1") as base_url:
        statuses = _wrong_sign_ins_from_named_addresses(base_url, PER_ADDRESS + 1)

    assert statuses == [400] * (PER_ADDRESS + 1)
