"""Whose address a request comes from, as `modelatlas serve` decides it.

The per-address sign-in limit is only as good as the address: `X-Forwarded-For`
is believed only from the proxies named in `MODELATLAS_FORWARDED_ALLOW_IPS`,
so a client talking to the server directly cannot name a fresh address with
each guess. The server is the real command, as an operator runs it.
"""

from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from tests.support.auth import form_token, unique_email
from tests.support.database_templates import database_copy
from tests.support.served_process import started, wait_until_healthy

PER_ADDRESS = 3
# Each server's MODELATLAS_FORWARDED_ALLOW_IPS: none believed (the default), or the one proxy.
FORWARDED_ALLOW_IPS = {"direct": "", "behind a proxy": "127.0.0.1"}


@pytest.fixture(scope="module")
def base_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`modelatlas serve` for each entry of FORWARDED_ALLOW_IPS, each on its own migrated,
    unpopulated database; their base URLs. Both start at once, and each test sends its
    sign-ins to a server of its own, so no test sees another's counts."""
    directory = tmp_path_factory.mktemp("client-address")
    with ExitStack() as stack:
        servers = {
            name: stack.enter_context(
                started(
                    database_url=stack.enter_context(
                        database_copy("migrated", directory, f"client_address_{number}")
                    ),
                    directory=directory,
                    name=f"server-{number}",
                    MODELATLAS_AUTO_POPULATE="false",
                    MODELATLAS_RATE_LIMIT_LOGIN_FAILURES_PER_IP=f"{PER_ADDRESS}/15 minutes",
                    MODELATLAS_FORWARDED_ALLOW_IPS=allowed,
                )
            )
            for number, (name, allowed) in enumerate(FORWARDED_ALLOW_IPS.items())
        }
        for server in servers.values():
            wait_until_healthy(server)
        yield {name: server.base_url for name, server in servers.items()}


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


def test_a_direct_client_cannot_name_its_own_address(base_urls: dict[str, str]) -> None:
    base_url = base_urls["direct"]

    statuses = _wrong_sign_ins_from_named_addresses(base_url, PER_ADDRESS + 1)
    server_header = httpx.get(f"{base_url}/healthz").headers.get("server")

    assert statuses == [400] * PER_ADDRESS + [429]
    assert server_header is None


def test_a_named_proxy_is_believed(base_urls: dict[str, str]) -> None:
    statuses = _wrong_sign_ins_from_named_addresses(base_urls["behind a proxy"], PER_ADDRESS + 1)

    assert statuses == [400] * (PER_ADDRESS + 1)
