"""The catalog's query: parsing whatever arrives in the URL, then filtering, sorting, paging.

Parsing is pure and checked without a database, including a property test that
no combination of values can make it fail. Searching runs on a small hand-made
catalog (`tests.support.sample_catalog`) whose every answer is known in advance.
"""

from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.services.catalog.catalog_page import (
    DEFAULT_SORT,
    MAX_QUERY_LENGTH,
    CatalogQuery,
    parse_catalog_query,
    search_catalog,
)
from app.services.catalog.pagination import MAX_PAGE
from tests.support.sample_catalog import SAMPLE_AUTHORS, SAMPLE_PROVIDERS, build_sample_catalog

PARAMETERS = (
    "q",
    "author",
    "provider",
    "modality",
    "min_context",
    "max_price",
    "open_weights",
    "status",
    "sort",
    "page",
)


def parse(**params: str) -> tuple[CatalogQuery, list[str]]:
    """Parse against the sample catalog's labs and providers; messages as (field, text)."""
    query, messages = parse_catalog_query(
        params=params, author_slugs=set(SAMPLE_AUTHORS), provider_slugs=set(SAMPLE_PROVIDERS)
    )
    return query, [message.field for message in messages]


def test_no_parameters_means_no_filters_sorted_by_most_providers() -> None:
    query, fields = parse()

    assert query == CatalogQuery()
    assert query.sort == DEFAULT_SORT == "providers"
    assert fields == []


def test_blank_form_fields_are_no_filter_and_no_message() -> None:
    query, fields = parse(**dict.fromkeys(PARAMETERS, "  "))

    assert query == CatalogQuery()
    assert fields == []


def test_unknown_parameters_are_ignored_silently() -> None:
    query, fields = parse(utm_source="mail", q="alpha", limit="-5")

    assert query == CatalogQuery(q="alpha")
    assert fields == []


def test_every_valid_value_is_kept() -> None:
    query, fields = parse(
        q="  Mistral   small 4 ",
        author="ACME",
        provider="cheaphost",
        modality="Image",
        min_context="128k",
        max_price="$0.5",
        open_weights="on",
        status="Preview",
        sort="throughput",
        page="3",
    )

    assert fields == []
    assert query == CatalogQuery(
        q="Mistral small 4",
        author="acme",
        provider="cheaphost",
        modality="image",
        min_context=128_000,
        max_price=Decimal("0.5"),
        open_weights=True,
        status="preview",
        sort="throughput",
        page=3,
    )
    assert query.words == ["Mistral", "small", "4"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("128000", 128_000),
        ("128,000", 128_000),
        ("128 000", 128_000),
        ("128k", 128_000),
        ("128K", 128_000),
        ("1m", 1_000_000),
        ("1.5M", 1_500_000),
        ("262k tokens", 262_000),
        ("0", None),
    ],
)
def test_minimum_context_accepts_plain_and_friendly_token_counts(
    text: str, tokens: int | None
) -> None:
    query, fields = parse(min_context=text)

    assert (query.min_context, fields) == (tokens, [])


