"""The OpenRouter adapter against the fake upstream (a real HTTP server) and a few crafted bodies.

Covers the conversion to our units, strict parsing with per-item rejection,
the bearer key, the size cap, retries, timeouts and the concurrency limit.
"""

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.sources.openrouter import (
    EndpointsFailure,
    MalformedResponseError,
    ModelEndpoints,
    OpenRouterSource,
    Percentiles,
    UpstreamEndpoint,
    UpstreamUnavailableError,
    parse_endpoints,
    parse_model_list,
)
from app.sources.retry import RetryPolicy
from tests.support.fake_openrouter import FakeOpenRouter

MISTRAL_SMALL_4 = "mistralai/mistral-small-2603"
GPT_4O_MINI = "openai/gpt-4o-mini"
FAST_RETRIES = RetryPolicy(max_attempts=3, max_total_seconds=5, base_delay_seconds=0.01)


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as server:
        yield server


def source_for(fake: FakeOpenRouter, **options: Any) -> OpenRouterSource:
    options.setdefault("retry", FAST_RETRIES)
    return OpenRouterSource(base_url=fake.base_url, **options)


def endpoints_by_provider(fake: FakeOpenRouter, model_id: str) -> dict[str, UpstreamEndpoint]:
    with source_for(fake) as source:
        (result,) = source.endpoints_of([model_id])
    assert isinstance(result, ModelEndpoints), result
    return {endpoint.provider_name: endpoint for endpoint in result.endpoints}


def rejections(fake: FakeOpenRouter, model_id: str) -> dict[str, int]:
    with source_for(fake) as source:
        (result,) = source.endpoints_of([model_id])
    assert isinstance(result, ModelEndpoints), result
    return dict(result.rejected)


def test_lists_every_fixture_model(fake: FakeOpenRouter) -> None:
    with source_for(fake) as source:
        listing = source.list_models()

    assert [model.id for model in listing.models] == [
        MISTRAL_SMALL_4,
        "meta-llama/llama-3.3-70b-instruct",
        "meta-llama/llama-3.3-70b-instruct:free",
        GPT_4O_MINI,
        "aurora-labs/aurora-8b",
    ]
    free = listing.models[2]
    assert (free.base_id, free.variant) == ("meta-llama/llama-3.3-70b-instruct", "free")
    assert listing.models[0].input_modalities == ("text", "image")
    assert listing.models[1].hugging_face_id == "meta-llama/Llama-3.3-70B-Instruct"
    assert not listing.rejected


def test_prices_become_exact_decimals_per_million_tokens_and_per_unit(fake: FakeOpenRouter) -> None:
    venice = endpoints_by_provider(fake, MISTRAL_SMALL_4)["Venice"].prices
    openai = endpoints_by_provider(fake, GPT_4O_MINI)["OpenAI"].prices

    assert (venice.input, venice.output) == (Decimal("0.2"), Decimal("0.8"))
    assert (openai.input, openai.output, openai.cache_read) == (
        Decimal("0.15"),
        Decimal("0.6"),
        Decimal("0.075"),
    )
    # Per request and per image are per unit: not scaled.
    assert (openai.per_request, openai.per_image) == (Decimal(0), Decimal("0.000217"))
    assert openai.cache_write is None
    assert openai.reasoning is None


def test_latency_is_stored_in_milliseconds_as_the_api_reference_documents(
    fake: FakeOpenRouter,
) -> None:
    venice = endpoints_by_provider(fake, MISTRAL_SMALL_4)["Venice"]

    assert venice.ttft_ms == Percentiles(
        p50=Decimal(612), p75=Decimal("701.5"), p90=Decimal(845), p99=Decimal(1210)
    )
    assert venice.throughput == Percentiles(
        p50=Decimal("102.4"), p75=Decimal("95.1"), p90=Decimal("80.3"), p99=Decimal("61.7")
    )
    assert venice.uptime_pct == Decimal("99.2")


def test_endpoint_details_are_read(fake: FakeOpenRouter) -> None:
    endpoints = endpoints_by_provider(fake, "meta-llama/llama-3.3-70b-instruct")
    deepinfra, groq = endpoints["DeepInfra"], endpoints["Groq"]
    openai = endpoints_by_provider(fake, GPT_4O_MINI)["OpenAI"]

    assert (deepinfra.provider_tag, deepinfra.tag_variant) == ("deepinfra", "fp8")
    assert (deepinfra.context_window, deepinfra.max_output) == (131072, 16384)
    assert deepinfra.quantization == "fp8"
    assert groq.quantization is None
    assert openai.quantization is None  # "unknown" is not a quantization
    assert "tools" in openai.supported_parameters
    assert openai.status == 0


