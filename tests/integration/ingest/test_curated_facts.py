"""Labs' published retirements (`app/data/model_lifecycle.toml`) as curated facts, recorded
with the curated facts of `app/data/model_curated_facts.toml`."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Model
from app.services.catalog.catalog_writer import CatalogWriter
from app.services.ingest.curated_facts import (
    LifecycleEntry,
    curated,
    lifecycle,
    read_lifecycle,
    record_curated_facts,
)
from app.services.model_page.model_facts import facts_of

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize("entry", lifecycle(), ids=lambda e: e.id)
def test_every_entry_finds_its_model_in_the_imported_catalog(
    catalog_session: Session, entry: LifecycleEntry
) -> None:
    catalog = CatalogWriter(session=catalog_session)

    place = catalog.find_model_for_offer(entry.provider, entry.id)

    assert place is not None
    assert place.variant == ""


def test_a_retired_model_reads_retired_with_its_date_whatever_the_imports_say(
    catalog_session: Session,
) -> None:
    written = record_curated_facts(session=catalog_session, seen_at=NOW)
    catalog_session.flush()

    sonnet_3 = catalog_session.scalars(
        select(Model).where(Model.slug == "anthropic/claude-3-sonnet")
    ).one()
    assert written == 2 * len(lifecycle()) + sum(len(entry.facts) for entry in curated())
    assert (sonnet_3.status, sonnet_3.deprecates_at.isoformat()) == ("retired", "2025-07-21")
    status = facts_of(catalog_session, [sonnet_3.id])[sonnet_3.id]["status"]
    assert [v.source for v in status.values] == ["curated", "genai-prices"]
    assert record_curated_facts(session=catalog_session, seen_at=NOW) == 0


def test_a_malformed_entry_is_refused_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "lifecycle.toml"
    broken.write_text('[[model]]\nprovider = "anthropic"\nid = "claude-2"\nstatus = "gone"\n')

    with pytest.raises(ValueError, match="claude-2"):
        read_lifecycle(broken)