@pytest.mark.parametrize(
    ("text", "price"), [("0.5", "0.5"), ("$3", "3"), (".25", "0.25"), ("0", "0")]
)
def test_maximum_price_accepts_dollar_amounts(text: str, price: str) -> None:
    query, fields = parse(max_price=text)

    assert (query.max_price, fields) == (Decimal(price), [])


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("min_context", "-5", "whole number of tokens"),
        ("min_context", "lots", "whole number of tokens"),
        ("min_context", "1.2345k", "whole number of tokens"),
        ("min_context", "9" * 5000, "whole number of tokens"),
        ("min_context", "200m", "at most 100M"),
        ("max_price", "-1", "number of US dollars"),
        ("max_price", "cheap", "number of US dollars"),
        ("max_price", "NaN", "number of US dollars"),
        ("max_price", "Infinity", "number of US dollars"),
        ("max_price", "1e3", "number of US dollars"),
        ("max_price", "100001", "at most $100000"),
        ("modality", "smell", "Input must be one of"),
        ("status", "archived", "Status must be one of"),
        ("sort", "popularity", "sorted by most providers instead"),
        ("open_weights", "maybe", "on or off"),
        ("author", "nobody", "no lab “nobody”"),
        ("provider", "x" * 500, "no provider “" + "x" * 60 + "…”"),
        ("page", "0", "whole number from 1"),
        ("page", "-2", "whole number from 1"),
        ("page", "2.5", "whole number from 1"),
        ("page", "²", "whole number from 1"),
    ],
)
def test_an_unusable_value_is_dropped_with_a_message_and_the_rest_kept(
    name: str, value: str, words: str
) -> None:
    query, messages = parse_catalog_query(
        params={"q": "alpha", "status": "active", name: value},
        author_slugs=set(SAMPLE_AUTHORS),
        provider_slugs=set(SAMPLE_PROVIDERS),
    )

    assert [m.field for m in messages] == [name]
    assert words in messages[0].text
    expected = CatalogQuery(q="alpha", status=None if name == "status" else "active")
    assert query == expected


def test_a_very_long_search_is_shortened_with_a_message() -> None:
    query, fields = parse(q="a" * 10_000)

    assert len(query.q) == MAX_QUERY_LENGTH
    assert fields == ["q"]


def test_a_search_with_many_words_keeps_the_first_ten_different_ones() -> None:
    query, fields = parse(q="x x " + " ".join(f"w{n}" for n in range(20)))

    assert query.words == ["x", *(f"w{n}" for n in range(9))]
    assert fields == ["q"]


def test_a_page_number_past_any_catalog_is_capped_not_refused() -> None:
    query, fields = parse(page="9" * 400)

    assert (query.page, fields) == (MAX_PAGE, [])


def test_query_string_leaves_defaults_out_and_parses_back_to_the_same_query() -> None:
    query = CatalogQuery(q="delta 4", provider="cheaphost", max_price=Decimal("0.25"), page=2)

    text = query.query_string()

    assert text == "q=delta+4&provider=cheaphost&max_price=0.25&page=2"
    assert CatalogQuery().query_string() == ""
    assert query.query_string(page=1) == "q=delta+4&provider=cheaphost&max_price=0.25"


@given(st.dictionaries(st.sampled_from(PARAMETERS), st.text(max_size=60)))
def test_any_parameters_parse_to_a_query_that_round_trips(params: dict[str, str]) -> None:
    query, _ = parse(**params)

    again, fields = parse(**dict(parse_qsl(query.query_string())))

    assert again == query
    assert fields == []


# --- searching the sample catalog ---------------------------------------------------------


def slugs(session: Session, page_size: int = 50, **params: str) -> list[str]:
    query, fields = parse(**params)
    assert fields == []
    return [
        row.slug for row in search_catalog(session=session, query=query, page_size=page_size).rows
    ]


