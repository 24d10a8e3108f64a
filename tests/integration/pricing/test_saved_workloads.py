"""Saved workloads: save, list, re-price, rename, delete; and who may see them.

Each request goes the way a browser sends it: htmx posts with the token in
the header (the fragment's `hx-headers`) and the calculator form's fields,
plain forms with the hidden token field.
"""

from urllib.parse import urlencode

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from app.models import SavedWorkload, User
from app.services.pricing.saved_workloads import MAX_WORKLOADS_PER_USER, stored_fields
from app.services.pricing.workload_cost import Workload
from tests.support.auth import (
    PASSWORD,
    htmx_headers,
    other_client,
    sign_up,
    unique_email,
)
from tests.support.community_pages import find, parse
from tests.support.page_text import text_of
from tests.support.query_counts import QueryCounter

MODEL_PATH = "/models/mistral/mistral-small-2603"
OTHER_MODEL_PATH = "/models/openai/gpt-4o"
WORKLOAD = {
    "requests": "1000",
    "per": "day",
    "input_tokens": "2000",
    "output_tokens": "500",
    "reasoning_tokens": "0",
    "cache_share": "25",
    "cache_write_share": "0",
    "days": "30",
    "batch": "0",
}


def save(
    client: TestClient, token: str, name: str, at: str = MODEL_PATH, **fields: str
) -> Response:
    """Save through htmx: the name form plus the calculator form's fields (hx-include)."""
    data = {"name": name, "at": at, **WORKLOAD, **fields}
    return client.post("/workloads", data=data, headers=htmx_headers(token))


def mine(client: TestClient, at: str = MODEL_PATH) -> BeautifulSoup:
    response = client.get(f"/workloads?{urlencode({'at': at})}", headers=htmx_headers())
    assert response.status_code == 200
    assert "private" in response.headers["cache-control"]
    return parse(response)


def links(soup: BeautifulSoup) -> dict[str, str]:
    return {text_of(a): a["href"] for a in soup.select(".my-workload-link")}


def saved_id(soup: BeautifulSoup, name: str) -> int:
    link = next(a for a in soup.select(".my-workload-link") if text_of(a) == name)
    return int(link.find_parent("li")["id"].removeprefix("my-workload-"))


def test_save_list_and_reprice_on_another_model(client: TestClient) -> None:
    token = sign_up(client)

    response = save(client, token, "  Support bot  ")

    assert response.status_code == 200
    assert "Saved “Support bot”." in response.text
    href = links(mine(client, OTHER_MODEL_PATH))["Support bot"]
    assert href.startswith(f"{OTHER_MODEL_PATH}?requests_per_day=1000&input_tokens=2000")
    page = parse(client.get(href))
    assert find(page, "#workload-requests")["value"] == "1000"
    assert find(page, "#workload-input_tokens")["value"] == "2000"
    assert find(page, "#workload-cache_share")["value"] == "25"
    assert "Custom workload" in text_of(find(page, ".calculator-summary"))
    assert "30,000 requests a month" in text_of(find(page, ".workload-requests"))


def test_the_list_reprices_in_the_calculator_region_with_htmx(client: TestClient) -> None:
    token = sign_up(client)
    save(client, token, "Nightly batch", batch="1", per="month", requests="90000")

    link = find(mine(client), ".my-workload-link")
    region = client.get(link["hx-get"], headers={**htmx_headers(), "HX-Target": "calculator"})

    assert link["hx-target"] == "#calculator"
    assert "requests_per_month=90000" in link["hx-get"]
    soup = parse(region)
    assert find(soup, "#workload-per option[selected]")["value"] == "month"
    assert find(soup, "#workload-batch").has_attr("checked")
    assert soup.select_one(".estimate-monthly") is not None


def test_compare_keeps_its_models_when_repricing(client: TestClient) -> None:
    token = sign_up(client)
    at = "/compare?models=openai/gpt-4o,mistral/mistral-small-2603"
    save(client, token, "Agent", at=at)

    href = links(mine(client, at))["Agent"]
    page = client.get(href)

    assert href.startswith("/compare?models=openai%2Fgpt-4o%2Cmistral%2Fmistral-small-2603&")
    assert page.status_code == 200
    assert find(parse(page), "#workload-input_tokens")["value"] == "2000"


