"""The cost calculator on the model page: full page and HTMX fragment from one URL.

Figures are checked against the seeded reference entry (Mistral Small 4 at
Mistral and Venice) and against small catalogs built per test, whose models
have a context window larger than any real one so that only they can be
"comparable". Test data is flushed, never committed: on SQLite a commit inside
the rolled-back test transaction would outlive the test.
"""

from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Author, Model
from app.services.pricing.calculator import model_calculator
from tests.support.page_text import text_of
from tests.support.priced_models import HUGE_WINDOW, add_priced_model

REFERENCE_URL = "/models/mistral/mistral-small-2603"
ONE_MILLION_EACH_WAY = "requests_per_month=1000&input_tokens=1000&output_tokens=1000"
HTMX = {"HX-Request": "true"}


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def monthly_cost(document: BeautifulSoup, provider_slug: str) -> tuple[str, str]:
    """(exact value, shown text) of a provider's monthly cost in the estimate table."""
    cell = document.select_one(
        f'#calculator-result tr[data-provider="{provider_slug}"] td[data-column="per_month"] data'
    )
    assert cell is not None, f"no monthly cost for {provider_slug}"
    return cell["value"], text_of(cell)


def test_reference_one_million_tokens_each_way_costs_075_at_mistral_and_0938_at_venice(
    client: TestClient,
) -> None:
    response = client.get(f"{REFERENCE_URL}?{ONE_MILLION_EACH_WAY}")

    assert response.status_code == 200
    page = soup(response.text)
    assert monthly_cost(page, "mistral") == ("0.75", "$0.75")
    assert monthly_cost(page, "venice") == ("0.938", "$0.94")
    cheapest = page.select("#calculator-result tr.cheapest")
    assert "mistral" in [row["data-provider"] for row in cheapest]
    assert "venice" not in [row["data-provider"] for row in cheapest]
    summary = text_of(page.select_one(".calculator-summary"))
    assert "Cheapest: Mistral at $0.75 a month" in summary


def test_htmx_request_gets_only_the_result_fragment_with_the_same_figures(
    client: TestClient,
) -> None:
    url = f"{REFERENCE_URL}?{ONE_MILLION_EACH_WAY}"

    full = client.get(url)
    fragment = client.get(url, headers=HTMX)

    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "Providers &amp; performance" not in fragment.text
    piece = soup(fragment.text)
    top_level = [child for child in piece.children if isinstance(child, Tag)]
    assert top_level[0]["id"] == "calculator-result"
    assert not piece.select("form")
    assert text_of(piece.select_one("#calculator-result")) == text_of(
        soup(full.text).select_one("#calculator-result")
    )
    assert fragment.headers["HX-Push-Url"] == f"{REFERENCE_URL}?{ONE_MILLION_EACH_WAY}"
    assert fragment.headers["Vary"] == "HX-Request"
    assert full.headers["Vary"] == "HX-Request"


def test_plain_request_renders_the_whole_page_with_the_form_filled_in(client: TestClient) -> None:
    response = client.get(f"{REFERENCE_URL}?preset=chatbot&output_tokens=800")

    assert response.status_code == 200
    page = soup(response.text)
    assert page.select_one("#providers") is not None
    form = page.select_one("#cost-calculator form")
    assert form["method"] == "get"
    assert form["action"] == f"{REFERENCE_URL}#cost-calculator"
    assert form["hx-get"] == REFERENCE_URL
    assert form["hx-target"] == "#calculator-result"
    assert form.select_one('input[name="preset"]')["value"] == "chatbot"
    assert form.select_one('input[name="output_tokens"]')["value"] == "800"
    assert form.select_one('input[name="input_tokens"]')["value"] == "2500"
    assert form.select_one('input[name="input_tokens"]')["max"] == "262144"
    assert page.select_one('.preset-list a[aria-current="true"]').get_text() == "Chatbot"
    # Chatbot, 5,000 requests a day for 30 days: 1,000 uncached + 1,500 cached input tokens
    # and 800 output tokens a request. Mistral: (1,000 x 0.15 + 1,500 x 0.015 + 800 x 0.6) / 1M
    # = 0.0006525 a request -> 97.875 a month.
    assert monthly_cost(page, "mistral") == ("97.875", "$97.88")
    assert "Chatbot preset, edited." in text_of(page.select_one(".calculator-summary"))


