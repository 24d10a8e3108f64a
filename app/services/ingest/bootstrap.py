"""Getting a database ready to serve: migrate, then fill an empty catalog.

An empty catalog gets the reference model, then genai-prices (models and
dated prices), then models.dev (facts for those models, and offers of
providers genai-prices lacks), each in its own transaction.

`serve` calls this on every start; it is cheap when there is nothing to do.
On a catalog that has models, it only works out the models' stored workload
costs when none is stored (`workload_costs_refresh.store_if_missing`).
Each import of the first start runs inside `track(label)`, which the command
line turns into one progress bar per import (and tests or scripts into
nothing), and reports itself in one sentence through `echo` once done.
"""

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope
from app.models import Model
from app.services.ingest.genai_import import ImportReport, ProgressCallback, import_genai_prices
from app.services.ingest.models_dev_import import import_models_dev
from app.services.ingest.run_counts import import_summary
from app.services.ingest.seed import seed_reference
from app.services.pricing.workload_costs_refresh import store_if_missing
from app.sources.models_dev import load_catalog

logger = logging.getLogger("app.bootstrap")

ImportTracker = Callable[[str], AbstractContextManager[ProgressCallback | None]]


def untracked(_label: str) -> AbstractContextManager[ProgressCallback | None]:
    """No progress reports: for callers without a terminal to draw on."""
    return nullcontext()


def catalog_is_empty(session: Session) -> bool:
    """True when no model is stored yet."""
    return session.scalar(select(func.count()).select_from(Model)) == 0


def prepare_database(
    settings: Settings,
    *,
    echo: Callable[[str], None] = logger.info,
    track: ImportTracker = untracked,
) -> ImportReport | None:
    """Upgrade the schema; on an empty catalog, seed the reference model and import both sources.

    Returns the genai-prices report when the imports ran, None when the catalog already had data.
    """
    echo("Upgrading the database schema…")
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        with session_scope(factory) as session:
            if not catalog_is_empty(session):
                if store_if_missing(session=session):
                    echo("Worked out each model's cost on the default workload.")
                return None
            if not settings.auto_populate:
                return None
            echo("Empty catalog: seeding the reference model…")
            seed_reference(session=session)
        with track("Importing genai-prices") as progress, session_scope(factory) as session:
            report = import_genai_prices(session=session, progress=progress)
        echo(
            import_summary(
                source="genai-prices",
                models=report.models_read,
                providers=report.providers_read,
                skipped=report.skipped,
            )
        )
        with track("Importing models.dev") as progress, session_scope(factory) as session:
            facts = import_models_dev(session=session, catalog=load_catalog(), progress=progress)
        echo(facts.summary())
        return report
    finally:
        engine.dispose()
