"""The usage replay through the real app: form, CSRF, each input shape, dated prices, limits."""

import json
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import anyio
import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.models import Author, Endpoint, Model, Price, Provider
from app.services.pricing.replay_catalog import resolve_model_ids
from app.web.middleware.csrf import MISSING_OR_WRONG
from app.web.render.formatting import money
from tests.support.app_clients import app_client
from tests.support.auth import form_token
from tests.support.page_text import text_of
from tests.support.query_counts import QueryCounter

CONTRACT_MODEL = "mistralai/mistral-small-2603"


def token(client: TestClient) -> str:
    page = client.get("/replay")
    assert page.status_code == 200
    return form_token(page.text)


def replay(client: TestClient, usage: str, **fields: str) -> BeautifulSoup:
    response = client.post("/replay", data={"csrf_token": token(client), "usage": usage, **fields})
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def offer_total(page: BeautifulSoup, model: str, provider: str) -> str:
    return text_of(
        page.select_one(
            f'details[data-model="{model}"] tr[data-provider="{provider}"] td[data-column="total"]'
        )
    )


def yesterday() -> int:
    return int(time.time()) - 86_400


def response_line(model: str, created: int, prompt: int, completion: int, **usage: object) -> str:
    return json.dumps(
        {
            "id": "gen-1",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, **usage},
        }
    )


def test_the_contract_line_costs_075_at_mistral(client: TestClient) -> None:
    line = json.dumps(
        {
            "model": CONTRACT_MODEL,
            "created": yesterday(),
            "usage": {"prompt_tokens": 1000000, "completion_tokens": 1000000},
        }
    )

    page = replay(client, line)

    assert offer_total(page, "mistral/mistral-small-2603", "mistral") == "$0.75"
    row = page.select_one('table.replay-models tr[data-model="mistral/mistral-small-2603"]')
    assert text_of(row.select_one('td[data-column="lab"]')) == "$0.75"
    assert "Mistral" in text_of(row)


def test_an_uploaded_jsonl_file_of_responses_is_replayed(
    client: TestClient, catalog_session: Session
) -> None:
    lines = [
        response_line(
            CONTRACT_MODEL,
            yesterday(),
            2_000_000,
            1_000_000,
            prompt_tokens_details={"cached_tokens": 1_000_000},
            completion_tokens_details={"reasoning_tokens": 500_000},
        ),
        response_line("mistral-small-2603", yesterday(), 1_000_000, 0),
    ]

    response = client.post(
        "/replay",
        data={"csrf_token": token(client)},
        files={"file": ("usage.jsonl", "\n".join(lines).encode(), "application/jsonl")},
    )

    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    mistral = mistral_price(catalog_session)
    # 2M uncached and 1M cached input; 1M output, its reasoning billed as output.
    expected = 2 * mistral.input + 1 * (mistral.cache_read or mistral.input) + 1 * mistral.output
    assert offer_total(page, "mistral/mistral-small-2603", "mistral") == money(expected)
    assert "mistral-small-2603, mistralai/mistral-small-2603" in text_of(
        page.select_one('table.replay-models tr[data-model="mistral/mistral-small-2603"]')
    )


def mistral_price(session: Session) -> Price:
    """Mistral's own current standard price of Mistral Small 4 in the seeded catalog."""
    return (
        session.query(Price)
        .join(Endpoint)
        .join(Provider)
        .join(Model)
        .filter(
            Model.slug == "mistral/mistral-small-2603",
            Provider.slug == "mistral",
            Price.service_tier == "standard",
            Price.effective_to.is_(None),
        )
        .one()
    )


def test_a_csv_log_is_replayed_with_its_requests(client: TestClient) -> None:
    day = datetime.fromtimestamp(yesterday(), UTC).date().isoformat()
    usage = (
        "date,model,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,requests\n"
        f"{day},mistral/mistral-small-2603,4000000,0,0,0,7\n"
    )

    page = replay(client, usage)

    assert offer_total(page, "mistral/mistral-small-2603", "mistral") == "$0.60"
    assert offer_total(page, "mistral/mistral-small-2603", "venice") == "$0.75"


