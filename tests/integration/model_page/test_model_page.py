"""The model page: every section of the reference, in order, with the reference's values."""

from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import BenchmarkScore, Model, ModelModality
from tests.support.model_page import REFERENCE_URL, add_model
from tests.support.page_text import section, table_rows, text_of

SECTIONS_IN_ORDER = [
    ("model-header", "Mistral Small 4"),
    ("overview", "Overview"),
    ("history", "History"),
    ("training", "Training & availability"),
    ("capabilities", "Capabilities"),
    ("pricing", "Pricing"),
    ("quick-start", "Quick start"),
    ("cost-calculator", "Cost calculator"),
    ("providers", "Providers & performance"),
    ("popularity", "Popularity"),
    ("integrations", "Integrations & tooling support"),
    ("price-vs-quality", "Price vs quality"),
    ("ratings", "Community ratings"),
    ("comments", "Comments"),
]
TABLE_COLUMNS = [
    "Provider",
    "Throughput",
    "Latency (TTFT)",
    "Input $ / 1M",
    "Output $ / 1M",
    "Context",
    "Quant",
    "Supports",
    "Measured",
]


@pytest.fixture
def reference_page(client: TestClient) -> BeautifulSoup:
    response = client.get(REFERENCE_URL)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def test_sections_appear_in_reference_order_with_labelled_headings(
    reference_page: BeautifulSoup,
) -> None:
    article = reference_page.select_one("article.model-page")
    assert article is not None
    found = [child["id"] for child in article.find_all(["header", "section"], recursive=False)]
    assert found == [section_id for section_id, _ in SECTIONS_IN_ORDER]
    for section_id, heading in SECTIONS_IN_ORDER:
        labelled_by = section(reference_page, section_id)["aria-labelledby"]
        heading_text = text_of(reference_page.find(id=labelled_by))
        assert heading_text.startswith(heading)


def test_header_shows_name_status_badge_and_summary(reference_page: BeautifulSoup) -> None:
    header = section(reference_page, "model-header")
    author = header.select_one(".model-author a")
    assert author is not None
    assert (text_of(author), author["href"]) == ("Mistral AI", "/authors/mistral")
    assert text_of(header.find("h1")).startswith("Mistral Small 4")
    assert text_of(header.select_one(".badge")) == "Active"
    assert text_of(header.select_one(".model-summary")).startswith(
        "Mistral Small 4 is the next major release in the Mistral Small family, unifying the "
        "capabilities of several flagship Mistral models into a single system. "
        "It combines strong reasoning from"
    )
    assert text_of(reference_page.find("title")).startswith("Mistral Small 4")


def test_overview_history_and_training(reference_page: BeautifulSoup) -> None:
    assert "unifying the capabilities of several flagship Mistral models" in text_of(
        section(reference_page, "overview")
    )
    assert "Mistral Small 4 became available via the Mistral AI API on 2026-03-16." in text_of(
        section(reference_page, "history")
    )
    assert (
        "Mistral AI has not released the underlying model weights — access is via their "
        "hosted API only." in text_of(section(reference_page, "training"))
    )


def test_capabilities(reference_page: BeautifulSoup) -> None:
    capabilities = text_of(section(reference_page, "capabilities"))
    assert "Context window: 262K tokens." in capabilities
    assert "Input modalities: text, image." in capabilities
    assert "Recommended for: vision, long-context, cheap." in capabilities


def test_pricing_shows_cheapest_inference_prices_and_points_to_the_calculator(
    reference_page: BeautifulSoup,
) -> None:
    pricing = section(reference_page, "pricing")
    lines = [text_of(li) for li in pricing.select("ul li")]
    assert "Input: $0.15 per 1M tokens" in lines
    assert "Output: $0.60 per 1M tokens" in lines
    link = pricing.select_one('a[href="#cost-calculator"]')
    assert link is not None
    assert "estimate monthly spend for your workload" in text_of(pricing)


def test_calculator_region_is_present_for_its_own_issue(reference_page: BeautifulSoup) -> None:
    calculator = section(reference_page, "cost-calculator")
    assert "Estimate your monthly bill. Presets are typical workload sizes." in text_of(calculator)
    assert calculator.find(id="calculator") is not None


