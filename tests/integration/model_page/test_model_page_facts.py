"""The model page's facts: each names its source, disagreements say so, unknowns read "not known".

Also the status badge (active only when a source states it) and the header's key facts.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, Model, ModelModality, Price, Provider
from app.services.metrics.rollups import refresh_rollups
from app.services.model_page.model_facts import record_facts
from app.services.model_page.model_page_loader import load_model_page
from tests.support.model_page import REFERENCE_URL, add_model
from tests.support.page_text import section, text_of

SEEN = datetime(2026, 11, 30, tzinfo=UTC)


def _page(client: TestClient, slug: str) -> BeautifulSoup:
    response = client.get(f"/models/{slug}")
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def _integrations(page: BeautifulSoup) -> dict[str, str]:
    answers = section(page, "integrations")
    return {text_of(dt): text_of(dt.find_next_sibling("dd")) for dt in answers.select("dl dt")}


def _state(session: Session, model: Model, source: str, **facts: object) -> None:
    record_facts(session=session, model=model, source=source, facts=facts, seen_at=SEEN)
    session.commit()


def test_a_capability_no_source_states_is_not_known_even_with_providers_listed(
    client: TestClient, catalog_session: Session
) -> None:
    # Two providers, neither taking JSON-mode parameters, and no source saying either way.
    add_model(catalog_session, author_slug="quiet", model_id="quiet-1", name="Quiet", providers=2)

    answers = _integrations(_page(client, "quiet/quiet-1"))

    assert answers["Structured outputs"] == "Not known"
    assert answers["Reasoning"] == "Not known"
    assert answers["Tool calling"] == "Supported — Host 1"


def test_a_capability_is_not_supported_only_when_a_source_says_so(
    client: TestClient, catalog_session: Session
) -> None:
    model = add_model(catalog_session, author_slug="said", model_id="said-1", name="Said")
    _state(catalog_session, model, "models.dev", structured_outputs=False, reasoning=True)

    answers = _integrations(_page(client, "said/said-1"))

    assert answers["Structured outputs"] == "Not supported [models.dev]"
    assert answers["Reasoning"] == "Supported [models.dev]"
    assert answers["Tool calling"] == "Not known"


def test_each_fact_names_its_source_and_a_disagreement_is_noted(
    client: TestClient, catalog_session: Session
) -> None:
    model = add_model(catalog_session, author_slug="told", model_id="told-1", name="Told")
    _state(
        catalog_session,
        model,
        "openrouter",
        released_at=date(2025, 3, 1),
        context_window=131_072,
    )
    _state(
        catalog_session,
        model,
        "models.dev",
        released_at=date(2024, 12, 6),
        context_window=131_072,
        weights="open",
    )

    page = _page(client, "told/told-1")

    history = text_of(section(page, "history"))
    assert "It was first released on 2024-12-06. [models.dev]" in history
    assert "Sources disagree: models.dev says 2024-12-06; OpenRouter says 2025-03-01." in history
    capabilities = text_of(section(page, "capabilities"))
    assert "Context window: 131K tokens. [models.dev]" in capabilities
    assert "Sources disagree" not in capabilities  # both state the same window
    note = section(page, "training").select_one(".fact-source")
    assert note["title"] == "Source: models.dev, as of 2026-11-30"


def test_status_reads_unknown_unless_a_source_states_it(
    client: TestClient, catalog_session: Session
) -> None:
    unstated = add_model(catalog_session, author_slug="nosay", model_id="m", name="No Say")
    ending = add_model(catalog_session, author_slug="ending", model_id="m", name="Ending")
    gone = add_model(catalog_session, author_slug="gone", model_id="m", name="Gone")
    _state(
        catalog_session, ending, "openrouter", status="deprecated", deprecates_at=date(2027, 1, 31)
    )
    _state(catalog_session, gone, "models.dev", status="retired")

    def badge(slug: str, name: str) -> str:
        heading = section(_page(client, slug), "model-header").select_one("h1")
        return text_of(heading).removeprefix(name).strip()

    assert unstated.status == "active"  # as stored, yet no source says so
    assert badge("nosay/m", "No Say") == "Unknown"
    assert badge("ending/m", "Ending") == "Deprecated ends 2027-01-31"
    assert badge("gone/m", "Gone") == "Retired"
    assert badge(REFERENCE_URL.removeprefix("/models/"), "Mistral Small 4") == "Active"


def test_the_header_shows_the_key_facts_in_one_row(client: TestClient) -> None:
    header = section(_page(client, REFERENCE_URL.removeprefix("/models/")), "model-header")

    facts = {text_of(item.dt): text_of(item.dd) for item in header.select(".at-a-glance > div")}

    assert facts == {
        "Released": "2026-03-16",
        "Weights": "closed",
        "Context": "262K tokens",
        "Input / output from": "$0.15 / $0.60 per 1M",
        "Providers": "2",
    }
    assert header.select_one(".at-a-glance [title]")["title"] == "Source: Model Atlas (curated)"


def test_an_offer_far_below_the_labs_price_is_flagged_and_not_quoted(
    client: TestClient, catalog_session: Session
) -> None:
    author = catalog_session.scalar(select(Author).where(Author.slug == "anthropic"))
    model = Model(
        author=author,
        slug="anthropic/claude-x",
        name="Claude X",
        status="active",
        modalities=[ModelModality(direction="input", modality="text")],
    )
    since = datetime(2026, 4, 1, tzinfo=UTC)
    catalog_session.add(model)
    lab = catalog_session.scalar(select(Provider).where(Provider.slug == "anthropic"))
    cutprice = Provider(slug="cutprice", name="Cutprice", kind="inference")
    for provider, price_in, price_out in ((lab, "2", "10"), (cutprice, "0.5", "2.5")):
        endpoint = Endpoint(model=model, provider=provider, provider_model_id="claude-x")
        endpoint.prices.append(
            Price(
                effective_from=since, input=Decimal(price_in), output=Decimal(price_out), source="t"
            )
        )
        catalog_session.add(endpoint)
    catalog_session.flush()
    refresh_rollups(session=catalog_session, model_ids=[model.id])
    catalog_session.commit()

    page = _page(client, "anthropic/claude-x")

    prices = [text_of(li) for li in section(page, "pricing").select("ul.price-list li")]
    assert prices[:2] == ["Input: $2.00 per 1M tokens", "Output: $10.00 per 1M tokens"]
    flagged = section(page, "providers").select(".price-note")
    assert [text_of(note) for note in flagged] == ["far below the lab's price — check the provider"]
    assert "Cutprice" in text_of(flagged[0].find_parent("tr"))
    calculator = section(page, "cost-calculator")
    first = calculator.select_one("table.offer-costs tbody tr")
    assert first["data-provider"] == "anthropic"
    assert "Cheapest: Anthropic" in text_of(calculator.select_one(".calculator-summary"))


def test_the_catalog_lists_an_active_no_source_states_as_unknown(
    client: TestClient, catalog_session: Session
) -> None:
    add_model(catalog_session, author_slug="hush", model_id="hush-1", name="Hushed Model")

    def listed_status(query: str, slug: str) -> str:
        page = BeautifulSoup(client.get("/", params={"q": query}).text, "html.parser")
        (row,) = [row for row in page.select("tbody tr") if slug in text_of(row)]
        return text_of(row.select_one(".badge"))

    assert listed_status("hushed", "hush/hush-1") == "Unknown"
    # The curated entry states it.
    assert listed_status("mistral small 4", "mistral/mistral-small-2603") == "Active"


def _unknown_facts(session: Session, slug: str) -> tuple[str, ...]:
    author_slug, _, model_slug = slug.partition("/")
    page = load_model_page(
        session=session,
        author_slug=author_slug,
        model_slug=model_slug,
        stale_after=timedelta(hours=1),
    )
    assert page is not None
    return page.unknown_facts


def test_the_history_says_not_known_only_when_no_release_date_is_known(
    client: TestClient, catalog_session: Session
) -> None:
    dated = add_model(catalog_session, author_slug="dated", model_id="d-1", name="Dated")
    _state(catalog_session, dated, "models.dev", released_at=date(2025, 2, 3))
    add_model(catalog_session, author_slug="undated", model_id="u-1", name="Undated")

    known = text_of(section(_page(client, "dated/d-1"), "history"))
    unknown = text_of(section(_page(client, "undated/u-1"), "history"))

    assert known == "History It was first released on 2025-02-03. [models.dev]"
    assert "not known" not in known
    assert unknown == "History When Undated was released: not known."


def test_unknown_facts_are_the_facts_the_page_shows_as_not_known(
    client: TestClient, catalog_session: Session
) -> None:
    model = add_model(catalog_session, author_slug="blank", model_id="b-1", name="Blank")

    assert _unknown_facts(catalog_session, "blank/b-1") == (
        "release date",
        "weights",
        "context window",
        "overview",
        "input price",
        "output price",
        "tool calling",
        "structured outputs",
        "reasoning",
    )
    glance = text_of(_page(client, "blank/b-1").select_one(".at-a-glance"))
    assert glance.count("not known") == 5  # released, weights, context, input and output price

    _state(
        catalog_session,
        model,
        "models.dev",
        released_at=date(2025, 2, 3),
        weights="open",
        context_window=65_536,
        tool_calling=True,
        structured_outputs=False,
    )

    # Open weights bring the license line, which no source states here.
    assert _unknown_facts(catalog_session, "blank/b-1") == (
        "input price",
        "output price",
        "reasoning",
        "license",
    )
    page = _page(client, "blank/b-1")
    assert "a license that is not known" in text_of(section(page, "training"))
    assert _integrations(page)["Reasoning"] == "Not known"
