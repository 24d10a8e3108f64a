"""`/api/v1/export`: the whole catalog as open data, JSON and CSV, with no personal data."""

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import metadata
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.models import (
    Author,
    BenchmarkScore,
    Endpoint,
    ExternalId,
    Model,
    ModelModality,
    Price,
    Provider,
)
from app.services.publishing import export as export_service
from app.services.publishing.export import load_catalog_export
from app.sources.genai_prices import PRICE_COLUMNS
from app.web.routes.calculator import FORMULA_PREFIXES
from tests.support.app_clients import app_client
from tests.support.auth import sign_up, unique_email
from tests.support.community_pages import MODEL_PATH

EXPORT = "/api/v1/export"
EXPECTED_SOURCES = {
    "genai-prices",
    "models.dev",
    "openrouter",
    "huggingface",
    "reference",
    "community",
    "benchmark-scores",
}
CSV_TABLES = ("offers", "models", "prices", "scores", "providers", "authors")


def export_json(client: TestClient) -> dict[str, Any]:
    response = client.get(EXPORT)
    assert response.status_code == 200, response.text[:500]
    return json.loads(response.text)


def export_csv(client: TestClient, table: str | None = None) -> list[dict[str, str]]:
    response = client.get(EXPORT, params={"format": "csv", **({"table": table} if table else {})})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


