"""Getting a database ready to serve: migrate, then fill an empty catalog.

An empty catalog gets the reference model, then genai-prices (models and
dated prices), then models.dev (facts for those models, and offers of
providers genai-prices lacks), each in its own transaction.

`serve` calls this on every start; it is cheap when there is nothing to do.
"""

import logging
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope
from app.models import Model
from app.services.genai_import import ImportReport, ProgressCallback, import_genai_prices
from app.services.models_dev_import import import_models_dev
from app.services.seed import seed_reference
from app.sources.models_dev import load_catalog

logger = logging.getLogger("app.bootstrap")


def catalog_is_empty(session: Session) -> bool:
    """True when no model is stored yet."""
    return session.scalar(select(func.count()).select_from(Model)) == 0


def prepare_database(
    settings: Settings,
    *,
    echo: Callable[[str], None] = logger.info,
    progress: ProgressCallback | None = None,
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
            if not settings.auto_populate or not catalog_is_empty(session):
                return None
            echo("Empty catalog: seeding the reference model…")
            seed_reference(session=session)
        with session_scope(factory) as session:
            echo("Importing genai-prices…")
            report = import_genai_prices(session=session, progress=progress)
        echo(report.summary())
        with session_scope(factory) as session:
            echo("Importing models.dev…")
            facts = import_models_dev(session=session, catalog=load_catalog(), progress=progress)
        echo(facts.summary())
        return report
    finally:
        engine.dispose()
