"""Which lab a provider's id names: organisation spellings, host paths and families."""

import pytest

from app.services.catalog.author_aliases import infer_author, superseded_author
from app.services.catalog.model_keys import parse_model_ref


def lab_and_id(provider: str, ref: str) -> tuple[str, str]:
    """The lab and bare id the rules read from one provider's id."""
    parsed = parse_model_ref(provider, ref)
    author = infer_author(provider_id=provider, namespace=parsed.namespace, model_id=parsed.bare_id)
    return author, parsed.bare_id


@pytest.mark.parametrize(
    ("provider", "ref", "author", "bare_id"),
    [
        # SAP AI Core's double dash separates the organisation.
        ("sap-ai-core", "anthropic--claude-4.5-sonnet", "anthropic", "claude-4.5-sonnet"),
        # Hugging Face's `hf:` repository prefix is not part of the org.
        ("synthetic", "hf:deepseek-ai/DeepSeek-R1", "deepseek", "deepseek-r1"),
        ("synthetic", "hf:MiniMaxAI/MiniMax-M2.1", "minimax", "minimax-m2.1"),
        # A tier or provider path before the org, or instead of it.
        ("siliconflow-cn", "Pro/deepseek-ai/DeepSeek-V3.2", "deepseek", "deepseek-v3.2"),
        ("siliconflow-cn", "Pro/moonshotai/Kimi-K2.5", "moonshotai", "kimi-k2.5"),
        ("alibaba-cn", "siliconflow/deepseek-v3.2", "deepseek", "deepseek-v3.2"),
        ("drun", "public/minimax-m25", "minimax", "minimax-m25"),
        # Other spellings of known labs.
        ("github-models", "mistral-ai/codestral-2501", "mistral", "codestral-2501"),
        ("github-models", "ai21-labs/ai21-jamba-1.5-large", "ai21", "ai21-jamba-1.5-large"),
        ("clarifai", "arcee_ai/AFM/models/trinity-mini", "arcee", "trinity-mini"),
        ("alibaba-cn", "kimi/kimi-k2.5", "moonshotai", "kimi-k2.5"),
        ("aws", "moonshot.kimi-k2-thinking", "moonshotai", "kimi-k2-thinking"),
        # A lab's name written into a bare id, cut when the rest is that lab's family.
        ("digitalocean", "openai-gpt-4o", "openai", "gpt-4o"),
        ("digitalocean", "anthropic-claude-opus-4", "anthropic", "claude-opus-4"),
        ("digitalocean", "alibaba-qwen3-32b", "qwen", "qwen3-32b"),
        ("venice", "zai-org-glm-4.6", "zai", "glm-4.6"),
        ("venice", "z-ai-glm-5-turbo", "zai", "glm-5-turbo"),
        ("venice", "google-gemma-3-27b-it", "google", "gemma-3-27b-it"),
        ("venice", "nvidia-nemotron-3-nano-30b-a3b", "nvidia", "nemotron-3-nano-30b-a3b"),
        ("azure", "cohere-command-a", "cohere", "command-a"),
        ("azure", "cohere-embed-v3-english", "cohere", "embed-v3-english"),
        ("venice", "aion-labs-aion-2-0", "aion-labs", "aion-2-0"),
        # ... and only read when it is not.
        ("venice", "venice-uncensored-1-2", "venice", "venice-uncensored-1-2"),
        ("lucidquery", "lucidquery-nexus-coder", "lucidquery", "lucidquery-nexus-coder"),
        # Families without an organisation.
        ("alibaba-cn", "tongyi-intent-detect-v3", "qwen", "tongyi-intent-detect-v3"),
        ("cortecs", "intellect-3", "prime-intellect", "intellect-3"),
        ("morph", "morph-v3-fast", "morph", "morph-v3-fast"),
        ("groq", "allam-2-7b", "sdaia", "allam-2-7b"),
        ("digitalocean", "stable-diffusion-3.5-large", "stabilityai", "stable-diffusion-3.5-large"),
        ("digitalocean", "e5-large-v2", "intfloat", "e5-large-v2"),
        # Meta's own checkpoint name (`Meta-Llama-3-8B-Instruct`) is the Llama 3 8B Instruct id.
        ("together", "meta-llama-3-8b-instruct", "meta", "llama-3-8b-instruct"),
        # A third party's fine-tune is its publisher's, not the base model's lab.
        (
            "venice",
            "olafangensan-glm-4.7-flash-heretic",
            "olafangensan",
            "olafangensan-glm-4.7-flash-heretic",
        ),
        # Unchanged: hosting paths, ids that name no lab.
        ("fireworks", "accounts/fireworks/models/llama-v3p1-8b", "meta", "llama-3.1-8b"),
        ("openrouter", "openrouter/auto", "unknown", "auto"),
        ("the-grid-ai", "text-prime", "unknown", "text-prime"),
    ],
)
def test_the_lab_and_id_a_provider_id_names(
    provider: str, ref: str, author: str, bare_id: str
) -> None:
    assert lab_and_id(provider, ref) == (author, bare_id)


@pytest.mark.parametrize(
    ("slug", "superseded"),
    [
        ("unknown", True),
        ("pro", True),
        ("public", True),
        ("siliconflow", True),
        ("hf-deepseek-ai", True),
        ("mistral-ai", True),
        ("ai21-labs", True),
        ("arcee-ai", True),
        ("moonshot", True),
        ("mistral", False),
        ("unsloth", False),
        ("sao10k", False),
        ("together", False),
    ],
)
def test_superseded_author(slug: str, superseded: bool) -> None:
    assert superseded_author(slug) is superseded
