"""The labs and providers pages: lists with counts, one lab's models, one provider's endpoints.

The service is checked on the hand-made sample catalog, where every count and
current price is known (including a closed old price and a batch price that
must not show); the pages on the seeded and imported catalog, where OpenRouter
serves hundreds of endpoints and so spreads over many pages.
"""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Author, Endpoint, Provider
from app.services.catalog.directory import author_page, list_authors, list_providers, provider_page
from tests.support.query_counts import QueryCounter
from tests.support.sample_catalog import build_sample_catalog


@pytest.fixture
def sample(session: Session) -> Session:
    build_sample_catalog(session)
    return session


def test_labs_are_listed_by_name_with_model_counts(sample: Session) -> None:
    authors = list_authors(session=sample)

    assert [(a.slug, a.name, a.model_count) for a in authors] == [
        ("acme", "Acme Labs", 2),
        ("idle", "Idle Research", 0),
        ("zeta", "Zeta AI", 3),
    ]


def test_providers_are_listed_by_name_with_endpoint_and_model_counts(sample: Session) -> None:
    providers = list_providers(session=sample)

    assert [(p.slug, p.kind, p.endpoint_count, p.model_count) for p in providers] == [
        ("cheaphost", "inference", 3, 3),
        ("fastcloud", "inference", 2, 2),
        ("hub", "router", 0, 0),
    ]


def test_a_lab_page_lists_its_models_by_name(sample: Session) -> None:
    page = author_page(session=sample, slug="acme")

    assert page is not None
    assert (page.author.name, page.author.model_count) == ("Acme Labs", 2)
    assert [row.slug for row in page.models] == ["acme/alpha-1", "acme/beta-2"]
    assert author_page(session=sample, slug="nobody") is None


def test_a_provider_page_shows_current_standard_prices_only(sample: Session) -> None:
    page = provider_page(session=sample, slug="cheaphost", page_size=50)

    assert page is not None
    assert (page.provider.endpoint_count, page.provider.model_count) == (3, 3)
    rows = {row.model_slug: row for row in page.endpoints}
    assert [row.model_name for row in page.endpoints] == [
        "Alpha 1",
        "Delta Large 4",
        "Delta Small 4",
    ]
    alpha = rows["acme/alpha-1"]
    assert (alpha.price_input, alpha.price_output) == (Decimal("0.5"), Decimal("1.5"))
    assert (alpha.provider_model_id, alpha.model_path_slug, alpha.author_slug) == (
        "alpha-1",
        "alpha-1",
        "acme",
    )
    unpriced = rows["zeta/delta-large-4"]
    assert (unpriced.price_input, unpriced.price_output) == (None, None)
    assert provider_page(session=sample, slug="nobody", page_size=50) is None


def test_a_provider_page_holds_one_page_of_endpoints_and_the_full_counts(
    sample: Session,
) -> None:
    first = provider_page(session=sample, slug="cheaphost", page_size=2)
    second = provider_page(session=sample, slug="cheaphost", page="2", page_size=2)
    assert first is not None and second is not None

    assert [row.model_name for row in first.endpoints] == ["Alpha 1", "Delta Large 4"]
    assert [row.model_name for row in second.endpoints] == ["Delta Small 4"]
    assert first.provider == second.provider
    assert (second.provider.endpoint_count, second.provider.model_count) == (3, 3)
    assert (second.place.number, second.place.count) == (2, 2)
    assert (second.place.first_position, second.place.last_position) == (3, 3)
    assert first.messages == second.messages == []


@pytest.mark.parametrize(
    ("page", "shown", "message"),
    [
        ("0", 1, "whole number"),
        ("-1", 1, "whole number"),
        ("two", 1, "whole number"),
        ("99", 2, "past the end"),
        ("9" * 400, 2, "past the end"),
    ],
)
def test_a_bad_provider_page_number_shows_a_real_page_with_a_message(
    sample: Session, page: str, shown: int, message: str
) -> None:
    result = provider_page(session=sample, slug="cheaphost", page=page, page_size=2)
    assert result is not None

    assert result.place.number == shown
    assert len(result.endpoints) == (2 if shown == 1 else 1)
    assert len(result.messages) == 1 and message in result.messages[0]


def test_a_provider_without_endpoints_has_one_empty_page(sample: Session) -> None:
    page = provider_page(session=sample, slug="hub", page="3", page_size=2)
    assert page is not None

    assert (page.endpoints, page.place.number, page.place.count) == ([], 1, 1)
    assert page.provider.endpoint_count == 0


