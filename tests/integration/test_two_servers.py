"""Two `modelatlas serve` processes on one PostgreSQL database and one Redis.

What a deployment of several processes (`--workers`, or servers on several
hosts) relies on, end to end through the real forms, CSRF tokens and all:

- a rating posted through one server shows on the other's model page within
  `MODELATLAS_PAGE_CACHE_CHECK_SECONDS`, whether each keeps its own page
  cache in memory (the other learns of the write from the database's content
  version) or both share one in Redis;
- a rate limit counted in Redis counts the requests to both.

PostgreSQL only (SQLite is one file on one host); set
MODELATLAS_TEST_DATABASE_URL to run it. Redis at 127.0.0.1:6379 (skipped
without it locally, required in CI). Runs sharing that Redis stay apart: the
Redis page cache is namespaced by the database, a throwaway one per run; the
limit tested counts per account, a new one per run; and the rules counted per
client address (every run comes from 127.0.0.1) are raised out of reach.
"""

import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from tests.support.auth import PASSWORD, form_token, sign_out, sign_up, unique_email
from tests.support.databases import TEST_DATABASE_ENV, backend
from tests.support.metrics_refresh import MODEL_PAGE, NO_NETWORK, seeded_database
from tests.support.redis_server import require_redis
from tests.support.served_process import ServedProcess, served

CHECK_SECONDS = 1.0
# One request's worth of time on a busy test machine, beyond the check interval itself.
SLACK_SECONDS = 1.0
FAILED_SIGN_INS_ALLOWED = 10
ONE_RATING = "· 1 rating"


@pytest.fixture(scope="module", params=["memory", "redis"], ids=["own-caches", "shared-cache"])
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServedProcess, ServedProcess]]:
    """Two servers on one new database, counting rate limits in Redis; page caches as the
    parameter says (each its own in memory, or one in Redis)."""
    if backend() != "postgresql":
        pytest.skip(
            f"two servers on one database run on PostgreSQL: set {TEST_DATABASE_ENV}="
            "postgresql+psycopg://USER@HOST/postgres"
        )
    redis_url = require_redis("the two-server tests")
    directory = tmp_path_factory.mktemp("two-servers")
    settings = {
        "MODELATLAS_RATE_LIMIT_STORAGE_URL": redis_url,
        "MODELATLAS_RATE_LIMIT_LOGIN_FAILURES_PER_IP": "100000/15 minutes",
        "MODELATLAS_RATE_LIMIT_SIGNUPS_PER_IP": "100000/hour",
        "MODELATLAS_PAGE_CACHE_URL": redis_url if request.param == "redis" else "",
        "MODELATLAS_PAGE_CACHE_CHECK_SECONDS": str(CHECK_SECONDS),
        "MODELATLAS_HF_BASE_URL": NO_NETWORK,
    }
    with seeded_database(directory, "two_servers") as database, ExitStack() as stack:
        yield tuple(  # type: ignore[misc]
            stack.enter_context(
                served(database_url=database.url, directory=directory, name=name, **settings)
            )
            for name in ("first", "second")
        )


def _ratings_shown(client: httpx.Client) -> bool:
    page = client.get(MODEL_PAGE)
    assert page.status_code == 200
    return ONE_RATING in page.text


def test_a_rating_posted_through_one_server_shows_on_the_others_page(
    servers: tuple[ServedProcess, ServedProcess],
) -> None:
    first, second = servers
    with (
        httpx.Client(base_url=first.base_url) as person,
        httpx.Client(base_url=first.base_url) as visitor_of_first,
        httpx.Client(base_url=second.base_url) as visitor_of_second,
    ):
        token = sign_up(person)  # type: ignore[arg-type]
        # Three visits: stored, then emptied by the cache's first version check, then stored;
        # the next check is due a whole interval after the second, just before the rating.
        for _ in range(3):
            assert "No ratings yet." in visitor_of_second.get(MODEL_PAGE).text
        assert "No ratings yet." in visitor_of_first.get(MODEL_PAGE).text
        rated = person.post(
            f"{MODEL_PAGE}/rating",
            data={"csrf_token": token, "stars": "4"},
            follow_redirects=False,
        )
        rated_at = time.monotonic()
        assert rated.status_code == 303, rated.text[:500]

        assert _ratings_shown(visitor_of_first), "the writing server evicts its page at once"
        while not _ratings_shown(visitor_of_second):
            waited = time.monotonic() - rated_at
            assert waited <= CHECK_SECONDS + SLACK_SECONDS, f"still not shown after {waited:.2f} s"
            time.sleep(0.05)


@pytest.mark.parametrize("servers", ["memory"], indirect=True)
def test_failed_sign_ins_are_counted_across_both_servers(
    servers: tuple[ServedProcess, ServedProcess],
) -> None:
    email = unique_email("shared-limit")
    clients = [httpx.Client(base_url=server.base_url) for server in servers]
    try:
        sign_out(clients[0], sign_up(clients[0], email=email))  # type: ignore[arg-type]

        def failed_sign_in(client: httpx.Client) -> int:
            token = form_token(client.get("/login").text)
            return client.post(
                "/login",
                data={"csrf_token": token, "email": email, "password": f"not {PASSWORD}"},
                follow_redirects=False,
            ).status_code

        # Half on each: each server alone has seen only half the limit.
        statuses = [failed_sign_in(clients[n % 2]) for n in range(FAILED_SIGN_INS_ALLOWED)]
        over = [failed_sign_in(client) for client in clients]
    finally:
        for client in clients:
            client.close()

    assert statuses == [400] * FAILED_SIGN_INS_ALLOWED
    assert over == [429, 429]
