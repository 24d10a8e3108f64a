"""`named_rows`: a statement's rows as named tuples, read by column name or position."""

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from app.models import Author
from app.named_rows import named_rows


def test_rows_read_by_column_name_and_position(session: Session) -> None:
    session.add_all([Author(slug="acme", name="Acme"), Author(slug="zeta", name="Zeta")])
    session.flush()
    statement = (
        select(Author.slug, Author.name.label("display"), literal(7).label("seven"))
        .where(Author.slug.in_(["acme", "zeta"]))
        .order_by(Author.slug)
    )
    rows = named_rows(session.execute(statement))
    assert [(row.slug, row.display, row.seven) for row in rows] == [
        ("acme", "Acme", 7),
        ("zeta", "Zeta", 7),
    ]
    assert rows[0][1] == "Acme"
    assert rows[1][-2:] == ("Zeta", 7)


def test_one_class_per_list_of_columns(session: Session) -> None:
    """Made once per statement's columns, not per call."""
    session.add(Author(slug="acme", name="Acme"))
    session.flush()
    statement = select(Author.slug, Author.name).where(Author.slug == "acme")
    first = named_rows(session.execute(statement))[0]
    again = named_rows(session.execute(statement))[0]
    assert type(first) is type(again)
    assert first == again == ("acme", "Acme")


def test_no_rows_is_an_empty_list(session: Session) -> None:
    assert named_rows(session.execute(select(Author.slug).where(Author.slug == "none"))) == []
