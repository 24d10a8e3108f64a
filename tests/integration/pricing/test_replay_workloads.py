"""A usage replay kept as a saved workload: saved from the result page, listed, re-priced.

The result page's save form is posted as a browser posts it: every field of
the form as the page wrote it, plus the name typed.
"""

from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import SavedWorkload
from tests.support.auth import form_token, htmx_headers, other_client, sign_up
from tests.support.community_pages import find, parse
from tests.support.page_text import text_of

CSV_HEADER = "date,model,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,requests"
# September and November 2026 (three months): 2,000 requests of 2,000 tokens in (25 % cached),
# 450 visible and 150 reasoning tokens out, on average.
USAGE = "\n".join(
    (
        CSV_HEADER,
        "2026-09-10,openai/gpt-4o,3000000,1000000,900000,300000,1000",
        "2026-11-20,mistralai/mistral-small-2603,1000000,0,300000,0,1000",
    )
)
AVERAGE_MONTH = {
    "requests_per_month": "667",
    "input_tokens": "2000",
    "output_tokens": "450",
    "reasoning_tokens": "150",
    "cache_share": "25.00",
    "cache_write_share": "0",
    "batch": "0",
    "days": "30",
}
SOURCE = {"replay_rows": "2", "replay_first": "2026-09-10", "replay_last": "2026-11-20"}


def replay(client: TestClient, usage: str = USAGE) -> BeautifulSoup:
    token = form_token(client.get("/replay").text)
    response = client.post("/replay", data={"csrf_token": token, "usage": usage})
    assert response.status_code == 200, response.text[:500]
    return parse(response)


def save_form_fields(page: BeautifulSoup) -> dict[str, str]:
    form = find(page, "#replay-save form.replay-save-form")
    assert form["action"] == "/workloads"
    return {field["name"]: field.get("value", "") for field in form.select("input")}


def save_replay(client: TestClient, name: str, usage: str = USAGE) -> Response:
    data = save_form_fields(replay(client, usage)) | {"name": name}
    return client.post("/workloads", data=data, follow_redirects=False)


def listed(client: TestClient) -> dict[str, tuple[str, str]]:
    """Name → (re-pricing link, summary) of the signed-in person's workloads."""
    fragment = parse(client.get("/workloads?at=/calculator", headers=htmx_headers()))
    return {
        text_of(item.select_one(".my-workload-link")): (
            item.select_one(".my-workload-link")["href"],
            text_of(item.select_one(".my-workload-link + .muted")),
        )
        for item in fragment.select(".my-workload-list > li")
    }


@pytest.fixture
def signed_in_client(client: TestClient) -> tuple[TestClient, dict[str, str]]:
    """A signed-in client and the save form's fields of a replay it made (name left empty)."""
    sign_up(client)
    return client, save_form_fields(replay(client))


def test_a_replay_is_saved_as_its_average_month_and_reprices_like_any_workload(
    client: TestClient,
) -> None:
    sign_up(client)
    page = replay(client)
    fields = save_form_fields(page)
    assert fields == {"csrf_token": fields["csrf_token"], "at": "/calculator", "name": ""} | (
        AVERAGE_MONTH | SOURCE
    )
    assert "667 requests a month" in text_of(find(page, "#replay-save"))

    saved = client.post("/workloads", data=fields | {"name": "Autumn traffic"})

    assert saved.status_code == 200
    assert urlsplit(str(saved.url)).path == "/workloads"
    href, summary = listed(client)["Autumn traffic"]
    assert summary == (
        "667 requests a month, 2,000 tokens in, 450 out; "
        "from a replay of 2 rows, 2026-09-10 to 2026-11-20"
    )
    path, _, query = href.partition("?")
    assert path == "/calculator"
    assert dict(parse_qsl(query)) == AVERAGE_MONTH
    calculator = client.get(href)
    assert calculator.status_code == 200
    assert find(parse(calculator), "input[name=requests]")["value"] == "667"


