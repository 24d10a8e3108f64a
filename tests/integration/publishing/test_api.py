"""The JSON API in OpenRouter's shape, read as an OpenRouter client would read it.

The reference model's figures are the reference page's; the catalog around it
is the real genai-prices import. Pure conversions (per-token strings, which
offer sets a model's price) are checked directly on in-memory objects.
"""

import math
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.models import Author, Endpoint, Model, ModelModality, Price, Provider
from app.services.community.ratings import rate_model
from app.services.publishing import api_queries
from app.services.publishing.api_queries import CurrentPrice, ModelListing, Offer
from app.web.render.api_schemas import per_token
from tests.support.app_clients import app_client
from tests.support.community_data import make_user

REFERENCE_ID = "mistral/mistral-small-2603"
REFERENCE_OPENROUTER_ID = "mistralai/mistral-small-2603"
PRICE_STRING = re.compile(r"^(0|[1-9]\d*)(\.\d*[1-9])?$")
MODEL_KEYS = {
    "id",
    "canonical_slug",
    "hugging_face_id",
    "name",
    "created",
    "description",
    "context_length",
    "architecture",
    "pricing",
    "top_provider",
    "per_request_limits",
    "supported_parameters",
}
ENDPOINT_KEYS = {
    "name",
    "model_id",
    "model_name",
    "context_length",
    "pricing",
    "provider_name",
    "tag",
    "quantization",
    "max_completion_tokens",
    "max_prompt_tokens",
    "supported_parameters",
    "uptime_last_30m",
    "latency_last_30m",
    "throughput_last_30m",
    "supports_implicit_caching",
}


def _models(client: TestClient) -> dict[str, dict]:
    response = client.get("/api/v1/models")
    assert response.status_code == 200
    return {entry["id"]: entry for entry in response.json()["data"]}


def _endpoints_by_provider(client: TestClient, model_id: str) -> dict[str, dict]:
    response = client.get(f"/api/v1/models/{model_id}/endpoints")
    assert response.status_code == 200
    return {e["provider_name"]: e for e in response.json()["data"]["endpoints"]}


def _add_model(
    session: Session, slug: str, *, offers: list[tuple[str, Decimal | None, Decimal | None]]
) -> Model:
    """A model served by the given (provider slug, input, output per 1M) offers."""
    author = session.scalar(select(Author).where(Author.slug == "api-test-lab")) or Author(
        slug="api-test-lab", name="API Test Lab"
    )
    model = Model(
        author=author,
        slug=f"api-test-lab/{slug}",
        name=slug,
        modalities=[ModelModality(direction="input", modality="text")],
    )
    session.add(model)
    # Building several related objects before the flush: lazy loads of
    # Provider.endpoints must not flush half-built endpoints.
    with session.no_autoflush:
        for provider_slug, input_price, output_price in offers:
            provider = session.scalar(select(Provider).where(Provider.slug == provider_slug))
            endpoint = Endpoint(
                provider=provider or Provider(slug=provider_slug, name=provider_slug.title()),
                provider_model_id=slug,
                supported_parameters=["tools"],
            )
            if input_price is not None:
                endpoint.prices.append(
                    Price(
                        effective_from=datetime(2026, 1, 1, tzinfo=UTC),
                        input=input_price,
                        output=output_price,
                        source="test",
                    )
                )
            model.endpoints.append(endpoint)
    session.flush()
    return model


def test_models_list_describes_the_reference_model_as_openrouter_does(
    client: TestClient,
) -> None:
    entry = _models(client)[REFERENCE_ID]

    assert entry["name"] == "Mistral Small 4"
    assert entry["canonical_slug"] == REFERENCE_ID
    assert entry["created"] == int(datetime(2026, 3, 16, tzinfo=UTC).timestamp())
    assert entry["description"].startswith("Mistral Small 4 is the next major release")
    assert entry["context_length"] == 262144
    assert entry["architecture"]["input_modalities"] == ["text", "image"]
    assert entry["architecture"]["output_modalities"] == ["text"]
    assert entry["architecture"]["modality"] == "text+image->text"
    assert entry["pricing"]["prompt"] == "0.00000015"
    assert entry["pricing"]["completion"] == "0.0000006"
    assert entry["top_provider"]["context_length"] == 262144
    assert entry["per_request_limits"] is None
    assert {"tools", "response_format"} <= set(entry["supported_parameters"])


def test_every_listed_model_has_openrouters_keys_and_plain_price_strings(
    client: TestClient,
) -> None:
    models = _models(client)

    assert len(models) > 500, "the genai-prices import should be listed, not only the seed"
    for model_id, entry in models.items():
        assert set(entry) == MODEL_KEYS, model_id
        assert isinstance(entry["created"], int)
        assert {"prompt", "completion"} <= set(entry["pricing"])
        for key, value in entry["pricing"].items():
            assert value is None or PRICE_STRING.match(value), (model_id, key, value)
            assert value is not None or key in ("prompt", "completion"), (model_id, key)


