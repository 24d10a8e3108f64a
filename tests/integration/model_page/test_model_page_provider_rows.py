"""The providers table: one row per provider with its variants inside; counts agree."""

from datetime import UTC, datetime
from decimal import Decimal

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, Model, ModelModality, Price, Provider
from app.services.metrics.rollups import refresh_rollups
from tests.support.page_text import section, text_of


def _offer(model: Model, provider: Provider, variant: str, price: str, throughput: str) -> None:
    endpoint = Endpoint(
        model=model,
        provider=provider,
        variant=variant,
        provider_model_id=f"m{variant}",
        context_window=128_000,
        throughput_p50=Decimal(throughput),
    )
    endpoint.prices.append(
        Price(
            effective_from=datetime(2026, 4, 1, tzinfo=UTC),
            input=Decimal(price),
            output=Decimal(price) * 4,
            source="test",
        )
    )


def test_a_provider_is_one_row_with_its_variants_inside_and_counts_agree(
    client: TestClient, catalog_session: Session
) -> None:
    model = Model(
        author=Author(slug="varied", name="Varied Lab"),
        slug="varied/m",
        name="Varied",
        status="active",
        modalities=[ModelModality(direction="input", modality="text")],
    )
    alpha = Provider(slug="alpha-host", name="Alpha", kind="inference")
    beta = Provider(slug="beta-host", name="Beta", kind="inference")
    router = Provider(slug="hop-router", name="Hop", kind="router")
    _offer(model, alpha, "", "2", "50")
    _offer(model, alpha, "extended", "6", "70")
    _offer(model, beta, "", "1", "60")
    _offer(model, router, "", "2", "40")
    _offer(model, router, "free", "0", "30")
    catalog_session.add(model)
    catalog_session.flush()
    refresh_rollups(session=catalog_session, model_ids=[model.id])
    catalog_session.commit()

    page = BeautifulSoup(client.get("/models/varied/m").text, "html.parser")

    providers = section(page, "providers")
    rows = providers.select("table.endpoints tbody tr")
    assert [row["data-provider"] for row in rows] == ["beta-host", "alpha-host"]
    assert text_of(providers.select_one(".provider-count")) == "2 providers"
    variants = [text_of(li) for li in rows[1].select("ul.variants li")]
    assert variants == ["extended: $6.00 / $24.00 per 1M · context 128K · 70 tok/s"]
    (routed,) = providers.select("ul.routers > li")
    assert text_of(routed.select_one(".router-name")) == "Hop"
    assert [text_of(li) for li in routed.select("ul.variants li")] == [
        "free: $0.00 / $0.00 per 1M · context 128K · 30 tok/s"
    ]
    catalog_session.expire_all()
    assert catalog_session.get(Model, model.id).provider_count == len(rows)  # the catalog's count