def test_only_the_averages_and_the_description_are_stored(client: TestClient) -> None:
    sign_up(client)

    assert save_replay(client, "Kept").status_code == 303

    with client.app.state.session_factory() as session:
        stored = session.scalars(select(SavedWorkload).where(SavedWorkload.name == "Kept")).one()
    assert stored.fields == AVERAGE_MONTH | SOURCE
    assert "gpt-4o" not in str(stored.fields)


def test_duplicate_and_invalid_names_are_refused_and_the_replay_is_kept_in_the_form(
    client: TestClient,
) -> None:
    sign_up(client)
    assert save_replay(client, "Twice").status_code == 303

    duplicate = save_replay(client, "Twice")
    empty = save_replay(client, "   ")
    too_long = save_replay(client, "x" * 81)

    assert (duplicate.status_code, empty.status_code, too_long.status_code) == (409, 422, 422)
    assert "already have a workload named" in duplicate.text
    carried = {
        field["name"]: field.get("value", "")
        for field in find(parse(duplicate), "form.my-workload-save").select("input[type=hidden]")
    }
    assert carried.items() >= (AVERAGE_MONTH | SOURCE).items()
    assert list(listed(client)) == ["Twice"]


def test_a_garbled_description_or_missing_token_saves_nothing(client: TestClient) -> None:
    sign_up(client)
    fields = save_form_fields(replay(client)) | {"name": "Bad"}

    garbled = client.post("/workloads", data=fields | {"replay_first": "2026-12-01"})
    no_token = client.post(
        "/workloads", data={k: v for k, v in fields.items() if k != "csrf_token"}
    )

    assert garbled.status_code == 422
    assert "replay the log again" in garbled.text
    assert no_token.status_code == 403
    assert listed(client) == {}


def test_an_anonymous_visitor_gets_a_sign_in_link_and_no_save_form(client: TestClient) -> None:
    page = replay(client)

    section = find(page, "#replay-save")
    assert section.select_one("form") is None
    assert section.select_one("a")["href"] == "/login?next=/replay"
    assert "667 requests a month" in text_of(section)


def test_someone_else_never_sees_a_saved_replay(client: TestClient) -> None:
    sign_up(client)
    save_replay(client, "Private replay")
    stranger = other_client(client)
    sign_up(stranger)

    assert "Private replay" in listed(client)
    assert listed(stranger) == {}


def test_a_log_the_calculator_cannot_take_says_why_it_cannot_be_kept(client: TestClient) -> None:
    sign_up(client)
    huge_requests = replay(client, f"{CSV_HEADER}\n2026-11-20,openai/gpt-4o,20000000,0,10,0,1")
    no_requests = replay(client, f"{CSV_HEADER}\n2026-11-20,openai/gpt-4o,1000,0,10,0,0")

    assert huge_requests.select_one("#replay-save form") is None
    assert "cannot be kept as a calculator workload" in text_of(find(huge_requests, "#replay-save"))
    assert "Input tokens per request" in text_of(find(huge_requests, "#replay-save"))
    assert no_requests.select_one("#replay-save form") is None
    assert "records no request" in text_of(find(no_requests, "#replay-save"))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    described=st.fixed_dictionaries(
        {},
        optional={
            "replay_rows": st.sampled_from(["2", "0", "-1", "1e9", "x"]) | st.text(max_size=8),
            "replay_first": st.sampled_from(["2026-09-10", "2026-02-30", "0001-01-01"])
            | st.text(max_size=12),
            "replay_last": st.sampled_from(["2026-11-20", "9999-12-31"]) | st.text(max_size=12),
        },
    ),
    name=st.sampled_from(["Fuzzed", ""]) | st.text(max_size=90),
)
def test_no_submitted_replay_description_gives_a_server_error(
    signed_in_client: tuple[TestClient, dict[str, str]], described: dict[str, str], name: str
) -> None:
    client, fields = signed_in_client
    answer = client.post(
        "/workloads",
        data=fields | described | {"name": name},
        follow_redirects=False,
    )

    assert answer.status_code in (303, 409, 422, 429)