def test_the_model_and_compare_pages_carry_the_slot_but_no_ones_workloads(
    client: TestClient,
) -> None:
    token = sign_up(client)
    save(client, token, "Private plan")

    model_page = client.get(MODEL_PATH)
    compare = client.get("/compare?models=openai/gpt-4o,mistral/mistral-small-2603")

    for page in (model_page, compare):
        slot = find(parse(page), "#my-workloads")
        assert slot["hx-get"].startswith("/workloads?at=")
        assert slot["hx-trigger"] == "load"
        assert "Private plan" not in page.text


def test_rename_and_delete(client: TestClient) -> None:
    token = sign_up(client)
    save(client, token, "Draft")
    workload_id = saved_id(mine(client), "Draft")

    renamed = client.post(
        f"/workloads/{workload_id}/rename",
        data={"name": "Final", "at": MODEL_PATH},
        headers=htmx_headers(token),
    )
    assert renamed.status_code == 200
    assert list(links(parse(renamed))) == ["Final"]

    deleted = client.post(
        f"/workloads/{workload_id}/delete", data={"at": MODEL_PATH}, headers=htmx_headers(token)
    )
    assert deleted.status_code == 200
    assert links(mine(client)) == {}


def test_plain_forms_save_rename_and_delete_without_javascript(client: TestClient) -> None:
    sign_up(client)
    page = parse(client.get(f"/workloads?at={MODEL_PATH}&requests_per_day=42&input_tokens=7"))
    form = find(page, "form.my-workload-save")
    data = {field["name"]: field.get("value", "") for field in form.select("input")}
    data["name"] = "Tiny"

    saved = client.post("/workloads", data=data, follow_redirects=False)

    assert saved.status_code == 303
    listing = parse(client.get(saved.headers["location"]))
    assert links(listing)["Tiny"].startswith(f"{MODEL_PATH}?requests_per_day=42&input_tokens=7")
    token = find(listing, ".my-workload-edit input[name=csrf_token]")["value"]
    workload_id = saved_id(listing, "Tiny")
    renamed = client.post(
        f"/workloads/{workload_id}/rename",
        data={"csrf_token": token, "name": "Small", "at": MODEL_PATH},
        follow_redirects=False,
    )
    assert renamed.status_code == 303
    client.post(
        f"/workloads/{workload_id}/delete",
        data={"csrf_token": token, "at": MODEL_PATH},
        follow_redirects=False,
    )
    assert links(parse(client.get("/workloads"))) == {}


def test_a_duplicate_name_is_refused_with_409(client: TestClient) -> None:
    token = sign_up(client)
    save(client, token, "Same")
    save(client, token, "Other")

    again = save(client, token, " Same ")
    workload_id = saved_id(mine(client), "Other")
    rename = client.post(
        f"/workloads/{workload_id}/rename",
        data={"name": "Same", "at": MODEL_PATH},
        headers=htmx_headers(token),
    )

    assert again.status_code == 409
    assert "You already have a workload named “Same”." in again.text
    assert find(parse(again), "#my-workload-name")["value"] == " Same "
    assert rename.status_code == 409
    assert sorted(links(mine(client))) == ["Other", "Same"]


def test_names_must_be_1_to_80_characters(client: TestClient) -> None:
    token = sign_up(client)

    empty = save(client, token, "   ")
    long = save(client, token, "x" * 81)
    longest = save(client, token, "x" * 80)

    assert empty.status_code == 422
    assert "Give the workload a name." in empty.text
    assert long.status_code == 422
    assert "at most 80 characters" in long.text
    assert longest.status_code == 200


def test_inputs_the_calculator_refuses_are_not_saved_and_say_why(client: TestClient) -> None:
    token = sign_up(client)

    refused = save(client, token, "Broken", input_tokens="lots", cache_share="150")
    empty = client.post(
        "/workloads", data={"name": "Nothing", "at": MODEL_PATH}, headers=htmx_headers(token)
    )

    assert refused.status_code == 422
    message = text_of(find(parse(refused), "#my-workload-error"))
    assert "Input tokens per request: Enter a whole number, such as 1500." in message
    assert "Cached input: Enter a percentage from 0 to 100, such as 25." in message
    assert empty.status_code == 422
    assert links(mine(client)) == {}


