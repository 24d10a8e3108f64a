"""A merged model's old slug still works wherever a model id is taken: pages, feeds, API,
calculator and comparison all answer with the canonical model."""

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Model, Rating
from tests.support.auth import sign_up

OLD = "meta/llama-3.3-70b-versatile"
CANONICAL = "meta/llama-3.3-70b-instruct"
OTHER = "openai/gpt-4o"
HTMX = {"HX-Request": "true"}


def test_the_model_pages_calculator_fragment_answers_301_for_an_old_id(
    client: TestClient,
) -> None:
    response = client.get(f"/models/{OLD}?preset=chatbot", headers=HTMX, follow_redirects=False)

    assert response.status_code == 301
    assert response.headers["location"] == f"/models/{CANONICAL}?preset=chatbot"


def test_the_model_feed_answers_301_to_the_canonical_feed(client: TestClient) -> None:
    response = client.get(f"/models/{OLD}/feed.atom", follow_redirects=False)

    assert response.status_code == 301
    assert response.headers["location"] == f"/models/{CANONICAL}/feed.atom"
    assert client.get(response.headers["location"]).status_code == 200


def test_an_unknown_models_feed_is_still_a_404(client: TestClient) -> None:
    assert client.get("/models/meta/no-such-model/feed.atom").status_code == 404


def test_the_apis_endpoints_list_answers_for_the_canonical_model(client: TestClient) -> None:
    old = client.get(f"/api/v1/models/{OLD}/endpoints")
    canonical = client.get(f"/api/v1/models/{CANONICAL}/endpoints")

    assert old.status_code == canonical.status_code == 200
    assert old.json() == canonical.json()


def test_the_calculator_estimates_the_canonical_model_for_an_old_id(client: TestClient) -> None:
    response = client.get(f"/calculator?models={OLD},{OTHER}")

    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    rows = {row["data-model"] for row in page.select("table.comparison tbody tr")}
    assert rows == {CANONICAL, OTHER}


def test_compare_redirects_an_old_id_to_the_canonical_comparison(client: TestClient) -> None:
    response = client.get(f"/compare?models={OLD},{OTHER}", follow_redirects=False)

    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert (location.path, parse_qs(location.query)) == (
        "/compare",
        {"models": [f"{CANONICAL},{OTHER}"]},
    )
    assert client.get(response.headers["location"]).status_code == 200


def test_compare_names_a_model_given_under_its_old_and_new_id_once(client: TestClient) -> None:
    response = client.get(f"/compare?models={OLD},{CANONICAL},{OTHER}")

    assert response.status_code == 400
    assert f"Listed more than once under another id: {CANONICAL}." in response.text


def test_the_picker_chooses_the_canonical_model_for_an_old_id(client: TestClient) -> None:
    response = client.get(f"/compare/pick?models={OLD}")

    assert response.status_code == 200
    assert "Not in the catalog" not in response.text
    assert CANONICAL in response.text


def test_the_comments_of_an_old_id_are_the_canonical_models(client: TestClient) -> None:
    response = client.get(f"/models/{OLD}/comments?page=2", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/models/{CANONICAL}?comments_page=2#comments"


def test_a_rating_sent_to_an_old_id_rates_the_canonical_model(
    client: TestClient, catalog_session: Session
) -> None:
    token = sign_up(client)

    response = client.post(
        f"/models/{OLD}/rating",
        data={"csrf_token": token, "stars": "4"},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/models/{CANONICAL}")
    rated = catalog_session.scalars(
        select(Model.slug).join(Rating, Rating.model_id == Model.id).where(Rating.stars == 4)
    ).all()
    assert CANONICAL in rated