def test_submitting_the_form_without_javascript_renders_the_estimate(client: TestClient) -> None:
    """What a browser without JavaScript sends: every field of the form, as a GET."""
    form = soup(client.get(f"{REFERENCE_URL}?preset=chatbot").text).select_one(
        "#cost-calculator form"
    )
    fields = [
        (field["name"], field.get("value", ""))
        for field in form.select("input[name]")
        if field.get("type") != "checkbox" or field.has_attr("checked")
    ]
    fields += [
        (select["name"], select.select_one("option[selected]")["value"])
        for select in form.select("select")
    ]
    fields = [(name, "800" if name == "output_tokens" else value) for name, value in fields]

    response = client.get(form["action"].split("#")[0], params=fields)

    assert response.status_code == 200
    assert monthly_cost(soup(response.text), "mistral") == ("97.875", "$97.88")


def test_the_bare_model_page_shows_the_default_preset(client: TestClient) -> None:
    page = soup(client.get(REFERENCE_URL).text)

    assert page.select_one('.preset-list a[aria-current="true"]').get_text() == "Chatbot"
    # 1,000 uncached x 0.15 + 1,500 cached x 0.015 + 350 output x 0.6 = 382.5 per 1M, x 150,000
    assert monthly_cost(page, "mistral") == ("57.375", "$57.38")
    # Venice has no cache price: all 2,500 input tokens at 0.188, 350 at 0.75 -> 732.5 per 1M
    assert monthly_cost(page, "venice") == ("109.875", "$109.88")
    notes = text_of(page.select_one(".offer-notes"))
    assert "Venice: cached input (read) — no cache price known: billed as input." in notes


def test_choosing_a_preset_with_htmx_returns_the_whole_region_with_its_fields(
    client: TestClient,
) -> None:
    response = client.get(
        f"{REFERENCE_URL}?preset=batch-summarization",
        headers={**HTMX, "HX-Target": "calculator"},
    )

    assert response.status_code == 200
    region = soup(response.text).select_one("#calculator")
    assert region is not None
    assert region.select_one('input[name="requests"]')["value"] == "20000"
    assert region.select_one('input[name="batch"][type="checkbox"]').has_attr("checked")
    assert region.select_one("#calculator-result") is not None
    assert response.headers["HX-Push-Url"] == f"{REFERENCE_URL}?preset=batch-summarization"
    # Batch: Mistral's batch price (0.075 / 0.3 per 1M) where it has one, Venice's standard one.
    # 600,000 requests x (6,000 x 0.075 + 400 x 0.3) / 1M = 342.
    assert monthly_cost(region, "mistral") == ("342", "$342.00")
    mistral_tier = region.select_one('tr[data-provider="mistral"] td')
    assert text_of(mistral_tier) == "Batch"


def test_invalid_input_over_htmx_is_422_with_the_message_next_to_the_field(
    client: TestClient,
) -> None:
    params = {
        "preset": "chatbot",
        "requests": "5000",
        "per": "day",
        "input_tokens": "300000",
        "output_tokens": "350",
        "cache_share": "60",
        "cache_write_share": "0",
        "days": "30",
        "batch": "0",
    }

    response = client.get(f"{REFERENCE_URL}?{urlencode(params)}", headers=HTMX)

    assert response.status_code == 422
    piece = soup(response.text)
    message = piece.select_one("#workload-input_tokens-error")
    assert message["hx-swap-oob"] == "true"
    assert text_of(message) == "Enter at most 262,144 tokens (the model's context window)."
    assert text_of(piece.select_one("#workload-output_tokens-error")) == ""
    assert "Input tokens per request: Enter at most 262,144" in text_of(
        piece.select_one(".calculator-invalid")
    )
    assert not piece.select("#calculator-result tr[data-provider]")
    assert "input_tokens=300000" in response.headers["HX-Push-Url"]


def test_invalid_input_on_a_plain_request_is_422_and_keeps_every_value(
    client: TestClient,
) -> None:
    response = client.get(
        f"{REFERENCE_URL}?preset=rag&requests=lots&output_tokens=900&cache_share=150"
    )

    assert response.status_code == 422
    page = soup(response.text)
    form = page.select_one("#cost-calculator form")
    assert form.select_one('input[name="requests"]')["value"] == "lots"
    assert form.select_one('input[name="requests"]')["aria-invalid"] == "true"
    assert form.select_one('input[name="cache_share"]')["value"] == "150"
    assert form.select_one('input[name="output_tokens"]')["value"] == "900"
    assert form.select_one('input[name="input_tokens"]')["value"] == "20000"
    assert text_of(page.select_one("#workload-requests-error")) == (
        "Enter a whole number of requests, such as 1000."
    )
    assert text_of(page.select_one("#workload-cache_share-error")) == (
        "Enter a percentage from 0 to 100, such as 25."
    )
    assert page.select_one("#providers") is not None


