"""The rules that infer facts no source states, and the measure of which models count."""

from datetime import date
from pathlib import Path

import pytest

from app.services.catalog.model_kind import generates_text
from app.services.ingest.inferred_facts import (
    DATED_ID_SOURCE,
    FAMILY_SOURCE,
    HF_REPO_SOURCE,
    dated_release,
    family_weights,
    inferred_facts,
    read_families,
    serves_hf_repo,
)
from app.services.model_page.model_facts import SOURCE_PRECEDENCE, precedence


@pytest.mark.parametrize(
    ("author", "model_id", "weights"),
    [
        ("anthropic", "claude-2", "closed"),
        ("openai", "gpt-4o", "closed"),
        ("openai", "gpt-oss-120b", "open"),
        ("openai", "whisper-1", "open"),
        ("google", "gemini-1.5-pro", "closed"),
        ("google", "gemma-7b-it", "open"),
        ("meta", "llama-2-70b-chat", "open"),
        ("qwen", "qwen1.5-72b", "open"),
        ("qwen", "qwen3-max", "closed"),
        ("mistral", "mixtral-8x7b", "open"),
        ("mistral", "mistral-large-2411", None),
        ("meta", "muse-spark-1.2", None),
        ("xai", "grok-2-1212", None),
    ],
)
def test_family_rules_settle_weights_only_where_the_lab_does(
    author: str, model_id: str, weights: str | None
) -> None:
    assert family_weights(author, model_id) == weights


def test_a_family_of_another_lab_never_applies() -> None:
    assert family_weights("someone", "claude-like-7b") is None


def test_a_family_entry_without_a_source_url_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "families.toml"
    broken.write_text(
        '[[family]]\nauthor = "x"\npattern = "y"\nweights = "open"\nreason = "r"\nsource = "no"\n'
    )

    with pytest.raises(ValueError, match="source URL"):
        read_families(broken)


@pytest.mark.parametrize(
    ("provider", "model_id", "served"),
    [
        ("huggingface-novita", "aisingapore/Qwen-SEA-LION-v4-32B-IT", True),
        ("huggingface", "moonshotai/Kimi-K2-Instruct", True),
        ("huggingface-novita", "kimi-k2", False),
        ("together", "zero-one-ai/Yi-34B", False),
        ("openrouter", "openai/gpt-4o", False),
    ],
)
def test_only_a_hugging_face_inference_provider_serving_a_hub_repo_implies_open_weights(
    provider: str, model_id: str, served: bool
) -> None:
    assert serves_hf_repo(provider, model_id) is served


@pytest.mark.parametrize(
    ("model_id", "released"),
    [
        ("gpt-4o-2024-08-06", date(2024, 8, 6)),
        ("claude-3-5-sonnet-20241022", date(2024, 10, 22)),
        ("gemini-2.0-flash-001", None),
        ("deepseek-r1-0528", None),
        ("gpt-4o", None),
        ("glm-4-flashx-250414", date(2025, 4, 14)),
        ("doubao-seed-1-6-250615", date(2025, 6, 15)),
        ("qwen3-4b-instruct-2507", None),  # year and month, no day
        ("model-251301", None),  # no thirteenth month
        ("model-251131", None),  # no 31 November
        ("llama-3-sonar-128000", None),
    ],
)
def test_a_snapshot_id_gives_its_date_and_nothing_else_does(
    model_id: str, released: date | None
) -> None:
    assert dated_release(model_id) == released


def test_each_rule_is_its_own_source_and_states_none_where_it_infers_nothing() -> None:
    facts = inferred_facts(author="openai", model_id="gpt-4o-2024-08-06", hf_served=False)

    assert facts == {
        FAMILY_SOURCE: {"weights": "closed"},
        HF_REPO_SOURCE: {"weights": None},
        DATED_ID_SOURCE: {"released_at": date(2024, 8, 6)},
    }


def test_an_inference_rule_ranks_with_inferred_below_every_stating_source() -> None:
    inferred = SOURCE_PRECEDENCE.index("inferred")

    assert precedence(FAMILY_SOURCE) == precedence(HF_REPO_SOURCE) == inferred
    assert precedence("genai-prices") < precedence(DATED_ID_SOURCE)


@pytest.mark.parametrize(
    ("bare_id", "inputs", "outputs", "bills_output", "counted"),
    [
        ("gpt-4o", {"text", "image"}, {"text"}, True, True),
        ("text-embedding-3-large", {"text"}, {"text"}, False, False),
        ("bge-reranker-v2-m3", {"text"}, {"text"}, False, False),
        ("whisper-large-v3", {"audio"}, {"text"}, True, False),
        ("kb-asr-large", {"audio"}, {"text"}, True, False),
        ("gpt-4o-mini-tts", {"text"}, {"text"}, True, False),
        ("gpt-image-1", {"text", "image"}, {"image"}, True, False),
        ("voyage-3", set(), set(), False, False),
        ("dolphin3.0-mistral-24b", set(), set(), True, True),
    ],
)
def test_the_coverage_counts_models_that_write_text_for_a_prompt(
    bare_id: str, inputs: set[str], outputs: set[str], bills_output: bool, counted: bool
) -> None:
    assert generates_text(bare_id, inputs, outputs, bills_output=bills_output) is counted
