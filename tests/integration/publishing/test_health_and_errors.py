"""`/healthz`, the error pages, and the OpenAPI docs.

Error pages are checked on an app of their own with throwaway routes added in
the test (a route that raises, a route with a typed path parameter), so the
application code carries no route that exists only to fail.
"""

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

LEAKED_DETAIL = "internal-detail-that-must-not-leak"


def _boom() -> None:
    raise RuntimeError(LEAKED_DETAIL)


def _thing(number: int) -> dict[str, int]:
    return {"number": number}


@pytest.fixture
def error_app(tmp_path: Path) -> FastAPI:
    """An app whose extra routes fail on purpose; its database is never touched."""
    app = create_app(
        Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    )
    for prefix in ("", "/api"):
        app.add_api_route(f"{prefix}/boom", _boom)
        app.add_api_route(f"{prefix}/things/{{number}}", _thing)
    return app


@pytest.fixture
def error_client(error_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(error_app, raise_server_exceptions=False) as client:
        yield client


def _page(response) -> BeautifulSoup:
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


def test_healthz_reports_the_database_ok(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "database_url",
    [
        pytest.param("sqlite:///{tmp}/no-such-directory/atlas.db", id="sqlite-missing-directory"),
        pytest.param(
            "postgresql+psycopg://postgres@127.0.0.1:1/postgres?connect_timeout=2",
            id="postgresql-nothing-listening",
        ),
    ],
)
def test_healthz_answers_503_without_driver_details_when_the_database_is_unreachable(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(environment="test", database_url=database_url.format(tmp=tmp_path))

    with (
        caplog.at_level(logging.WARNING, logger="app.health"),
        TestClient(create_app(settings), raise_server_exceptions=False) as client,
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "database unavailable"}
    assert any("did not answer" in record.getMessage() for record in caplog.records), (
        "operators need the driver's reason in the log"
    )


def test_unknown_page_is_a_helpful_404_page(error_client: TestClient) -> None:
    response = error_client.get("/no-such-page")

    assert response.status_code == 404
    page = _page(response)
    assert page.h1.get_text(strip=True) == "Page not found"
    assert "nothing at this address" in page.main.get_text()
    assert page.main.find("a", href="/") is not None


def test_unknown_api_path_is_a_json_404(error_client: TestClient) -> None:
    response = error_client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == 404
    assert "nothing at this address" in error["message"]


def test_unexpected_error_is_a_friendly_500_page_without_traceback(
    error_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="app.errors"):
        response = error_client.get("/boom")

    assert response.status_code == 500
    page = _page(response)
    assert page.h1.get_text(strip=True) == "Something went wrong"
    for leak in ("Traceback", "RuntimeError", LEAKED_DETAIL, ".py"):
        assert leak not in response.text
    logged = [r for r in caplog.records if r.name == "app.errors"]
    assert logged and logged[0].exc_info is not None, "operators need the traceback in the log"


def test_unexpected_api_error_is_json_without_traceback(error_client: TestClient) -> None:
    response = error_client.get("/api/boom")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == 500
    assert LEAKED_DETAIL not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", ["/boom", "/api/boom"])
def test_an_unexpected_error_is_logged_with_the_size_of_the_answer_sent(
    error_client: TestClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.INFO, logger="app.requests")

    response = error_client.get(path)

    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "app.requests"]
    assert (line["path"], line["status"]) == (path, 500)
    assert line["bytes"] == len(response.content) > 0


def test_bad_path_parameter_is_a_422_page_naming_the_parameter(error_client: TestClient) -> None:
    response = error_client.get("/things/not-a-number")

    assert response.status_code == 422
    message = _page(response).main.get_text(" ", strip=True)
    assert "number" in message
    assert "valid integer" in message


def test_bad_api_path_parameter_is_a_json_422_naming_the_parameter(
    error_client: TestClient,
) -> None:
    response = error_client.get("/api/things/not-a-number")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == 422
    assert error["message"].startswith("number:")


def test_openapi_schema_describes_the_api_responses(error_client: TestClient) -> None:
    response = error_client.get("/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    ok_schema = schema["paths"]["/api/v1/models"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    assert ok_schema == {"$ref": "#/components/schemas/ModelList"}
    endpoints = schema["paths"]["/api/v1/models/{author}/{slug}/endpoints"]["get"]["responses"]
    assert set(endpoints) >= {"200", "404"}
    assert "503" in schema["paths"]["/healthz"]["get"]["responses"]
    components = schema["components"]["schemas"]
    assert {"prompt", "completion", "input_cache_read"} <= set(components["Pricing"]["properties"])
    assert {"latency_last_30m", "throughput_last_30m", "quantization"} <= set(
        components["EndpointEntry"]["properties"]
    )


def test_docs_page_serves_the_interactive_reference(error_client: TestClient) -> None:
    response = error_client.get("/docs")

    assert response.status_code == 200
    assert "/openapi.json" in response.text


def test_docs_page_loads_only_local_assets_and_no_inline_script(
    error_client: TestClient,
) -> None:
    page = BeautifulSoup(error_client.get("/docs").text, "html.parser")

    scripts = page.find_all("script")
    assert scripts, "the docs page starts Swagger UI from a script file"
    assert all(script.get("src", "").startswith("/static/") for script in scripts)
    assert all(not script.string for script in scripts)
    stylesheets = [link["href"] for link in page.find_all("link", rel="stylesheet")]
    assert stylesheets
    assert all(href.startswith("/static/") for href in stylesheets)
    for asset in [script["src"] for script in scripts] + stylesheets:
        assert error_client.get(asset).status_code == 200, asset
