"""The model resolver: serving-variant suffixes, the alias table and the over-merge guards."""

from pathlib import Path

import pytest

from app.services.catalog.model_grouping import group_offers
from app.services.catalog.model_resolver import alias_table, read_alias_table, serving_suffix
from tests.support.source_offers import offer, provider


def placement(groups) -> dict[tuple[str, str], tuple[str, str]]:
    """(provider, id) -> (model slug, endpoint variant) for every offer."""
    return {
        (o.provider.id, o.offer.model_id): (g.slug, o.variant) for g in groups for o in g.offers
    }


@pytest.mark.parametrize(
    ("host", "ref", "variant"),
    [
        ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo", "turbo"),
        ("groq", "llama-3.3-70b-versatile", "versatile"),
        ("groq", "llama-3.3-70b-specdec", "specdec"),
        ("cloudflare", "@cf/meta/llama-3.3-70b-instruct-fp8-fast", "fp8-fast"),
        ("novita", "meta-llama/llama-3.3-70b-instruct-fp8", "fp8"),
        ("cloudflare", "@cf/meta/llama-3.3-70b-instruct-awq", "awq"),
        ("novita", "meta-llama/llama-3.3-70b-instruct-bf16", "bf16"),
        ("synthetic", "hf:meta-llama/Llama-3.3-70B-Instruct-NVFP4", "nvfp4"),
        ("cerebras", "llama-3.3-70b", ""),
        ("aws", "meta.llama3-3-70b-instruct-v1:0", ""),
        ("fireworks", "accounts/fireworks/models/llama-v3p3-70b-instruct", ""),
        ("openrouter", "meta-llama/llama-3.3-70b-instruct:free", "free"),
        ("google-vertex", "meta/llama-3.3-70b-instruct-maas", "maas"),
        ("chutes", "meta-llama/Llama-3.3-70B-Instruct-TEE", "tee"),
        ("together", "meta-llama/Llama-3.3-70B-Instruct-tput", "tput"),
    ],
)
def test_serving_variants_are_endpoints_of_the_canonical_model(
    host: str, ref: str, variant: str
) -> None:
    groups = group_offers(
        [
            provider("openrouter", offer("meta-llama/llama-3.3-70b-instruct")),
            provider(host, offer(ref)),
        ]
    )

    assert placement(groups)[(host, ref)] == ("meta/llama-3.3-70b-instruct", variant)


def test_a_quantization_suffix_is_recorded_as_the_endpoints_quantization() -> None:
    groups = group_offers(
        [
            provider("openrouter", offer("meta-llama/llama-3.1-8b-instruct")),
            provider("cloudflare", offer("@cf/meta/llama-3.1-8b-instruct-fp8")),
        ]
    )

    (cloudflare,) = [o for g in groups for o in g.offers if o.provider.id == "cloudflare"]
    assert (cloudflare.variant, cloudflare.quantization) == ("fp8", "fp8")


def test_groq_instant_and_cerebras_short_ids_join_llama_3_1_8b_instruct() -> None:
    groups = group_offers(
        [
            provider("openrouter", offer("meta-llama/llama-3.1-8b-instruct")),
            provider("groq", offer("llama-3.1-8b-instant")),
            provider("cerebras", offer("llama3.1-8b")),
        ]
    )

    assert {g.slug for g in groups} == {"meta/llama-3.1-8b-instruct"}
    assert placement(groups)[("groq", "llama-3.1-8b-instant")][1] == "instant"


def test_a_suffix_is_kept_when_no_source_names_the_model_without_it() -> None:
    groups = group_offers([provider("openrouter", offer("morph/morph-v3-fast"))])

    assert [g.slug for g in groups] == ["morph/morph-v3-fast"]


def test_a_suffixed_id_the_lab_prices_itself_is_a_model() -> None:
    groups = group_offers([provider("x-ai", offer("grok-3"), offer("grok-3-fast"))])

    assert {g.slug for g in groups} == {"xai/grok-3", "xai/grok-3-fast"}


def test_latest_joins_a_versioned_model_but_not_a_moving_family_pointer() -> None:
    groups = group_offers(
        [
            provider("anthropic", offer("claude-3-7-sonnet-latest")),
            provider("openrouter", offer("anthropic/claude-3.7-sonnet")),
            provider("mistral", offer("mistral-small-latest")),
            provider("openrouter", offer("mistralai/mistral-small")),
        ]
    )

    assert {g.slug for g in groups} == {
        "anthropic/claude-3-7-sonnet",
        "mistral/mistral-small",
        "mistral/mistral-small-latest",
    }


