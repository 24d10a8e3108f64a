"""`/compare`: the ids contract (400s), the table's figures against each model page, the
workload's cost row over HTMX, a constant query count, and the ways in (picker, catalog)."""

import re

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Model
from app.services.community.ratings import rate_model
from tests.support.community_data import make_user
from tests.support.model_page import add_model
from tests.support.page_text import table_rows, text_of

REFERENCE = "mistral/mistral-small-2603"
MINI = "openai/gpt-4o-mini"
SONNET = "anthropic/claude-sonnet-4-5"
HTMX = {"HX-Request": "true"}
# What the workload form sends without JavaScript (every field, one changed from the
# chatbot preset), and the canonical address of that workload: only what differs.
NO_SCRIPT_WORKLOAD = (
    f"/compare?models={REFERENCE},{MINI}&preset=chatbot&requests=5000&per=day"
    "&input_tokens=2500&output_tokens=700&cache_share=60&cache_write_share=0"
    "&reasoning_tokens=600&days=30&batch=0"
)
CANONICAL_WORKLOAD = f"/compare?models={REFERENCE},{MINI}&preset=chatbot&output_tokens=700"
PRICE_ROWS = {
    "input": "Input",
    "output": "Output",
    "cache_read": "Cached input (read)",
    "cache_write": "Cache write",
    "reasoning": "Reasoning",
}


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def figure_text(cell: Tag) -> str:
    """A cell's text without the "best" mark, as the model page would print the figure."""
    copy = soup(str(cell))
    for mark in copy.select(".badge-best"):
        mark.decompose()
    return text_of(copy)


def column(page: BeautifulSoup, slug: str) -> dict[str, Tag]:
    """One model's cells, keyed by the row's `data-row`."""
    return {
        str(row["data-row"]): row.select_one(f'td[data-model="{slug}"]')
        for row in page.select("table.compare-table tr[data-row]")
        if row.select_one(f'td[data-model="{slug}"]') is not None
    }


@pytest.fixture
def rated(catalog_session: Session) -> Model:
    """A model with seven providers (one a router), measured, with two ratings (4 and 5 stars)."""
    model = add_model(
        catalog_session,
        author_slug="many",
        model_id="m",
        name="Many",
        providers=6,
        with_router=True,
    )
    for name, stars in (("Ada", 4), ("Bo", 5)):
        rate_model(
            session=catalog_session,
            model_id=model.id,
            user_id=make_user(catalog_session, name).id,
            stars=stars,
        )
    catalog_session.commit()
    return model


# ---------------------------------------------------------------- contract ----


@pytest.mark.parametrize(
    ("query", "named"),
    [
        (f"models={REFERENCE}", f"only {REFERENCE} was named"),
        ("models=", "none was named"),
        ("", "none was named"),
        (
            f"models={REFERENCE},{MINI},{SONNET},openai/gpt-4o,anthropic/claude-opus-4-1",
            "at most 4 models at once; 5 were named",
        ),
    ],
)
def test_fewer_than_two_or_more_than_four_models_is_a_clear_400(
    client: TestClient, query: str, named: str
) -> None:
    response = client.get(f"/compare?{query}")

    assert response.status_code == 400
    page = soup(response.text)
    assert named in text_of(page.select_one(".compare-error"))
    assert page.select_one("table.compare-table") is None


def test_five_models_are_offered_again_in_the_picker_to_untick_one(client: TestClient) -> None:
    five = [REFERENCE, MINI, SONNET, "openai/gpt-4o", "anthropic/claude-opus-4-1"]
    page = soup(client.get(f"/compare?models={','.join(five)}").text)

    ticked = [box["value"] for box in page.select('form.compare-picker input[name="models"]')]
    assert ticked == five
    assert all(box.has_attr("checked") for box in page.select(".compare-choices input"))


def test_unknown_models_are_named_in_the_message(client: TestClient) -> None:
    response = client.get(f"/compare?models={MINI},acme/no-such-model,acme/nor-this")

    assert response.status_code == 400
    message = text_of(soup(response.text).select_one(".compare-error"))
    assert "Not in the catalog: acme/no-such-model, acme/nor-this." in message
    assert MINI not in message


def test_a_repeated_model_is_a_400_naming_it(client: TestClient) -> None:
    response = client.get(f"/compare?models={REFERENCE},{MINI}&models={REFERENCE}")

    assert response.status_code == 400
    assert f"Listed more than once: {REFERENCE}." in response.text


@pytest.mark.parametrize("bad", ["gpt-4o", "a/b/c", "<script>x</script>/y", "x/" + "y" * 300])
def test_a_malformed_id_is_a_400_quoting_it_escaped(client: TestClient, bad: str) -> None:
    response = client.get("/compare", params={"models": f"{REFERENCE},{bad}"})

    assert response.status_code == 400
    message = text_of(soup(response.text).select_one(".compare-error"))
    assert "Not a model id:" in message and "author/model" in message
    assert "<script>" not in response.text


