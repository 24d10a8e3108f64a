"""Comparable models ranked by the database from each model's cost as the rollup refresh stored it.

Models with a window larger than any real one (`tests.support.priced_models`),
so only they are comparable, priced on the default workload.
"""

from dataclasses import asdict
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.models import Endpoint, Model, ModelWorkloadCost, Price
from app.services.metrics.rollups import refresh_rollups
from app.services.pricing.calculator import (
    COMPARABLE_SHORTLIST,
    ComparableModel,
    model_calculator,
)
from app.services.pricing.stored_workload_costs import stored_workload_keys
from app.services.pricing.workload import load_presets
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


def comparables(
    client: TestClient, session: Session, slug: str, params: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    calculator = model_calculator(
        session=session,
        slug=slug,
        input_modalities=MODALITIES,
        params=params or {},
        presets=client.app.state.workload_presets,
    )
    return [asdict(comparable) for comparable in calculator.comparables]


def worked_out(client: TestClient, session: Session, slug: str) -> list[dict[str, Any]]:
    """The comparables with nothing stored (as before the first refresh): every shortlisted
    candidate's offers loaded and priced."""
    session.execute(delete(ModelWorkloadCost))
    return comparables(client, session, slug)


def stored_costs(session: Session, slug: str) -> dict[str, tuple[Decimal, str]]:
    """The model's stored rows: cost and offer label by workload key."""
    rows = session.execute(
        select(
            ModelWorkloadCost.workload_key,
            ModelWorkloadCost.per_month,
            ModelWorkloadCost.offer_label,
        )
        .join(Model, Model.id == ModelWorkloadCost.model_id)
        .where(Model.slug == slug)
    )
    return {key: (per_month, label) for key, per_month, label in rows}


def test_stored_costs_give_the_comparables_that_working_them_out_gives_in_fewer_statements(
    client: TestClient, huge_models: Session, count_queries
) -> None:
    count_queries.statements.clear()
    stored = comparables(client, huge_models, "giant/subject")
    with_stored = count_queries.count

    count_queries.statements.clear()
    computed = worked_out(client, huge_models, "giant/subject")
    without = count_queries.count - 1  # the delete

    assert stored
    assert stored == computed
    # The model's offers and the ranking of stored costs; without them, the ranking
    # (which finds nothing), the shortlist and the candidates' offers.
    assert (with_stored, without) == (2, 4)


def test_a_priced_model_has_a_cost_on_every_stored_workload(huge_models: Session) -> None:
    assert set(stored_costs(huge_models, "giant/fits-1")) == stored_workload_keys()


@pytest.mark.parametrize("preset", [preset.slug for preset in load_presets().items])
def test_a_preset_links_workload_is_ranked_from_the_stored_costs(
    client: TestClient, huge_models: Session, count_queries, preset: str
) -> None:
    count_queries.statements.clear()
    listed = comparables(client, huge_models, "giant/subject", {"preset": preset})

    assert listed
    assert count_queries.count == 2
    assert "FROM model_workload_costs" in count_queries.statements[1]


def test_a_model_priced_only_through_a_free_offer_has_no_stored_cost(
    huge_models: Session,
) -> None:
    assert stored_costs(huge_models, "giant/free-only") == {}


def test_a_stored_cost_is_what_the_page_lists(client: TestClient, huge_models: Session) -> None:
    first = ComparableModel(**comparables(client, huge_models, "giant/subject")[0])
    huge_models.execute(
        update(ModelWorkloadCost)
        .where(ModelWorkloadCost.model_id == first.id)
        .values(offer_label="Stored Provider")
    )

    assert comparables(client, huge_models, "giant/subject")[0]["offer_label"] == "Stored Provider"


def test_the_database_ranks_the_candidates_by_their_stored_cost(
    client: TestClient, huge_models: Session
) -> None:
    listed = [ComparableModel(**row) for row in comparables(client, huge_models, "giant/subject")]
    last, first = listed[-1], listed[0]
    huge_models.execute(
        update(ModelWorkloadCost)
        .where(ModelWorkloadCost.model_id == last.id)
        .values(per_month=first.per_month - Decimal("0.01"))
    )

    ranked = comparables(client, huge_models, "giant/subject")

    assert [row["slug"] for row in ranked][:2] == [last.slug, first.slug]


def test_the_cheapest_on_the_workload_is_listed_whatever_its_rollup_prices(
    client: TestClient, huge_models: Session
) -> None:
    """Cheap cached input makes the default workload (60% cached) cheapest on a model whose
    list input price ranks it behind two dozen others: a shortlist by rollup prices left it
    out, the ranking of stored costs does not."""
    for number in range(COMPARABLE_SHORTLIST):
        add_priced_model(huge_models, f"giant/uncached-{number}", input_price="1", output_price="1")
    add_priced_model(
        huge_models,
        "giant/cached",
        input_price="1.5",
        output_price="1",
        cache_read_price="0.2",
    )

    listed = comparables(client, huge_models, "giant/subject")

    assert listed[0]["slug"] == "giant/cached"


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


def test_stated_reasoning_refreshes_the_stored_cost(
    client: TestClient, huge_models: Session
) -> None:
    """The default workload's reasoning tokens are billed only on a model that reasons."""
    first = ComparableModel(**comparables(client, huge_models, "giant/subject")[0])
    before = stored_costs(huge_models, first.slug)
    huge_models.execute(update(Model).where(Model.id == first.id).values(reasoning=True))
    refresh_rollups(session=huge_models, model_ids=[first.id])

    after = stored_costs(huge_models, first.slug)
    assert {key: cost for key, (cost, _label) in after.items()} != {
        key: cost for key, (cost, _label) in before.items()
    }
    assert comparables(client, huge_models, "giant/subject") == worked_out(
        client, huge_models, "giant/subject"
    )


def test_a_refresh_that_changes_nothing_writes_nothing(huge_models: Session, count_queries) -> None:
    count_queries.statements.clear()
    refresh_rollups(session=huge_models)

    written = [
        sql
        for sql in count_queries.statements
        if "model_workload_costs" in sql and not sql.lstrip().upper().startswith("SELECT")
    ]
    assert written == []
