"""The models.dev importer on recorded-format fixtures, against a real database.

Each test imports into the empty, rolled-back `session`; the importer creates
what the fixture describes (it is the first source there), or meets rows a
test put in place first, as genai-prices' would be.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Author,
    Endpoint,
    ExternalId,
    Model,
    ModelFact,
    ModelModality,
    Price,
    Provider,
    RefreshRun,
)
from app.services.ingest.genai_import import import_genai_prices
from app.services.ingest.models_dev_import import ModelsDevReport, import_models_dev
from app.services.ingest.seed import REFERENCE_MODEL_SLUG, seed_reference
from app.services.model_page.model_facts import facts_of
from app.sources.models_dev import ModelsDevCatalog, ModelsDevProvider, Offer, load_catalog
from tests.support.listening import listening

FIXTURES = Path(__file__).parents[2] / "fixtures" / "models_dev"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CATALOG_TABLES = (Author, Provider, Model, ModelModality, ModelFact, Endpoint, Price, ExternalId)


def run_import(session: Session, file: str = "api.json") -> ModelsDevReport:
    report = import_models_dev(session=session, catalog=load_catalog(str(FIXTURES / file)), now=NOW)
    session.flush()
    return report


def model(session: Session, slug: str) -> Model:
    found = session.scalar(select(Model).where(Model.slug == slug))
    assert found is not None, f"{slug} not imported"
    return found


def endpoints_of(session: Session, slug: str) -> dict[str, Endpoint]:
    rows = session.scalars(
        select(Endpoint).join(Model).where(Model.slug == slug).join(Endpoint.provider)
    )
    return {e.provider.slug: e for e in rows}


def current_price(session: Session, endpoint: Endpoint) -> Price:
    return session.scalars(
        select(Price).where(Price.endpoint_id == endpoint.id, Price.effective_to.is_(None))
    ).one()


@contextmanager
def written_tables(session: Session) -> Iterator[list[str]]:
    """The tables each INSERT, UPDATE or DELETE statement sent meanwhile wrote to."""
    tables: list[str] = []
    engine = session.get_bind()

    def record(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        if match := re.match(r"^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", statement, re.I):
            tables.append(match[1])

    with listening(engine, "before_cursor_execute", record):
        yield tables


def test_offers_become_models_endpoints_and_prices(session: Session) -> None:
    report = run_import(session)

    gpt_4o = model(session, "openai/gpt-4o")
    assert gpt_4o.name == "GPT-4o"
    assert gpt_4o.released_at == date(2024, 5, 13)
    assert gpt_4o.weights == "closed"
    assert gpt_4o.context_window == 128_000
    assert gpt_4o.tool_calling is True
    assert gpt_4o.status == "active"
    assert gpt_4o.modality_list("input") == ["text", "file", "image"]
    openai = endpoints_of(session, "openai/gpt-4o")["openai"]
    price = current_price(session, openai)
    assert (price.input, price.output, price.cache_read) == (
        Decimal("2.5"),
        Decimal(10),
        Decimal("1.25"),
    )
    assert price.source == "models.dev"
    assert report.created["models"] >= 8


def test_a_provider_genai_prices_lacks_gets_its_offers_as_endpoints(session: Session) -> None:
    run_import(session)

    nebius = session.scalars(select(Provider).where(Provider.slug == "nebius")).one()
    assert nebius.kind == "inference"
    endpoint = endpoints_of(session, "meta/llama-3.3-70b-instruct")["nebius"]
    assert current_price(session, endpoint).input == Decimal("0.13")


def test_subscriptions_are_facts_but_never_providers(session: Session) -> None:
    report = run_import(session)

    assert session.scalar(select(Provider).where(Provider.slug == "github-copilot")) is None
    assert report.skipped["offers of subscriptions"] == 1
    gpt_4o = model(session, "openai/gpt-4o")
    sources = {v.source for v in facts_of(session, [gpt_4o.id])[gpt_4o.id]["name"].values}
    assert sources == {"lab", "models.dev"}


def test_the_lab_offer_is_source_lab_and_others_are_models_dev(session: Session) -> None:
    run_import(session)

    llama = model(session, "meta/llama-3.3-70b-instruct")
    facts = facts_of(session, [llama.id])[llama.id]

    assert [v.source for v in facts["released_at"].values] == ["lab", "models.dev"]
    assert facts["released_at"].shown.value == date(2024, 12, 6)
    assert llama.released_at == date(2024, 12, 6)
    assert llama.weights == "open"


def test_a_model_no_lab_lists_has_status_unknown(session: Session) -> None:
    run_import(session)

    r1 = model(session, "deepseek/deepseek-r1")

    assert r1.status == "unknown"
    assert r1.reasoning is True


def test_re_importing_unchanged_data_writes_nothing(session: Session) -> None:
    first = run_import(session)
    assert first.changed

    with written_tables(session) as tables:
        again = run_import(session)

    assert not again.changed
    assert set(tables) <= {"refresh_runs", "content_versions"}
    assert "content_versions" not in tables


def test_a_price_another_source_holds_is_kept_and_the_difference_counted(
    session: Session,
) -> None:
    openai = Author(slug="openai", name="OpenAI")
    provider = Provider(slug="openai", name="OpenAI")
    gpt_4o = Model(author=openai, slug="openai/gpt-4o", name="GPT-4o")
    gpt_4o.external_ids.append(ExternalId(source="genai-prices:openai", external_id="gpt-4o"))
    endpoint = Endpoint(model=gpt_4o, provider=provider, provider_model_id="gpt-4o")
    session.add(
        Price(
            endpoint=endpoint,
            effective_from=datetime(2026, 1, 1, tzinfo=UTC),
            input=Decimal(5),
            output=Decimal(15),
            source="genai-prices",
        )
    )
    session.flush()

    report = run_import(session)

    price = current_price(session, endpoint)
    assert (price.input, price.source) == (Decimal(5), "genai-prices")
    assert report.price_disagreements == 1
    assert report.disagreement_examples == {
        "openai/gpt-4o": "genai-prices 5/15 kept, models.dev 2.5/10"
    }
    assert endpoints_of(session, "openai/gpt-4o").keys() == {"openai"}


def test_the_run_is_logged_with_counts_and_rejected_reasons(session: Session) -> None:
    run_import(session, "malformed_offer.json")

    run = session.scalars(select(RefreshRun).where(RefreshRun.source == "models.dev")).one()
    assert run.status == "ok"
    assert run.counts["rejected"] == {"offer limit.context: int_type": 1}
    assert run.counts["offers_read"] == 11
    assert run.counts["price_disagreements"] == 0


def test_nothing_is_duplicated_across_imports(session: Session) -> None:
    run_import(session)
    counts = {t: session.scalar(select(func.count()).select_from(t)) for t in CATALOG_TABLES}

    run_import(session)

    assert {t: session.scalar(select(func.count()).select_from(t)) for t in CATALOG_TABLES} == (
        counts
    )


def test_the_curated_seed_outranks_what_the_lab_offer_states(session: Session) -> None:
    seed_reference(session=session)
    catalog = load_catalog(str(FIXTURES / "api.json"))
    mistral = ModelsDevProvider(
        id="mistral",
        name="Mistral",
        api_base=None,
        url=None,
        offers=(replace(_gpt_4o(catalog), provider_id="mistral", model_id="mistral-small-2603"),),
    )
    catalog.providers.append(mistral)

    import_models_dev(session=session, catalog=catalog, now=NOW)
    session.flush()

    reference = model(session, REFERENCE_MODEL_SLUG)
    facts = facts_of(session, [reference.id])[reference.id]
    assert [v.source for v in facts["weights"].values] == ["curated", "lab"]
    assert reference.weights == "closed"
    assert reference.context_window == 262_144
    assert reference.released_at == date(2024, 5, 13)


def _gpt_4o(catalog: ModelsDevCatalog) -> Offer:
    openai = next(p for p in catalog.providers if p.id == "openai")
    return next(o for o in openai.offers if o.model_id == "gpt-4o")


def imported_from_sellers(session: Session, model_id: str, *sellers: dict[str, Any]) -> Model:
    """The model `model_id` as imported when each of `sellers` is one host's offer of it
    (GPT-4o's fixture offer with those fields changed): what resellers state together."""
    catalog = load_catalog(str(FIXTURES / "api.json"))
    for number, changes in enumerate(sellers):
        host = f"host{number}"
        offer = replace(_gpt_4o(catalog), provider_id=host, model_id=model_id, **changes)
        catalog.providers.append(
            ModelsDevProvider(id=host, name=host, api_base=None, url=None, offers=(offer,))
        )
    import_models_dev(session=session, catalog=catalog, now=NOW)
    session.flush()
    return model(session, model_id)


def test_a_resellers_false_open_weights_is_no_claim_but_the_labs_is(session: Session) -> None:
    catalog = load_catalog(str(FIXTURES / "api.json"))
    reseller = ModelsDevProvider(
        id="somehost",
        name="Some Host",
        api_base=None,
        url=None,
        offers=(replace(_gpt_4o(catalog), provider_id="somehost", model_id="acme/unsaid-7b"),),
    )
    catalog.providers.append(reseller)

    import_models_dev(session=session, catalog=catalog, now=NOW)
    session.flush()

    unsaid = model(session, "acme/unsaid-7b")
    assert unsaid.weights is None
    assert "weights" not in facts_of(session, [unsaid.id]).get(unsaid.id, {})
    assert model(session, "openai/gpt-4o").weights == "closed"


def test_an_offer_no_longer_listed_is_retired_but_a_rejected_one_is_not(
    session: Session,
) -> None:
    run_import(session)
    catalog = load_catalog(str(FIXTURES / "malformed_offer.json"))
    catalog.providers = [p for p in catalog.providers if p.id != "nebius"]

    report = import_models_dev(session=session, catalog=catalog, now=NOW)
    session.flush()

    nebius = endpoints_of(session, "meta/llama-3.3-70b-instruct")["nebius"]
    assert (nebius.status, nebius.retired_at) == ("retired", NOW)
    groq = [e for e in endpoints_of_provider(session, "groq") if e.status == "retired"]
    assert groq == []
    assert report.updated["endpoints retired"] == 1


def endpoints_of_provider(session: Session, slug: str) -> list[Endpoint]:
    return list(
        session.scalars(select(Endpoint).join(Endpoint.provider).where(Provider.slug == slug))
    )


def test_status_shows_the_run_with_its_disagreements_and_rejected_reasons(
    client: TestClient, catalog_session: Session
) -> None:
    import_models_dev(
        session=catalog_session,
        catalog=load_catalog(str(FIXTURES / "malformed_offer.json")),
        now=NOW,
    )
    catalog_session.commit()

    page = BeautifulSoup(client.get("/status").text, "html.parser")

    row = next(r for r in page.select("table.runs tbody tr") if "models.dev" in r.get_text())
    text = " ".join(row.get_text(" ").split())
    assert "offer limit.context: int_type 1" in text
    assert re.search(r"price disagreements \d+", text)
    assert "offers read 11" in text


def test_the_two_imports_never_undo_each_other(catalog_session: Session) -> None:
    run_import(catalog_session)
    sonnet = model(catalog_session, "anthropic/claude-sonnet-4-5")
    assert sonnet.context_window == 200_000

    genai_again = import_genai_prices(session=catalog_session, now=NOW)
    models_dev_again = run_import(catalog_session)

    assert not genai_again.changed, genai_again.summary()
    assert not models_dev_again.changed, models_dev_again.summary()
    assert model(catalog_session, "anthropic/claude-sonnet-4-5").context_window == 200_000


@pytest.mark.parametrize(
    ("windows", "shown"),
    [
        # Grok 4.1 Fast: one seller's 20M beside the others' 2M is a listing error.
        ((2_000_000, 2_000_000, 20_000_000), 2_000_000),
        # Phi-4-reasoning: one host's 128K beside two 32K, four times.
        ((32_000, 32_000, 128_000), 32_000),
        # Grok 4.20: two offers alone, 2M and Azure's 262K; nothing says which errs.
        ((262_000, 2_000_000), 2_000_000),
        # Nemotron 3 Super: one seller offers the full 1M the others cap at 256K.
        ((262_144, 262_144, 1_000_000), 1_000_000),
        ((131_072,), 131_072),
    ],
)
def test_the_largest_window_resellers_state_unless_one_alone_is_far_above(
    session: Session, windows: tuple[int, ...], shown: int
) -> None:
    wide = imported_from_sellers(
        session,
        "acme/wide-1",
        *({"context_window": window, "max_output": window // 4} for window in windows),
    )

    assert (wide.context_window, wide.max_output) == (shown, shown // 4)


def test_a_name_after_openrouters_lab_prefix_is_the_models_own(session: Session) -> None:
    wide = imported_from_sellers(
        session, "acme/wide-1", {"name": "Acme Labs: Wide One"}, {"name": "Wide One"}
    )

    assert wide.name == "Wide One"


def test_a_release_month_alone_does_not_outvote_release_days(session: Session) -> None:
    # Qwen3-Coder-30B: six sellers say "2025-04" (read as April 1st), six 2025-07-31.
    month = {"released_on": date(2025, 4, 1), "release_day_stated": False}
    day = {"released_on": date(2025, 7, 31), "release_day_stated": True}

    coder = imported_from_sellers(session, "acme/coder-1", month, month, month, day, day)

    assert coder.released_at == date(2025, 7, 31)


@pytest.mark.parametrize(
    ("with_images", "inputs"),
    [
        # gpt-oss-120b: 2 of 43 sellers list images for a text-only model.
        (1, ["text"]),
        (2, ["text", "image"]),
    ],
)
def test_a_modality_takes_a_quarter_of_the_sellers_to_stand(
    session: Session, with_images: int, inputs: list[str]
) -> None:
    reader = imported_from_sellers(
        session,
        "acme/reader-1",
        *(
            {
                "input_modalities": frozenset({"text", "image"} if n < with_images else {"text"}),
                "output_modalities": frozenset({"text"}),
            }
            for n in range(5)
        ),
    )

    assert reader.modality_list("input") == inputs


@pytest.mark.parametrize(("reasoning_sellers", "reasoning"), [(1, False), (2, True), (6, True)])
def test_reasoning_takes_a_third_of_the_sellers(
    session: Session, reasoning_sellers: int, reasoning: bool
) -> None:
    # Grok 4 Fast Non-Reasoning: one of six sellers marks it a reasoning model.
    plain = imported_from_sellers(
        session, "acme/plain-1", *({"reasoning": n < reasoning_sellers} for n in range(6))
    )

    assert plain.reasoning is reasoning
