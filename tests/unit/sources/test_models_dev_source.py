"""The models.dev api.json parser on recorded-format fixtures and the bundled copy."""

import gzip
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from app.sources.models_dev import (
    ModelsDevFormatError,
    Offer,
    bundled_body,
    load_catalog,
    parse_catalog,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "models_dev"


def offer(provider: str, model: str, file: str = "api.json") -> Offer:
    catalog = load_catalog(str(FIXTURES / file))
    found = [
        o for p in catalog.providers if p.id == provider for o in p.offers if o.model_id == model
    ]
    assert len(found) == 1, f"{provider}/{model}: {len(found)} offers"
    return found[0]


def test_a_valid_file_reads_every_offer_with_its_facts() -> None:
    catalog = load_catalog(str(FIXTURES / "api.json"))

    assert catalog.rejected == {}
    assert catalog.offer_count == 12
    gpt_4o = offer("openai", "gpt-4o")
    assert gpt_4o.name == "GPT-4o"
    assert gpt_4o.released_on == date(2024, 5, 13)
    assert gpt_4o.knowledge_cutoff == "2023-09"
    assert gpt_4o.open_weights is False
    assert gpt_4o.tool_calling is True
    assert gpt_4o.structured_outputs is True
    assert gpt_4o.input_modalities == {"text", "image", "file"}
    assert gpt_4o.context_window == 128_000
    assert gpt_4o.max_output == 16_384
    assert gpt_4o.price is not None
    assert (gpt_4o.price.input, gpt_4o.price.output) == (Decimal("2.5"), Decimal(10))
    assert gpt_4o.price.cache_read == Decimal("1.25")


def test_prices_are_exact_and_context_tiers_become_long_context_prices() -> None:
    gemini = offer("google", "gemini-2.5-pro")

    assert gemini.price is not None
    assert gemini.price.input == Decimal("1.25")
    assert gemini.price.long_context_threshold == 200_000
    assert gemini.price.long_context_input == Decimal("2.5")
    assert gemini.price.long_context_output == Decimal(15)
    assert gemini.reasoning is True


def test_a_stated_status_and_an_unstated_capability() -> None:
    old = offer("groq", "llama3-70b-8192")
    anthropic = offer("anthropic", "claude-sonnet-4-5")

    assert old.status == "deprecated"
    assert anthropic.status is None
    assert anthropic.structured_outputs is None


def test_a_malformed_offer_is_rejected_with_its_reason_and_the_rest_kept() -> None:
    catalog = load_catalog(str(FIXTURES / "malformed_offer.json"))

    assert catalog.rejected == {"offer limit.context: int_type": 1}
    assert catalog.offer_count == 11
    groq = next(p for p in catalog.providers if p.id == "groq")
    assert [o.model_id for o in groq.offers] == ["llama3-70b-8192"]


def test_a_renamed_required_field_rejects_each_offer_naming_the_field() -> None:
    catalog = load_catalog(str(FIXTURES / "renamed_field.json"))

    assert catalog.rejected == {"offer release_date: missing": 12}
    assert catalog.offer_count == 0


@pytest.mark.parametrize("body", [b"", b"  \n", b"{}", b"[]", b"not json"])
def test_an_empty_or_foreign_file_fails_as_a_whole(body: bytes) -> None:
    with pytest.raises(ModelsDevFormatError):
        parse_catalog(body)


def test_the_empty_fixture_file_fails_as_a_whole() -> None:
    with pytest.raises(ModelsDevFormatError, match="empty"):
        load_catalog(str(FIXTURES / "empty.json"))


def test_placeholder_values_read_as_not_known() -> None:
    data = json.loads((FIXTURES / "api.json").read_text())
    entry = data["openai"]["models"]["gpt-4o"]
    entry["release_date"] = "1970-01-01"
    entry["limit"] = {"context": 0, "output": 0}

    parsed = parse_catalog(gzip.compress(json.dumps(data).encode()))

    found = next(
        o for p in parsed.providers if p.id == "openai" for o in p.offers if o.model_id == "gpt-4o"
    )
    assert (found.released_on, found.context_window, found.max_output) == (None, None, None)


def test_a_month_only_release_date_reads_as_the_first_of_that_month() -> None:
    data = json.loads((FIXTURES / "api.json").read_text())
    data["openai"]["models"]["gpt-4o"]["release_date"] = "2024-05"

    parsed = parse_catalog(json.dumps(data).encode())

    found = next(
        o for p in parsed.providers if p.id == "openai" for o in p.offers if o.model_id == "gpt-4o"
    )
    assert found.released_on == date(2024, 5, 1)


def test_the_bundled_copy_is_read() -> None:
    catalog = parse_catalog(bundled_body())

    assert len(catalog.providers) > 50
    assert catalog.offer_count > 2000
    assert sum(catalog.rejected.values()) < catalog.offer_count / 100


def test_a_release_month_alone_is_read_as_its_first_day_and_marked_so() -> None:
    data = json.loads((FIXTURES / "api.json").read_text())
    data["deepseek"]["models"]["deepseek-reasoner"]["release_date"] = "2025-04"
    catalog = parse_catalog(json.dumps(data).encode())
    offers = {o.model_id: o for p in catalog.providers for o in p.offers}

    month, day = offers["deepseek-reasoner"], offers["gpt-4o"]
    assert (month.released_on, month.release_day_stated) == (date(2025, 4, 1), False)
    assert (day.released_on, day.release_day_stated) == (date(2024, 5, 13), True)