def test_an_endpoint_context_is_its_own_else_the_models(sample: Session) -> None:
    fast = provider_page(session=sample, slug="fastcloud", page_size=50)
    cheap = provider_page(session=sample, slug="cheaphost", page_size=50)
    assert fast is not None and cheap is not None

    def alpha(page):
        return next(row for row in page.endpoints if row.model_slug == "acme/alpha-1")

    assert (alpha(fast).context_window, alpha(fast).quantization) == (64_000, "fp8")
    assert (alpha(cheap).context_window, alpha(cheap).quantization) == (128_000, None)


# --- the pages -----------------------------------------------------------------------------


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def _leading_number(element: Tag) -> int:
    """The count in "12 models" / "1 endpoint"."""
    return int(element.get_text(strip=True).split()[0])


def _cells(row: Tag) -> dict[str, str]:
    return {
        str(cell["data-col"]): cell.get_text(" ", strip=True) for cell in row.select("[data-col]")
    }


def test_labs_page_lists_every_lab_with_its_model_count(
    client: TestClient, catalog_session: Session
) -> None:
    soup = _soup(client.get("/authors"))

    rows = soup.select("table.directory-table tbody tr")
    assert len(rows) == catalog_session.scalar(select(func.count()).select_from(Author))
    mistral = soup.select_one('tr[data-slug="mistral"]')
    link = mistral.select_one("th a")
    assert link.get_text(strip=True) == "Mistral AI"
    assert urlsplit(link["href"]).path == "/authors/mistral"
    assert int(_cells(mistral)["models"]) >= 1


def test_a_lab_page_links_each_model_to_its_page(client: TestClient) -> None:
    soup = _soup(client.get("/authors/mistral"))

    assert soup.find("h1").get_text(strip=True) == "Mistral AI"
    row = soup.select_one('tr[data-slug="mistral/mistral-small-2603"]')
    assert urlsplit(row.select_one("th a")["href"]).path == "/models/mistral/mistral-small-2603"
    assert _cells(row)["price-input"] == "$0.15"
    count = len(soup.select("table.model-table tbody tr"))
    assert _leading_number(soup.select_one("#author-model-count")) == count


def test_providers_page_lists_every_provider_with_kind_and_endpoint_count(
    client: TestClient, catalog_session: Session
) -> None:
    soup = _soup(client.get("/providers"))

    rows = soup.select("table.directory-table tbody tr")
    assert len(rows) == catalog_session.scalar(select(func.count()).select_from(Provider))
    venice = _cells(soup.select_one('tr[data-slug="venice"]'))
    assert venice == {"kind": "Inference", "endpoints": "1", "models": "1"}
    kinds = {_cells(row)["kind"] for row in rows}
    assert kinds <= {"Inference", "Router"}


def test_a_provider_page_lists_its_endpoints_with_current_figures(client: TestClient) -> None:
    soup = _soup(client.get("/providers/venice"))

    assert soup.find("h1").get_text(strip=True) == "Venice"
    (row,) = soup.select("table.endpoint-table tbody tr")
    assert urlsplit(row.select_one("th a")["href"]).path == "/models/mistral/mistral-small-2603"
    assert _cells(row) == {
        "provider-model-id": "mistral-small-2603",
        "context": "256K",
        "price-input": "$0.188",
        "price-output": "$0.75",
        "quantization": "fp8",
        "throughput": "96\u202ftok/s",
    }


def _endpoint_count(session: Session, provider_slug: str) -> int:
    provider_id = session.scalar(select(Provider.id).where(Provider.slug == provider_slug))
    return session.scalar(
        select(func.count()).select_from(Endpoint).where(Endpoint.provider_id == provider_id)
    )


def _endpoint_keys(soup: BeautifulSoup) -> list[tuple[str, str]]:
    return [
        (str(row["data-slug"]), _cells(row)["provider-model-id"])
        for row in soup.select("table.endpoint-table tbody tr")
    ]


def _current_page(soup: BeautifulSoup) -> str:
    return soup.select_one('nav.pagination a[aria-current="page"]').get_text(strip=True)