@pytest.fixture
def changed_price(catalog_session: Session) -> Model:
    """A model whose one offer cost $1/$2 until 2026-06-01 and $3/$6 from then on."""
    model = Model(
        author=Author(slug="replaylab", name="Replay Lab"),
        slug="replaylab/replay-model",
        name="Replay Model",
        status="active",
    )
    endpoint = Endpoint(
        model=model,
        provider=Provider(slug="replay-host", name="Replay Host", kind="inference"),
        provider_model_id="replay-model-v1",
    )
    for start, end, input_price, output_price in (
        (datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC), "1", "2"),
        (datetime(2026, 6, 1, tzinfo=UTC), None, "3", "6"),
    ):
        endpoint.prices.append(
            Price(
                service_tier="standard",
                effective_from=start,
                effective_to=end,
                input=Decimal(input_price),
                output=Decimal(output_price),
                source="test",
            )
        )
    catalog_session.add(endpoint)
    catalog_session.commit()
    return model


@pytest.mark.usefixtures("changed_price")
def test_each_row_is_priced_at_the_price_in_force_on_its_date(client: TestClient) -> None:
    usage = "\n".join(
        [
            "date,model,input_tokens,output_tokens",
            "2026-04-20,replay-model-v1,1000000,1000000",  # before the first price: assumed
            "2026-05-31,replay-model-v1,1000000,1000000",
            "2026-06-01,replay-model-v1,1000000,1000000",
        ]
    )

    page = replay(client, usage)

    # $3 (the first price, assumed) + $3 + $9 (the new price)
    assert offer_total(page, "replaylab/replay-model", "replay-host") == "$15.00"
    note = page.select_one('details[data-model="replaylab/replay-model"] tr td:last-child')
    assert text_of(note) == "price assumed from 2026-05-01"
    months = {
        row["data-month"]: text_of(row.select_one("td"))
        for row in page.select("table.replay-month-table tr[data-month]")
    }
    assert months == {"2026-04": "$3.00", "2026-05": "$3.00", "2026-06": "$9.00"}
    model_months = [
        [text_of(cell) for cell in row.select("th, td")]
        for row in page.select("table.replay-model-months tr[data-month]")
    ]
    assert model_months == [
        ["2026-04", "1", "$3.00"],
        ["2026-05", "1", "$3.00"],
        ["2026-06", "1", "$9.00"],
    ]
    summary = page.select_one('table.replay-models tr[data-model="replaylab/replay-model"]')
    assert "Replay Host (price assumed from 2026-05-01)" in text_of(summary)
    # The lab serves none of its model: going to the lab means its cheapest provider.
    assert text_of(page.select_one("#replay-lab-total")) == "$15.00"
    assert page.select_one("svg.replay-chart") is not None


@pytest.mark.usefixtures("changed_price")
def test_unknown_models_and_days_without_a_price_are_reported(
    client: TestClient, catalog_session: Session
) -> None:
    endpoint = catalog_session.query(Endpoint).filter_by(provider_model_id="replay-model-v1").one()
    current = next(price for price in endpoint.prices if price.effective_to is None)
    current.effective_to = datetime(2026, 7, 1, tzinfo=UTC)
    catalog_session.commit()
    usage = "\n".join(
        [
            "date,model,input_tokens,output_tokens",
            "2026-06-10,replay-model-v1,1000000,0",
            "2026-07-02,replay-model-v1,1000000,0",
            "2026-07-02,no-such-model-anywhere,10,10",
            "2026-07-03,no-such-model-anywhere,10,10",
        ]
    )

    page = replay(client, usage)

    rows = [
        [text_of(cell) for cell in row.select("th, td")]
        for row in page.select("table.replay-not-priced tbody tr")
    ]
    assert rows == [
        ["no-such-model-anywhere", "2", "2026-07-02 to 2026-07-03", "unknown model"],
        ["replaylab/replay-model", "1", "2026-07-02", "no price on that date at any provider"],
        [
            "replaylab/replay-model",
            "1",
            "2026-06-10",
            "no single provider has a price for every day",
        ],
    ]
    assert "1 row with no price here ($3.00 for the rest)" in text_of(
        page.select_one('details[data-model="replaylab/replay-model"]')
    )