def test_models_list_is_newest_first(client: TestClient) -> None:
    created = [entry["created"] for entry in client.get("/api/v1/models").json()["data"]]

    assert created == sorted(created, reverse=True)


def test_models_list_reads_three_queries_a_chunk_of_models_whatever_its_size(
    client: TestClient, catalog_session: Session, count_queries, monkeypatch
) -> None:
    monkeypatch.setattr(api_queries, "LISTINGS_PER_CHUNK", 100)

    def selects_to_list_models() -> tuple[int, list[str]]:
        start = count_queries.count
        listed = client.get("/api/v1/models").json()["data"]
        statements = count_queries.statements[start:]
        return len(listed), [s for s in statements if s.lstrip().upper().startswith("SELECT")]

    for extra in (0, 150):
        for number in range(extra):
            _add_model(
                catalog_session,
                f"extra-{number}",
                offers=[("api-test-a", Decimal(1), Decimal(2)), ("api-test-b", None, None)],
            )
        models, selects = selects_to_list_models()
        # The catalog version (for the ETag), the ordered ids, then three per chunk.
        assert len(selects) == 2 + 3 * math.ceil(models / 100), (models, selects)


def test_models_list_is_the_same_whatever_the_chunk_size(client: TestClient, monkeypatch) -> None:
    whole = client.get("/api/v1/models")
    monkeypatch.setattr(api_queries, "LISTINGS_PER_CHUNK", 7)
    chunked = client.get("/api/v1/models")

    assert chunked.headers["content-type"] == "application/json"
    assert chunked.content == whole.content
    assert len(whole.json()["data"]) > 7 * 10


def test_models_list_answers_304_until_the_catalog_changes(
    client: TestClient, catalog_session: Session
) -> None:
    first = client.get("/api/v1/models")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"

    unchanged = client.get("/api/v1/models", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.headers["ETag"] == etag
    assert unchanged.content == b""

    person = make_user(catalog_session, "Rater")
    reference = catalog_session.scalars(select(Model.id).where(Model.slug == REFERENCE_ID)).one()
    rate_model(session=catalog_session, model_id=reference, user_id=person.id, stars=4)
    catalog_session.commit()
    rated = client.get("/api/v1/models", headers={"If-None-Match": etag})
    assert rated.status_code == 304, "a rating is not in the list, and leaves it current"

    _add_model(catalog_session, "newly-added", offers=[("api-test-a", Decimal(1), Decimal(2))])
    catalog_session.commit()
    changed = client.get("/api/v1/models", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert REFERENCE_ID in {entry["id"] for entry in changed.json()["data"]}
    assert "api-test-lab/newly-added" in {entry["id"] for entry in changed.json()["data"]}


def test_model_price_is_the_cheapest_priced_offer(
    client: TestClient, catalog_session: Session
) -> None:
    _add_model(
        catalog_session,
        "two-prices",
        offers=[
            ("api-test-a", Decimal("3"), Decimal("15")),
            ("api-test-b", Decimal("0.5"), Decimal("1.5")),
            ("api-test-c", None, None),
        ],
    )

    pricing = _models(client)["api-test-lab/two-prices"]["pricing"]

    assert pricing == {"prompt": "0.0000005", "completion": "0.0000015"}


def test_model_without_any_price_has_null_token_prices_and_no_other_keys(
    client: TestClient, catalog_session: Session
) -> None:
    _add_model(catalog_session, "unpriced", offers=[("api-test-a", None, None)])

    entry = _models(client)["api-test-lab/unpriced"]

    assert entry["pricing"] == {"prompt": None, "completion": None}
    assert entry["supported_parameters"] == ["tools"]


def test_modality_is_null_when_a_side_is_not_known(
    client: TestClient, catalog_session: Session
) -> None:
    _add_model(catalog_session, "input-only", offers=[("api-test-a", Decimal(1), Decimal(2))])

    architecture = _models(client)["api-test-lab/input-only"]["architecture"]

    assert architecture["input_modalities"] == ["text"]
    assert architecture["output_modalities"] == []
    assert architecture["modality"] is None


def test_endpoints_of_the_reference_model(client: TestClient) -> None:
    response = client.get(f"/api/v1/models/{REFERENCE_ID}/endpoints")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == REFERENCE_ID
    assert data["name"] == "Mistral Small 4"
    assert data["architecture"]["input_modalities"] == ["text", "image"]
    endpoints = {e["provider_name"]: e for e in data["endpoints"]}
    venice, mistral = endpoints["Venice"], endpoints["Mistral"]
    assert venice["quantization"] == "fp8"
    assert venice["context_length"] == 256000
    assert venice["throughput_last_30m"] == {"p50": 96, "p75": None, "p90": None, "p99": None}
    assert venice["latency_last_30m"]["p50"] == 666
    assert venice["pricing"] == {
        "prompt": "0.000000188",
        "completion": "0.00000075",
        "discount": 0,
    }
    assert mistral["latency_last_30m"]["p50"] == 440
    assert mistral["context_length"] == 262144
    assert {"tools", "response_format"} <= set(mistral["supported_parameters"])
    assert venice["status"] == mistral["status"] == 0
    for endpoint in data["endpoints"]:
        assert set(endpoint) - {"status"} == ENDPOINT_KEYS


def test_endpoints_are_listed_fastest_first(client: TestClient) -> None:
    endpoints = client.get(f"/api/v1/models/{REFERENCE_ID}/endpoints").json()["data"]["endpoints"]

    measured = [e["throughput_last_30m"]["p50"] for e in endpoints if e["throughput_last_30m"]]
    assert measured == sorted(measured, reverse=True)
    assert [e["provider_name"] for e in endpoints].index("Venice") < [
        e["provider_name"] for e in endpoints
    ].index("Mistral")


def test_unmeasured_endpoint_has_null_performance(
    client: TestClient, catalog_session: Session
) -> None:
    _add_model(catalog_session, "unmeasured", offers=[("api-test-a", Decimal(1), Decimal(2))])

    (endpoint,) = _endpoints_by_provider(client, "api-test-lab/unmeasured").values()

    assert endpoint["latency_last_30m"] is None
    assert endpoint["throughput_last_30m"] is None
    assert endpoint["uptime_last_30m"] is None


def test_endpoints_accept_the_openrouter_id(client: TestClient) -> None:
    response = client.get(f"/api/v1/models/{REFERENCE_OPENROUTER_ID}/endpoints")

    assert response.status_code == 200
    assert response.json()["data"]["id"] == REFERENCE_ID


def test_endpoints_of_an_unknown_model_are_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/models/nobody/no-such-model/endpoints")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": 404, "message": "No model with id nobody/no-such-model in this catalog."}
    }