def test_an_htmx_request_for_bad_ids_gets_the_message_fragment(client: TestClient) -> None:
    response = client.get(f"/compare?models={REFERENCE}", headers=HTMX)

    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#flash"
    assert f"only {REFERENCE} was named" in response.text


# ------------------------------------------------------------ the table ----


def test_the_table_lists_the_models_in_the_order_given(client: TestClient) -> None:
    response = client.get(f"/compare?models={MINI},{REFERENCE}")

    assert response.status_code == 200
    page = soup(response.text)
    heads = page.select("table.compare-table thead th[data-model]")
    assert [th["data-model"] for th in heads] == [MINI, REFERENCE]
    assert heads[1].select_one("a.compare-model")["href"] == f"/models/{REFERENCE}"
    rows = [row["data-row"] for row in page.select("tr[data-row]")]
    assert rows == [
        "lab",
        "context_window",
        "input_modalities",
        "output_modalities",
        "tools",
        "json",
        "reasoning",
        *PRICE_ROWS,
        "throughput",
        "ttft",
        "rating",
        "cost",
    ]
    assert page.select_one("title").get_text().startswith("Compare GPT-4o-mini and Mistral Small 4")


@pytest.mark.parametrize(
    "query",
    [
        f"models={REFERENCE}&models={MINI}",
        f"models={REFERENCE},&models={MINI}",
        f"models={REFERENCE}+{MINI}",
        f"models={REFERENCE},{MINI}&q=gpt",
    ],
)
def test_other_spellings_are_redirected_to_the_canonical_url(
    client: TestClient, query: str
) -> None:
    response = client.get(f"/compare?{query}", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/compare?models={REFERENCE},{MINI}"


def test_an_encoded_canonical_url_is_answered_without_a_redirect(client: TestClient) -> None:
    response = client.get(
        "/compare", params={"models": f"{REFERENCE},{MINI}"}, follow_redirects=False
    )

    assert response.status_code == 200


def test_the_no_script_workload_form_redirects_to_the_canonical_workload(
    client: TestClient,
) -> None:
    response = client.get(
        NO_SCRIPT_WORKLOAD,
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == (CANONICAL_WORKLOAD)


def test_figures_equal_those_on_each_model_page(client: TestClient, rated: Model) -> None:
    """Every figure of each column, against the same figure parsed from that model's page."""
    slugs = [REFERENCE, rated.slug, MINI, SONNET]
    workload = "preset=chatbot&output_tokens=900"
    response = client.get(f"/compare?models={','.join(slugs)}&{workload}")
    assert response.status_code == 200
    compare_page = soup(response.text)

    for slug in slugs:
        cells = column(compare_page, slug)
        model_page = soup(client.get(f"/models/{slug}?{workload}").text)

        # Where each fact comes from is noted beside it: the values themselves are compared.
        for note in model_page.select("#capabilities :is(.fact-source, .sources-disagree)"):
            note.decompose()
        capabilities = model_page.select("#capabilities li")
        context = model_page.select_one("#capabilities data")
        if context is not None:
            assert cells["context_window"].select_one("data")["value"] == context["value"]
        for row, label in (("input_modalities", "Input"), ("output_modalities", "Output")):
            line = next(text_of(li) for li in capabilities if text_of(li).startswith(label))
            assert text_of(cells[row]) == line.split(": ", 1)[1].rstrip(".")

        listed = {}
        for item in model_page.select("#pricing .price-list li"):
            label, _, price = text_of(item).partition(": ")
            listed[label] = price.removesuffix(" per 1M tokens")
        for row, label in PRICE_ROWS.items():
            assert figure_text(cells[row]) == listed.get(label, "not known"), (slug, row)

        providers = table_rows(model_page.select_one("table.endpoints"))
        for row, column_name, best in (
            ("throughput", "Throughput", max),
            ("ttft", "Latency (TTFT)", min),
        ):
            figure = text_of(cells[row].select_one(".figure"))
            measured = [r[column_name] for r in providers.values() if r[column_name] != "not known"]
            if not measured:
                assert figure == "not known"
                continue
            offer = text_of(cells[row].select_one(".compare-offer"))
            assert providers[offer][column_name] == figure, (slug, row)
            assert int(re.match(r"\d+", figure)[0]) == best(
                int(re.match(r"\d+", text)[0]) for text in measured
            )

        integrations = dict(
            zip(
                [text_of(dt) for dt in model_page.select("#integrations dt")],
                [text_of(dd) for dd in model_page.select("#integrations dd")],
                strict=True,
            )
        )
        for row, label in (("tools", "Tool calling"), ("json", "Structured outputs")):
            stated = integrations[label]
            shown = text_of(cells[row])
            if stated.startswith("Supported — "):
                supporting = len(stated.removeprefix("Supported — ").split(", "))
                assert shown.startswith(f"Yes — {supporting} of "), (slug, row, shown)
            elif stated.startswith("Supported"):
                assert shown.startswith("Yes — as its sources state"), (slug, row, shown)
            else:
                assert shown.startswith("No" if "Not supported" in stated else "Not known")

        summary = model_page.select_one("#rating-summary .rating-average")
        if summary.select_one("strong") is None:
            assert figure_text(cells["rating"]) == "No ratings yet"
        else:
            assert text_of(cells["rating"].select_one(".figure")) == text_of(summary.strong)
            count = re.search(r"[\d,]+ ratings?", text_of(summary))[0]
            assert figure_text(cells["rating"]).endswith(f"· {count}")

        monthly = model_page.select_one(".estimate-monthly data")
        assert cells["cost"].select_one("strong data")["value"] == monthly["value"], slug

    many = column(compare_page, rated.slug)
    assert figure_text(many["rating"]) == "4.5 out of 5 · 2 ratings"
    assert text_of(many["throughput"].select_one(".compare-offer")) == "Host 6"


def test_the_best_figure_of_a_row_is_marked_in_words(
    client: TestClient, catalog_session: Session, rated: Model
) -> None:
    add_model(catalog_session, author_slug="few", model_id="m", name="Few", providers=1)
    page = soup(client.get(f"/compare?models=few/m,{rated.slug}").text)

    many, few = column(page, rated.slug), column(page, "few/m")
    assert many["throughput"].select_one(".badge-best") is not None  # 60 tok/s against 10
    assert few["throughput"].select_one(".badge-best") is None
    # Equal figures mark nobody: both answer first in 100 ms, both take input at $1.
    for row in ("ttft", "input"):
        assert not page.select(f'tr[data-row="{row}"] .badge-best'), row
    # A figure only one model has is not a ranking.
    assert not page.select('tr[data-row="rating"] .badge-best')


# ------------------------------------------------------- the cost row ----


def test_an_edited_field_gets_only_the_cost_rows_and_the_canonical_url(
    client: TestClient,
) -> None:
    response = client.get(
        NO_SCRIPT_WORKLOAD,
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == (CANONICAL_WORKLOAD)
    piece = soup(response.text)
    assert piece.select_one("form") is None
    assert piece.select_one('tr[data-row="context_window"]') is None
    rows = piece.select("tbody#calculator-result tr[data-row=cost] td[data-model]")
    assert [cell["data-model"] for cell in rows] == [REFERENCE, MINI]
    # The fields' messages travel out of band, so the fields being typed in stay put.
    assert piece.select_one('#workload-requests-error[hx-swap-oob="true"]') is not None


def test_a_preset_link_gets_the_whole_table_with_that_preset(client: TestClient) -> None:
    page = soup(client.get(f"/compare?models={REFERENCE},{MINI}").text)
    link = next(a for a in page.select("a.preset-link") if "preset=rag" in a["href"])

    response = client.get(link["hx-get"], headers={**HTMX, "HX-Target": "calculator"})

    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == f"/compare?models={REFERENCE},{MINI}&preset=rag"
    piece = soup(response.text)
    assert piece.select_one("#calculator table.compare-table") is not None
    assert piece.select_one('#calculator a.preset-link[aria-current="true"]')["href"].startswith(
        link["href"].split("#")[0]
    )


def test_the_cost_row_follows_the_workload(client: TestClient) -> None:
    def monthly(query: str) -> str:
        page = soup(client.get(f"/compare?models={REFERENCE},{MINI}&{query}").text)
        return page.select_one(f'tr[data-row=cost] td[data-model="{REFERENCE}"] strong data')[
            "value"
        ]

    # 1,000 requests a month of 1,000 tokens each way: 1M input at $0.15, 1M output at $0.60.
    assert monthly("requests_per_month=1000&input_tokens=1000&output_tokens=1000") == "0.75"
    assert monthly("requests_per_month=2000&input_tokens=1000&output_tokens=1000") == "1.5"


def test_an_invalid_workload_keeps_the_table_and_says_what_to_fix(client: TestClient) -> None:
    response = client.get(f"/compare?models={REFERENCE},{MINI}&preset=chatbot&days=40")

    assert response.status_code == 422
    page = soup(response.text)
    assert page.select_one('tr[data-row="throughput"]') is not None
    cost = text_of(page.select_one("tr[data-row=cost]"))
    assert "fix the marked field" in cost and "Days per month" in cost
    assert page.select_one("#workload-days")["aria-invalid"] == "true"


def test_the_no_script_form_keeps_the_models(client: TestClient) -> None:
    page = soup(client.get(f"/compare?models={REFERENCE},{MINI}").text)
    form = page.select_one("form.calculator-form")

    assert form["method"] == "get" and form["action"] == "/compare"
    assert form.select_one('input[type=hidden][name="models"]')["value"] == f"{REFERENCE},{MINI}"


# ------------------------------------------------------ query count ----


def test_the_query_count_does_not_grow_with_the_models(
    client: TestClient, count_queries, rated: Model
) -> None:
    def cost(slugs: list[str]) -> int:
        count_queries.statements.clear()
        assert client.get(f"/compare?models={','.join(slugs)}").status_code == 200
        return count_queries.count

    two = cost([REFERENCE, MINI])
    four = cost([REFERENCE, MINI, SONNET, rated.slug])

    assert two == four
    # Models, offers with prices, endpoint figures, ratings; and two savepoints.
    assert four <= 6


# ---------------------------------------------------------- ways in ----


def test_the_model_page_links_to_the_picker_with_this_model_chosen(client: TestClient) -> None:
    page = soup(client.get(f"/models/{REFERENCE}").text)
    link = page.select_one("#model-header .model-compare a")

    assert link["href"] == f"/compare/pick?models={REFERENCE}"
    picker = soup(client.get(link["href"]).text)
    chosen = picker.select(".compare-choices input[checked]")
    assert [box["value"] for box in chosen] == [REFERENCE]


def test_the_picker_searches_the_catalog_and_keeps_the_chosen_models(client: TestClient) -> None:
    response = client.get("/compare/pick", params={"models": REFERENCE, "q": "mistral small"})

    assert response.status_code == 200
    page = soup(response.text)
    form = page.select_one("form.compare-picker")
    assert form["action"] == "/compare"
    # The first button searches (Enter in the search field), the last compares.
    buttons = form.select("button[type=submit]")
    assert buttons[0]["formaction"] == "/compare/pick" and not buttons[-1].has_attr("formaction")
    matches = [box["value"] for box in page.select(".compare-choices input:not([checked])")]
    assert matches and REFERENCE not in matches
    assert all("mistral" in slug for slug in matches)


def test_the_picker_leaves_out_unknown_and_malformed_ids_with_a_note(client: TestClient) -> None:
    page = soup(client.get("/compare/pick?models=acme/nothing,bad-id," + MINI).text)

    assert [box["value"] for box in page.select(".compare-choices input")] == [MINI]
    notes = text_of(page.select_one(".compare-notes"))
    assert "acme/nothing" in notes and "“bad-id”" in notes


def test_the_catalog_ticks_models_for_compare(client: TestClient) -> None:
    page = soup(client.get("/", params={"q": "mistral small"}).text)

    form = page.select_one("form#compare-picks")
    assert form["method"] == "get" and form["action"] == "/compare"
    boxes = page.select('table.model-table input[type=checkbox][form="compare-picks"]')
    assert boxes and all(box["name"] == "models" for box in boxes)
    slugs = [box["value"] for box in boxes[:2]]
    # What the form sends when two are ticked: repeated parameters, made canonical.
    response = client.get("/compare", params=[("models", slug) for slug in slugs])
    assert response.status_code == 200
    assert response.url.query.decode() == f"models={','.join(slugs)}"


def test_lab_pages_have_no_compare_column(client: TestClient) -> None:
    page = soup(client.get("/authors/mistral").text)

    assert page.select_one("table.model-table") is not None
    assert page.select_one('input[form="compare-picks"]') is None


def test_the_picker_escapes_the_search_it_echoes(client: TestClient) -> None:
    response = client.get("/compare/pick", params={"q": '<img src=x onerror="alert(1)">'})

    assert response.status_code == 200
    assert "<img src=x" not in response.text
    assert "&lt;img src=x" in response.text


def test_a_column_can_be_removed_or_replaced_and_a_model_added(client: TestClient) -> None:
    three = soup(client.get(f"/compare?models={REFERENCE},{MINI},{SONNET}&preset=rag").text)
    remove = three.select_one(f'th[data-model="{MINI}"] a.compare-remove')
    assert remove["href"] == f"/compare?models={REFERENCE},{SONNET}&preset=rag"
    assert three.select_one(".compare-add a")["href"] == (
        f"/compare/pick?models={REFERENCE},{MINI},{SONNET}"
    )

    two = soup(client.get(f"/compare?models={REFERENCE},{MINI}").text)
    replace = two.select_one(f'th[data-model="{MINI}"] a.compare-remove')
    assert replace["href"] == f"/compare/pick?models={REFERENCE}"
    assert text_of(replace) == "Replace GPT-4o-mini"

    four = soup(client.get(f"/compare?models={REFERENCE},{MINI},{SONNET},openai/gpt-4o").text)
    assert four.select_one(".compare-add") is None