def test_a_null_latency_is_not_known_and_the_rest_is_kept(fake: FakeOpenRouter) -> None:
    fake.null_latency(MISTRAL_SMALL_4, "Venice")

    venice = endpoints_by_provider(fake, MISTRAL_SMALL_4)["Venice"]

    assert venice.ttft_ms is None
    assert venice.throughput is not None
    assert venice.has_figures


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"pricing": {"prompt": "-1", "completion": "-1"}}, "price prompt: negative"),
        (
            {"pricing": {"prompt": "0.0000002", "completion": "lots"}},
            "price completion: not a number",
        ),
        (
            {"pricing": {"prompt": "0.0000002", "completion": "0.0000008", "image": "NaN"}},
            "price image: not a number",
        ),
        ({"pricing": {"prompt": "5000", "completion": "1"}}, "price prompt: too large"),
        ({"context_length": "256000"}, "endpoint context_length: int_type"),
        ({"uptime_last_30m": 250}, "endpoint uptime_last_30m: less_than_equal"),
        ({"latency_last_30m": {"p50": 612}}, "endpoint latency_last_30m.p75: missing"),
        ({"throughput_last_30m": {"p50": -1, "p75": 1, "p90": 1, "p99": 1}}, None),
    ],
)
def test_a_malformed_endpoint_is_rejected_with_its_reason_and_the_others_kept(
    fake: FakeOpenRouter, fields: dict[str, Any], reason: str | None
) -> None:
    fake.patch_endpoint(MISTRAL_SMALL_4, "Venice", **fields)

    with source_for(fake) as source:
        (result,) = source.endpoints_of([MISTRAL_SMALL_4])

    assert isinstance(result, ModelEndpoints)
    assert [endpoint.provider_name for endpoint in result.endpoints] == ["Mistral"]
    assert sum(result.rejected.values()) == 1
    if reason is not None:
        assert dict(result.rejected) == {reason: 1}


def test_a_renamed_field_rejects_every_endpoint_with_the_missing_field(
    fake: FakeOpenRouter,
) -> None:
    fake.faults.renamed_field = ("latency_last_30m", "latency_30m")

    assert rejections(fake, MISTRAL_SMALL_4) == {"endpoint latency_last_30m: missing": 2}


def test_a_model_with_an_unusable_id_is_rejected() -> None:
    body = json.dumps(
        {"data": [{"id": "../../etc/passwd", "name": "x"}, {"id": "a/b", "name": "B"}]}
    ).encode()

    listing, next_link = parse_model_list(body)

    assert [model.id for model in listing.models] == ["a/b"]
    assert dict(listing.rejected) == {"model id: string_pattern_mismatch": 1}
    assert next_link is None


def test_a_malformed_envelope_is_a_malformed_response() -> None:
    with pytest.raises(MalformedResponseError) as raised:
        parse_endpoints(MISTRAL_SMALL_4, b'{"data": []}')

    assert raised.value.reason == "unexpected_shape"


def test_truncated_json_is_malformed_and_not_asked_again(fake: FakeOpenRouter) -> None:
    fake.faults.truncate = True

    with source_for(fake) as source, pytest.raises(MalformedResponseError) as raised:
        source.list_models()

    assert raised.value.reason == "invalid_json"
    assert len(fake.requests_to("/models")) == 1


def test_the_api_key_is_sent_as_a_bearer_token_only_when_set(fake: FakeOpenRouter) -> None:
    with source_for(fake, api_key="sk-or-test") as source:
        source.list_models()
    with source_for(fake) as source:
        source.list_models()

    assert [request.authorization for request in fake.requests] == ["Bearer sk-or-test", None]


def test_an_answer_over_the_size_cap_is_refused(fake: FakeOpenRouter) -> None:
    with (
        source_for(fake, max_response_bytes=2048) as source,
        pytest.raises(MalformedResponseError) as raised,
    ):
        source.list_models()

    assert raised.value.reason == "too_large"


def test_the_size_cap_holds_while_streaming_without_a_declared_length() -> None:
    def endless(_request: httpx.Request) -> httpx.Response:
        chunks = (b'{"data": [' + b" " * 1000 for _ in range(1000))
        return httpx.Response(200, content=chunks)

    transport = httpx.MockTransport(endless)
    with (
        OpenRouterSource(
            base_url="http://upstream.test/api/v1",
            retry=FAST_RETRIES,
            max_response_bytes=10_000,
            transport=transport,
        ) as source,
        pytest.raises(MalformedResponseError) as raised,
    ):
        source.list_models()

    assert raised.value.reason == "too_large"