@pytest.mark.parametrize(
    ("per_million", "expected"),
    [
        (Decimal("0.15"), "0.00000015"),
        (Decimal("0.6"), "0.0000006"),
        (Decimal("0.188"), "0.000000188"),
        (Decimal(3), "0.000003"),
        (Decimal(100), "0.0001"),
        (Decimal("0.000001"), "0.000000000001"),
        (Decimal(0), "0"),
        (None, None),
    ],
)
def test_per_token_price_strings(per_million: Decimal | None, expected: str | None) -> None:
    assert per_token(per_million) == expected


@given(st.decimals(min_value=0, max_value=10**6, places=9, allow_nan=False))
def test_per_token_string_is_plain_and_exact(per_million: Decimal) -> None:
    text = per_token(per_million)

    assert text is not None and PRICE_STRING.match(text)
    assert Decimal(text) * 1_000_000 == per_million


def _offer(kind: str, input_price: str | None, variant: str = "") -> Offer:
    price = (
        None if input_price is None else CurrentPrice(input=Decimal(input_price), output=Decimal(1))
    )
    slug = f"{kind}-{input_price}-{variant}"
    return Offer(
        provider_slug=slug, provider_name=slug, provider_kind=kind, variant=variant, price=price
    )


def _listing(*offers: Offer) -> ModelListing:
    return ModelListing(
        slug="lab/model", name="Model", created_at=datetime.now(UTC), offers=list(offers)
    )


def test_cheapest_offer_prefers_a_provider_over_a_router_and_plain_over_variants() -> None:
    inference = _offer("inference", "2")
    listing = _listing(
        _offer("router", "0.5"),
        _offer("inference", "0", variant="free"),
        _offer("inference", None),
        inference,
        _offer("inference", "3"),
    )

    assert listing.cheapest_offer is inference


def test_cheapest_offer_falls_back_to_a_router_and_is_none_without_prices() -> None:
    router = _offer("router", "0.5")

    assert _listing(router).cheapest_offer is router
    assert _listing(_offer("inference", None)).cheapest_offer is None


def test_full_model_lists_are_rate_limited_per_address_but_revalidations_are_not(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    with app_client(settings, catalog_factory, rate_limit_model_lists_per_ip="2/hour") as limited:
        etag = limited.get("/api/v1/models").headers["ETag"]
        assert limited.get("/api/v1/models").status_code == 200
        for _ in range(3):
            revalidated = limited.get("/api/v1/models", headers={"If-None-Match": etag})
            assert revalidated.status_code == 304

        refused = limited.get("/api/v1/models")
        endpoints = limited.get(f"/api/v1/models/{REFERENCE_ID}/endpoints")

    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many full model lists" in refused.json()["error"]["message"]
    assert endpoints.status_code == 200, "one model's endpoints are not counted"
