"""Counters of import and refresh runs in words: /status and the first start's summary."""

import pytest

from app.services.ingest.run_counts import count_name, import_summary, skip_reason

SKIPPED = {
    "price key web_searches_kcount": 96,
    "price key cache_write_1h_mtok": 77,
    "long-context tier of cache_write_1h_mtok": 11,
    "price variant service_tier=fast": 24,
    "time-of-day price": 8,
    "second entry for one endpoint": 108,
    "second batch price list for one endpoint": 2,
    "scheduled price change not yet in force": 15,
}


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("price key web_searches_kcount", "priced by web searches"),
        ("price key input_audio_mtok", "priced by audio input tokens"),
        ("price key brand_new_unit", "priced by brand new unit"),
        (
            "long-context tier of cache_write_1h_mtok",
            "long-context price for cache writes kept for an hour",
        ),
        ("price variant service_tier=fast", "service tier “fast” variant of a price"),
        ("second entry for one endpoint", "second entry for the same model at the same provider"),
        ("something_else", "something else"),
    ],
)
def test_skip_reasons_read_as_words(key: str, words: str) -> None:
    assert skip_reason(key)[0] == words


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("models_read", "models read"),
        ("created.external ids", "created: external ids"),
        (
            "skipped.price key cache_write_1h_mtok",
            "skipped: priced by cache writes kept for an hour",
        ),
        ("popularity.polled", "popularity: polled"),
    ],
)
def test_counter_names_read_as_words(name: str, words: str) -> None:
    assert count_name(name) == words


def test_the_import_summary_counts_models_providers_and_each_kind_of_skip() -> None:
    summary = import_summary(source="genai-prices", models=1121, providers=47, skipped=SKIPPED)

    assert summary == (
        "1,121 models from 47 providers imported from genai-prices; 341 price entries skipped"
        " (184 not priced per token, 32 variants such as speed tiers or regions,"
        " 110 duplicates, 15 not yet in force) — see /status."
    )


def test_an_import_that_skipped_nothing_says_only_what_it_brought() -> None:
    summary = import_summary(source="genai-prices", models=3, providers=1, skipped={})

    assert summary == "3 models from 1 provider imported from genai-prices."