def test_an_id_with_a_nul_character_is_not_in_the_catalog(client: TestClient) -> None:
    """Found by `test_no_input_gives_a_server_error` on PostgreSQL, which cannot be sent a
    NUL character: looking the id up failed there (a 500); on SQLite it was not found."""
    line = response_line(CONTRACT_MODEL, yesterday(), 1_000_000, 1_000_000)

    page = replay(client, line, alternatives="replaylab/replay\x00model")

    rows = [
        [text_of(cell) for cell in row.select("th, td")]
        for row in page.select("table.replay-alternatives tbody tr")
    ]
    assert rows == [["replaylab/replay\x00model", "Not in the catalog."]]


def test_ids_resolve_as_logs_write_them_and_dated_snapshots_as_their_model(
    catalog_session: Session,
) -> None:
    ids = {
        "mistral/mistral-small-2603": "mistral/mistral-small-2603",
        CONTRACT_MODEL: "mistral/mistral-small-2603",
        "mistral-small-2603": "mistral/mistral-small-2603",
        "Mistral-Small-2603": "mistral/mistral-small-2603",
        "openrouter/mistralai/mistral-small-2603": "mistral/mistral-small-2603",
        "gpt-4o-mini-2024-07-18": "openai/gpt-4o-mini",
        "gpt-4o-2024-05-13": "openai/gpt-4o-2024-05-13",
        # Only the catalog's resolver knows this one: a serving-variant suffix.
        "Llama-3.3-70B-Instruct-Turbo": "meta/llama-3.3-70b-instruct",
    }

    resolution = resolve_model_ids(session=catalog_session, ids=[*ids, "no-such-model"])

    slugs = {
        model_id: slug
        for model_id, slug in catalog_session.query(Model.id, Model.slug).filter(
            Model.id.in_(resolution.models.values())
        )
    }
    assert {text: slugs[model_id] for text, model_id in resolution.models.items()} == ids


def test_what_the_log_says_is_shown_as_text_never_as_markup(client: TestClient) -> None:
    script = "<script>alert(1)</script>"
    usage = "\n".join(
        [
            "date,model,input_tokens,output_tokens",
            f"2026-11-30,{script},1,1",
            f"{script},x,1,1",
        ]
    )

    response = client.post("/replay", data={"csrf_token": token(client), "usage": usage})

    assert response.status_code == 200
    assert script not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_malformed_lines_are_listed_by_number(client: TestClient) -> None:
    usage = "\n".join(
        [
            response_line(CONTRACT_MODEL, yesterday(), 10, 10),
            "{broken",
            response_line(CONTRACT_MODEL, 5, 10, 10),
        ]
    )

    page = replay(client, usage)

    assert [text_of(li) for li in page.select("ul.replay-malformed li")] == [
        "Line 2: not valid JSON",
        "Line 3: created is not a Unix time between 2000 and 2100",
    ]


@pytest.mark.usefixtures("changed_price")
def test_alternative_models_price_the_same_tokens(client: TestClient) -> None:
    line = response_line(CONTRACT_MODEL, yesterday(), 1_000_000, 1_000_000)

    page = replay(client, line, alternatives="replaylab/replay-model, nope/never")

    rows = [
        [text_of(cell) for cell in row.select("th, td")]
        for row in page.select("table.replay-alternatives tbody tr")
    ]
    assert rows == [
        ["Replay Model replaylab/replay-model", "Replay Host", "$9.00"],
        ["nope/never", "Not in the catalog."],
    ]


def test_the_result_downloads_as_csv_from_the_pages_own_form(client: TestClient) -> None:
    page = replay(client, response_line(CONTRACT_MODEL, yesterday(), 1_000_000, 1_000_000))
    download = page.select_one("form.replay-download")
    fields = [
        (field["name"], field.get("value") or field.get_text())
        for field in download.select("[name]")
    ]
    assert fields[0][0] == "csrf_token"

    response = client.post("/replay", data=dict(fields))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("month,model,model_name,provider,cheapest,lab_provider")
    mistral = next(line for line in lines if ",Mistral," in line)
    assert mistral.split(",")[4:6] == ["yes", "yes"]
    assert mistral.split(",")[11] == "0.75"


