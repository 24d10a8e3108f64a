"""The catalog page at `/`, read as a browser would, on the seeded and imported catalog.

Filters are checked against an oracle that filters every model in Python from
the ORM (no SQL shared with the code under test); sort orders against the
stored figures of the rows shown. The HTMX path returns only the results
region; a plain request the whole page.
"""

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.config import Settings
from app.models import Endpoint, Model
from tests.support.query_counts import QueryCounter

HTMX = {"HX-Request": "true"}
REFERENCE_SLUG = "mistral/mistral-small-2603"


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


def _slugs(soup: BeautifulSoup) -> list[str]:
    return [str(row["data-slug"]) for row in soup.select("table.model-table tbody tr")]


def _total(soup: BeautifulSoup) -> int:
    text = soup.select_one("#catalog-total").get_text(" ", strip=True)
    number, noun = text.split()
    assert noun in ("model", "models")
    return int(number.replace(",", ""))


def _messages(soup: BeautifulSoup) -> dict[str, str]:
    return {
        str(li["data-field"]): li.get_text(strip=True) for li in soup.select(".catalog-messages li")
    }


def _cells(row: Tag) -> dict[str, str]:
    return {
        str(cell["data-col"]): cell.get_text(" ", strip=True) for cell in row.select("[data-col]")
    }


def _all_models(session: Session) -> list[Model]:
    return list(
        session.scalars(
            select(Model).options(
                selectinload(Model.author),
                selectinload(Model.modalities),
                selectinload(Model.endpoints).selectinload(Endpoint.provider),
            )
        )
    )


def test_search_mistral_small_4_finds_the_reference_model_with_its_figures(
    client: TestClient, catalog_session: Session
) -> None:
    providers = catalog_session.scalar(
        select(Model.provider_count).where(Model.slug == REFERENCE_SLUG)
    )

    soup = _soup(client.get("/", params={"q": "mistral small 4"}))

    row = soup.select_one(f'tr[data-slug="{REFERENCE_SLUG}"]')
    assert row is not None
    link = row.select_one("th a")
    assert link.get_text(strip=True) == "Mistral Small 4"
    assert urlsplit(link["href"]).path == "/models/mistral/mistral-small-2603"
    assert _cells(row) == {
        "context": "262K",
        "modalities": "text, image",
        "price-input": "$0.15",
        "price-output": "$0.60",
        "providers": str(providers),
        "throughput": "96\u202ftok/s",
    }
    assert row.select_one(".badge").get_text(strip=True) == "Active"
    lab = row.find("a", string="Mistral AI")
    assert lab is not None and urlsplit(lab["href"]).path == "/authors/mistral"
    headers = [th.get_text(" ", strip=True) for th in soup.select("table.model-table thead th")]
    assert headers[:4] == ["Compare", "Model", "Lab", "Status"]
    assert headers[-1] == "Best throughput"


def test_a_column_no_row_on_the_page_knows_is_left_out(
    client: TestClient, catalog_session: Session
) -> None:
    shown = [m for m in _all_models(catalog_session) if "gpt" in m.slug]
    assert shown and all(m.throughput_max is None for m in shown)

    soup = _soup(client.get("/", params={"q": "gpt"}))

    headers = [th.get_text(" ", strip=True) for th in soup.select("table.model-table thead th")]
    assert "Best throughput" not in headers
    assert "Input $ / 1M" in headers
    assert soup.select('td[data-col="throughput"]') == []
    assert all(len(tr.select("th, td")) == len(headers) for tr in soup.select("tbody tr"))


def test_every_search_word_must_match(client: TestClient, catalog_session: Session) -> None:
    soup = _soup(client.get("/", params={"q": "MISTRAL small"}))

    expected = {
        m.slug
        for m in _all_models(catalog_session)
        if all(w in m.name.lower() or w in m.slug.lower() for w in ("mistral", "small"))
    }
    assert REFERENCE_SLUG in _slugs(soup)
    assert _total(soup) == len(expected)
    assert set(_slugs(soup)) <= expected


def _has_provider(slug: str):
    return lambda m: any(e.provider.slug == slug for e in m.endpoints)


