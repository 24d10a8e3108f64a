"""`/calculator`: several models on one workload, its HTMX fragment, and the CSV export."""

import csv
import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.services.pricing.workload import PresetsFileError
from tests.support.page_text import text_of

REFERENCE = "mistral/mistral-small-2603"
ONE_MILLION_EACH_WAY = "requests_per_month=1000&input_tokens=1000&output_tokens=1000"
HTMX = {"HX-Request": "true"}


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def comparison_rows(document: BeautifulSoup) -> dict[str, Tag]:
    return {row["data-model"]: row for row in document.select("table.comparison tbody tr")}


def test_the_calculator_compares_models_on_one_workload(client: TestClient) -> None:
    response = client.get(
        f"/calculator?models={REFERENCE},openai/gpt-4o-mini&{ONE_MILLION_EACH_WAY}"
    )

    assert response.status_code == 200
    page = soup(response.text)
    rows = comparison_rows(page)
    assert list(rows) == [REFERENCE, "openai/gpt-4o-mini"]
    reference = rows[REFERENCE]
    assert text_of(reference.select_one('td[data-column="per_month"]')) == "$0.75"
    assert reference.select_one('td[data-column="per_month"] data')["value"] == "0.75"
    assert reference.select_one("a")["href"] == (
        f"/models/{REFERENCE}?{ONE_MILLION_EACH_WAY}#cost-calculator"
    )
    assert len(page.select("details.model-offers table.offer-costs")) == 2
    assert page.select_one('#calculator form input[name="models"]')["value"] == (
        f"{REFERENCE},openai/gpt-4o-mini"
    )


def test_the_cheapest_model_is_highlighted(client: TestClient) -> None:
    page = soup(
        client.get(
            f"/calculator?models=anthropic/claude-sonnet-4-5,{REFERENCE}&{ONE_MILLION_EACH_WAY}"
        ).text
    )

    cheapest = page.select("table.comparison tr.cheapest")
    assert [row["data-model"] for row in cheapest] == [REFERENCE]


def test_htmx_gets_the_result_fragment_and_the_canonical_url(client: TestClient) -> None:
    response = client.get(
        f"/calculator?models={REFERENCE}&preset=chatbot&requests=5000&per=day"
        "&input_tokens=2500&output_tokens=700&cache_share=60&cache_write_share=0"
        "&reasoning_tokens=600&days=30&batch=0",
        headers=HTMX,
    )

    assert response.status_code == 200
    piece = soup(response.text)
    assert piece.select_one("form") is None
    assert piece.select_one("#calculator-result table.comparison") is not None
    assert response.headers["HX-Push-Url"] == (
        f"/calculator?models={REFERENCE}&preset=chatbot&output_tokens=700"
    )


def test_unknown_and_malformed_models_are_422_with_the_message_by_the_field(
    client: TestClient,
) -> None:
    unknown = client.get(f"/calculator?models={REFERENCE},nobody/nothing&preset=chatbot")
    malformed = client.get("/calculator?models=<script>&preset=chatbot", headers=HTMX)
    too_many = client.get("/calculator?models=" + ",".join(f"a/m{n}" for n in range(11)))

    assert unknown.status_code == malformed.status_code == too_many.status_code == 422
    assert text_of(soup(unknown.text).select_one("#workload-models-error")) == (
        "Not in the catalog: nobody/nothing. "
        "Use the slugs in model page addresses, such as mistral/mistral-small-2603."
    )
    oob = soup(malformed.text).select_one("#workload-models-error")
    assert oob["hx-swap-oob"] == "true"
    assert "Not a model slug: <script>." in text_of(oob)
    assert "at most 10 models" in text_of(soup(too_many.text).select_one("#workload-models-error"))


def test_without_models_the_page_invites_the_visitor_to_add_some(client: TestClient) -> None:
    response = client.get("/calculator")

    assert response.status_code == 200
    assert "List one or more models above" in response.text


def test_a_model_whose_window_is_too_small_is_listed_as_not_fitting(client: TestClient) -> None:
    response = client.get(
        f"/calculator?models={REFERENCE}&requests_per_day=10&input_tokens=500000&output_tokens=10"
    )

    assert response.status_code == 200
    row = comparison_rows(soup(response.text))[REFERENCE]
    assert "exceeds this model's 262K-token context window" in text_of(row)
    assert not soup(response.text).select("table.comparison tr.cheapest")


def test_csv_export_lists_every_provider_with_exact_amounts(client: TestClient) -> None:
    response = client.get(f"/calculator.csv?models={REFERENCE}&{ONE_MILLION_EACH_WAY}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_provider = {row["provider"]: row for row in rows}
    assert by_provider["Mistral"]["per_month_usd"] == "0.75"
    assert by_provider["Venice"]["per_month_usd"] == "0.938"
    assert by_provider["Venice"]["input_usd_per_month"] == "0.188"
    assert by_provider["Venice"]["output_usd_per_month"] == "0.75"
    assert by_provider["Venice"]["per_request_usd"] == "0.000938"
    assert by_provider["Venice"]["tier"] == "standard"
    assert {row["model"] for row in rows} == {REFERENCE}


def test_the_model_pages_csv_link_exports_its_provider_table(client: TestClient) -> None:
    page = soup(client.get(f"/models/{REFERENCE}?{ONE_MILLION_EACH_WAY}").text)
    link = page.select_one('.calculator-links a[href^="/calculator.csv"]')["href"]

    response = client.get(link)

    assert link == f"/calculator.csv?models={REFERENCE}&{ONE_MILLION_EACH_WAY}"
    assert response.status_code == 200
    assert response.text.startswith("model,model_name,provider,")


def test_csv_export_of_bad_input_is_422_not_a_file(client: TestClient) -> None:
    no_models = client.get(f"/calculator.csv?{ONE_MILLION_EACH_WAY}")
    bad_workload = client.get(f"/calculator.csv?models={REFERENCE}&preset=chatbot&days=99")

    assert no_models.status_code == bad_workload.status_code == 422
    assert "Name the models to export" in no_models.text
    assert "at most 31 days" in bad_workload.text


def test_an_edited_presets_file_replaces_the_bundled_presets(
    settings: Settings, catalog_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    presets = tmp_path / "presets.toml"
    presets.write_text(
        '[[preset]]\nslug = "nightly"\nname = "Nightly reports"\n'
        'description = "Fifty long reports a night."\n'
        "requests_per_day = 50\ninput_tokens = 1_000\noutput_tokens = 1_000\n",
        encoding="utf-8",
    )
    app = create_app(settings.model_copy(update={"workload_presets_file": str(presets)}))
    app.state.session_factory = catalog_factory

    with TestClient(app) as edited:
        page = soup(edited.get(f"/models/{REFERENCE}").text)

    assert [text_of(link) for link in page.select(".preset-link")] == ["Nightly reports"]
    # 1,500 requests a month, 1,000 tokens each way at Mistral: 1.5M x (0.15 + 0.6) / 1M
    row = page.select_one(
        '#calculator-result tr[data-provider="mistral"] td[data-column="per_month"]'
    )
    assert text_of(row) == "$1.13"


def test_a_broken_presets_file_stops_the_app_from_starting(
    settings: Settings, tmp_path: Path
) -> None:
    presets = tmp_path / "presets.toml"
    presets.write_text('[[preset]]\nslug = "x"\n', encoding="utf-8")

    with pytest.raises(PresetsFileError, match="missing or non-text keys"):
        create_app(settings.model_copy(update={"workload_presets_file": str(presets)}))
