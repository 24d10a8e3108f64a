"""What the metrics-refresh tests share: a fresh seeded database, settings, and readings.

Every test gets its own database (SQLite file or PostgreSQL database, see
`tests.support.databases`), seeded with the reference entry, because a refresh
commits, takes a lease and runs in other processes — a rolled-back shared
transaction would not do.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine, make_session_factory
from app.main import create_app
from app.models import Endpoint, MetricSample, Model, Price, Provider, RefreshRun
from app.services.ingest.refresh_metrics import RefreshOutcome, refresh_metrics
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from app.sources.openrouter import OpenRouterSource
from tests.support.database_templates import database_copy
from tests.support.fake_openrouter import FakeOpenRouter

MODEL_PAGE = f"/models/{REFERENCE_MODEL_SLUG}"
# A port nothing listens on: the Hugging Face step must never reach the network in tests.
NO_NETWORK = "http://127.0.0.1:9"


@dataclass(frozen=True)
class SeededDatabase:
    url: str
    engine: Engine

    @property
    def factory(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)


@contextmanager
def seeded_database(
    directory: Path, label: str, *, template: str = "seeded"
) -> Iterator[SeededDatabase]:
    """A new migrated database holding the reference entry (Mistral Small 4, Venice, Mistral);
    with `template="catalog"`, the whole catalog as the app's first start imports it."""
    with database_copy(template, directory, label) as url:
        engine = make_engine(url)
        try:
            yield SeededDatabase(url=url, engine=engine)
        finally:
            engine.dispose()


def refresh_settings(database_url: str, fake: FakeOpenRouter, **overrides: Any) -> Settings:
    """Settings pointing at the fake upstream, with quick timeouts and retries."""
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "openrouter_base_url": fake.base_url,
        "openrouter_timeout_seconds": 2.0,
        "openrouter_max_attempts": 2,
        "openrouter_max_retry_seconds": 3.0,
        "hf_base_url": NO_NETWORK,
        **overrides,
    }
    return Settings(**values)


def run_refresh_job(database: SeededDatabase, settings: Settings) -> RefreshOutcome:
    """One refresh in this process, through the real HTTP client."""
    with OpenRouterSource.from_settings(settings) as source:
        return refresh_metrics(session_factory=database.factory, settings=settings, source=source)


@dataclass(frozen=True)
class Offer:
    """One provider's current figures and price for the reference model."""

    throughput_p50: Decimal | None
    ttft_p50_ms: Decimal | None
    input_price: Decimal | None
    output_price: Decimal | None


def reference_offers(database: SeededDatabase) -> dict[str, Offer]:
    """Provider slug -> current figures and standard price of Mistral Small 4's endpoints."""
    with database.factory() as session:
        rows = session.execute(
            select(
                Provider.slug,
                Endpoint.throughput_p50,
                Endpoint.ttft_p50_ms,
                Price.input,
                Price.output,
            )
            .join(Endpoint, Endpoint.provider_id == Provider.id)
            .join(Model, Model.id == Endpoint.model_id)
            .outerjoin(Price, Price.current_standard_of(Endpoint.id))
            .where(Model.slug == REFERENCE_MODEL_SLUG)
        )
        return {slug: Offer(*figures) for slug, *figures in rows}


def count_rows(database: SeededDatabase, table: type) -> int:
    with database.factory() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def price_history(database: SeededDatabase, provider_slug: str) -> list[Price]:
    """The reference model's price rows at one provider, oldest first."""
    with database.factory() as session:
        return list(
            session.scalars(
                select(Price)
                .join(Endpoint, Endpoint.id == Price.endpoint_id)
                .join(Provider, Provider.id == Endpoint.provider_id)
                .join(Model, Model.id == Endpoint.model_id)
                .where(Model.slug == REFERENCE_MODEL_SLUG, Provider.slug == provider_slug)
                .order_by(Price.effective_from)
            )
        )


def runs(database: SeededDatabase) -> list[RefreshRun]:
    with database.factory() as session:
        return list(session.scalars(select(RefreshRun).order_by(RefreshRun.id)))


def database_state(database: SeededDatabase) -> dict[str, Any]:
    """Everything a refresh may write, except the run log: for "nothing changed" checks."""
    return {
        "offers": reference_offers(database),
        "models": count_rows(database, Model),
        "providers": count_rows(database, Provider),
        "endpoints": count_rows(database, Endpoint),
        "prices": count_rows(database, Price),
        "samples": count_rows(database, MetricSample),
    }


def provider_rows(database_url: str) -> dict[str, str]:
    """Provider name -> the text of its row in the model page's providers table."""
    with TestClient(create_app(Settings(environment="test", database_url=database_url))) as client:
        response = client.get(MODEL_PAGE)
    assert response.status_code == 200, response.text
    table = BeautifulSoup(response.text, "html.parser").select_one("table.endpoints")
    assert table is not None, "the model page has no providers table"
    rows = {}
    for row in table.select("tbody tr"):
        header = row.find("th")
        if header is None:
            continue
        name = header.find("a") or header
        rows[name.get_text(" ", strip=True)] = row.get_text(" ", strip=True)
    return rows


def status_rows(database_url: str) -> dict[int, tuple[str, str]]:
    """Run id -> the (status, error) cells of its row on /status, as a visitor reads them."""
    with TestClient(create_app(Settings(environment="test", database_url=database_url))) as client:
        response = client.get("/status")
    assert response.status_code == 200, response.text
    rows = {}
    for row in BeautifulSoup(response.text, "html.parser").select("table.runs tbody tr"):
        cells = [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        rows[int(row["id"].removeprefix("run-"))] = (cells[3], cells[6])
    return rows


def samples_of(database: SeededDatabase, provider_slug: str) -> list[MetricSample]:
    """The reference model's samples at one provider, oldest first."""
    with database.factory() as session:
        return list(
            session.scalars(
                select(MetricSample)
                .join(Endpoint, Endpoint.id == MetricSample.endpoint_id)
                .join(Provider, Provider.id == Endpoint.provider_id)
                .join(Model, Model.id == Endpoint.model_id)
                .where(Model.slug == REFERENCE_MODEL_SLUG, Provider.slug == provider_slug)
                .order_by(MetricSample.measured_at)
            )
        )
