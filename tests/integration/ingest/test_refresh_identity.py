"""The refresh and catalog identity: one endpoint per offer, retired offers, one provider key."""

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Endpoint, Model, Provider
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    SeededDatabase,
    refresh_settings,
    run_refresh_job,
    seeded_database,
)

MISTRAL_SMALL_4 = "mistralai/mistral-small-2603"
LLAMA = "meta-llama/llama-3.3-70b-instruct"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "identity") as seeded:
        yield seeded


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as server:
        yield server


def endpoints(database: SeededDatabase, model_slug: str) -> dict[tuple[str, str], Endpoint]:
    with database.factory() as session:
        rows = session.execute(
            select(Provider.slug, Endpoint)
            .join(Endpoint, Endpoint.provider_id == Provider.id)
            .join(Model, Model.id == Endpoint.model_id)
            .where(Model.slug == model_slug)
        ).all()
        return {(slug, e.variant): e for slug, e in rows}


def test_the_seeded_venice_offer_and_the_upstreams_fp8_tag_are_one_endpoint(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    fake.patch_endpoint(MISTRAL_SMALL_4, "Venice", tag="venice/fp8")

    run_refresh_job(database, refresh_settings(database.url, fake))
    run_refresh_job(database, refresh_settings(database.url, fake))

    found = endpoints(database, REFERENCE_MODEL_SLUG)
    assert sorted(found) == [("mistral", ""), ("venice", "")]
    assert found[("venice", "")].throughput_p50 is not None
    assert found[("venice", "")].quantization == "fp8"


def test_a_tag_naming_another_quantization_stays_its_own_endpoint(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    fake.patch_endpoint(MISTRAL_SMALL_4, "Venice", tag="venice/bf16", quantization="bf16")

    run_refresh_job(database, refresh_settings(database.url, fake))

    assert ("venice", "bf16") in endpoints(database, REFERENCE_MODEL_SLUG)


def test_an_endpoint_the_upstream_stops_listing_is_retired_after_a_full_run(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    settings = refresh_settings(database.url, fake, refresh_unknown_models="create")
    run_refresh_job(database, settings)
    created = {key for key, e in endpoints(database, "meta/llama-3.3-70b-instruct").items()}
    answer = fake.endpoints[LLAMA]["data"]["endpoints"]
    gone = answer.pop(0)

    outcome = run_refresh_job(database, settings)

    after = endpoints(database, "meta/llama-3.3-70b-instruct")
    retired = {key for key, e in after.items() if e.status == "retired"}
    assert outcome.counts["endpoints_retired"] == 1
    assert len(retired) == 1 and retired < created
    (key,) = retired
    assert key[0] == gone["tag"].partition("/")[0]
    assert after[key].retired_at is not None
    seeded = endpoints(database, REFERENCE_MODEL_SLUG)
    assert all(e.status != "retired" for e in seeded.values())


def test_a_serving_variant_id_lands_on_its_model_as_a_variant(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    fast_id = f"{MISTRAL_SMALL_4}-fast"
    listed = next(m for m in fake.models if m["id"] == MISTRAL_SMALL_4)
    fake.models.append({**copy.deepcopy(listed), "id": fast_id})
    answer = copy.deepcopy(fake.endpoints[MISTRAL_SMALL_4])
    answer["data"]["id"] = fast_id
    answer["data"]["endpoints"] = answer["data"]["endpoints"][1:]
    fake.endpoints[fast_id] = answer

    run_refresh_job(database, refresh_settings(database.url, fake, refresh_unknown_models="create"))

    assert ("mistral", "fast") in endpoints(database, REFERENCE_MODEL_SLUG)
    with database.factory() as session:
        assert session.scalar(select(Model.id).where(Model.slug.like("%-fast%"))) is None