def test_no_token_or_a_token_after_the_log_is_refused(client: TestClient) -> None:
    line = response_line(CONTRACT_MODEL, yesterday(), 1, 1)
    good = token(client)

    assert client.post("/replay", data={"usage": line}).status_code == 403
    late = client.post("/replay", data={"usage": line, "csrf_token": good})
    assert late.status_code == 403
    assert MISSING_OR_WRONG in late.text
    assert client.post("/replay", data={"csrf_token": "0" * 64, "usage": line}).status_code == 403


def test_an_empty_form_or_two_logs_are_refused_with_a_message(client: TestClient) -> None:
    line = response_line(CONTRACT_MODEL, yesterday(), 1, 1)

    empty = client.post("/replay", data={"csrf_token": token(client), "usage": "  \n"})
    both = client.post(
        "/replay",
        data={"csrf_token": token(client), "usage": line},
        files={"file": ("u.jsonl", line.encode())},
    )

    assert empty.status_code == 422
    assert "Paste usage records or choose a file" in empty.text
    assert both.status_code == 422
    assert "not both" in both.text


@pytest.fixture
def small_limits_client(settings: Settings, catalog_factory: sessionmaker[Session]) -> TestClient:
    with app_client(
        settings, catalog_factory, replay_max_bytes=2048, replay_max_rows=3
    ) as test_client:
        yield test_client


def test_a_log_over_the_size_limit_gets_413(small_limits_client: TestClient) -> None:
    client = small_limits_client
    line = response_line(CONTRACT_MODEL, yesterday(), 1, 1)

    streamed_over = client.post(
        "/replay", data={"csrf_token": token(client), "usage": "\n" * 2049 + line}
    )
    declared_over = client.post(
        "/replay",
        data={"csrf_token": token(client)},
        files={"file": ("u.jsonl", b"\n" * (2048 + 64 * 1024) + line.encode())},
    )

    assert streamed_over.status_code == 413
    assert "larger than 2,048 bytes" in streamed_over.text
    assert declared_over.status_code == 413


def test_a_log_over_the_row_limit_gets_413(small_limits_client: TestClient) -> None:
    client = small_limits_client
    line = response_line(CONTRACT_MODEL, yesterday(), 1, 1)

    at_limit = client.post(
        "/replay", data={"csrf_token": token(client), "usage": "\n".join([line] * 3)}
    )
    over = client.post(
        "/replay", data={"csrf_token": token(client), "usage": "\n".join([line] * 4)}
    )

    assert at_limit.status_code == 200
    assert over.status_code == 413
    assert "more than 3 rows" in over.text


def test_a_log_larger_than_the_site_wide_body_limit_is_read(client: TestClient) -> None:
    line = response_line(CONTRACT_MODEL, yesterday(), 1000, 1000)
    log = "\n".join([line] * 2000)
    assert len(log) > Settings().max_request_bytes

    response = client.post(
        "/replay",
        data={"csrf_token": token(client)},
        files={"file": ("usage.jsonl", log.encode())},
    )

    assert response.status_code == 200
    assert "2,000 rows read" in response.text


def test_other_addresses_keep_the_small_body_limit(client: TestClient) -> None:
    response = client.post("/login", data={"csrf_token": "x", "email": "a" * 300_000})

    assert response.status_code == 413


def test_the_statements_do_not_grow_with_the_number_of_models_or_rows(
    client: TestClient, count_queries: QueryCounter
) -> None:
    one = "\n".join(
        response_line(model, yesterday(), 1, 1) for model in (CONTRACT_MODEL, "unknown/model")
    )
    many = "\n".join(
        response_line(model, yesterday() - day * 86_400, 1, 1)
        for model in (CONTRACT_MODEL, "gpt-4o", "openai/gpt-4o-mini", "claude-3-5-haiku", "x/y")
        for day in range(20)
    )
    tokens = [token(client), token(client)]

    start = count_queries.count
    client.post("/replay", data={"csrf_token": tokens[0], "usage": one})
    few = count_queries.count - start
    start = count_queries.count
    client.post("/replay", data={"csrf_token": tokens[1], "usage": many})

    assert count_queries.count - start == few


