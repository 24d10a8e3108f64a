"""The labs and providers pages: lists with counts, one lab's models, one provider's endpoints.

The service is checked on the hand-made sample catalog, where every count and
current price is known (including a closed old price and a batch price that
must not show); the pages on the seeded and imported catalog.
"""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, Provider
from app.services.directory import author_page, list_authors, list_providers, provider_page
from tests.catalog_data import build_sample_catalog
from tests.conftest import QueryCounter


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
    page = provider_page(session=sample, slug="cheaphost")

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
    assert provider_page(session=sample, slug="nobody") is None


def test_an_endpoint_context_is_its_own_else_the_models(sample: Session) -> None:
    fast = provider_page(session=sample, slug="fastcloud")
    cheap = provider_page(session=sample, slug="cheaphost")
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
        "throughput": "96tok/s",
    }


def test_a_provider_page_counts_match_its_endpoints(
    client: TestClient, catalog_session: Session
) -> None:
    mistral_id = catalog_session.scalar(select(Provider.id).where(Provider.slug == "mistral"))
    stored = catalog_session.scalar(
        select(func.count()).select_from(Endpoint).where(Endpoint.provider_id == mistral_id)
    )

    soup = _soup(client.get("/providers/mistral"))

    assert len(soup.select("table.endpoint-table tbody tr")) == stored
    assert _leading_number(soup.select_one("#provider-endpoint-count")) == stored


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
    assert cost("/authors/mistral") == cost("/authors/openai")
    assert cost("/authors") == cost("/providers")