def test_a_provider_page_counts_match_its_endpoints(
    client: TestClient, catalog_session: Session, settings: Settings
) -> None:
    stored = _endpoint_count(catalog_session, "mistral")
    page_size = settings.page_size
    assert page_size < stored <= 2 * page_size

    first = _soup(client.get("/providers/mistral"))
    second = _soup(client.get("/providers/mistral", params={"page": "2"}))

    assert len(_endpoint_keys(first)) == page_size
    assert len(_endpoint_keys(second)) == stored - page_size
    for soup in (first, second):
        assert _leading_number(soup.select_one("#provider-endpoint-count")) == stored


def test_a_large_provider_is_split_into_pages_that_do_not_overlap(
    client: TestClient, catalog_session: Session, settings: Settings
) -> None:
    stored = _endpoint_count(catalog_session, "openrouter")
    page_count = -(-stored // settings.page_size)
    assert page_count > 3

    first = _soup(client.get("/providers/openrouter"))
    following = first.select_one('nav.pagination a[rel="next"]')
    assert parse_qs(urlsplit(following["href"]).query) == {"page": ["2"]}
    second = _soup(client.get(following["href"]))
    last = _soup(client.get("/providers/openrouter", params={"page": str(page_count)}))

    assert (_current_page(first), _current_page(second), _current_page(last)) == (
        "1",
        "2",
        str(page_count),
    )
    assert first.select("nav.pagination a")[-2].get_text(strip=True) == str(page_count)
    assert last.select_one('nav.pagination a[rel="next"]') is None
    assert len(_endpoint_keys(first)) == len(_endpoint_keys(second)) == settings.page_size
    assert len(_endpoint_keys(last)) == stored - (page_count - 1) * settings.page_size
    assert not set(_endpoint_keys(first)) & set(_endpoint_keys(second))
    assert _leading_number(second.select_one("#provider-endpoint-count")) == stored
    assert "page 2 of" in second.select_one(".directory-position").get_text()


def test_the_provider_page_size_comes_from_settings(client: TestClient, settings: Settings) -> None:
    client.app.state.settings = settings.model_copy(update={"page_size": 7})

    soup = _soup(client.get("/providers/openrouter"))

    assert len(_endpoint_keys(soup)) == 7


@pytest.mark.parametrize(
    ("page", "shown", "message"),
    [
        ("0", "1", "whole number"),
        ("-4", "1", "whole number"),
        ("abc", "1", "whole number"),
        ("2.5", "1", "whole number"),
        ("99999", "last", "past the end"),
        ("9" * 400, "last", "past the end"),
    ],
)
def test_a_bad_provider_page_number_is_clamped_with_a_message(
    client: TestClient, page: str, shown: str, message: str
) -> None:
    soup = _soup(client.get("/providers/openrouter", params={"page": page}))

    notices = [li.get_text(strip=True) for li in soup.select(".directory-messages li")]
    assert len(notices) == 1 and message in notices[0]
    current = _current_page(soup)
    if shown == "last":
        assert soup.select_one('nav.pagination a[rel="next"]') is None
        assert current == soup.select("nav.pagination a")[-1].get_text(strip=True)
    else:
        assert current == shown
    assert _endpoint_keys(soup)


def test_a_good_provider_page_has_no_message(client: TestClient) -> None:
    soup = _soup(client.get("/providers/openrouter", params={"page": "2", "utm": "x"}))

    assert soup.select(".directory-messages") == []


@pytest.mark.parametrize("path", ["/authors/no-such-lab", "/providers/no-such-provider"])
def test_unknown_lab_or_provider_is_a_404_page(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.find("h1").get_text(strip=True) == "Page not found"


def test_directory_pages_cost_the_same_queries_whatever_their_size(
    client: TestClient, catalog_session: Session, count_queries: QueryCounter
) -> None:
    largest = catalog_session.scalar(
        select(Provider.slug)
        .join(Endpoint, Endpoint.provider_id == Provider.id)
        .group_by(Provider.slug)
        .order_by(func.count().desc())
        .limit(1)
    )

    def cost(path: str) -> int:
        before = count_queries.count
        assert client.get(path).status_code == 200
        return count_queries.count - before

    assert cost("/providers/venice") == cost(f"/providers/{largest}")
    assert cost(f"/providers/{largest}?page=2") == cost(f"/providers/{largest}")
    assert cost(f"/providers/{largest}?page=x") == cost(f"/providers/{largest}?page=99999")
    assert cost("/authors/mistral") == cost("/authors/openai")
    assert cost("/authors") == cost("/providers")