@pytest.fixture
def sample(session: Session) -> Session:
    build_sample_catalog(session)
    return session


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("delta small 4", ["zeta/delta-small-4"]),
        ("DELTA 4", ["zeta/delta-large-4", "zeta/delta-small-4"]),
        ("small delta", ["zeta/delta-small-4"]),
        ("acme", ["acme/alpha-1", "acme/beta-2"]),
        ("mini-", []),
        ("gamma-mini", ["zeta/gamma-mini"]),
        ("%", []),
        ("_", []),
    ],
)
def test_search_needs_every_word_in_the_name_or_slug(
    sample: Session, q: str, expected: list[str]
) -> None:
    assert slugs(sample, q=q) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"author": "acme"}, ["acme/alpha-1", "acme/beta-2"]),
        ({"author": "idle"}, []),
        ({"provider": "cheaphost"}, ["acme/alpha-1", "zeta/delta-large-4", "zeta/delta-small-4"]),
        ({"provider": "hub"}, []),
        ({"modality": "image"}, ["acme/alpha-1", "zeta/delta-large-4"]),
        ({"modality": "audio"}, ["zeta/gamma-mini"]),
        ({"min_context": "200k"}, ["acme/beta-2", "zeta/delta-large-4"]),
        ({"min_context": "128000"}, ["acme/alpha-1", "acme/beta-2", "zeta/delta-large-4"]),
        ({"max_price": "0.5"}, ["acme/alpha-1", "zeta/delta-small-4"]),
        ({"max_price": "0"}, []),
        ({"open_weights": "on"}, ["acme/alpha-1", "zeta/delta-small-4"]),
        ({"status": "deprecated"}, ["zeta/gamma-mini"]),
        ({"status": "preview"}, ["acme/beta-2"]),
        ({"provider": "cheaphost", "modality": "image"}, ["acme/alpha-1", "zeta/delta-large-4"]),
        ({"q": "4", "open_weights": "1", "provider": "cheaphost"}, ["zeta/delta-small-4"]),
    ],
)
def test_each_filter_keeps_only_matching_models(
    sample: Session, params: dict[str, str], expected: list[str]
) -> None:
    assert slugs(sample, **params) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        # Name A-Z, case-insensitive: the lowercase "beta 2" sits between A and D.
        ("name", ["alpha-1", "beta-2", "delta-large-4", "delta-small-4", "gamma-mini"]),
        # Cheapest current standard input first; the two with no price last, by name.
        ("price", ["delta-small-4", "alpha-1", "beta-2", "delta-large-4", "gamma-mini"]),
        ("context", ["beta-2", "delta-large-4", "alpha-1", "delta-small-4", "gamma-mini"]),
        # API availability, else release date; no date last.
        ("newest", ["delta-small-4", "beta-2", "alpha-1", "delta-large-4", "gamma-mini"]),
        ("throughput", ["delta-small-4", "alpha-1", "delta-large-4", "beta-2", "gamma-mini"]),
    ],
)
def test_each_sort_order(sample: Session, sort: str, expected: list[str]) -> None:
    assert [slug.split("/")[1] for slug in slugs(sample, sort=sort)] == expected


def test_rows_carry_the_rollup_figures_and_input_modalities(sample: Session) -> None:
    query, _ = parse(q="alpha")

    (row,) = search_catalog(session=sample, query=query, page_size=10).rows

    assert row.name == "Alpha 1"
    assert (row.author_slug, row.author_name, row.path_slug) == ("acme", "Acme Labs", "alpha-1")
    assert row.input_modalities == ("text", "image")
    assert (row.price_input, row.price_output) == (Decimal("0.5"), Decimal("1.5"))
    assert (row.provider_count, row.throughput, row.context_window) == (2, Decimal(100), 128_000)


def test_pages_split_the_results_without_overlap(sample: Session) -> None:
    pages = [
        search_catalog(session=sample, query=CatalogQuery(sort="price", page=n), page_size=2)
        for n in (1, 2, 3)
    ]

    assert [len(p.rows) for p in pages] == [2, 2, 1]
    assert {(p.total, p.page_count) for p in pages} == {(5, 3)}
    assert [row.slug for p in pages for row in p.rows] == slugs(sample, sort="price")
    assert (pages[2].first_position, pages[2].last_position) == (5, 5)
    assert all(p.messages == [] for p in pages)


def test_a_page_past_the_end_shows_the_last_page_with_a_message(sample: Session) -> None:
    page = search_catalog(session=sample, query=CatalogQuery(page=MAX_PAGE), page_size=2)

    assert page.number == 3
    assert [row.slug for row in page.rows] == ["zeta/gamma-mini"]
    assert [m.field for m in page.messages] == ["page"]
    assert "last page (3 of 3)" in page.messages[0].text


def test_no_match_is_one_empty_page(sample: Session) -> None:
    page = search_catalog(session=sample, query=CatalogQuery(q="nothing-like-this"), page_size=2)

    assert (page.total, page.number, page.page_count, page.rows) == (0, 1, 1, [])
    assert page.first_position == 0
    assert page.messages == []