def test_providers_table_has_reference_rows_in_throughput_order(
    reference_page: BeautifulSoup,
) -> None:
    providers = section(reference_page, "providers")
    assert text_of(providers.select_one(".provider-count")) == "2 providers"
    description = text_of(providers)
    assert "sorted by throughput" in description
    assert "Data from OpenRouter as of 2026-03-20 (catalog snapshot)" in description
    assert "measured over the last" not in description
    assert "charts" not in description
    measured = providers.find("time")
    assert measured is not None
    assert measured["datetime"] == "2026-03-20T12:00:00+00:00"
    assert text_of(measured) == "2026-03-20"

    table = providers.select_one("table.endpoints")
    assert table is not None
    assert [text_of(th) for th in table.select("thead th")] == TABLE_COLUMNS
    rows = table_rows(table)
    assert list(rows) == ["Venice", "Mistral"]
    links = [a["href"] for a in table.select("tbody th a")]
    assert links == ["/providers/venice", "/providers/mistral"]
    assert list(rows["Venice"].values())[1:7] == [
        "96 tok/s",
        "666 ms",
        "$0.188",
        "$0.75",
        "256K",
        "fp8",
    ]
    assert list(rows["Mistral"].values())[1:8] == [
        "29 tok/s",
        "440 ms",
        "$0.15",
        "$0.60",
        "262K",
        "not known",
        "tools · json",
    ]


def test_integrations_are_derived_from_the_endpoints_and_agree_with_the_table(
    reference_page: BeautifulSoup,
) -> None:
    integrations = section(reference_page, "integrations")
    answers = {
        text_of(dt): text_of(dt.find_next_sibling("dd")) for dt in integrations.select("dl dt")
    }
    assert answers["Tool calling"].startswith("Supported")
    assert "Mistral" in answers["Tool calling"]
    assert answers["Structured outputs"].startswith("Supported")

    providers = section(reference_page, "providers")
    supports = {
        name: row["Supports"].split(" · ")
        for name, row in table_rows(providers.select_one("table.endpoints")).items()
    }
    for item in providers.select("ul.routers li"):
        supports[text_of(item.select_one(".router-name"))] = text_of(
            item.select_one(".router-supports")
        ).split(" · ")
    for feature, label in (("tools", "Tool calling"), ("json", "Structured outputs")):
        shown_as_supporting = {name for name, features in supports.items() if feature in features}
        named = set(answers[label].removeprefix("Supported — ").split(", "))
        assert named == shown_as_supporting


def test_quick_start_snippets_use_the_chosen_providers_base_url_and_model_id(
    client: TestClient,
) -> None:
    page = BeautifulSoup(client.get(f"{REFERENCE_URL}?snippet=mistral").text, "html.parser")
    quick_start = section(page, "quick-start")
    assert "Minimal example using the Mistral API." in text_of(quick_start)
    python = text_of(quick_start.find(id="snippet-python"))
    assert 'base_url="https://api.mistral.ai/v1"' in python
    assert 'model="mistral-small-2603"' in python
    curl = text_of(quick_start.find(id="snippet-curl"))
    assert '"https://api.mistral.ai/v1/chat/completions"' in curl
    assert '"model": "mistral-small-2603"' in curl
    javascript = text_of(quick_start.find(id="snippet-javascript"))
    assert 'baseURL: "https://api.mistral.ai/v1"' in javascript
    links = [a["href"] for a in quick_start.select("nav.snippet-providers a")]
    assert f"{REFERENCE_URL}?snippet=venice#quick-start" in links


def test_copy_buttons_stay_hidden_until_the_script_enables_them(
    reference_page: BeautifulSoup,
) -> None:
    buttons = reference_page.select("button[data-copy-target]")
    assert len(buttons) == 3
    for button in buttons:
        assert button.has_attr("hidden")
        assert reference_page.find(id=button["data-copy-target"]) is not None
    assert reference_page.select_one('script[src^="/static/js/app."][src$=".js"]') is not None
    assert not reference_page.select("script:not([src])")


