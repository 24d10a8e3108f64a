"""Facts of the first-started catalog: coverage, well-known models, inferred and curated facts.

One copy of the catalog `modelatlas serve` leaves on an empty database (both
imports, the curated files and the inference rules), shared by the module's
tests, which only read it.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from statistics import median

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Endpoint, Model, Price, Provider
from app.services.catalog.catalog_writer import CatalogWriter
from app.services.ingest.curated_facts import CuratedEntry, curated, read_curated
from app.services.ingest.models_dev_import import import_models_dev
from app.services.model_page.fact_coverage import measure_coverage
from app.services.model_page.model_facts import facts_of
from app.sources.models_dev import load_catalog
from tests.support.app_clients import app_client
from tests.support.cli import run_cli
from tests.support.metrics_refresh import SeededDatabase, seeded_database


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path_factory.mktemp("facts"), "facts", template="catalog") as db:
        yield db


@pytest.fixture
def session(catalog: SeededDatabase) -> Iterator[Session]:
    with catalog.factory() as session:
        yield session


@pytest.fixture(scope="module")
def catalog_writer(catalog: SeededDatabase) -> Iterator[CatalogWriter]:
    """One writer for every curated entry's lookup: it loads the catalog's models once, on
    its first lookup, where a writer per entry loaded them a hundred times."""
    with catalog.factory() as session:
        yield CatalogWriter(session=session)


def model(session: Session, slug: str) -> Model:
    return session.scalars(select(Model).where(Model.slug == slug)).one()


def test_coverage_counts_priced_text_models_only(session: Session) -> None:
    report = measure_coverage(session=session)

    assert report.models > 1000
    assert report.percent("weights") >= 80
    assert report.known["summary"] > report.known["description"]
    assert "Priced text models" in report.lines()[0]


def test_coverage_leaves_out_embedding_rerank_and_transcription_models(session: Session) -> None:
    everything = measure_coverage(session=session).models
    for slug in ("voyageai/voyage-3", "openai/text-embedding-3-large", "openai/whisper-large-v3"):
        model(session, slug).slug += "-text"
    session.flush()

    assert measure_coverage(session=session).models == everything


def test_report_coverage_prints_each_fact_and_its_target(
    catalog: SeededDatabase, tmp_path: Path
) -> None:
    result = run_cli("report", "coverage", database_url=catalog.url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "release date" in result.stdout
    assert "open or closed weights" in result.stdout
    assert "target 80%" in result.stdout
    assert "source description" in result.stdout
    assert "description or composed summary" in result.stdout
    assert '"Not known" facts per page: median' in result.stdout


def test_a_typical_page_shows_at_most_three_facts_as_not_known(session: Session) -> None:
    report = measure_coverage(session=session, pages=True)

    assert len(report.not_known) == report.models
    assert median(report.not_known) <= 3
    # A page states a release date wherever the catalog knows one.
    assert report.not_known_facts["release date"] == report.models - report.known["released"]


def test_report_coverage_on_an_empty_database_says_to_populate_it(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"

    result = run_cli("report", "coverage", database_url=empty, cwd=tmp_path)

    assert result.returncode == 1
    assert "nothing to measure" in result.stderr
    assert "Priced text models" not in result.stdout


@pytest.mark.parametrize(
    "slug", ["openai/gpt-4o", "anthropic/claude-sonnet-4-5", "google/gemini-2.5-pro"]
)
def test_well_known_multimodal_models_take_images(session: Session, slug: str) -> None:
    assert "image" in model(session, slug).modality_list("input")


def test_llama_3_3_70b_has_open_weights_from_december_2024(session: Session) -> None:
    llama = model(session, "meta/llama-3.3-70b-instruct")

    assert llama.weights == "open"
    assert llama.released_at is not None
    assert (llama.released_at.year, llama.released_at.month) == (2024, 12)


def test_r1_reasons_and_r1_0528_has_its_own_release_date(session: Session) -> None:
    assert model(session, "deepseek/deepseek-r1").reasoning is True
    r1_0528 = model(session, "deepseek/deepseek-r1-0528")
    assert r1_0528.released_at == date(2025, 5, 28)


@pytest.mark.parametrize(
    ("slug", "window"),
    [
        # Meta's model card (curated): sellers cap both far lower.
        ("meta/llama-4-scout-17b-16e-instruct", 10_000_000),
        ("meta/llama-4-maverick-17b-128e-instruct", 1_000_000),
        # Google's model cards (curated) over one host's 128K.
        ("google/gemma-2-2b-it", 8_192),
        ("google/gemma-3n-e4b-it", 32_768),
        # One seller's 20M is left out: eight others say 2M.
        ("xai/grok-4-1-fast-reasoning", 2_000_000),
        # DeepSeek's moving alias has the 1M window; the R1-0528 checkpoint does not.
        ("deepseek/deepseek-reasoner", 1_000_000),
        ("deepseek/deepseek-r1-0528", 164_000),
    ],
)
def test_context_windows_of_well_known_models(session: Session, slug: str, window: int) -> None:
    assert model(session, slug).context_window == window


def test_gpt_4o_costs_2_50_and_10_at_openai(session: Session) -> None:
    price = session.scalars(
        select(Price)
        .join(Endpoint, Endpoint.id == Price.endpoint_id)
        .join(Provider, Provider.id == Endpoint.provider_id)
        .join(Model, Model.id == Endpoint.model_id)
        .where(
            Model.slug == "openai/gpt-4o",
            Provider.slug == "openai",
            Endpoint.variant == "",
            Price.service_tier == "standard",
            Price.effective_to.is_(None),
        )
    ).one()

    assert (price.input, price.output) == (Decimal("2.5"), Decimal("10"))


def test_an_inferred_fact_names_its_rule_and_yields_to_any_stating_source(
    session: Session,
) -> None:
    claude_v1 = model(session, "anthropic/claude-v1")
    llama = model(session, "meta/llama-3.3-70b-instruct")
    facts = facts_of(session, [claude_v1.id, llama.id])

    assert facts[claude_v1.id]["weights"].shown.source == "inferred:family"
    weights = facts[llama.id]["weights"]
    assert weights.shown.source != "inferred:family"
    assert "inferred:family" in [value.source for value in weights.values]


def test_a_model_a_hugging_face_provider_serves_has_open_weights(session: Session) -> None:
    sea_lion = model(session, "aisingapore/qwen-sea-lion-v4-32b-it")

    assert sea_lion.weights == "open"
    shown = facts_of(session, [sea_lion.id])[sea_lion.id]["weights"].shown
    assert shown.source == "inferred:hf-repo"


@pytest.mark.parametrize("entry", curated(), ids=lambda e: f"{e.provider}:{e.id}")
def test_every_curated_entry_finds_its_model_and_shows_its_facts(
    catalog_writer: CatalogWriter, entry: CuratedEntry
) -> None:
    place = catalog_writer.find_model_for_offer(entry.provider, entry.id)

    assert place is not None
    for field, value in entry.facts.items():
        assert getattr(place.model, field) == value


def test_a_curated_entry_without_a_source_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "curated.toml"
    broken.write_text('[[model]]\nprovider = "openai"\nid = "gpt-4o"\nreleased_at = 2024-05-13\n')

    with pytest.raises(ValueError, match="gpt-4o"):
        read_curated(broken)


def test_the_export_keeps_a_composed_summary_apart_from_the_description(
    catalog: SeededDatabase,
) -> None:
    client = app_client(Settings(environment="test", database_url=catalog.url), catalog.factory)

    models = {m["slug"]: m for m in client.get("/api/v1/export").json()["models"]}

    llama_2 = models["meta/llama-2-70b-chat"]
    assert llama_2["description"] is None
    assert llama_2["summary_source"] == "composed"
    assert llama_2["summary"].startswith("An open-weights model by Meta, released July 2023")
    assert models["mistral/mistral-small-2603"]["summary_source"] == "curated"


def test_the_page_shows_the_composed_summary_as_composed(catalog: SeededDatabase) -> None:
    client = app_client(Settings(environment="test", database_url=catalog.url), catalog.factory)

    page = client.get("/models/meta/llama-2-70b-chat").text

    assert "An open-weights model by Meta, released July 2023" in page
    assert "Composed by Model Atlas from the facts on this page" in page
    assert "Overview: not known" not in page


def test_importing_models_dev_again_on_the_first_started_catalog_writes_nothing(
    session: Session,
) -> None:
    report = import_models_dev(session=session, catalog=load_catalog())

    assert not report.changed, report.summary()
