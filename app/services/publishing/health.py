"""Whether the process can serve: the database answers a trivial query.

Load balancers and `serve`'s readiness check call `/healthz` often, so the
check is one `SELECT 1` and nothing that grows with the catalog.
"""

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

logger = logging.getLogger("app.health")

REASON_LIMIT = 200


def database_problem(*, session: Session) -> str | None:
    """None when the database answers `SELECT 1`, else a one-line reason, also logged."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        session.rollback()
        reason = _first_line(exc)
        logger.warning("health check: database did not answer: %s", reason)
        return reason
    return None


def _first_line(exc: SQLAlchemyError) -> str:
    """The driver's own message without SQLAlchemy's SQL echo and help link."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines() or [type(cause).__name__]
    return lines[0][:REASON_LIMIT]