def test_htmx_request_for_another_snippet_gets_only_the_quick_start_block(
    client: TestClient,
) -> None:
    response = client.get(f"{REFERENCE_URL}?snippet=venice", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = BeautifulSoup(response.text, "html.parser")
    assert [tag["id"] for tag in fragment.find_all("section")] == ["quick-start"]
    assert 'base_url="https://api.venice.ai/api/v1"' in text_of(fragment.find(id="snippet-python"))


def test_unknown_snippet_provider_and_query_parameters_are_ignored(client: TestClient) -> None:
    response = client.get(f"{REFERENCE_URL}?snippet=nobody&colour=blue")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    assert page.find(id="snippet-python") is not None


def test_quick_start_defaults_to_a_router_when_one_serves_the_model(
    client: TestClient, catalog_session: Session
) -> None:
    add_model(
        catalog_session,
        author_slug="routed",
        model_id="routed-1",
        name="Routed One",
        providers=2,
        with_router=True,
    )
    page = BeautifulSoup(client.get("/models/routed/routed-1").text, "html.parser")
    assert "Minimal example using the Test Router API." in text_of(section(page, "quick-start"))
    providers = section(page, "providers")
    assert text_of(providers.select_one(".provider-count")) == "2 providers"
    (table,) = providers.select("table")
    assert list(table_rows(table)) == ["Host 2", "Host 1"]
    assert text_of(providers.find(id="routers-heading")) == "Also available through"
    (router,) = providers.select("ul.routers li")
    assert text_of(router) == (
        "Test Router: input $3.00 / output $6.00 per 1M tokens · context 33K · throughput 30 tok/s"
        " · latency (TTFT) 300 ms · supports: tools"
    )
    tool_calling = section(page, "integrations").find("dd")
    assert text_of(tool_calling) == "Supported — Host 1, Test Router"


@pytest.mark.parametrize(
    ("slug", "inputs", "outputs", "note"),
    [
        ("embedder", ["text"], [], "takes text and returns no text"),
        ("speaker", ["text"], ["audio"], "takes text and returns audio"),
        ("listener", ["audio"], ["text"], "takes audio and returns text"),
    ],
)
def test_quick_start_offers_no_chat_example_for_a_model_that_does_not_chat(
    client: TestClient,
    catalog_session: Session,
    slug: str,
    inputs: list[str],
    outputs: list[str],
    note: str,
) -> None:
    model = add_model(catalog_session, author_slug=slug, model_id="m", name="Not Chat", providers=1)
    model.modalities = [ModelModality(direction="input", modality=m) for m in inputs] + [
        ModelModality(direction="output", modality=m) for m in outputs
    ]
    catalog_session.commit()

    quick_start = section(
        BeautifulSoup(client.get(f"/models/{slug}/m").text, "html.parser"), "quick-start"
    )

    assert f"Not Chat is not a chat model: it {note}" in text_of(quick_start)
    assert quick_start.find(id="snippet-python") is None
    assert "chat.completions" not in text_of(quick_start)


def test_quick_start_says_it_assumes_chat_when_no_modality_is_known(
    client: TestClient, catalog_session: Session
) -> None:
    model = add_model(catalog_session, author_slug="blank", model_id="m", name="Blank", providers=1)
    model.modalities = []
    catalog_session.commit()

    quick_start = section(
        BeautifulSoup(client.get("/models/blank/m").text, "html.parser"), "quick-start"
    )

    assert "the example assumes it is a chat model" in text_of(quick_start)
    assert quick_start.find(id="snippet-python") is not None


def test_quick_start_defaults_to_the_fastest_provider_without_a_router(
    client: TestClient, catalog_session: Session
) -> None:
    add_model(
        catalog_session, author_slug="direct", model_id="direct-1", name="Direct", providers=3
    )
    page = BeautifulSoup(client.get("/models/direct/direct-1").text, "html.parser")
    python = text_of(section(page, "quick-start").find(id="snippet-python"))
    assert 'base_url="https://api.host-3.test/v1"' in python
    assert 'model="direct-1-at-3"' in python


def test_popularity_scores_ratings_and_comments_prompts(reference_page: BeautifulSoup) -> None:
    popularity = text_of(section(reference_page, "popularity"))
    assert "Signals from open-source communities — not a quality measure" in popularity
    assert "not known" in popularity
    assert text_of(section(reference_page, "price-vs-quality").find("p")) == (
        "This model has no benchmark scores recorded yet."
    )
    ratings = section(reference_page, "ratings")
    assert text_of(ratings.find("h3")) == "Rate Mistral Small 4"
    assert "Sign in to rate and review." in text_of(ratings)
    assert "Sign in to leave a comment." in text_of(section(reference_page, "comments"))


def test_benchmark_scores_are_listed_when_recorded(
    client: TestClient, catalog_session: Session
) -> None:
    model_id = catalog_session.scalar(
        select(Model.id).where(Model.slug == "mistral/mistral-small-2603")
    )
    catalog_session.add(
        BenchmarkScore(
            model_id=model_id,
            benchmark="MMLU-Pro",
            score=Decimal("71.2"),
            source="Mistral AI",
            measured_on=date(2026, 3, 16),
        )
    )
    catalog_session.commit()
    page = BeautifulSoup(client.get(REFERENCE_URL).text, "html.parser")
    scores = section(page, "price-vs-quality")
    assert "no benchmark scores" not in text_of(scores)
    assert [text_of(td) for td in scores.select("tbody tr > *")] == [
        "MMLU-Pro",
        "71.2",
        "Mistral AI",
        "2026-03-16",
    ]


def test_missing_data_reads_not_known(client: TestClient, catalog_session: Session) -> None:
    add_model(catalog_session, author_slug="sparse", model_id="sparse-1", name="Sparse")
    page = BeautifulSoup(client.get("/models/sparse/sparse-1").text, "html.parser")
    for section_id in ("overview", "history", "training", "quick-start", "popularity"):
        assert "not known" in text_of(section(page, section_id)), section_id
    assert "Context window: not known." in text_of(section(page, "capabilities"))
    # Use tags are curated, never stated by a source: without them the line is left out.
    assert "Recommended for" not in text_of(section(page, "capabilities"))
    prices = [text_of(li) for li in section(page, "pricing").select("ul li")]
    assert prices == ["Input: not known", "Output: not known"]
    providers = section(page, "providers")
    assert text_of(providers.select_one(".provider-count")) == "0 providers"
    assert "Measurements: not known" in text_of(providers)
    answers = [text_of(dd) for dd in section(page, "integrations").select("dd")]
    assert answers == ["Not known", "Not known", "Not known"]


def test_unmeasured_endpoint_shows_not_known_and_sorts_last(
    client: TestClient, catalog_session: Session
) -> None:
    model = add_model(
        catalog_session, author_slug="partial", model_id="partial-1", name="Partial", providers=2
    )
    fastest = max(model.endpoints, key=lambda endpoint: endpoint.throughput_p50 or 0)
    fastest.throughput_p50 = None
    fastest.ttft_p50_ms = None
    fastest.context_window = None
    catalog_session.commit()
    page = BeautifulSoup(client.get("/models/partial/partial-1").text, "html.parser")
    rows = table_rows(section(page, "providers").select_one("table.endpoints"))
    assert list(rows) == ["Host 1", "Host 2"]
    assert rows["Host 2"]["Throughput"] == "not known"
    assert rows["Host 2"]["Latency (TTFT)"] == "not known"
    assert rows["Host 2"]["Context"] == "not known"
    assert rows["Host 2"]["Supports"] == "none listed"


def test_open_weights_name_license_and_hugging_face(
    client: TestClient, catalog_session: Session
) -> None:
    model = add_model(catalog_session, author_slug="openlab", model_id="open-1", name="Open One")
    model.weights = "open"
    model.license = "Apache 2.0"
    model.hf_repo_id = "openlab/open-1"
    catalog_session.commit()
    page = BeautifulSoup(client.get("/models/openlab/open-1").text, "html.parser")
    training = section(page, "training")
    assert "Openlab Lab has released the model weights under the Apache 2.0 license." in text_of(
        training
    )
    link = training.find("a")
    assert link is not None
    assert link["href"] == "https://huggingface.co/openlab/open-1"


@pytest.mark.parametrize(
    "path",
    [
        "/models/mistral/no-such-model",
        "/models/no-such-lab/mistral-small-2603",
        "/models/venice/mistral-small-2603",
    ],
)
def test_unknown_model_or_author_is_a_404_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    page = BeautifulSoup(response.text, "html.parser")
    assert text_of(page.find("h1")) == "Page not found"
    assert "There is no model" in text_of(page.select_one("main"))


def test_query_count_does_not_grow_with_providers(
    client: TestClient, catalog_session: Session, count_queries
) -> None:
    add_model(catalog_session, author_slug="few", model_id="m", name="Few", providers=1)
    add_model(
        catalog_session,
        author_slug="many",
        model_id="m",
        name="Many",
        providers=6,
        with_router=True,
    )

    count_queries.statements.clear()
    few = client.get("/models/few/m")
    few_count = count_queries.count
    count_queries.statements.clear()
    many = client.get("/models/many/m")
    many_count = count_queries.count

    assert few.status_code == many.status_code == 200
    many_page = BeautifulSoup(many.text, "html.parser")
    assert text_of(many_page.select_one(".provider-count")) == "6 providers"
    assert few_count == many_count
    # A first view, so nothing is remembered yet: six for the page (the content version,
    # then see load_model_page: the facts by source are one of them), one for the price
    # history, one for the retired offers and dated releases (services.model_page.model_lineage),
    # three for the calculator, three for ratings and comments, two savepoints.
    assert many_count <= 16
