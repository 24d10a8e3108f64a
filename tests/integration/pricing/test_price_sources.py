"""Two writers of price rows, the genai-prices import and the metrics refresh, taking turns.

Both write standard-tier prices for the endpoints OpenRouter lists. Before the
rule in `app.services.ingest.genai_import` (a live price stays the live source's),
each run saw the other's row as a change and history filled with fake ones;
with dated history in the dataset the import even reopened a row the refresh
had closed, and failed on the second open row.
Each test gets its own committed database, as a refresh needs (see
`tests.support.metrics_refresh`).
"""

import copy
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from genai_prices.types import ConditionalPrice, ModelPrice, StartDateConstraint
from sqlalchemy import select

from app.db import session_scope, utcnow
from app.models import Endpoint, Model, Price, Provider
from app.services.ingest.genai_import import ImportReport, import_genai_prices
from app.sources.genai_prices import default_providers
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    SeededDatabase,
    count_rows,
    price_history,
    refresh_settings,
    run_refresh_job,
    seeded_database,
)

MISTRAL_SMALL_4 = "mistralai/mistral-small-2603"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    """A database the genai-prices import has filled once, as on first start."""
    with seeded_database(tmp_path, "sources", template="catalog") as imported:
        yield imported


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[SeededDatabase]:
    """A database holding only the reference entry, for imports of other data."""
    with seeded_database(tmp_path, "sources") as database:
        yield database


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as server:
        yield server


def run_import(database: SeededDatabase, providers: list | None = None) -> ImportReport:
    with session_scope(database.factory) as session:
        return import_genai_prices(session=session, providers=providers)


def open_standard_rows(database: SeededDatabase) -> dict[tuple[str, str, str], Price]:
    """(model slug, provider slug, variant) -> the open standard-tier row."""
    with database.factory() as session:
        rows = session.execute(
            select(Model.slug, Provider.slug, Endpoint.variant, Price)
            .join(Endpoint, Endpoint.model_id == Model.id)
            .join(Provider, Provider.id == Endpoint.provider_id)
            .join(Price, Price.current_standard_of(Endpoint.id))
        )
        return {(m, p, v): price for m, p, v, price in rows}


def test_import_and_refresh_taking_turns_add_no_price_rows(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    settings = refresh_settings(database.url, fake)
    run_refresh_job(database, settings)
    settled = count_rows(database, Price)

    reimport = run_import(database)
    after_reimport = count_rows(database, Price)
    second = run_refresh_job(database, settings)
    after_refresh = count_rows(database, Price)
    run_import(database)
    run_refresh_job(database, settings)

    assert (after_reimport, after_refresh) == (settled, settled)
    assert reimport.prices_closed == 0
    assert second.counts["prices_changed"] == 0
    assert count_rows(database, Price) == settled


def test_live_prices_stay_current_and_the_import_counts_them(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    run_refresh_job(database, refresh_settings(database.url, fake))
    live_before = {
        key: (row.id, row.input, row.output)
        for key, row in open_standard_rows(database).items()
        if row.source == "openrouter"
    }

    reimport = run_import(database)

    live_after = {
        key: (row.id, row.input, row.output)
        for key, row in open_standard_rows(database).items()
        if row.source == "openrouter"
    }
    assert live_after == live_before
    # Only the refreshed endpoints genai-prices lists too were the import's to touch.
    assert 0 < reimport.kept_live <= len(live_before)
    assert "live prices kept" in reimport.summary()
    venice = price_history(database, "venice")
    assert [(row.input, row.source) for row in venice][-1] == (Decimal("0.2"), "openrouter")
    assert sum(row.effective_to is None for row in venice) == 1


def test_a_real_change_upstream_is_kept_after_a_reimport(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    settings = refresh_settings(database.url, fake)
    run_refresh_job(database, settings)
    fake.patch_endpoint(
        MISTRAL_SMALL_4, "Mistral", pricing={"prompt": "0.0000001", "completion": "0.0000004"}
    )

    changed = run_refresh_job(database, settings)
    run_import(database)

    assert changed.counts["prices_changed"] == 1
    current = price_history(database, "mistral")[-1]
    assert (current.input, current.output, current.effective_to) == (
        Decimal("0.1"),
        Decimal("0.4"),
        None,
    )
    assert current.source == "openrouter"


def test_a_real_change_in_the_dataset_is_kept_where_no_live_source_prices(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    settings = refresh_settings(database.url, fake)
    run_refresh_job(database, settings)
    # OpenRouter's own offer of Mistral Small 4 comes only from genai-prices (no refresh lists it).
    key = ("mistral/mistral-small-2603", "openrouter", "")
    assert open_standard_rows(database)[key].source == "genai-prices"
    providers = copy.deepcopy(default_providers())
    entry = next(
        m for p in providers if p.id == "openrouter" for m in p.models if m.id == MISTRAL_SMALL_4
    )
    entry.prices = ModelPrice(input_mtok=Decimal("0.12"), output_mtok=Decimal("0.5"))
    before = utcnow()

    report = run_import(database, providers)
    run_refresh_job(database, settings)
    run_import(database, providers)

    assert report.prices_closed == 1
    current = open_standard_rows(database)[key]
    assert (current.input, current.output, current.source) == (
        Decimal("0.12"),
        Decimal("0.5"),
        "genai-prices",
    )
    assert before - timedelta(minutes=1) < current.effective_from


def test_dated_history_in_the_dataset_leaves_a_live_price_open(
    seeded: SeededDatabase, fake: FakeOpenRouter
) -> None:
    settings = refresh_settings(seeded.url, fake)
    providers = copy.deepcopy(default_providers())
    entry = next(
        m for p in providers if p.id == "mistral" for m in p.models if m.id == "mistral-small-2603"
    )
    entry.prices = [
        ConditionalPrice(prices=ModelPrice(input_mtok=Decimal("0.15"), output_mtok=Decimal("0.6"))),
        ConditionalPrice(
            constraint=StartDateConstraint(date(2026, 6, 1)),
            prices=ModelPrice(input_mtok=Decimal("0.1"), output_mtok=Decimal("0.3")),
        ),
    ]
    run_import(seeded, providers)
    # OpenRouter still charges 0.15 / 0.6 at Mistral: the live price replaces the dated one.
    run_refresh_job(seeded, settings)

    run_import(seeded, providers)
    run_refresh_job(seeded, settings)

    history = [row for row in price_history(seeded, "mistral") if row.service_tier == "standard"]
    assert [(row.input, row.source) for row in history] == [
        (Decimal("0.15"), "reference"),
        (Decimal("0.1"), "genai-prices"),
        (Decimal("0.15"), "openrouter"),
    ]
    assert [row.effective_to is None for row in history] == [False, False, True]
    assert history[1].effective_to == history[2].effective_from