@pytest.mark.parametrize(
    "query",
    [
        "requests_per_day=NaN&input_tokens=1&output_tokens=1",
        "preset=chatbot&cache_share=-Infinity",
        "preset=chatbot&days=1e400",
        "preset=" + "x" * 5_000,
        "preset=chatbot&output_tokens=1&output_tokens=-1",
    ],
)
def test_odd_input_never_gives_a_server_error(client: TestClient, query: str) -> None:
    for headers in ({}, HTMX):
        response = client.get(f"{REFERENCE_URL}?{query}", headers=headers)
        assert response.status_code == 422, query
        assert "NaN" not in soup(response.text).select_one("#calculator-result").get_text()


def test_the_snippet_fragment_still_works(client: TestClient) -> None:
    response = client.get(f"{REFERENCE_URL}?snippet=venice", headers=HTMX)

    assert response.status_code == 200
    piece = soup(response.text)
    assert piece.select_one("#quick-start") is not None
    assert piece.select_one("#calculator") is None


@pytest.fixture
def huge_models(catalog_session: Session) -> Session:
    """A model with an enormous window, and neighbours that can or cannot take its requests."""
    add_priced_model(catalog_session, "giant/subject", input_price="2", output_price="8")
    for number, (input_price, output_price) in enumerate(
        [("1", "4"), ("0.5", "1"), ("3", "3"), ("0.1", "9"), ("0.2", "0.2"), ("4", "4")], start=1
    ):
        add_priced_model(
            catalog_session,
            f"giant/fits-{number}",
            input_price=input_price,
            output_price=output_price,
        )
    add_priced_model(
        catalog_session,
        "giant/too-small",
        input_price="0",
        output_price="0",
        context_window=HUGE_WINDOW - 1,
    )
    add_priced_model(
        catalog_session, "giant/text-only", input_price="0", output_price="0", modalities=("text",)
    )
    add_priced_model(
        catalog_session, "giant/retired", input_price="0", output_price="0", status="deprecated"
    )
    add_priced_model(
        catalog_session, "giant/free-only", input_price="0", output_price="0", variant="free"
    )
    add_priced_model(
        catalog_session, "giant/no-output-price", input_price="0.01", output_price=None
    )
    catalog_session.flush()
    return catalog_session


def test_comparable_models_are_the_cheapest_distinct_active_ones_within_a_quarter_to_four_times(
    client: TestClient, huge_models: Session
) -> None:
    # The subject under another id, a second id of fits-1, and a retired model: all in the band.
    add_priced_model(
        huge_models, "giant/subject-0501", input_price="1", output_price="4", name="Subject"
    )
    add_priced_model(
        huge_models, "giant/fits-1-copy", input_price="1", output_price="4.5", name="Fits 1"
    )
    add_priced_model(huge_models, "giant/gone", input_price="1", output_price="4", status="retired")
    # 1,000 requests a month of 1,000 tokens in and 1,000 out: 1M tokens each way.
    response = client.get(f"/models/giant/subject?{ONE_MILLION_EACH_WAY}")

    assert response.status_code == 200
    rows = soup(response.text).select("table.comparables tbody tr")
    shown = [
        (text_of(row.select_one(".model-slug")), text_of(row.select_one("data"))) for row in rows
    ]
    # The subject costs $10: fits-5 ($0.40) and fits-2 ($1.50) are under a quarter of that.
    assert shown == [
        ("giant/fits-1", "$5.00"),
        ("giant/fits-3", "$6.00"),
        ("giant/fits-6", "$8.00"),
        ("giant/fits-4", "$9.10"),
    ]
    link = rows[0].select_one("a")["href"]
    assert link == f"/models/giant/fits-1?{ONE_MILLION_EACH_WAY}#cost-calculator"


def test_the_calculator_costs_three_statements_whatever_the_catalog(
    client: TestClient, huge_models: Session, count_queries
) -> None:
    """This model's offers and prices, the comparables' shortlist, and the shortlist's prices."""
    presets = client.app.state.workload_presets
    counts = []
    for slug in ("giant/subject", "mistral/mistral-small-2603"):
        count_queries.statements.clear()
        calculator = model_calculator(
            session=huge_models,
            slug=slug,
            input_modalities=("text", "image"),
            params={"requests_per_month": "1000", "input_tokens": "1000", "output_tokens": "1000"},
            presets=presets,
        )
        counts.append(count_queries.count)
        assert calculator.comparables

    assert counts == [3, 3]


