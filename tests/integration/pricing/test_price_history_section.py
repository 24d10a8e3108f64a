"""The model page's price history: changes per offer, newest first, a step chart, one query."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, Model, Price, Provider
from app.services.pricing.price_history_section import load_price_history
from tests.support.page_text import text_of

START = datetime(2026, 1, 1, tzinfo=UTC)
PAGE = "/models/histlab/hist-model"


def day(n: int) -> datetime:
    return START + timedelta(days=n)


def add_offer(
    session: Session,
    model: Model,
    name: str,
    periods: list[tuple[int, int | None, str, str]],
    *,
    tier: str = "standard",
    endpoint: Endpoint | None = None,
) -> Endpoint:
    """An endpoint at provider `name` (or more rows on `endpoint`): (from day, to day, in, out)."""
    if endpoint is None:
        provider = Provider(slug=f"hist-{name.lower()}", name=name, kind="inference")
        endpoint = Endpoint(model=model, provider=provider, provider_model_id=f"{name}-id")
        session.add(endpoint)
    for start, end, input_price, output_price in periods:
        endpoint.prices.append(
            Price(
                service_tier=tier,
                effective_from=day(start),
                effective_to=None if end is None else day(end),
                input=Decimal(input_price),
                output=Decimal(output_price),
                source="test",
            )
        )
    return endpoint


@pytest.fixture
def model(catalog_session: Session) -> Model:
    """A model with a much-changed offer (with a batch tier), a once-changed one, steady ones."""
    model = Model(
        author=Author(slug="histlab", name="Hist Lab"),
        slug="histlab/hist-model",
        name="Hist Model",
        status="active",
    )
    catalog_session.add(model)
    busy = add_offer(
        catalog_session,
        model,
        "Busy",
        [
            (0, 10, "8", "20"),
            (10, 20, "7", "20"),
            (20, 25, "7", "20"),  # re-opened at the same price: not a change
            (25, 30, "6", "18"),
            (30, 40, "5", "18"),
            (40, 50, "4", "16"),
            (50, 60, "3", "16"),
            (60, None, "2", "12"),
        ],
    )
    add_offer(catalog_session, model, "Busy", [(5, None, "1", "3")], tier="batch", endpoint=busy)
    add_offer(catalog_session, model, "Once", [(0, 45, "1", "2"), (45, None, "1.5", "2")])
    add_offer(catalog_session, model, "Calm", [(3, None, "0.5", "1")])
    add_offer(catalog_session, model, "Still & Co", [(3, 8, "0.5", "1")])
    add_offer(catalog_session, model, "Late", [(5, None, "0.5", "1")])
    catalog_session.commit()
    return model


def price_history(client: TestClient) -> Tag:
    response = client.get(PAGE)
    assert response.status_code == 200
    section = BeautifulSoup(response.text, "html.parser").find(id="price-history")
    assert isinstance(section, Tag)
    return section


def offer_block(section: Tag, name: str) -> Tag:
    for block in section.select(".price-offer"):
        if text_of(block.find("h4")) == name:
            return block
    raise AssertionError(f"no price history for {name}")


@pytest.mark.usefixtures("model")
def test_changes_are_listed_newest_first_with_dates_and_the_rest_counted(
    client: TestClient,
) -> None:
    section = price_history(client)
    busy = offer_block(section, "Busy")

    assert [text_of(li) for li in busy.select("ol.price-changes li")] == [
        "2026-03-02: input $3.00 → $2.00, output $16.00 → $12.00",
        "2026-02-20: input $4.00 → $3.00, output $16.00 (unchanged)",
        "2026-02-10: input $5.00 → $4.00, output $18.00 → $16.00",
        "2026-01-31: input $6.00 → $5.00, output $18.00 (unchanged)",
        "2026-01-26: input $7.00 → $6.00, output $20.00 → $18.00",
    ]
    assert [t["datetime"] for t in busy.select("ol.price-changes time")] == [
        "2026-03-02",
        "2026-02-20",
        "2026-02-10",
        "2026-01-31",
        "2026-01-26",
    ]
    assert text_of(busy.select_one("p.muted")) == (
        "1 earlier change; first seen 2026-01-01; batch-tier price since 2026-01-06: "
        "input $1.00, output $3.00."
    )


@pytest.mark.usefixtures("model")
def test_most_recently_changed_offer_comes_first_and_steady_ones_say_so(
    client: TestClient,
) -> None:
    section = price_history(client)
    assert [text_of(h) for h in section.select(".price-offer h4")] == ["Busy", "Once"]
    assert [text_of(li) for li in section.select(".price-offer")[1].select("li")] == [
        "2026-02-15: input $1.00 → $1.50, output $2.00 (unchanged)"
    ]
    assert [text_of(li) for li in section.select("ul.price-steady li")] == [
        "Standard-tier price unchanged since it was first recorded on 2026-01-04: Calm, "
        "Still & Co (no longer priced since 2026-01-09).",
        "Standard-tier price unchanged since it was first recorded on 2026-01-06: Late.",
    ]


@pytest.mark.usefixtures("model")
def test_each_changed_offer_has_a_step_chart_named_in_words(client: TestClient) -> None:
    section = price_history(client)
    chart = offer_block(section, "Once").find("svg")
    assert isinstance(chart, Tag)
    assert chart["role"] == "img"
    assert chart["aria-label"] == (
        "Once price per 1M tokens since 2026-01-01: input $1.00 to $1.50"
        ", output $2.00 to $2.00; 1 change"
    )
    assert chart.select_one("path.price-chart-input") is not None
    assert chart.select_one("path.price-chart-output") is not None
    assert section.select_one(".price-steady svg") is None


@pytest.mark.usefixtures("model")
def test_section_sits_in_pricing_and_the_page_links_its_feed(client: TestClient) -> None:
    response = client.get(PAGE)
    soup = BeautifulSoup(response.text, "html.parser")
    pricing = soup.find(id="pricing")
    assert isinstance(pricing, Tag)
    assert pricing.find(id="price-history") is not None
    alternate = soup.select_one('head link[rel="alternate"][href$="/feed.atom"]')
    assert alternate is not None
    assert alternate["href"] == "/models/histlab/hist-model/feed.atom"
    assert alternate["type"] == "application/atom+xml"


def test_the_history_is_one_statement_whatever_the_offers(
    catalog_session: Session, model: Model, count_queries
) -> None:
    model_id = model.id
    count_queries.statements.clear()
    history = load_price_history(session=catalog_session, model_id=model_id)
    # The session's first statement after a commit opens a savepoint first (see conftest).
    selects = [s for s in count_queries.statements if not s.startswith("SAVEPOINT")]
    assert len(selects) == 1
    assert {offer.label for offer in history.offers} == {
        "Busy",
        "Once",
        "Calm",
        "Still & Co",
        "Late",
    }


def test_page_query_count_does_not_depend_on_price_history(
    client: TestClient, catalog_session: Session, model: Model, count_queries
) -> None:
    plain = Model(author=model.author, slug="histlab/plain", name="Plain", status="active")
    catalog_session.add(plain)
    add_offer(catalog_session, plain, "Lone", [(0, None, "1", "2")])
    catalog_session.commit()

    count_queries.statements.clear()
    assert client.get("/models/histlab/plain").status_code == 200
    plain_count = count_queries.count
    count_queries.statements.clear()
    assert client.get(PAGE).status_code == 200
    assert count_queries.count == plain_count


def test_a_model_without_prices_says_so(client: TestClient, catalog_session: Session) -> None:
    catalog_session.add(
        Model(
            author=Author(slug="bare", name="Bare"), slug="bare/none", name="None", status="active"
        )
    )
    catalog_session.commit()
    section = BeautifulSoup(client.get("/models/bare/none").text, "html.parser").find(
        id="price-history"
    )
    assert "No prices recorded for this model yet." in text_of(section)
