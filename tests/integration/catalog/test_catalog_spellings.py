"""Hosts' own spellings of an id find the model the catalog already has, instead of a copy."""

import pytest
from sqlalchemy.orm import Session

from app.services.catalog.catalog_writer import CatalogWriter


@pytest.mark.parametrize(
    ("provider", "model_id", "slug", "variant"),
    [
        ("databricks", "databricks-gpt-5-1", "openai/gpt-5.1", ""),
        ("databricks", "databricks-gemini-2-5-flash", "google/gemini-2.5-flash", ""),
        ("digitalocean", "openai-gpt-5.1", "openai/gpt-5.1", ""),
        ("digitalocean", "anthropic-claude-opus-4.5", "anthropic/claude-opus-4-5", ""),
        ("sap-ai-core", "anthropic--claude-4.5-opus", "anthropic/claude-opus-4-5", ""),
        ("google-vertex", "claude-opus-4-5@default", "anthropic/claude-opus-4-5", ""),
        ("azure", "cohere-command-a", "cohere/command-a", ""),
        ("venice", "zai-org-glm-4.6", "zai/glm-4.6", ""),
        (
            "synthetic",
            "hf:Qwen/Qwen3-Coder-480B-A35B-Instruct",
            "qwen/qwen3-coder-480b-a35b-instruct",
            "",
        ),
        ("siliconflow-cn", "Pro/deepseek-ai/DeepSeek-R1", "deepseek/deepseek-r1", ""),
        ("drun", "public/deepseek-r1", "deepseek/deepseek-r1", ""),
        ("github-models", "mistral-ai/codestral-2501", "mistral/codestral-2501", ""),
        (
            "google-vertex",
            "meta/llama-3.3-70b-instruct-maas",
            "meta/llama-3.3-70b-instruct",
            "maas",
        ),
    ],
)
def test_a_hosts_spelling_finds_the_stored_model(
    catalog_session: Session, provider: str, model_id: str, slug: str, variant: str
) -> None:
    place = CatalogWriter(session=catalog_session).find_model_for_offer(provider, model_id)

    assert place is not None
    assert (place.model.slug, place.variant) == (slug, variant)


@pytest.mark.parametrize(
    ("provider", "model_id"),
    [
        ("digitalocean", "openai-gpt-4o-mini-2099"),
        ("mistral", "mistral-large-9999-preview"),
    ],
)
def test_a_spelling_of_no_stored_model_is_not_placed(
    catalog_session: Session, provider: str, model_id: str
) -> None:
    assert CatalogWriter(session=catalog_session).find_model_for_offer(provider, model_id) is None