def test_the_htmx_fragment_costs_the_same_queries_for_few_and_many_providers(
    client: TestClient, huge_models: Session, count_queries
) -> None:
    count_queries.statements.clear()
    client.get(f"/models/giant/fits-6?{ONE_MILLION_EACH_WAY}", headers=HTMX)
    one_provider = count_queries.count
    count_queries.statements.clear()
    client.get(f"{REFERENCE_URL}?{ONE_MILLION_EACH_WAY}", headers=HTMX)
    three_providers = count_queries.count

    assert one_provider == three_providers
    # The model (not its whole page), three for the calculator, two savepoints.
    assert three_providers == 6


def test_a_reasoning_model_asks_for_reasoning_tokens_and_bills_them(
    client: TestClient, catalog_session: Session
) -> None:
    add_priced_model(
        catalog_session,
        "thinker/deep",
        input_price="1",
        output_price="2",
        reasoning_price="5",
        context_window=100_000,
    )
    catalog_session.flush()

    response = client.get(
        "/models/thinker/deep?requests_per_day=10&input_tokens=1000&output_tokens=100"
        "&reasoning_tokens=2000&days=30"
    )

    page = soup(response.text)
    assert page.select_one('input[name="reasoning_tokens"]')["value"] == "2000"
    # (1,000 x 1 + 100 x 2 + 2,000 x 5) / 1M = 0.0112 a request, x 300 requests
    assert monthly_cost(page, "host-deep") == ("3.36", "$3.36")
    assert not any("reasons" in text_of(li) for li in page.select(".offer-notes li"))


def test_a_model_known_not_to_reason_asks_for_no_reasoning_tokens(
    client: TestClient, catalog_session: Session
) -> None:
    model = add_priced_model(catalog_session, "plain/talker", input_price="1", output_price="2")
    model.reasoning = False
    catalog_session.flush()

    page = soup(client.get("/models/plain/talker?preset=chatbot").text)

    assert page.select_one('input[name="reasoning_tokens"]') is None
    assert not any("reasons" in text_of(li) for li in page.select(".offer-notes li"))


def test_reasoning_tokens_of_a_model_not_known_to_reason_are_not_billed_and_it_says_so(
    client: TestClient, catalog_session: Session
) -> None:
    model = add_priced_model(catalog_session, "maybe/thinker", input_price="1", output_price="2")
    assert model.reasoning is None  # no source states whether it reasons
    catalog_session.flush()

    page = soup(
        client.get(
            "/models/maybe/thinker?requests_per_day=10&input_tokens=1000&output_tokens=100"
            "&reasoning_tokens=2000&days=30"
        ).text
    )

    # (1,000 x 1 + 100 x 2) / 1M = 0.0012 a request, x 300 requests: no reasoning billed.
    assert monthly_cost(page, "host-thinker") == ("0.36", "$0.36")
    notes = [text_of(li) for li in page.select(".offer-notes li")]
    # 2,000 reasoning tokens x 300 requests at the $2 output price: $1.20 a month.
    assert notes[0] == (
        "Whether Thinker reasons is not known, so the workload's 2,000 reasoning tokens per"
        " request are not billed; if it does reason, they add $1.20 a month at Host thinker."
    )


def test_a_missing_output_price_shows_not_known_rather_than_a_smaller_total(
    client: TestClient, catalog_session: Session
) -> None:
    add_priced_model(catalog_session, "partial/model", input_price="1", output_price=None)
    catalog_session.flush()

    page = soup(client.get(f"/models/partial/model?{ONE_MILLION_EACH_WAY}").text)

    row = page.select_one('#calculator-result tr[data-provider="host-model"]')
    assert text_of(row.select_one('td[data-column="per_month"]')) == "not known"
    assert "$" not in text_of(row.select_one('td[data-column="per_request"]'))
    assert "Host model: output price not known, so the total is not known." in text_of(
        page.select_one(".offer-notes")
    )
    assert "No provider's total is known" in text_of(page.select_one(".calculator-summary"))


def test_a_model_nobody_prices_says_there_is_nothing_to_estimate(
    client: TestClient, catalog_session: Session
) -> None:
    catalog_session.add(
        Model(author=Author(slug="lonely", name="Lonely"), slug="lonely/model", name="Lonely")
    )
    catalog_session.flush()

    response = client.get("/models/lonely/model")

    assert response.status_code == 200
    assert "No provider price is known for Lonely" in response.text


def test_a_tiny_window_shows_why_the_default_does_not_fit_without_failing_the_page(
    client: TestClient, catalog_session: Session
) -> None:
    add_priced_model(
        catalog_session, "tiny/model", input_price="1", output_price="1", context_window=1_024
    )
    catalog_session.flush()

    response = client.get("/models/tiny/model")

    assert response.status_code == 200
    assert "Enter at most 1,024 tokens" in text_of(soup(response.text).select_one("#calculator"))