def as_csv_text(text: str) -> str:
    """What the CSV holds for a text: formula-like text gets a leading quote."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def db_current_prices(session: Session) -> dict[tuple[str, str, str, str], Price]:
    """(model, provider, variant, tier) -> the price row in force."""
    rows = session.execute(
        select(Model.slug, Provider.slug, Endpoint.variant, Price)
        .join(Endpoint, Endpoint.model_id == Model.id)
        .join(Provider, Provider.id == Endpoint.provider_id)
        .join(Price, Price.endpoint_id == Endpoint.id)
        .where(Price.effective_to.is_(None))
    )
    return {(m, p, v, price.service_tier): price for m, p, v, price in rows}


def add_scored_model(session: Session, name: str) -> Model:
    """A model with one priced endpoint and a benchmark score."""
    author = session.scalar(select(Author).where(Author.slug == "export-lab")) or Author(
        slug="export-lab", name="Export Lab"
    )
    provider = session.scalar(select(Provider).where(Provider.slug == "export-host")) or Provider(
        slug="export-host", name="Export Host"
    )
    model = Model(
        author=author,
        slug=f"export-lab/{name}",
        name=name,
        modalities=[ModelModality(direction="input", modality="text")],
    )
    with session.no_autoflush:
        endpoint = Endpoint(provider=provider, provider_model_id=name)
        endpoint.prices.append(
            Price(
                effective_from=datetime(2026, 1, 1, tzinfo=UTC),
                input=Decimal("0.000000123"),
                output=Decimal("12.5"),
                per_request=Decimal(0),
                source="test",
            )
        )
        model.endpoints.append(endpoint)
    session.add(model)
    session.flush()
    session.add(
        BenchmarkScore(
            model_id=model.id,
            benchmark="Export Bench",
            score=Decimal("71.25"),
            source="Export test fixture",
            measured_on=date(2026, 5, 1),
        )
    )
    session.flush()
    return model


def test_json_is_a_download_naming_every_source_with_its_licence(client: TestClient) -> None:
    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="model-atlas-{today}.json"'
    )
    assert response.headers["cache-control"] == "public, max-age=300"
    document = json.loads(response.text)
    assert document["generated_at"].startswith(today)
    sources = {source["id"]: source for source in document["sources"]}
    assert set(sources) == EXPECTED_SOURCES
    assert all(source["licence"] and source["note"] for source in sources.values())
    package = metadata.metadata("genai-prices")
    assert sources["genai-prices"]["licence"] == package["License-Expression"] == "MIT"
    assert sources["genai-prices"]["url"] == "https://github.com/pydantic/genai-prices"
    assert package["Version"] in sources["genai-prices"]["name"]
    assert "Terms" in sources["openrouter"]["licence"]


def test_every_model_author_and_provider_of_the_database_is_exported(
    client: TestClient, catalog_session: Session
) -> None:
    add_scored_model(catalog_session, "listed")

    document = export_json(client)

    assert {m["slug"] for m in document["models"]} == set(
        catalog_session.scalars(select(Model.slug))
    )
    assert {a["slug"] for a in document["authors"]} == set(
        catalog_session.scalars(select(Author.slug))
    )
    assert {p["slug"] for p in document["providers"]} == set(
        catalog_session.scalars(select(Provider.slug))
    )
    reference = next(m for m in document["models"] if m["slug"] == "mistral/mistral-small-2603")
    assert reference["input_modalities"] == ["text", "image"]
    assert {"source": "openrouter", "id": "mistralai/mistral-small-2603"} in reference[
        "external_ids"
    ]
    assert set(reference["rollups"]) == {
        "price_input_min",
        "price_output_min",
        "throughput_max",
        "provider_count",
    }
    (score,) = [s for s in document["benchmark_scores"] if s["model"] == "export-lab/listed"]
    assert score == {
        "model": "export-lab/listed",
        "benchmark": "Export Bench",
        "score": "71.25",
        "source": "Export test fixture",
        "measured_on": "2026-05-01",
    }


def test_prices_equal_the_stored_decimals_exactly(
    client: TestClient, catalog_session: Session
) -> None:
    add_scored_model(catalog_session, "tiny-price")
    stored = db_current_prices(catalog_session)

    document = export_json(client)

    exported = {
        (e["model"], e["provider"], e["variant"], p["service_tier"]): p
        for e in document["endpoints"]
        for p in e["prices"]
    }
    assert exported.keys() == stored.keys()
    for key, row in stored.items():
        for column in PRICE_COLUMNS:
            value, text = getattr(row, column), exported[key][column]
            if value is None or isinstance(value, int):  # long_context_threshold: tokens
                assert text == value, (key, column)
            else:
                assert isinstance(text, str) and "E" not in text.upper(), (key, column, text)
                assert Decimal(text) == value, (key, column)
        assert exported[key]["source"] == row.source
    tiny = exported[("export-lab/tiny-price", "export-host", "", "standard")]
    assert (tiny["input"], tiny["output"], tiny["per_request"]) == ("0.000000123", "12.5", "0")
    history = document["price_history"]
    assert len(history) == len(catalog_session.scalars(select(Price.id)).all())
    assert all(row["source"] for row in history)


def test_latest_metrics_come_with_their_time_and_source(client: TestClient) -> None:
    document = export_json(client)

    venice = next(
        e
        for e in document["endpoints"]
        if (e["model"], e["provider"]) == ("mistral/mistral-small-2603", "venice")
    )
    metrics = venice["metrics"]
    assert metrics["source"] == "openrouter"
    assert metrics["measured_at"].startswith("2026-03-20T12:00:00")
    assert Decimal(metrics["throughput_p50"]) > 0
    assert Decimal(metrics["ttft_p50_ms"]) > 0


def test_no_personal_data_only_rating_aggregates(client: TestClient) -> None:
    email = unique_email("exported")
    name = "Zelda Exportova"
    body = "My private opinion about exports 7f3a."
    token = sign_up(client, email=email, display_name=name)
    rated = client.post(
        f"{MODEL_PATH}/rating", data={"stars": "4", "csrf_token": token}, follow_redirects=False
    )
    commented = client.post(
        f"{MODEL_PATH}/comments", data={"body": body, "csrf_token": token}, follow_redirects=False
    )
    assert (rated.status_code, commented.status_code) == (303, 303)

    texts = [client.get(EXPORT).text] + [
        client.get(EXPORT, params={"format": "csv", "table": table}).text for table in CSV_TABLES
    ]

    for text in texts:
        for private in (email, email.split("@")[0], name, body):
            assert private.lower() not in text.lower(), private
    ratings = {r["model"]: r for r in json.loads(texts[0])["ratings"]}
    assert ratings["mistral/mistral-small-2603"] == {
        "model": "mistral/mistral-small-2603",
        "ratings": 1,
        "average_stars": "4.00",
        "histogram": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
        "visible_comments": 1,
        "source": "community",
    }
    models = {row["slug"]: row for row in csv.DictReader(io.StringIO(texts[2], newline=""))}
    reference = models["mistral/mistral-small-2603"]
    assert (reference["ratings"], reference["average_stars"]) == ("1", "4.00")


def test_csv_offers_parse_and_match_the_json_figures(client: TestClient) -> None:
    document = export_json(client)
    response = client.get(EXPORT, params={"format": "csv"})
    today = datetime.now(UTC).date().isoformat()

    assert response.headers["content-disposition"] == (
        f'attachment; filename="model-atlas-offers-{today}.csv"'
    )
    rows = export_csv(client)
    expected_rows = sum(max(1, len(e["prices"])) for e in document["endpoints"])
    assert len(rows) == expected_rows
    endpoints = {(e["model"], e["provider"], e["variant"]): e for e in document["endpoints"]}
    models = {m["slug"]: m for m in document["models"]}
    for row in rows:
        endpoint = endpoints[(row["model"], row["provider"], row["variant"])]
        assert row["model_name"] == as_csv_text(models[row["model"]]["name"])
        prices = {p["service_tier"]: p for p in endpoint["prices"]}
        if not prices:
            assert row["service_tier"] == row["input"] == row["price_source"] == ""
            continue
        price = prices[row["service_tier"]]
        for column in PRICE_COLUMNS:
            assert row[column] == ("" if price[column] is None else str(price[column])), column
        assert row["price_source"] == price["source"]
        metrics = endpoint["metrics"] or {}
        assert row["throughput_p50"] == (metrics.get("throughput_p50") or "")
        assert row["metrics_source"] == (metrics.get("source") or "")


def test_other_csv_tables_hold_one_row_per_record(
    client: TestClient, catalog_session: Session
) -> None:
    add_scored_model(catalog_session, "tabled")
    document = export_json(client)

    tables = {table: export_csv(client, table) for table in CSV_TABLES[1:]}

    assert [r["slug"] for r in tables["models"]] == [m["slug"] for m in document["models"]]
    assert len(tables["prices"]) == len(document["price_history"])
    assert {"effective_from", "effective_to", "source"} <= tables["prices"][0].keys()
    assert len(tables["providers"]) == len(document["providers"])
    assert len(tables["authors"]) == len(document["authors"])
    (score,) = [s for s in tables["scores"] if s["model"] == "export-lab/tabled"]
    assert (score["score"], score["source"]) == ("71.25", "Export test fixture")
    reference = next(r for r in tables["models"] if r["slug"] == "mistral/mistral-small-2603")
    assert reference["input_modalities"] == "text image"
    assert "openrouter:mistralai/mistral-small-2603" in reference["external_ids"].split()


@pytest.mark.parametrize(
    ("params", "status", "named"),
    [
        ({"format": "xml"}, 422, "format"),
        ({"format": "csv", "table": "users"}, 422, "table"),
        ({"table": "users"}, 422, "table"),
    ],
)
def test_bad_parameters_get_a_clear_client_error(
    client: TestClient, params: dict[str, str], status: int, named: str
) -> None:
    response = client.get(EXPORT, params=params)

    assert response.status_code == status
    message = response.json()["error"]["message"]
    assert named in message


@pytest.mark.parametrize("table", CSV_TABLES)
def test_a_table_in_json_holds_the_rows_of_its_csv_as_records(
    client: TestClient, catalog_session: Session, table: str
) -> None:
    add_scored_model(catalog_session, "both-formats")

    response = client.get(EXPORT, params={"table": table})

    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    assert f"model-atlas-{table}-" in response.headers["content-disposition"]
    document = json.loads(response.text)
    assert {"generated_at", "about", "sources"} <= document.keys()
    assert document["table"] == table
    as_csv = [
        {key: _as_csv_cell(value) for key, value in record.items()}
        for record in document["records"]
    ]
    assert as_csv == export_csv(client, table)


def _as_csv_cell(value: object) -> str:
    """What the CSV table writes for a JSON record's value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return as_csv_text(value) if isinstance(value, str) else str(value)


