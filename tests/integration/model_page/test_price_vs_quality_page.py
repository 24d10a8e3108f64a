"""The model page's "Price vs quality" section: scores table, scatter, benchmark picker.

Scores are written by the tests themselves (no score data ships). Models are
test models of the lab `pvqlab` with one inference endpoint each, so their
cheapest prices (the rollups) are what each test sets.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Author, BenchmarkScore, Endpoint, Model, Price, Provider
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from app.services.metrics.rollups import refresh_rollups
from tests.support.auth import htmx_headers
from tests.support.community_data import add_comments, make_user
from tests.support.page_text import text_of

REFERENCE_URL = f"/models/{REFERENCE_MODEL_SLUG}"


def section_of(html: str) -> Tag:
    found = BeautifulSoup(html, "html.parser").find(id="price-vs-quality")
    assert isinstance(found, Tag)
    return found


class Lab:
    """Makes priced test models and scores them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.author = Author(slug="pvqlab", name="PVQ Lab")
        self.provider = Provider(slug="pvq-host", name="PVQ Host", kind="inference")
        session.add_all([self.author, self.provider])

    def model(self, slug: str, name: str, price_in: str | None, price_out: str | None) -> Model:
        model = Model(author=self.author, slug=f"pvqlab/{slug}", name=name, status="active")
        self.session.add(model)
        if price_in is not None or price_out is not None:
            endpoint = Endpoint(model=model, provider=self.provider, provider_model_id=slug)
            endpoint.prices.append(
                Price(
                    service_tier="standard",
                    effective_from=datetime(2026, 1, 1, tzinfo=UTC),
                    input=Decimal(price_in) if price_in is not None else None,
                    output=Decimal(price_out) if price_out is not None else None,
                    source="test",
                )
            )
            self.session.add(endpoint)
        self.session.flush()
        refresh_rollups(session=self.session, model_ids=[model.id])
        return model

    def score(
        self,
        model_id: int,
        benchmark: str,
        score: str,
        source: str = "Test Harness",
        measured_on: date | None = date(2026, 3, 1),
    ) -> None:
        self.session.add(
            BenchmarkScore(
                model_id=model_id,
                benchmark=benchmark,
                score=Decimal(score),
                source=source,
                measured_on=measured_on,
            )
        )
        self.session.flush()


@pytest.fixture
def lab(catalog_session: Session) -> Lab:
    return Lab(catalog_session)


@pytest.fixture
def scored(lab: Lab) -> dict[str, Model]:
    """Three priced models, one unpriced and one free, all scored on Reasoning Quiz."""
    models = {
        "cheap": lab.model("cheap", "Cheap One", "0.1", "0.1"),
        "mid": lab.model("mid", "Middle One", "1", "1"),
        "dear": lab.model("dear", "Dear One", "10", "10"),
        "unpriced": lab.model("unpriced", "Unpriced One", None, None),
        "free": lab.model("free", "Free One", "0", "0"),
    }
    for key, value in {
        "cheap": "40",
        "mid": "35",
        "dear": "90",
        "unpriced": "70",
        "free": "20",
    }.items():
        lab.score(models[key].id, "Reasoning Quiz", value)
    lab.session.commit()
    return models


def test_no_scores_shows_the_reference_empty_state(client: TestClient) -> None:
    section = section_of(client.get(REFERENCE_URL).text)

    assert text_of(section.find("h2")) == "Price vs quality"
    assert text_of(section.find("p")) == "This model has no benchmark scores recorded yet."
    assert section.find("svg") is None
    assert section.find("table") is None


def test_scores_show_a_table_and_a_scatter_with_a_link_per_priced_model(
    client: TestClient, scored: dict[str, Model]
) -> None:
    section = section_of(client.get("/models/pvqlab/mid").text)

    rows = [
        [text_of(cell) for cell in tr.find_all(["th", "td"])] for tr in section.select("tbody tr")
    ]
    assert rows == [["Reasoning Quiz", "35", "Test Harness", "2026-03-01"]]
    svg = section.find("svg")
    assert isinstance(svg, Tag)
    assert svg["role"] == "group"
    caption = section.find(id=svg["aria-labelledby"])
    assert caption is not None and caption.name == "figcaption"
    links = {a["href"]: text_of(a.find("title")) for a in svg.find_all("a")}
    assert links == {
        "/models/pvqlab/cheap": "Cheap One: 40 at $0.10 per 1M, on the frontier",
        "/models/pvqlab/mid": "Middle One (this model): 35 at $1.00 per 1M",
        "/models/pvqlab/dear": "Dear One: 90 at $10.00 per 1M, on the frontier",
    }
    current = svg.select("a.pvq-current")
    assert [a["href"] for a in current] == ["/models/pvqlab/mid"]
    assert [a["href"] for a in svg.select("a.pvq-on-frontier")] == [
        "/models/pvqlab/cheap",
        "/models/pvqlab/dear",
    ]
    assert svg.select_one("path.pvq-frontier") is not None
    assert [text_of(t) for t in svg.select("text.pvq-tick")][:7] == [
        "$0.10",
        "$0.20",
        "$0.50",
        "$1.00",
        "$2.00",
        "$5.00",
        "$10.00",
    ]
    assert "log scale" in text_of(svg)
    assert "Reasoning Quiz score" in text_of(svg)
    words = text_of(caption)
    assert "Middle One (the large ringed dot) scores 35 at $1.00 per 1M tokens." in words
    assert "Cheap One (40, $0.10); Dear One (90, $10.00)." in words
    notes = text_of(section.select_one("p.muted"))
    assert (
        "1 of the 5 models scored on Reasoning Quiz has no known price and is not drawn." in notes
    )
    assert "1 free model is not drawn" in notes


