"""An upstream that is down, slow or talks garbage: the run says so, and nothing stored is lost.

For each fault the fake upstream can produce, a refresh against a freshly
seeded database must log the right status with a reason, leave every figure,
price, sample and row exactly as it was, and the model page must still show
the reference figures.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.ingest.refresh_metrics import RunStatus
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    SeededDatabase,
    database_state,
    provider_rows,
    refresh_settings,
    run_refresh_job,
    runs,
    seeded_database,
)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "faults") as seeded:
        yield seeded


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as server:
        yield server


def _slow(fake: FakeOpenRouter) -> None:
    fake.faults.delay_seconds = 1.0


def _server_error(fake: FakeOpenRouter) -> None:
    fake.faults.status = 500


def _rate_limited(fake: FakeOpenRouter) -> None:
    fake.faults.status, fake.faults.retry_after = 429, "1"


def _truncated(fake: FakeOpenRouter) -> None:
    fake.faults.truncate = True


def _field_renamed(fake: FakeOpenRouter) -> None:
    fake.faults.renamed_field = ("throughput_last_30m", "throughput_30m")


def _empty_model_list(fake: FakeOpenRouter) -> None:
    fake.faults.empty_model_list = True


def _endpoints_all_failing(fake: FakeOpenRouter) -> None:
    fake.faults.paths, fake.faults.status = "/endpoints", 503


FAULTS = {
    "slow responses": (_slow, RunStatus.FAILED, "model list is unavailable: timeout"),
    "500": (_server_error, RunStatus.FAILED, "model list is unavailable: http_500"),
    "429 with Retry-After": (_rate_limited, RunStatus.FAILED, "unavailable: http_429"),
    "truncated JSON": (_truncated, RunStatus.ABORTED, "model list is malformed: invalid_json"),
    "a field renamed": (
        _field_renamed,
        RunStatus.ABORTED,
        "no usable endpoint in 5 answers; has the format changed? "
        "(endpoint throughput_last_30m: missing x9)",
    ),
    "an empty model list": (_empty_model_list, RunStatus.ABORTED, "listed no models"),
    "every endpoints call failing": (
        _endpoints_all_failing,
        RunStatus.FAILED,
        "no model's endpoints could be read (endpoints of a model: http_503 x5)",
    ),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_faulty_upstream_is_logged_and_changes_nothing(
    fault: str, database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    switch, status, reason = FAULTS[fault]
    before = database_state(database)
    page_before = provider_rows(database.url)
    switch(fake)

    outcome = run_refresh_job(
        database, refresh_settings(database.url, fake, openrouter_timeout_seconds=0.3)
    )

    (run,) = runs(database)
    assert (run.status, outcome.status) == (status, status)
    assert reason in (run.error or "")
    assert run.finished_at is not None
    assert database_state(database) == before
    assert provider_rows(database.url) == page_before
    venice = provider_rows(database.url)["Venice"]
    assert re.search(r"\b96\s*tok/s", venice)
    assert re.search(r"\b666\s*ms", venice)
    assert "$0.188" in venice


def test_a_sharp_drop_in_listed_models_aborts(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    settings = refresh_settings(database.url, fake)
    first = run_refresh_job(database, settings)
    after_first = database_state(database)
    fake.models = fake.models[:2]

    second = run_refresh_job(database, settings)

    assert first.status is RunStatus.OK
    assert second.status is RunStatus.ABORTED
    assert second.error == (
        "the upstream gives 2 models, more than 50% fewer than the 5 of the last successful run"
    )
    assert database_state(database) == after_first


def test_a_sharp_drop_in_usable_endpoints_aborts(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    settings = refresh_settings(database.url, fake)
    run_refresh_job(database, settings)
    after_first = database_state(database)
    for model_id, answer in fake.endpoints.items():
        if model_id != "meta-llama/llama-3.3-70b-instruct":
            answer["data"]["endpoints"] = []

    outcome = run_refresh_job(database, settings)

    assert outcome.status is RunStatus.ABORTED
    assert outcome.error is not None
    assert "gives 3 endpoints, more than 50% fewer than the 9" in outcome.error
    assert database_state(database) == after_first


def test_the_drop_threshold_is_a_setting(database: SeededDatabase, fake: FakeOpenRouter) -> None:
    run_refresh_job(database, refresh_settings(database.url, fake))
    fake.models = fake.models[:2]

    outcome = run_refresh_job(
        database, refresh_settings(database.url, fake, refresh_max_drop_percent=100)
    )

    assert outcome.status is RunStatus.OK
    assert outcome.counts["models_seen"] == 2


def test_429_then_success_waits_as_asked_and_succeeds(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    fake.faults.status, fake.faults.retry_after, fake.faults.fail_times = 429, "1", 1

    outcome = run_refresh_job(database, refresh_settings(database.url, fake))

    assert outcome.status is RunStatus.OK
    first, second = fake.requests_to("/api/v1/models")
    assert second.at - first.at >= 1.0


def test_one_model_failing_leaves_the_others_refreshed_and_counts_it(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    fake.faults.paths, fake.faults.truncate = "gpt-4o-mini/endpoints", True

    outcome = run_refresh_job(database, refresh_settings(database.url, fake))

    assert outcome.status is RunStatus.OK
    assert outcome.counts["rejected"] == {"endpoints of a model: invalid_json": 1}
    assert outcome.counts["models_fetched"] == 4
    assert re.search(r"\b102\s*tok/s", provider_rows(database.url)["Venice"])
