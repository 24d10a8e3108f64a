"""Labs of the first-started catalog, and installs imported before a rule improved.

One copy of the catalog `modelatlas serve` leaves on an empty database (both
imports); the checks that read it share it, the re-import test changes its
own copy.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from app.models import Author, ExternalId, Model, ModelRedirect
from app.services.catalog.author_aliases import UNKNOWN_AUTHOR, infer_author, superseded_author
from app.services.catalog.model_keys import parse_model_ref
from app.services.catalog.model_redirects import redirect_target
from app.services.ingest.models_dev_import import catalog_provider_slug, import_models_dev
from app.sources.models_dev import load_catalog
from tests.support.metrics_refresh import SeededDatabase, seeded_database


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path_factory.mktemp("labs"), "labs", template="catalog") as db:
        yield db


@pytest.fixture
def session(catalog: SeededDatabase) -> Iterator[Session]:
    with catalog.factory() as session:
        yield session


def lab_read_from(external: ExternalId) -> str:
    """The lab the rules read from one of a model's source ids."""
    provider = external.source.partition(":")[2]
    ref = external.external_id
    if external.source.startswith("models.dev:"):
        provider = catalog_provider_slug(provider)
    elif external.source == "slug":
        ref = ref.partition("/")[2]
    parsed = parse_model_ref(provider, ref)
    return infer_author(provider_id=provider, namespace=parsed.namespace, model_id=parsed.bare_id)


def model_of(session: Session, source: str, external_id: str) -> Model:
    """The model a source's id is linked to."""
    return session.scalars(
        select(Model)
        .join(ExternalId)
        .where(ExternalId.source == source, ExternalId.external_id == external_id)
    ).one()


def test_no_model_under_unknown_has_an_id_naming_a_lab(session: Session) -> None:
    unknown = session.scalars(
        select(Model)
        .join(Author)
        .where(Author.slug == UNKNOWN_AUTHOR)
        .options(selectinload(Model.external_ids))
    ).all()
    offenders = sorted(
        f"{model.slug} ({external.source} {external.external_id} -> {lab})"
        for model in unknown
        for external in [*model.external_ids, ExternalId(source="slug", external_id=model.slug)]
        if (lab := lab_read_from(external)) != UNKNOWN_AUTHOR
    )

    assert unknown, "the catalog has models whose ids name no lab"
    assert offenders == [], "\n".join(offenders)


def test_no_lab_is_a_host_a_tier_word_or_another_spelling(session: Session) -> None:
    superseded = sorted(
        slug
        for slug in session.scalars(select(Author.slug).join(Model).distinct())
        if slug != UNKNOWN_AUTHOR and superseded_author(slug)
    )

    assert superseded == []


def test_an_install_imported_before_the_rules_gets_its_models_moved_with_redirects(
    tmp_path: Path,
) -> None:
    with (
        seeded_database(tmp_path, "old-install", template="catalog") as db,
        db.factory() as session,
    ):
        unknown = session.scalars(select(Author).where(Author.slug == UNKNOWN_AUTHOR)).one()
        sap = model_of(session, "models.dev:sap-ai-core", "anthropic--claude-4.7-opus")
        gpt_4o = model_of(session, "models.dev:digitalocean", "openai-gpt-4o")
        sap_slug, gpt_4o_slug, gpt_4o_id = sap.slug, gpt_4o.slug, gpt_4o.id
        # As the earlier rules stored them: SAP's id under "unknown", and
        # DigitalOcean's `openai-gpt-4o` as a model of its own.
        sap.author, sap.slug = unknown, "unknown/anthropic--claude-4.7-opus"
        split = Model(
            author=unknown,
            slug="unknown/openai-gpt-4o",
            name="Openai Gpt 4o",
            status="unknown",
            recommended_for=[],
        )
        session.add(split)
        session.flush()
        session.execute(
            update(ExternalId)
            .where(ExternalId.external_id == "openai-gpt-4o")
            .values(model_id=split.id)
        )
        session.commit()
        sap_id, split_id = sap.id, split.id

        report = import_models_dev(session=session, catalog=load_catalog())
        session.commit()

        # One moves to its lab; the other is merged into the lab's model its respelled id names.
        moved_or_merged = (
            report.updated["models moved to their lab"] + report.updated["models merged"]
        )
        assert moved_or_merged == 2
        assert session.get_one(Model, sap_id).slug == sap_slug
        assert (
            redirect_target(session=session, slug="unknown/anthropic--claude-4.7-opus") == sap_slug
        )
        assert (
            session.scalar(
                select(ModelRedirect.reason).where(
                    ModelRedirect.old_slug == "unknown/anthropic--claude-4.7-opus"
                )
            )
            == "moved to the lab its id names"
        )
        assert session.get(Model, split_id) is None
        assert redirect_target(session=session, slug="unknown/openai-gpt-4o") == gpt_4o_slug
        assert set(
            session.scalars(
                select(ExternalId.model_id).where(ExternalId.external_id == "openai-gpt-4o")
            )
        ) == {gpt_4o_id}