def test_the_export_takes_the_same_queries_however_big_the_catalog(
    client: TestClient,
    catalog_session: Session,
    count_queries,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As long as the models fit one fetch: each fetch reads its own models' lookups."""
    monkeypatch.setattr(export_service, "ROWS_PER_FETCH", 100_000)

    def statements(params: dict[str, str]) -> list[str]:
        start = count_queries.count
        assert client.get(EXPORT, params=params).status_code == 200
        return count_queries.statements[start:]

    before = {fmt: statements({"format": fmt}) for fmt in ("json", "csv")}
    for number in range(20):
        add_scored_model(catalog_session, f"bulk-{number}")
    after = {fmt: statements({"format": fmt}) for fmt in ("json", "csv")}

    assert {f: len(s) for f, s in after.items()} == {f: len(s) for f, s in before.items()}
    selects = [s for s in before["json"] if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 11, selects  # the content version (for the ETag), then 10


def test_the_api_reference_describes_and_links_the_export(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][EXPORT]["get"]
    page = client.get("/docs").text

    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"format", "table", "if-none-match"}
    assert {"application/json", "text/csv"} <= operation["responses"]["200"]["content"].keys()
    assert f'href="{EXPORT}?format=csv"' in page


def test_csv_text_that_looks_like_a_formula_is_quoted(
    client: TestClient, catalog_session: Session
) -> None:
    model = add_scored_model(catalog_session, "formula")
    model.name = '=HYPERLINK("http://example.com","click")'
    catalog_session.flush()

    rows = {row["slug"]: row for row in export_csv(client, "models")}

    assert rows["export-lab/formula"]["name"] == '\'=HYPERLINK("http://example.com","click")'


def test_a_download_revalidates_with_its_etag_until_the_content_changes(
    client: TestClient, catalog_session: Session
) -> None:
    first = client.get(EXPORT)
    etag = first.headers["etag"]
    assert etag.startswith('W/"')

    unchanged = client.get(EXPORT, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert unchanged.headers["cache-control"] == first.headers["cache-control"]

    add_scored_model(catalog_session, "after-the-download")
    catalog_session.commit()
    changed = client.get(EXPORT, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "after-the-download" in changed.text


def test_each_format_and_table_has_its_own_etag(client: TestClient) -> None:
    tags = {
        client.get(EXPORT, params=params).headers["etag"]
        for params in (
            {},
            {"format": "csv"},
            {"format": "csv", "table": "offers"},
            {"format": "csv", "table": "models"},
            {"table": "models"},
            {"format": "json", "table": "offers"},
        )
    }
    assert len(tags) == 5  # the default CSV table is offers

    json_tag = client.get(EXPORT).headers["etag"]
    csv_download = client.get(EXPORT, params={"format": "csv"}, headers={"If-None-Match": json_tag})
    assert csv_download.status_code == 200


def test_full_downloads_are_rate_limited_per_address_but_revalidations_are_not(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    with app_client(settings, catalog_factory, rate_limit_exports_per_ip="2/hour") as limited:
        etag = limited.get(EXPORT).headers["etag"]
        assert limited.get(EXPORT, params={"format": "csv"}).status_code == 200
        for _ in range(3):
            assert limited.get(EXPORT, headers={"If-None-Match": etag}).status_code == 304

        refused = limited.get(EXPORT, params={"format": "csv", "table": "models"})

    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many full exports" in refused.json()["error"]["message"]


def test_sections_are_read_when_written_not_before(catalog_session: Session, count_queries) -> None:
    """A download never holds a section whole: each is queried when its turn comes."""
    catalog_session.connection()  # the savepoint standing in for its transaction, first
    start = count_queries.count
    export = load_catalog_export(session=catalog_session, generated_at=datetime.now(UTC))
    endpoints = export.endpoints()

    assert count_queries.count == start
    first = next(endpoints)
    assert count_queries.count == start + 1
    assert {"model", "provider", "metrics", "prices"} <= first.keys()


def test_model_records_are_the_same_whatever_the_fetch_size(
    catalog_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(5):
        model = add_scored_model(catalog_session, f"fetched-{number}")
        model.external_ids.append(ExternalId(source="openrouter", external_id=f"x/{number}"))
    catalog_session.flush()

    def model_records() -> list[dict[str, Any]]:
        export = load_catalog_export(session=catalog_session, generated_at=datetime.now(UTC))
        return list(export.models())

    in_one_fetch = model_records()
    monkeypatch.setattr(export_service, "ROWS_PER_FETCH", 2)
    in_fetches_of_two = model_records()

    ours = [r for r in in_one_fetch if r["slug"].startswith("export-lab/fetched-")]
    assert in_fetches_of_two == in_one_fetch
    assert [r["external_ids"] for r in ours] == [
        [{"source": "openrouter", "id": f"x/{number}"}] for number in range(5)
    ]
    assert all(r["input_modalities"] == ["text"] for r in ours)
