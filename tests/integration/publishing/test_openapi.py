"""The OpenAPI document describes the API as it answers: which routes, statuses and media types.

Each test pins one way the document and the answers disagreed; the fuzzing in
`test_api_fuzz.py` checks every documented operation against its answers more
broadly.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient

API_PATHS = {
    "/healthz",
    "/api/v1/models",
    "/api/v1/models/{author}/{slug}/endpoints",
    "/api/v1/export",
    "/feeds/models.atom",
    "/feeds/prices.atom",
    "/models/{author_slug}/{model_slug}/feed.atom",
}
REFERENCE = "/models/mistral/mistral-small-2603"
FEEDS = [
    ("/feeds/models.atom", "/feeds/models.atom"),
    ("/feeds/prices.atom", "/feeds/prices.atom"),
    (
        "/models/mistral/mistral-small-2603/feed.atom",
        "/models/{author_slug}/{model_slug}/feed.atom",
    ),
]


def _document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def _responses(client: TestClient, path: str) -> dict[str, Any]:
    return _document(client)["paths"][path]["get"]["responses"]


def _media_type(response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def test_only_the_api_is_documented_not_the_html_pages(client: TestClient) -> None:
    assert set(_document(client)["paths"]) == API_PATHS


@pytest.mark.parametrize(("url", "path"), FEEDS)
def test_feeds_are_documented_as_the_atom_they_answer(
    client: TestClient, url: str, path: str
) -> None:
    response = client.get(url)

    assert response.status_code == 200
    assert set(_responses(client, path)["200"]["content"]) == {_media_type(response)}


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/api/v1/models/nobody/nothing/endpoints", "/api/v1/models/{author}/{slug}/endpoints"),
        ("/models/nobody/nothing/feed.atom", "/models/{author_slug}/{model_slug}/feed.atom"),
    ],
)
def test_not_found_answers_are_documented_with_their_media_type(
    client: TestClient, url: str, path: str
) -> None:
    response = client.get(url)

    assert response.status_code == 404
    assert _media_type(response) in _responses(client, path)["404"]["content"]


@pytest.mark.parametrize(("url", "path"), FEEDS)
def test_a_feeds_not_modified_answer_is_documented(client: TestClient, url: str, path: str) -> None:
    etag = client.get(url).headers["etag"]

    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert "304" in _responses(client, path)


def test_every_documented_api_error_has_the_shape_the_app_sends(client: TestClient) -> None:
    """Errors are `{"error": {"code", "message"}}`, not FastAPI's default `{"detail": [...]}`."""
    document = _document(client)
    api = {path: item for path, item in document["paths"].items() if path.startswith("/api/")}
    for path, operations in api.items():
        for status, response in operations["get"]["responses"].items():
            json_body = response.get("content", {}).get("application/json")
            if status.startswith(("4", "5")) and json_body is not None:
                assert json_body["schema"]["$ref"].endswith("/ErrorResponse"), (path, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_operation_sits_in_a_described_group(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    described = {tag["name"]: tag.get("description") for tag in document["tags"]}

    groups = {
        path: operation["tags"]
        for path, methods in document["paths"].items()
        for operation in methods.values()
    }

    assert list(described) == ["api", "feeds", "operations"]
    assert all(described.values())
    assert all(len(tags) == 1 and tags[0] in described for tags in groups.values()), groups