def test_a_model_without_a_price_says_it_is_not_drawn(
    client: TestClient, scored: dict[str, Model]
) -> None:
    section = section_of(client.get("/models/pvqlab/unpriced").text)

    assert section.select("svg a.pvq-current") == []
    assert len(section.select("svg a")) == 3
    assert "Unpriced One has no known price, so it is not drawn." in text_of(section)


def test_the_picker_charts_another_benchmark_with_and_without_htmx(
    client: TestClient, lab: Lab, scored: dict[str, Model]
) -> None:
    lab.score(scored["mid"].id, "Code & Maths", "12")
    lab.score(scored["dear"].id, "Code & Maths", "30")
    lab.session.commit()

    page = section_of(client.get("/models/pvqlab/mid").text)
    picker = page.select_one("nav.pvq-benchmarks")
    assert picker is not None
    assert text_of(picker.select_one("[aria-current]")) == "Reasoning Quiz", "most models scored"
    link = picker.find("a")
    assert link["href"] == "/models/pvqlab/mid?benchmark=Code%20%26%20Maths#price-vs-quality"
    assert link["hx-get"] == "/models/pvqlab/mid?benchmark=Code%20%26%20Maths"
    assert link["hx-target"] == "#price-vs-quality"

    plain = client.get("/models/pvqlab/mid?benchmark=Code%20%26%20Maths")
    fragment = client.get("/models/pvqlab/mid?benchmark=Code%20%26%20Maths", headers=htmx_headers())

    assert plain.status_code == fragment.status_code == 200
    assert "<html" in plain.text
    assert "<html" not in fragment.text
    for html in (plain.text, fragment.text):
        section = section_of(html)
        assert text_of(section.select_one("nav [aria-current]")) == "Code & Maths"
        assert {a["href"] for a in section.select("svg a")} == {
            "/models/pvqlab/mid",
            "/models/pvqlab/dear",
        }
    assert fragment.text.lstrip().startswith('<section id="price-vs-quality"')


def test_a_benchmark_the_model_lacks_falls_back_with_a_note(
    client: TestClient, scored: dict[str, Model]
) -> None:
    response = client.get("/models/pvqlab/mid?benchmark=<b>Nope</b>")

    assert response.status_code == 200
    assert "<b>Nope</b>" not in response.text
    section = section_of(response.text)
    assert text_of(section.select_one(".notice")) == (
        "This model has no <b>Nope</b> score; the chart shows Reasoning Quiz."
    )
    assert len(section.select("svg a")) == 3


def test_several_sources_draw_one_point_with_the_latest_score(
    client: TestClient, lab: Lab, scored: dict[str, Model]
) -> None:
    lab.score(
        scored["mid"].id,
        "Reasoning Quiz",
        "38",
        source="Another Lab",
        measured_on=date(2026, 3, 20),
    )
    lab.score(scored["mid"].id, "Reasoning Quiz", "99", source="Undated Lab", measured_on=None)
    lab.session.commit()

    section = section_of(client.get("/models/pvqlab/mid").text)

    assert len(section.select("tbody tr")) == 3
    current = section.select_one("svg a.pvq-current title")
    assert text_of(current) == "Middle One (this model): 38 at $1.00 per 1M"


def test_names_are_escaped_in_the_chart(client: TestClient, lab: Lab) -> None:
    model = lab.model("xss", '<script>alert("x")</script>', "1", "2")
    lab.score(model.id, '"><img src=x>', "50")
    lab.session.commit()

    response = client.get("/models/pvqlab/xss")

    assert "<script>alert" not in response.text
    assert "<img src=x>" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; (this model)" in response.text


def test_query_count_does_not_grow_with_the_models_on_the_chart(
    client: TestClient, lab: Lab, count_queries
) -> None:
    few = [lab.model(f"few-{n}", f"Few {n}", str(n), str(n)) for n in range(1, 3)]
    many = [lab.model(f"many-{n}", f"Many {n}", str(n), str(2 * n)) for n in range(1, 41)]
    lab.model("none", "No Scores", "1", "1")
    for n, model in enumerate(few, start=1):
        lab.score(model.id, "Small Quiz", str(10 * n))
    for n, model in enumerate(many, start=1):
        lab.score(model.id, "Big Quiz", str(n))
        lab.score(model.id, "Other Quiz", str(n), source="Second Source")
    lab.session.commit()

    counts = {}
    for slug in ("few-1", "many-1", "none"):
        count_queries.statements.clear()
        assert client.get(f"/models/pvqlab/{slug}").status_code == 200
        counts[slug] = count_queries.count

    assert counts["few-1"] == counts["many-1"] == counts["none"]


def test_the_page_stays_under_60_kb_with_a_full_chart_and_comments(
    client: TestClient, catalog_session: Session, lab: Lab
) -> None:
    reference = catalog_session.scalars(
        select(Model).where(Model.slug == REFERENCE_MODEL_SLUG)
    ).one()
    lab.score(reference.id, "A Benchmark With A Long Name", "50")
    lab.score(reference.id, "Second Benchmark", "50")
    for n in range(60):
        model = lab.model(
            f"rival-{n:02d}", f"Rival Model Number {n:02d} Instruct", f"0.{n + 1:02d}", str(n + 1)
        )
        lab.score(model.id, "A Benchmark With A Long Name", str(20 + n))
    author = make_user(catalog_session, "Weigher")
    for comment in add_comments(catalog_session, reference, author, 25):
        comment.body = "Switched our support bot to this model; the **bill** dropped by about 60%."
    catalog_session.commit()

    html = client.get(REFERENCE_URL).content

    section = section_of(html.decode())
    assert len(section.select("svg a")) == 30
    assert "31 more priced models left out" in text_of(section)
    assert len(html) <= 60_000