def test_5xx_is_retried_then_reported_unavailable(fake: FakeOpenRouter) -> None:
    fake.faults.status = 500

    with source_for(fake) as source, pytest.raises(UpstreamUnavailableError) as raised:
        source.list_models()

    assert raised.value.reason == "http_500"
    assert len(fake.requests_to("/models")) == FAST_RETRIES.max_attempts


def test_429_waits_as_long_as_retry_after_says_then_succeeds(fake: FakeOpenRouter) -> None:
    fake.faults.status, fake.faults.retry_after, fake.faults.fail_times = 429, "1", 1
    waits: list[float] = []

    with source_for(fake, sleep=waits.append) as source:
        listing = source.list_models()

    assert len(listing.models) == 5
    assert waits == [1.0]
    assert len(fake.requests_to("/models")) == 2


def test_a_client_error_is_not_retried(fake: FakeOpenRouter) -> None:
    with source_for(fake) as source:
        (result,) = source.endpoints_of(["nobody/no-such-model"])

    assert isinstance(result, EndpointsFailure)
    assert result.error.reason == "http_404"
    assert len(fake.requests_to("no-such-model/endpoints")) == 1


def test_a_slow_upstream_times_out_after_the_allowed_attempts(fake: FakeOpenRouter) -> None:
    fake.faults.delay_seconds = 0.6

    with (
        source_for(fake, timeout_seconds=0.2) as source,
        pytest.raises(UpstreamUnavailableError) as raised,
    ):
        source.list_models()

    assert raised.value.reason == "timeout"
    assert len(fake.requests_to("/models")) == FAST_RETRIES.max_attempts


def test_a_refused_connection_is_unavailable() -> None:
    source = OpenRouterSource(base_url="http://127.0.0.1:9/api/v1", retry=FAST_RETRIES)
    with source, pytest.raises(UpstreamUnavailableError) as raised:
        source.list_models()

    assert raised.value.reason == "connection"


def test_one_failing_model_does_not_stop_the_others(fake: FakeOpenRouter) -> None:
    fake.faults.paths, fake.faults.truncate = "gpt-4o-mini/endpoints", True

    with source_for(fake) as source:
        results = {r.model_id: r for r in source.endpoints_of([MISTRAL_SMALL_4, GPT_4O_MINI])}

    assert isinstance(results[MISTRAL_SMALL_4], ModelEndpoints)
    failure = results[GPT_4O_MINI]
    assert isinstance(failure, EndpointsFailure)
    assert failure.error.reason == "invalid_json"


def test_requests_in_flight_never_exceed_the_concurrency_limit(fake: FakeOpenRouter) -> None:
    fake.generate(models=12, endpoints_per_model=2)
    fake.faults.paths, fake.faults.delay_seconds = "/endpoints", 0.1

    with source_for(fake, concurrency=3) as source:
        model_ids = [model.id for model in source.list_models().models]
        results = list(source.endpoints_of(model_ids))

    assert len(results) == 12
    assert all(isinstance(r, ModelEndpoints) and len(r.endpoints) == 2 for r in results)
    assert fake.max_in_flight == 3


def test_the_model_list_follows_next_links_on_the_same_origin_only() -> None:
    pages = {
        "/api/v1/models": {
            "data": [{"id": "a/one", "name": "One"}],
            "links": {"next": "/api/v1/models?offset=1"},
        },
        "/api/v1/models?offset=1": {
            "data": [{"id": "a/two", "name": "Two"}],
            "links": {"next": "https://elsewhere.test/api/v1/models?offset=2"},
        },
    }

    def answer(request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode()
        return httpx.Response(200, json=pages[target])

    with (
        OpenRouterSource(
            base_url="http://upstream.test/api/v1",
            retry=FAST_RETRIES,
            transport=httpx.MockTransport(answer),
        ) as source,
        pytest.raises(MalformedResponseError) as raised,
    ):
        source.list_models()

    assert raised.value.reason == "foreign_link"
    pages["/api/v1/models?offset=1"]["links"] = {"next": None}
    with OpenRouterSource(
        base_url="http://upstream.test/api/v1",
        retry=FAST_RETRIES,
        transport=httpx.MockTransport(answer),
    ) as source:
        assert [m.id for m in source.list_models().models] == ["a/one", "a/two"]
