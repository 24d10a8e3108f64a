"""Inferring a model's author from how a provider names it."""

import pytest

from app.services.catalog.author_aliases import (
    author_info,
    author_slug,
    infer_author,
    name_from_slug,
)


@pytest.mark.parametrize(
    ("provider", "namespace", "model_id", "author"),
    [
        ("openrouter", "mistralai", "mistral-small-2603", "mistral"),
        ("openrouter", "meta-llama", "llama-3.3-70b-instruct", "meta"),
        ("openrouter", "x-ai", "grok-4", "xai"),
        ("openrouter", "z-ai", "glm-4.6", "zai"),
        ("openrouter", "~openai", "gpt-latest", "openai"),
        ("openrouter", "Sao10K", "l3-euryale-70b", "sao10k"),
        ("aws", "anthropic", "claude-sonnet-4-5", "anthropic"),
        ("google", None, "claude-sonnet-4-5", "anthropic"),
        ("groq", None, "llama-3.3-70b-versatile", "meta"),
        ("mistral", None, "deepseek-v4-1-flash-1017", "deepseek"),
        ("mistral", None, "zai-glm-5-3", "zai"),
        ("azure", None, "phi-4", "microsoft"),
        ("openai", None, "o3-mini", "openai"),
        ("openai", None, "whisper-1", "openai"),
        ("cohere", None, "c4ai-aya-expanse-32b", "cohere"),
        ("meta", None, "muse-spark", "meta"),
        ("azure", None, "ada", "openai"),
        ("novita", None, "unheard-of-model", "unknown"),
        ("venice", "aion-labs", "aion-2-0", "aion-labs"),
        ("cortecs", None, "intellect-3", "prime-intellect"),
        ("digitalocean", None, "stable-diffusion-3.5-large", "stabilityai"),
        ("digitalocean", None, "e5-large-v2", "intfloat"),
        ("digitalocean", None, "all-mini-lm-l6-v2", "sentence-transformers"),
        ("digitalocean", None, "multi-qa-mpnet-base-dot-v1", "sentence-transformers"),
        ("venice", None, "venice-uncensored-1-2", "venice"),
        ("azure", None, "embed-v-4-0", "cohere"),
        ("lucidquery", None, "lucidnova-rf1-100b", "lucidquery"),
        ("morph", None, "morph-v3-large", "morph"),
        ("xpersona", None, "xpersona-frieren-coder", "xpersona"),
        ("venice", None, "olafangensan-glm-4.7-flash-heretic", "olafangensan"),
    ],
)
def test_infer_author(provider: str, namespace: str | None, model_id: str, author: str) -> None:
    fallback = ("openai", "anthropic") if provider == "azure" else ()
    assert (
        infer_author(
            provider_id=provider,
            namespace=namespace,
            model_id=model_id,
            fallback_providers=fallback,
        )
        == author
    )


def test_author_slugs_are_url_safe() -> None:
    assert author_slug("Sao10K") == "sao10k"
    assert author_slug("some org_name!") == "some-org-name"


def test_author_info_names_known_and_unknown_labs() -> None:
    assert author_info("mistral").name == "Mistral AI"
    assert author_info("sao10k", namespace="Sao10K").name == "Sao10K"


@pytest.mark.parametrize(
    ("slug", "name"),
    [
        ("openai", "OpenAI"),
        ("anthropic", "Anthropic"),
        ("qwen", "Qwen"),
        ("zai", "Z.ai"),
        ("ai21", "AI21 Labs"),
        ("cognitivecomputations", "Cognitive Computations"),
    ],
)
def test_well_known_labs_have_their_proper_names(slug: str, name: str) -> None:
    assert author_info(slug, namespace=slug).name == name


def test_an_unknown_lab_keeps_the_capitals_its_publisher_uses() -> None:
    assert author_info("someorg", namespace="~SomeOrg").name == "SomeOrg"


@pytest.mark.parametrize("namespace", [None, "aion-labs", "~aion-labs"])
def test_an_unknown_lab_in_lowercase_gets_a_name_made_readable_from_its_slug(
    namespace: str | None,
) -> None:
    assert author_info("aion-labs", namespace=namespace).name == "Aion Labs"


@pytest.mark.parametrize(
    ("slug", "name"),
    [
        ("aion-labs", "Aion Labs"),
        ("swiss-ai", "Swiss AI"),
        ("nex-agi", "Nex AGI"),
        ("tokyotech-llm", "Tokyotech LLM"),
        ("eva-unit-01", "Eva Unit 01"),
        ("morph", "Morph"),
        ("undi95", "Undi95"),
    ],
)
def test_name_from_slug_capitalises_words_and_abbreviations(slug: str, name: str) -> None:
    assert name_from_slug(slug) == name


@pytest.mark.parametrize(
    ("namespace", "author"),
    [
        ("togethercomputer", "together"),
        ("primeintellect", "prime-intellect"),
        ("ricursiveai", "ricursive-ai"),
        ("codellama", "meta"),
        ("mistral-ai", "mistral"),
        ("kimi", "moonshotai"),
        ("moonshot", "moonshotai"),
    ],
)
def test_a_lab_spelled_two_ways_is_one_author(namespace: str, author: str) -> None:
    assert infer_author(provider_id="together", namespace=namespace, model_id="x") == author


def test_a_hosts_public_catalog_is_not_a_lab() -> None:
    assert (
        infer_author(provider_id="drun", namespace="public", model_id="deepseek-r1") == "deepseek"
    )