def test_at_most_the_limit_of_workloads(client: TestClient) -> None:
    email = unique_email()
    token = sign_up(client, email=email)
    small = Workload(requests=1, input_tokens=1, output_tokens=1)
    with client.app.state.session_factory() as session:
        user_id = session.scalar(select(User.id).where(User.email == email))
        session.add_all(
            SavedWorkload(user_id=user_id, name=f"W{n}", fields=stored_fields(small))
            for n in range(MAX_WORKLOADS_PER_USER)
        )
        session.commit()

    refused = save(client, token, "One too many")

    assert refused.status_code == 422
    assert f"at most {MAX_WORKLOADS_PER_USER} workloads" in refused.text


def test_someone_else_gets_404_for_my_workloads(client: TestClient) -> None:
    token = sign_up(client)
    save(client, token, "Mine")
    workload_id = saved_id(mine(client), "Mine")
    stranger = other_client(client)
    stranger_token = sign_up(stranger)

    rename = stranger.post(
        f"/workloads/{workload_id}/rename",
        data={"name": "Theirs", "at": MODEL_PATH},
        headers=htmx_headers(stranger_token),
    )
    delete = stranger.post(
        f"/workloads/{workload_id}/delete",
        data={"at": MODEL_PATH},
        headers=htmx_headers(stranger_token),
    )
    missing = client.post(
        "/workloads/999999/delete", data={"at": MODEL_PATH}, headers=htmx_headers(token)
    )

    assert (rename.status_code, delete.status_code, missing.status_code) == (404, 404, 404)
    assert "Mine" not in mine(stranger).text
    assert list(links(mine(client))) == ["Mine"]


def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    fragment = client.get(f"/workloads?at={MODEL_PATH}", headers=htmx_headers())
    page = client.get(f"/workloads?at={MODEL_PATH}", follow_redirects=False)
    htmx_post = client.post("/workloads", data={"name": "x"}, headers=htmx_headers())

    assert fragment.status_code == 200
    assert find(parse(fragment), "#my-workloads a")["href"].startswith("/login?next=")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=")
    assert htmx_post.status_code == 403


def test_an_anonymous_htmx_save_with_a_token_gets_401(client: TestClient) -> None:
    page = client.get("/login")
    token = find(parse(page), "input[name=csrf_token]")["value"]

    response = client.post(
        "/workloads", data={"name": "x", **WORKLOAD}, headers=htmx_headers(token)
    )

    assert response.status_code == 401


def test_every_change_needs_the_csrf_token(client: TestClient) -> None:
    token = sign_up(client)
    save(client, token, "Kept")
    workload_id = saved_id(mine(client), "Kept")

    answers = [
        client.post("/workloads", data={"name": "New", **WORKLOAD}, headers=htmx_headers()),
        client.post(f"/workloads/{workload_id}/rename", data={"name": "Gone"}),
        client.post(f"/workloads/{workload_id}/delete", data={}),
    ]

    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert list(links(mine(client))) == ["Kept"]


def test_saving_is_rate_limited(client: TestClient) -> None:
    token = sign_up(client)
    limit = int(client.app.state.settings.rate_limit_workloads_per_user.split("/")[0])

    answers = [save(client, token, f"W{n}").status_code for n in range(limit + 1)]

    assert answers[:limit] == [200] * limit
    assert answers[limit] == 429


def test_deleting_the_account_deletes_its_workloads(client: TestClient) -> None:
    email = unique_email()
    token = sign_up(client, email=email)
    save(client, token, "Gone with me")
    with client.app.state.session_factory() as session:
        user_id = session.scalar(select(User.id).where(User.email == email))

    deleted = client.post(
        "/account/delete", data={"csrf_token": token, "password": PASSWORD}, follow_redirects=False
    )

    assert deleted.status_code == 303
    with client.app.state.session_factory() as session:
        left = select(func.count()).where(SavedWorkload.user_id == user_id)
        assert session.scalar(left) == 0


def test_the_list_costs_the_same_queries_however_long(
    client: TestClient, count_queries: QueryCounter
) -> None:
    """The session with its person, then their workloads: two queries for any number."""
    token = sign_up(client)
    save(client, token, "First")
    mine(client)
    count_queries.statements.clear()
    mine(client)
    with_one = _queries(count_queries)
    for n in range(5):
        save(client, token, f"More {n}")
    mine(client)

    count_queries.statements.clear()
    listing = mine(client)

    assert len(links(listing)) == 6
    assert _queries(count_queries) == with_one == 2, count_queries.statements


def _queries(counter: QueryCounter) -> int:
    """Statements sent to read, leaving out the test's own savepoints."""
    return sum(not s.startswith(("SAVEPOINT", "RELEASE")) for s in counter.statements)
