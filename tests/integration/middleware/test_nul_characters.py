"""A NUL character in the address is refused the same way on SQLite and PostgreSQL.

PostgreSQL cannot store or compare text holding U+0000; these addresses
answered 500 there before any route could say what was wrong. The API fuzzing
cannot find this: schemathesis never puts a NUL in a path parameter.
"""

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/models/mis%00tral/mistral-small-2603/endpoints",
        "/models/mistral/mistral%00-small-2603/feed.atom",
        "/models/mistral/mistral-small-2603%00",
        "/authors/mis%00tral",
        "/providers/ven%00ice",
        "/models/mistral/mistral-small-2603%00/comments",
    ],
)
def test_a_nul_in_the_path_is_not_found(client: TestClient, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 404
    assert "nothing at this address" in response.text


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/?q=mis%00tral", "q"),
        ("/?status=%00", "status"),
        ("/models/mistral/mistral-small-2603?preset=chatbot&batch=%00", "batch"),
        ("/compare/pick?q=%00", "q"),
        ("/api/v1/export?format=csv&table=models&x%00=1", "x"),
    ],
)
def test_a_nul_in_the_query_is_invalid_input_naming_the_parameter(
    client: TestClient, url: str, parameter: str
) -> None:
    response = client.get(url)

    assert response.status_code == 422
    assert f"{parameter}: a NUL character (%00) is not allowed" in response.text


def test_an_api_client_gets_the_refusal_as_json(client: TestClient) -> None:
    response = client.get("/api/v1/models/mistral/mistral%00/endpoints")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == 404
