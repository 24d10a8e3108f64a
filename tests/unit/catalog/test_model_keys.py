"""Reading providers' model ids and comparing them across spellings."""

import pytest

from app.services.catalog.model_keys import (
    DatedKey,
    DatedName,
    ParsedRef,
    dated_name,
    merge_key,
    parse_model_ref,
    readable_name,
    slug_part,
)


@pytest.mark.parametrize(
    ("provider", "ref", "expected"),
    [
        (
            "openrouter",
            "mistralai/mistral-small-2603",
            ParsedRef("mistralai", "mistral-small-2603", "", False),
        ),
        (
            "openrouter",
            "mistralai/mistral-small-2603:batch",
            ParsedRef("mistralai", "mistral-small-2603", "", True),
        ),
        (
            "openrouter",
            "meta-llama/llama-3.3-70b-instruct:free",
            ParsedRef("meta-llama", "llama-3.3-70b-instruct", "free", False),
        ),
        ("openrouter", "~openai/gpt-latest", ParsedRef("~openai", "gpt-latest", "", False)),
        (
            "cloudflare",
            "@cf/meta/llama-3.1-8b-instruct",
            ParsedRef("meta", "llama-3.1-8b-instruct", "", False),
        ),
        (
            "aws",
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            ParsedRef("anthropic", "claude-sonnet-4-5-20250929", "global", False),
        ),
        (
            "aws",
            "meta.llama3-3-70b-instruct-v1:0",
            ParsedRef("meta", "llama3-3-70b-instruct", "", False),
        ),
        (
            "aws",
            "mistral.mistral-7b-instruct-v0:2",
            ParsedRef("mistral", "mistral-7b-instruct-v0.2", "", False),
        ),
        ("aws", "openai.gpt-oss-120b-1:0", ParsedRef("openai", "gpt-oss-120b", "", False)),
        (
            "aws",
            "nvidia.nemotron-nano-3-30b:0",
            ParsedRef("nvidia", "nemotron-nano-3-30b", "", False),
        ),
        (
            "fireworks",
            "accounts/fireworks/models/llama-v3p1-8b-instruct",
            ParsedRef(None, "llama-3.1-8b-instruct", "", False),
        ),
        ("fireworks", "kimi-k2p6-fast", ParsedRef(None, "kimi-k2.6", "fast", False)),
        (
            "databricks",
            "databricks-meta-llama-3-3-70b-instruct",
            ParsedRef(None, "meta-llama-3-3-70b-instruct", "", False),
        ),
        (
            "together",
            "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            ParsedRef("meta-llama", "llama-3.3-70b-instruct-turbo", "", False),
        ),
    ],
)
def test_parse_model_ref(provider: str, ref: str, expected: ParsedRef) -> None:
    assert parse_model_ref(provider, ref) == expected


def test_grok_fast_is_a_model_not_a_router_outside_fireworks() -> None:
    assert parse_model_ref("x-ai", "grok-4-fast").bare_id == "grok-4-fast"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("claude-sonnet-4-5", "claude-sonnet-4.5"),
        ("llama-3.3-70b-instruct", "llama3-3-70b-instruct"),
        ("Meta-Llama-3.3-70B-Instruct", "llama-3.3-70b-instruct"),
        ("Meta-Llama-3_3-70B-Instruct", "llama-3.3-70b-instruct"),
        ("qwen2.5-72b-instruct", "qwen-2.5-72b-instruct"),
        ("zai-glm-4.7", "glm-4.7"),
        ("claude-opus-4-0", "claude-opus-4"),
    ],
)
def test_spellings_of_one_model_share_a_key(a: str, b: str) -> None:
    assert merge_key(a) == merge_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("llama-3.3-70b-instruct", "llama-3.3-70b-instruct-turbo"),
        ("mistral-small-2603", "mistral-small-2503"),
        ("mistral-small-latest", "mistral-small"),
        ("gpt-4o", "gpt-4o-mini"),
        ("llama-3.3-70b", "llama-3.3-70b-instruct"),
        ("gpt-4-0613", "gpt-4"),
    ],
)
def test_different_models_keep_different_keys(a: str, b: str) -> None:
    assert merge_key(a) != merge_key(b)


def test_eight_digit_dates_are_kept_apart_from_the_key() -> None:
    undated = merge_key("claude-sonnet-4-5").base
    assert merge_key("claude-sonnet-4-5-20250929") == DatedKey(undated, "20250929")
    assert merge_key("gpt-4o-2024-05-13") == DatedKey(merge_key("gpt-4o").base, "20240513")
    assert merge_key("mistral-small-2603").date is None
    assert merge_key("kimi-k2-0905").date is None