def test_an_upload_in_progress_holds_no_database_turn(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    """With one turn at the database, a page still answers while a slow upload streams in."""
    app = create_app(
        settings.model_copy(
            update={"database_max_concurrency": 1, "database_queue_timeout_seconds": 1.0}
        )
    )
    app.state.session_factory = catalog_factory
    boundary = "replay-test-boundary"
    line = response_line(CONTRACT_MODEL, yesterday(), 1_000_000, 1_000_000)

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            page_token = form_token((await client.get("/replay")).text)
            parts = [
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{page_token}\r\n--{boundary}\r\n"
                'Content-Disposition: form-data; name="usage"\r\n\r\n'.encode(),
                line.encode(),
                f"\r\n--{boundary}--\r\n".encode(),
            ]
            arrived = anyio.Event()

            async def slow_body() -> AsyncIterator[bytes]:
                yield parts[0]
                yield parts[1]
                await arrived.wait()
                yield parts[2]

            answers: dict[str, httpx.Response] = {}

            async def upload() -> None:
                answers["replay"] = await client.post(
                    "/replay",
                    content=slow_body(),
                    headers={
                        "Content-Type": f"multipart/form-data; boundary={boundary}",
                        "Content-Length": str(sum(map(len, parts))),
                    },
                )

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(upload)
                await anyio.sleep(0.3)
                answers["page"] = await client.get("/calculator?models=mistral/mistral-small-2603")
                arrived.set()
            return answers["page"], answers["replay"]

    # A thread of its own: a browser test earlier in this worker leaves Playwright's event loop
    # marked running in the main thread, where anyio refuses to start another.
    with ThreadPoolExecutor(max_workers=1) as runner:
        page, replayed = runner.submit(anyio.run, scenario).result()

    assert page.status_code == 200
    assert replayed.status_code == 200
    assert "$0.75" in replayed.text


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    usage=st.text(max_size=300)
    | st.lists(
        st.fixed_dictionaries(
            {
                "model": st.sampled_from([CONTRACT_MODEL, "gpt-4o", "", "?"]) | st.text(max_size=5),
                "created": st.integers() | st.text(max_size=12) | st.none(),
                "usage": st.dictionaries(
                    st.sampled_from(["prompt_tokens", "completion_tokens", "input_tokens"]),
                    st.integers() | st.floats() | st.text(max_size=4),
                ),
            }
        ).map(json.dumps),
        max_size=5,
    ).map("\n".join),
    alternatives=st.text(max_size=40),
)
def test_no_input_gives_a_server_error(client: TestClient, usage: str, alternatives: str) -> None:
    response = client.post(
        "/replay",
        data={"csrf_token": token(client), "alternatives": alternatives, "usage": usage},
    )

    assert response.status_code in (200, 400, 413, 422)


CSV_HEADER = "date,model,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,requests"
CSV_CELL = st.sampled_from(["", "0", "-1", "1e3", "2026-11-30", "gpt-4o", '"', ",", "9" * 20])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    log=st.binary(max_size=300)
    | st.lists(
        st.lists(CSV_CELL | st.text(max_size=6), min_size=0, max_size=8).map(",".join),
        max_size=5,
    ).map(lambda lines: "\n".join([CSV_HEADER, *lines]).encode()),
    filename=st.sampled_from(["usage.csv", "usage.jsonl", "", "a\u00e9.txt"]),
)
def test_no_uploaded_file_gives_a_server_error(
    client: TestClient, log: bytes, filename: str
) -> None:
    response = client.post(
        "/replay", data={"csrf_token": token(client)}, files={"file": (filename, log)}
    )

    assert response.status_code in (200, 400, 413, 422)
