"""`execute_core`: a Core statement's rows, read in the session's own transaction."""

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.execute_core import execute_core
from app.models import Author

_author = Author.__table__.c
_BY_SLUG = select(_author.slug, _author.name).where(_author.slug == bindparam("slug"))


def test_the_rows_session_execute_returns(session: Session) -> None:
    session.add_all([Author(slug="acme", name="Acme"), Author(slug="zeta", name="Zeta")])
    session.flush()
    for slug in ("acme", "zeta", "none"):
        expected = session.execute(_BY_SLUG, {"slug": slug}).all()
        assert execute_core(session, _BY_SLUG, {"slug": slug}).all() == expected
    assert execute_core(session, _BY_SLUG, {"slug": "acme"}).one() == ("acme", "Acme")


def test_reads_what_the_session_wrote_in_its_transaction(session: Session) -> None:
    """Uncommitted: the statement runs on the session's connection, in its transaction."""
    session.add(Author(slug="draft", name="Draft"))
    session.flush()
    assert execute_core(session, _BY_SLUG, {"slug": "draft"}).all() == [("draft", "Draft")]


def test_a_statement_of_mapped_classes_is_refused(session: Session) -> None:
    """`Session.execute` would autoflush for it and could return ORM objects."""
    with pytest.raises(TypeError, match="table columns"):
        execute_core(session, select(Author).where(Author.slug == "acme"))
    with pytest.raises(TypeError, match="table columns"):
        execute_core(session, select(Author.slug))
