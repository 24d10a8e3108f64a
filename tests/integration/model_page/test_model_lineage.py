"""The model page's lineage: retired offers listed apart, dated snapshots linked to their alias."""

import csv
import io
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Endpoint, Model, Provider
from app.models.catalog import ENDPOINT_RETIRED
from app.services.metrics.rollups import refresh_rollups
from app.services.model_page.model_lineage import load_model_lineage

GPT_4O = "openai/gpt-4o"
REFERENCE = "mistral/mistral-small-2603"
RETIRED_AT = datetime(2026, 10, 3, 12, 30, tzinfo=UTC)


def text_of(element: Tag | None) -> str:
    assert element is not None
    return " ".join(element.get_text().split())


def page_of(client: TestClient, slug: str) -> BeautifulSoup:
    response = client.get(f"/models/{slug}")
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def retire(session: Session, model_slug: str, provider_slug: str) -> str:
    """Retire the model's plain endpoint at a provider; returns the provider's name."""
    endpoint, provider = session.execute(
        select(Endpoint, Provider)
        .join(Provider, Provider.id == Endpoint.provider_id)
        .join(Model, Model.id == Endpoint.model_id)
        .where(Model.slug == model_slug, Provider.slug == provider_slug, Endpoint.variant == "")
    ).one()
    endpoint.status, endpoint.retired_at = ENDPOINT_RETIRED, RETIRED_AT
    session.flush()
    refresh_rollups(session=session, model_ids=[endpoint.model_id])
    session.commit()
    return provider.name


def test_a_retired_offer_leaves_the_table_and_is_listed_as_no_longer_offered(
    client: TestClient, catalog_session: Session
) -> None:
    name = retire(catalog_session, REFERENCE, "venice")

    page = page_of(client, REFERENCE)

    rows = page.select("#providers table tbody tr")
    assert rows and not any(name in text_of(row) for row in rows)
    assert [text_of(item) for item in page.select("#providers .retired-offers li")] == [
        f"{name} — no longer offered since 2026-10-03"
    ]
    time = page.select_one("#providers .retired-offers time")
    assert time is not None and time["datetime"] == "2026-10-03"


def test_a_retired_offer_is_out_of_the_calculator(
    client: TestClient, catalog_session: Session
) -> None:
    def providers() -> set[str]:
        response = client.get(
            f"/calculator.csv?models={REFERENCE}&requests_per_month=1000"
            "&input_tokens=1000&output_tokens=1000"
        )
        assert response.status_code == 200
        return {row["provider"] for row in csv.DictReader(io.StringIO(response.text))}

    assert providers() == {"Mistral", "OpenRouter", "Venice"}

    retire(catalog_session, REFERENCE, "venice")

    assert providers() == {"Mistral", "OpenRouter"}


def test_a_model_with_no_retired_offer_lists_none(client: TestClient) -> None:
    page = page_of(client, GPT_4O)

    assert page.select_one("#providers .retired-offers") is None


def test_the_alias_lists_its_dated_snapshots_and_not_its_other_models(
    client: TestClient,
) -> None:
    page = page_of(client, GPT_4O)

    lineage = page.select("#model-header .model-lineage")
    assert len(lineage) == 1
    assert text_of(lineage[0]).startswith("Also published as:")
    links = [a["href"] for a in lineage[0].select("a")]
    assert links == ["/models/openai/gpt-4o-2024-05-13"]


def test_a_snapshot_links_back_to_its_alias(client: TestClient) -> None:
    page = page_of(client, "openai/gpt-4o-2024-05-13")

    lineage = page.select("#model-header .model-lineage")
    assert [text_of(p) for p in lineage] == ["Snapshot of GPT-4o (gpt-4o)."]
    assert lineage[0].select_one("a")["href"] == "/models/openai/gpt-4o"


def test_a_model_outside_any_dated_line_shows_no_lineage(client: TestClient) -> None:
    page = page_of(client, "openai/gpt-4o-mini")

    assert page.select("#model-header .model-lineage") == []


@pytest.mark.parametrize(
    ("slug", "other", "snapshot"),
    [
        ("deepseek/deepseek-r1", "deepseek/deepseek-r1-0528", False),
        ("openai/gpt-4o", "openai/gpt-4o-2024-05-13", True),
    ],
)
def test_dated_ids_stay_models_of_their_own_linked_both_ways(
    catalog_session: Session, slug: str, other: str, snapshot: bool
) -> None:
    ids = {slug: id_ for slug, id_ in catalog_session.execute(select(Model.slug, Model.id))}

    undated = load_model_lineage(session=catalog_session, model_id=ids[slug], slug=slug)
    dated = load_model_lineage(session=catalog_session, model_id=ids[other], slug=other)

    assert ids[slug] != ids[other]
    assert {m.slug: m.snapshot for m in undated.dated}[other] is snapshot
    assert (dated.dated_from and dated.dated_from.slug, dated.is_snapshot) == (slug, snapshot)