@pytest.mark.parametrize(
    ("provider", "ref", "expected"),
    [
        (
            "synthetic",
            "hf:Qwen/Qwen3-Coder-480B-A35B-Instruct",
            ParsedRef("qwen", "qwen3-coder-480b-a35b-instruct", "", False),
        ),
        (
            "siliconflow-cn",
            "Pro/deepseek-ai/DeepSeek-R1",
            ParsedRef("deepseek-ai", "deepseek-r1", "", False),
        ),
        ("digitalocean", "openai-gpt-4o", ParsedRef("openai", "gpt-4o", "", False)),
        (
            "sap-ai-core",
            "anthropic--claude-4.5-opus",
            ParsedRef("anthropic", "claude-4.5-opus", "", False),
        ),
        ("venice", "zai-org-glm-4.6", ParsedRef("zai-org", "glm-4.6", "", False)),
        ("azure", "cohere-command-a", ParsedRef("cohere", "command-a", "", False)),
        ("azure", "cohere-embed-v-4-0", ParsedRef("cohere", "embed-v-4-0", "", False)),
        ("venice", "openai-gpt-52-codex", ParsedRef("openai", "gpt-5.2-codex", "", False)),
        ("google-vertex", "claude-opus-4-6@default", ParsedRef(None, "claude-opus-4-6", "", False)),
        ("mistral", "mistral-large-2411", ParsedRef(None, "mistral-large-2411", "", False)),
        ("minimax", "minimax-m2", ParsedRef(None, "minimax-m2", "", False)),
        ("venice", "aion-labs-aion-2-0", ParsedRef("aion-labs", "aion-2-0", "", False)),
        ("openrouter", "openai/gpt-52", ParsedRef("openai", "gpt-52", "", False)),
    ],
)
def test_hosts_spellings_of_the_lab_and_id(provider: str, ref: str, expected: ParsedRef) -> None:
    """A lab prefix counts only when the rest is that lab's family; Venice's GPT spelling
    is Venice's alone."""
    assert parse_model_ref(provider, ref) == expected


@pytest.mark.parametrize(
    ("host_spelling", "lab_spelling"),
    [
        ("claude-4.5-opus", "claude-opus-4-5"),
        ("claude-4-sonnet", "claude-sonnet-4"),
        ("claude-4-opus", "claude-opus-4"),
        ("claude-4.6-sonnet", "claude-sonnet-4-6"),
    ],
)
def test_claude_4_and_later_match_whichever_order_the_host_writes(
    host_spelling: str, lab_spelling: str
) -> None:
    assert merge_key(host_spelling) == merge_key(lab_spelling)


def test_claude_3_keeps_its_number_first_key() -> None:
    assert merge_key("claude-3-5-sonnet") != merge_key("claude-sonnet-3-5")
    assert merge_key("claude-3.5-sonnet") == merge_key("claude-3-5-sonnet")


@pytest.mark.parametrize(
    ("bare_id", "dated"),
    [
        ("gpt-4o-2024-08-06", DatedName("gpt-4o", snapshot=True)),
        ("claude-opus-4-5-20251101", DatedName("claude-opus-4-5", snapshot=True)),
        ("gemini-2.0-flash-001", DatedName("gemini-2.0-flash", snapshot=True)),
        ("deepseek-r1-0528", DatedName("deepseek-r1", snapshot=False)),
        ("mistral-small-2603", DatedName("mistral-small", snapshot=False)),
        ("command-r-08-2024", DatedName("command-r", snapshot=False)),
        ("gpt-4o", None),
        ("llama-3.1-405b", None),
        ("grok-4.20-0309-reasoning", None),
        ("gpt-4o-mini-2024-07-18.ft", None),
        ("mistral-small-1399", None),
    ],
)
def test_dated_name_reads_the_undated_id_and_what_the_date_means(
    bare_id: str, dated: DatedName | None
) -> None:
    assert dated_name(bare_id) == dated


def test_slug_part_is_url_safe() -> None:
    assert slug_part("Qwen/Qwen3:Thing (v2)") == "qwen-qwen3-thing-v2"
    assert slug_part("gpt-4o-mini-2024-07-18.ft-") == "gpt-4o-mini-2024-07-18.ft"


def test_readable_name() -> None:
    assert readable_name("llama-3.3-70b-versatile") == "Llama 3.3 70B Versatile"


@pytest.mark.parametrize(
    ("bare_id", "name"),
    [
        ("gpt-4o-mini-tts", "GPT-4o Mini TTS"),
        ("deepseek-v3.1-terminus", "DeepSeek V3.1 Terminus"),
        ("kimi-k2-thinking", "Kimi K2 Thinking"),
        ("o3-mini", "o3 Mini"),
        ("ft:gpt-4o", "GPT-4o (fine-tuned)"),
        ("qwen3-vl-30b-a3b", "Qwen3 VL 30B A3B"),
        ("text-embedding-3-large", "Text Embedding 3 Large"),
    ],
)
def test_readable_name_uses_the_labs_spellings(bare_id: str, name: str) -> None:
    assert readable_name(bare_id) == name