@pytest.mark.parametrize(
    ("apart"),
    [
        (("openai", "gpt-4o"), ("openai", "gpt-4o-mini")),
        (("deepseek", "deepseek-r1"), ("openrouter", "deepseek/deepseek-r1-0528")),
        (("moonshotai", "kimi-k2"), ("moonshotai", "kimi-k2-thinking")),
        (("anthropic", "claude-sonnet-4-0"), ("anthropic", "claude-sonnet-4-5")),
        (
            ("openrouter", "meta-llama/llama-3.1-405b"),
            ("openrouter", "meta-llama/llama-3.1-405b-instruct"),
        ),
        (
            ("openrouter", "meta-llama/llama-3.1-8b-instruct"),
            ("openrouter", "meta-llama/llama-3.1-70b-instruct"),
        ),
        (("openrouter", "x-ai/grok-4"), ("openrouter", "x-ai/grok-4-fast")),
        (("openai", "gpt-4o"), ("openai", "gpt-4o-2024-05-13")),
    ],
)
def test_over_merge_guards_keep_different_models_apart(
    apart: tuple[tuple[str, str], tuple[str, str]],
) -> None:
    (host_a, id_a), (host_b, id_b) = apart
    groups = group_offers([provider(host_a, offer(id_a)), provider(host_b, offer(id_b))])

    assert len(groups) == 2


@pytest.mark.parametrize("entry", alias_table().entries, ids=lambda e: f"{e.author}/{e.id}")
def test_every_alias_entry_places_its_id(entry) -> None:
    namespace = {"xai": "x-ai", "moonshotai": "moonshotai", "meta": "meta-llama"}.get(
        entry.author, entry.author
    )
    if entry.canonical is None:
        groups = group_offers(
            [
                provider("openrouter", offer(f"{namespace}/{entry.id}")),
                provider("openrouter", offer(f"{namespace}/{serving_suffix(entry.id)[0]}")),
            ]
        )
        assert f"{entry.author}/{entry.id}" in {g.slug for g in groups}
        return
    groups = group_offers(
        [
            provider("openrouter", offer(f"{namespace}/{entry.canonical}")),
            provider("somehost", offer(f"{namespace}/{entry.id}")),
        ]
    )

    assert [g.slug for g in groups] == [f"{entry.author}/{entry.canonical}"]


def test_every_alias_entry_states_a_reason() -> None:
    assert all(len(entry.reason) > 20 for entry in alias_table().entries)


def test_an_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "aliases.toml"
    path.write_text('[[alias]]\nauthor = "meta"\nid = "a"\ncanonical = "b"\n', encoding="utf-8")

    with pytest.raises(ValueError, match="reason"):
        read_alias_table(path)


def test_a_withdrawn_alias_is_read_and_no_longer_applied(tmp_path: Path) -> None:
    path = tmp_path / "aliases.toml"
    path.write_text(
        '[[withdrawn]]\nauthor = "deepseek"\nid = "deepseek-reasoner"\n'
        'was = "deepseek-r1-0528"\nreason = "The alias moved to newer models."\n',
        encoding="utf-8",
    )

    table = read_alias_table(path)

    [entry] = table.withdrawn
    assert (entry.author, entry.id, entry.was) == (
        "deepseek",
        "deepseek-reasoner",
        "deepseek-r1-0528",
    )
    assert table.canonical_id("deepseek", "deepseek-reasoner") == "deepseek-reasoner"


def test_a_withdrawn_entry_without_what_it_was_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "aliases.toml"
    path.write_text(
        '[[withdrawn]]\nauthor = "deepseek"\nid = "x"\nreason = "Taken back for a reason."\n',
        encoding="utf-8",
    )

    with pytest.raises(ValueError, match="was"):
        read_alias_table(path)


@pytest.mark.parametrize("entry", alias_table().withdrawn, ids=lambda e: f"{e.author}/{e.id}")
def test_every_withdrawn_alias_is_read_as_a_model_of_its_own(entry) -> None:
    groups = group_offers(
        [
            provider("openrouter", offer(f"{entry.author}/{entry.was}")),
            provider(entry.author, offer(entry.id)),
        ]
    )

    assert len(entry.reason) > 20
    assert sorted(g.slug for g in groups) == sorted(
        [f"{entry.author}/{entry.was}", f"{entry.author}/{entry.id}"]
    )
