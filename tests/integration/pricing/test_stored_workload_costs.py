"""Comparable models read each candidate's cheapest offer as the rollup refresh stored it.

Models with a window larger than any real one (`tests.support.priced_models`),
so only they are comparable, priced on the default workload.
"""

from dataclasses import asdict
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import Endpoint, Model, Price
from app.services.metrics.rollups import refresh_rollups
from app.services.pricing.calculator import ComparableModel, model_calculator
from tests.support.priced_models import add_priced_model

MODALITIES = ("text", "image")


@pytest.fixture
def huge_models(catalog_session: Session) -> Session:
    """A model and neighbours costing from a tenth to ten times as much on any workload."""
    add_priced_model(catalog_session, "giant/subject", input_price="2", output_price="8")
    for number, (input_price, output_price) in enumerate(
        [("1", "4"), ("0.5", "1"), ("3", "3"), ("0.1", "9"), ("0.2", "0.2"), ("4", "4")], start=1
    ):
        add_priced_model(
            catalog_session,
            f"giant/fits-{number}",
            input_price=input_price,
            output_price=output_price,
        )
    add_priced_model(
        catalog_session, "giant/free-only", input_price="0", output_price="0", variant="free"
    )
    catalog_session.flush()
    return catalog_session


def comparables(client: TestClient, session: Session, slug: str) -> list[dict[str, Any]]:
    calculator = model_calculator(
        session=session,
        slug=slug,
        input_modalities=MODALITIES,
        params={},
        presets=client.app.state.workload_presets,
    )
    return [asdict(comparable) for comparable in calculator.comparables]


def worked_out(client: TestClient, session: Session, slug: str) -> list[dict[str, Any]]:
    """The comparables with nothing stored: every candidate's offers loaded and priced."""
    session.execute(update(Model).values(workload_costs=None))
    session.expire_all()
    return comparables(client, session, slug)


def stored_costs(session: Session, slug: str) -> dict[str, Any]:
    costs = session.scalar(select(Model.workload_costs).where(Model.slug == slug))
    assert costs is not None, f"nothing stored for {slug}"
    return costs


def test_stored_costs_give_the_comparables_that_working_them_out_gives_in_fewer_statements(
    client: TestClient, huge_models: Session, count_queries
) -> None:
    count_queries.statements.clear()
    stored = comparables(client, huge_models, "giant/subject")
    with_stored = count_queries.count

    count_queries.statements.clear()
    computed = worked_out(client, huge_models, "giant/subject")
    without = count_queries.count - 1  # the update clearing them

    assert stored
    assert stored == computed
    # The model's offers and the shortlist with its stored costs; then the candidates' offers.
    assert (with_stored, without) == (2, 3)


def test_a_stored_cost_is_what_the_page_lists(client: TestClient, huge_models: Session) -> None:
    shown = comparables(client, huge_models, "giant/subject")
    first: ComparableModel = ComparableModel(**shown[0])
    costs = stored_costs(huge_models, first.slug)
    for key in costs["costs"]:
        costs["costs"][key] = [str(first.per_month), "Stored Provider"]
    huge_models.execute(update(Model).where(Model.id == first.id).values(workload_costs=costs))

    assert comparables(client, huge_models, "giant/subject")[0]["offer_label"] == "Stored Provider"


@pytest.mark.parametrize(
    "change",
    [{"reasoning": True}, {"slug": "giant/renamed"}],
    ids=["stated reasoning", "slug (its lab)"],
)
def test_a_cost_stored_before_the_model_changed_is_worked_out_again(
    client: TestClient, huge_models: Session, change: dict[str, object]
) -> None:
    first = ComparableModel(**comparables(client, huge_models, "giant/subject")[0])
    costs = stored_costs(huge_models, first.slug)
    for key in costs["costs"]:
        costs["costs"][key] = [str(first.per_month), "Stale Provider"]
    huge_models.execute(
        update(Model).where(Model.id == first.id).values(workload_costs=costs, **change)
    )

    listed = comparables(client, huge_models, "giant/subject")

    assert "Stale Provider" not in [comparable["offer_label"] for comparable in listed]
    assert listed == worked_out(client, huge_models, "giant/subject")


def test_a_new_price_refreshes_the_stored_cost(client: TestClient, huge_models: Session) -> None:
    first = ComparableModel(**comparables(client, huge_models, "giant/subject")[0])
    before = stored_costs(huge_models, first.slug)
    endpoint_ids = select(Endpoint.id).where(Endpoint.model_id == first.id)
    huge_models.execute(
        update(Price)
        .where(Price.endpoint_id.in_(endpoint_ids))
        .values(input=Price.input * Decimal("1.1"))
    )
    refresh_rollups(session=huge_models, model_ids=[first.id])

    assert stored_costs(huge_models, first.slug) != before
    assert comparables(client, huge_models, "giant/subject") == worked_out(
        client, huge_models, "giant/subject"
    )