def _input(modality: str):
    return lambda m: modality in m.modality_list("input")


FILTERS = [
    ({"author": "mistral"}, lambda m: m.author.slug == "mistral"),
    ({"provider": "venice"}, _has_provider("venice")),
    ({"provider": "openai"}, _has_provider("openai")),
    ({"modality": "image"}, _input("image")),
    ({"modality": "audio"}, _input("audio")),
    ({"min_context": "128k"}, lambda m: (m.context_window or 0) >= 128_000),
    ({"min_context": "1m"}, lambda m: (m.context_window or 0) >= 1_000_000),
    (
        {"max_price": "0.5"},
        lambda m: m.price_input_min is not None and m.price_input_min <= Decimal("0.5"),
    ),
    ({"open_weights": "on"}, lambda m: m.weights == "open"),
    ({"status": "deprecated"}, lambda m: m.status == "deprecated"),
    (
        {"provider": "mistral", "modality": "image", "status": "active"},
        lambda m: _has_provider("mistral")(m) and _input("image")(m) and m.status == "active",
    ),
]


@pytest.mark.parametrize(("params", "keep"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_each_filter_shows_exactly_the_matching_models(
    client: TestClient, catalog_session: Session, params: dict[str, str], keep
) -> None:
    expected = {m.slug for m in _all_models(catalog_session) if keep(m)}

    soup = _soup(client.get("/", params=params))

    assert _total(soup) == len(expected)
    assert set(_slugs(soup)) <= expected
    assert len(_slugs(soup)) == min(len(expected), 50)
    assert _messages(soup) == {}


def _sort_key(sort: str, model: Model):
    """The stored figure a sort orders by; None when unknown (those go last)."""
    return {
        "price": lambda m: m.price_input_min,
        "context": lambda m: None if m.context_window is None else -m.context_window,
        "newest": lambda m: (
            None
            if (m.api_available_at or m.released_at) is None
            else -(m.api_available_at or m.released_at).toordinal()
        ),
        "throughput": lambda m: None if m.throughput_max is None else -m.throughput_max,
    }[sort](model)


@pytest.mark.parametrize("sort", ["price", "context", "newest", "throughput"])
@pytest.mark.parametrize("page", ["1", "last"])
def test_each_sort_orders_rows_by_its_figure_with_unknowns_last(
    client: TestClient, catalog_session: Session, sort: str, page: str
) -> None:
    params = {"sort": sort, "modality": "text"}
    if page == "last":
        first = _soup(client.get("/", params=params))
        params["page"] = str(-(-_total(first) // 50))
    soup = _soup(client.get("/", params=params))
    by_slug = {m.slug: m for m in _all_models(catalog_session)}

    keys = [_sort_key(sort, by_slug[slug]) for slug in _slugs(soup)]

    known = [key for key in keys if key is not None]
    assert keys == known + [None] * (len(keys) - len(known)), "unknown figures must come last"
    assert known == sorted(known)
    assert _messages(soup) == {}


def test_newest_puts_the_most_recent_first(client: TestClient, catalog_session: Session) -> None:
    soup = _soup(client.get("/", params={"sort": "newest"}))
    by_slug = {m.slug: m for m in _all_models(catalog_session)}
    latest = max((m.api_available_at or m.released_at or date.min) for m in by_slug.values())

    first = by_slug[_slugs(soup)[0]]

    assert (first.api_available_at or first.released_at) == latest


def test_most_providers_is_the_default_sort_with_ties_by_name(
    client: TestClient, catalog_session: Session
) -> None:
    by_slug = {m.slug: m for m in _all_models(catalog_session)}

    default = _slugs(_soup(client.get("/")))
    explicit = _slugs(_soup(client.get("/", params={"sort": "providers"})))

    assert default == explicit
    keys = [(-by_slug[slug].provider_count, by_slug[slug].name.lower()) for slug in default]
    assert len({count for count, _ in keys}) > 1
    assert keys == sorted(keys)


def test_name_sort_is_alphabetical(client: TestClient, catalog_session: Session) -> None:
    by_slug = {m.slug: m for m in _all_models(catalog_session)}

    shown = _slugs(_soup(client.get("/", params={"q": "gpt", "sort": "name"})))

    names = [by_slug[slug].name.lower() for slug in shown]
    assert len(names) > 1
    assert names == sorted(names)


def test_the_default_order_lists_retired_models_last(
    client: TestClient, catalog_session: Session
) -> None:
    before = _slugs(_soup(client.get("/", params={"q": "gpt 4o"})))
    assert 1 < len(before) < 20
    retired = catalog_session.scalar(select(Model).where(Model.slug == before[0]))
    retired.status = "retired"
    catalog_session.commit()

    after = _slugs(_soup(client.get("/", params={"q": "gpt 4o"})))

    assert after == [*before[1:], before[0]]


def test_results_are_paged_and_page_links_keep_the_search(client: TestClient) -> None:
    params = {"modality": "text", "sort": "price", "min_context": "8k", "utm": "x", "author": ""}
    first = _soup(client.get("/", params=params))
    assert _total(first) > 100

    links = first.select("nav.pagination a")
    assert [a.get_text() for a in first.select('nav.pagination a[aria-current="page"]')] == ["1"]
    following = first.select_one('nav.pagination a[rel="next"]')
    query = parse_qs(urlsplit(following["href"]).query)
    assert query == {
        "modality": ["text"],
        "min_context": ["8000"],
        "sort": ["price"],
        "page": ["2"],
    }
    assert all("modality=text" in a["href"] and "sort=price" in a["href"] for a in links)

    second = _soup(client.get(following["href"]))

    assert second.select_one('nav.pagination a[aria-current="page"]').get_text() == "2"
    assert not set(_slugs(first)) & set(_slugs(second))
    assert len(_slugs(second)) == 50
    assert (
        second.select_one("#catalog-total").get_text()
        == first.select_one("#catalog-total").get_text()
    )


def test_the_page_size_comes_from_settings(client: TestClient, settings: Settings) -> None:
    client.app.state.settings = settings.model_copy(update={"page_size": 7})

    soup = _soup(client.get("/"))

    assert len(_slugs(soup)) == 7


def test_htmx_request_gets_only_the_results_region_and_the_url_to_push(client: TestClient) -> None:
    response = client.get(
        "/", params={"q": "mistral small 4", "max_price": "bogus", "x": "1"}, headers=HTMX
    )

    soup = _soup(response)
    assert soup.find("html") is None and soup.find("form") is None
    assert REFERENCE_SLUG in _slugs(soup)
    assert set(_messages(soup)) == {"max_price"}
    assert response.headers["HX-Push-Url"] == "/?q=mistral+small+4"
    assert "HX-Request" in response.headers["Vary"]


def test_plain_request_gets_the_whole_page_with_a_working_form(client: TestClient) -> None:
    response = client.get("/", params={"q": "mistral", "author": "mistral", "sort": "price"})

    soup = _soup(response)
    assert soup.find("html") is not None
    assert "HX-Request" in response.headers["Vary"]
    form = soup.select_one("form.catalog-filters")
    assert form["method"] == "get" and urlsplit(form["action"]).path == "/"
    assert form["hx-target"] == "#catalog-results" and form["hx-push-url"] == "true"
    assert "delay:" in form["hx-trigger"]
    assert soup.select_one("#catalog-results table.model-table") is not None
    assert form.select_one('input[name="q"]')["value"] == "mistral"
    assert form.select_one('select[name="author"] option[selected]')["value"] == "mistral"
    assert form.select_one('select[name="sort"] option[selected]')["value"] == "price"
    assert {label["for"] for label in form.select("label")} <= {
        field["id"] for field in form.select("input, select")
    }
    assert not soup.select("script:not([src])"), "no inline scripts under the strict CSP"
    assert not soup.select("[style]")


def test_a_history_restore_gets_the_whole_page(client: TestClient) -> None:
    response = client.get(
        "/", params={"q": "mistral"}, headers=HTMX | {"HX-History-Restore-Request": "true"}
    )

    assert _soup(response).find("html") is not None


def test_the_author_and_provider_dropdowns_list_the_known_ones(client: TestClient) -> None:
    soup = _soup(client.get("/"))

    authors = soup.select('select[name="author"] option')
    providers = {
        o["value"]: o.get_text(strip=True) for o in soup.select('select[name="provider"] option')
    }
    assert authors[0]["value"] == ""
    assert any(o["value"] == "mistral" and o.get_text().startswith("Mistral AI (") for o in authors)
    assert providers["venice"] == "Venice (1)"
    names = [o.get_text(strip=True).lower() for o in authors[1:]]
    assert names == sorted(names)


ABSURD = {
    "min_context": "-5",
    "max_price": "lots",
    "sort": "popularity",
    "status": "archived",
    "modality": "smell",
    "open_weights": "maybe",
    "provider": "<script>alert(1)</script>",
    "q": "mistral " + "x" * 5000,
}


def test_absurd_values_show_the_list_with_a_message_for_each(client: TestClient) -> None:
    response = client.get("/", params=ABSURD | {"author": "mistral", "page": "0"})

    soup = _soup(response)
    messages = _messages(soup)
    assert set(messages) == {*ABSURD, "page"}
    assert "like 128000 or 128k" in messages["min_context"]
    assert "<script>" not in response.text
    assert soup.select_one('select[name="author"] option[selected]')["value"] == "mistral"
    assert soup.select_one('input[name="min_context"]')["value"] == "-5"


def test_absurd_values_keep_the_valid_filters(client: TestClient) -> None:
    valid = {"author": "mistral", "q": "small"}

    soup = _soup(client.get("/", params=valid | {"min_context": "huge", "page": "x"}))

    assert set(_messages(soup)) == {"min_context", "page"}
    assert REFERENCE_SLUG in _slugs(soup)
    assert _slugs(soup) == _slugs(_soup(client.get("/", params=valid)))


@pytest.mark.parametrize(
    "params",
    [
        {"min_context": "9" * 400},
        {"max_price": "1e309"},
        {"max_price": "99999999999999999999999"},
        {"page": "9" * 400},
        {"q": "%_\\'\"; DROP TABLE models;--"},
        {"author": "a" * 10_000},
    ],
)
def test_huge_and_hostile_values_never_fail(client: TestClient, params: dict[str, str]) -> None:
    assert client.get("/", params=params).status_code == 200


def test_a_page_past_the_end_shows_the_last_page_with_a_message(client: TestClient) -> None:
    soup = _soup(client.get("/", params={"author": "mistral", "page": "999"}))

    assert "past the end" in _messages(soup)["page"]
    assert _slugs(soup)
    assert _total(soup) > 0


def test_no_match_says_so_with_a_way_back(client: TestClient) -> None:
    soup = _soup(client.get("/", params={"q": "no-such-model-anywhere"}))

    assert _total(soup) == 0
    assert soup.select_one(".catalog-empty a") is not None


CATALOG_VIEWS = [
    {},
    {"q": "mistral small 4"},
    {"author": "mistral", "sort": "throughput"},
    {"provider": "openai", "modality": "image", "min_context": "128k", "sort": "price"},
    {"status": "active", "sort": "newest", "page": "2"},
    {"max_price": "1", "sort": "context", "page": "4"},
]


def test_the_catalog_costs_the_same_queries_whatever_the_filters(
    client: TestClient, count_queries: QueryCounter
) -> None:
    before = count_queries.count
    _soup(client.get("/"))
    first = count_queries.count - before
    counts = []
    for params in CATALOG_VIEWS:
        before = count_queries.count
        soup = _soup(client.get("/", params=params))
        assert _slugs(soup), params
        counts.append(count_queries.count - before)
    before = count_queries.count
    client.get("/", params={"q": "mistral"}, headers=HTMX)
    counts.append(count_queries.count - before)

    before = count_queries.count
    _soup(client.get("/", params={"q": "no-such-model-anywhere"}))
    empty = count_queries.count - before

    assert len(set(counts)) == 1, counts
    # The content version, the count, the page with modalities; 2 savepoints.
    assert counts[0] <= 5
    # Labs and providers are read by the first view only (then remembered until a write).
    assert first == counts[0] + 2
    assert empty <= counts[0]
