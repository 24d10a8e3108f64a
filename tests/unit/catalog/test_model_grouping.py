"""Grouping offers from several providers into one entry per real model."""

from app.services.catalog.model_grouping import ModelGroup, group_offers
from tests.support.source_offers import offer, provider


def by_slug(groups: list[ModelGroup]) -> dict[str, list[tuple[str, str]]]:
    return {g.slug: sorted((o.provider.id, o.offer.model_id) for o in g.offers) for g in groups}


def test_same_id_across_lab_and_openrouter_is_one_model() -> None:
    groups = group_offers(
        [
            provider("mistral", offer("mistral-small-2603", name="Mistral Small 4")),
            provider(
                "openrouter",
                offer("mistralai/mistral-small-2603"),
                offer("mistralai/mistral-small-2603:batch", name="Mistral Small 4 (batch)"),
            ),
        ]
    )
    assert by_slug(groups) == {
        "mistral/mistral-small-2603": [
            ("mistral", "mistral-small-2603"),
            ("openrouter", "mistralai/mistral-small-2603"),
            ("openrouter", "mistralai/mistral-small-2603:batch"),
        ]
    }
    assert groups[0].name == "Mistral Small 4"
    assert groups[0].external_ids() == [
        ("genai-prices:mistral", "mistral-small-2603"),
        ("openrouter", "mistralai/mistral-small-2603"),
    ]


def test_a_dated_host_id_joins_through_an_openrouter_alias() -> None:
    groups = group_offers(
        [
            provider("anthropic", offer("claude-sonnet-4-5")),
            provider("aws", offer("global.anthropic.claude-sonnet-4-5-20250929-v1:0")),
            provider(
                "openrouter",
                offer("anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4.5-20250929"),
            ),
        ]
    )
    assert [g.slug for g in groups] == ["anthropic/claude-sonnet-4-5"]


def test_a_dated_snapshot_joins_the_labs_undated_model() -> None:
    groups = group_offers(
        [
            provider("anthropic", offer("claude-haiku-4-5")),
            provider("aws", offer("anthropic.claude-haiku-4-5-20251001-v1:0")),
        ]
    )
    assert len(groups) == 1


def test_snapshots_the_lab_prices_separately_are_never_joined() -> None:
    groups = group_offers(
        [
            provider("openai", offer("gpt-4o"), offer("gpt-4o-2024-05-13")),
            provider("github-copilot", offer("gpt-4o", "gpt-4o-2024-05-13", "gpt-4o-2024-08-06")),
            provider("openrouter", offer("openai/gpt-4o-2024-05-13", "openai/gpt-4o")),
        ]
    )
    assert by_slug(groups) == {
        "openai/gpt-4o": [("github-copilot", "gpt-4o"), ("openai", "gpt-4o")],
        "openai/gpt-4o-2024-05-13": [
            ("openai", "gpt-4o-2024-05-13"),
            ("openrouter", "openai/gpt-4o-2024-05-13"),
        ],
    }


def test_aliases_naming_other_models_do_not_merge() -> None:
    groups = group_offers(
        [
            provider("huggingface_novita", offer("MiniMaxAI/MiniMax-M2", "minimaxai/minimax-m2.5")),
            provider("openrouter", offer("minimax/minimax-m2.5")),
        ]
    )
    assert len(groups) == 2


def test_two_spellings_at_one_provider_keep_one_endpoint() -> None:
    [group] = group_offers(
        [
            provider(
                "openrouter",
                offer("qwen/qwen-2.5-vl-72b-instruct"),
                offer("qwen/qwen2.5-vl-72b-instruct", name="Qwen2.5 VL 72B"),
            )
        ]
    )
    kept = [o.offer.model_id for o in group.offers if not o.duplicate]
    assert kept == ["qwen/qwen2.5-vl-72b-instruct"]


def test_a_model_is_deprecated_only_when_every_offer_is() -> None:
    groups = group_offers(
        [
            provider("cerebras", offer("llama-3.3-70b", deprecated=True)),
            provider("groq", offer("llama-3.1-8b-instant", deprecated=True)),
            provider("novita", offer("meta-llama/llama-3.1-8b-instant")),
        ]
    )
    assert {g.slug: g.deprecated for g in groups} == {
        "meta/llama-3.3-70b-instruct": True,
        "meta/llama-3.1-8b-instant": False,
    }


def test_googles_stable_version_joins_the_undated_model_google_prices() -> None:
    groups = group_offers(
        [
            provider("google", offer("gemini-2.0-flash")),
            provider("openrouter", offer("google/gemini-2.0-flash-001")),
        ]
    )

    assert [g.slug for g in groups] == ["google/gemini-2.0-flash"]


def test_a_host_filing_another_labs_model_under_its_own_name_gives_it_to_that_lab() -> None:
    groups = group_offers(
        [
            provider("perplexity", offer("perplexity/kimi-k3"), offer("perplexity/sonar")),
            provider("openrouter", offer("moonshotai/kimi-k3")),
        ]
    )

    assert {g.slug for g in groups} == {"moonshotai/kimi-k3", "perplexity/sonar"}


def test_an_id_listed_without_its_lab_takes_the_lab_that_publishes_it() -> None:
    groups = group_offers(
        [
            provider("openrouter", offer("llama-3-lumimaid-70b"), offer("toppy-m-7b")),
            provider("openrouter", offer("neversleep/llama-3-lumimaid-70b")),
            provider("openrouter", offer("undi95/toppy-m-7b")),
        ]
    )

    assert {g.slug for g in groups} == {
        "neversleep/llama-3-lumimaid-70b",
        "undi95/toppy-m-7b",
    }
