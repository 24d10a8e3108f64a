"""Catalog searches share statements built once per shape; only their bound values differ.

Run one after another on the sample catalog, searches of the same shape
(same filters, other values) must each get their own answer, and a search
word is matched literally, the LIKE escape character included. A page of
results counts every match itself: one statement, unless the page asked for
is past the end.
"""

import pytest
from sqlalchemy.orm import Session

from app.services.catalog.catalog_page import CatalogQuery, search_catalog
from tests.support.listening import listening
from tests.support.sample_catalog import build_sample_catalog

ZETA = ["zeta/delta-large-4", "zeta/delta-small-4", "zeta/gamma-mini"]


@pytest.fixture
def sample(session: Session) -> Session:
    build_sample_catalog(session)
    return session


def _slugs(session: Session, query: CatalogQuery, page_size: int = 50) -> list[str]:
    return [
        row.slug for row in search_catalog(session=session, query=query, page_size=page_size).rows
    ]


def test_searches_of_one_shape_each_get_their_own_values(sample: Session) -> None:
    answers = {
        ("acme", "acme"): ["acme/alpha-1", "acme/beta-2"],
        ("zeta", "zeta"): ZETA,
        ("delta", "zeta"): ["zeta/delta-large-4", "zeta/delta-small-4"],
        ("delta", "acme"): [],
    }
    for _ in range(2):
        for (word, lab), expected in answers.items():
            assert _slugs(sample, CatalogQuery(q=word, author=lab)) == expected, (word, lab)


def test_page_size_and_page_are_values_too(sample: Session) -> None:
    everything = _slugs(sample, CatalogQuery())

    assert _slugs(sample, CatalogQuery(page=2), page_size=2) == everything[2:4]
    assert _slugs(sample, CatalogQuery(page=1), page_size=3) == everything[:3]
    assert _slugs(sample, CatalogQuery(page=3), page_size=2) == everything[4:]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("acme/alpha", ["acme/alpha-1"]),
        ("a/", ZETA),
        ("/", ["acme/alpha-1", "acme/beta-2", *ZETA]),
        ("//", []),
        ("/%", []),
    ],
)
def test_the_escape_character_is_matched_literally(
    sample: Session, q: str, expected: list[str]
) -> None:
    assert sorted(_slugs(sample, CatalogQuery(q=q))) == expected


@pytest.mark.parametrize("q", ["ZETA", "Zeta/Delta", "dElTa-LARGE"])
def test_search_words_ignore_case(sample: Session, q: str) -> None:
    assert _slugs(sample, CatalogQuery(q=q)) == _slugs(sample, CatalogQuery(q=q.lower()))
    assert _slugs(sample, CatalogQuery(q=q))


def _statements_run(session: Session, query: CatalogQuery, page_size: int) -> list[str]:
    """The SQL statements one search sends."""
    connection = session.connection()
    sent: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        sent.append(statement)

    with listening(connection, "before_cursor_execute", record):
        search_catalog(session=session, query=query, page_size=page_size)
    return sent


@pytest.mark.parametrize(
    "query",
    [CatalogQuery(), CatalogQuery(page=2), CatalogQuery(q="zeta"), CatalogQuery(q="nothing")],
    ids=["first page", "another page", "a word", "no match"],
)
def test_a_page_and_its_count_are_one_statement(sample: Session, query: CatalogQuery) -> None:
    everything = len(_slugs(sample, CatalogQuery()))

    [statement] = _statements_run(sample, query, page_size=2)

    assert "count(*) OVER ()" in statement
    page = search_catalog(session=sample, query=query, page_size=2)
    expected = {"": everything, "zeta": len(ZETA), "nothing": 0}[query.q]
    assert page.total == expected


def test_a_page_past_the_end_is_counted_apart_then_the_last_page_read(sample: Session) -> None:
    sent = _statements_run(sample, CatalogQuery(page=9), page_size=2)

    assert len(sent) == 3
    assert "OVER ()" not in sent[1] and "count(models.id)" in sent[1]
    assert sent[0] == sent[2]


def test_a_page_past_the_end_of_no_match_is_counted_and_not_read_again(sample: Session) -> None:
    sent = _statements_run(sample, CatalogQuery(q="nothing", page=2), page_size=2)

    assert len(sent) == 2
    page = search_catalog(session=sample, query=CatalogQuery(q="nothing", page=2), page_size=2)
    assert (page.total, page.number, page.rows) == (0, 1, [])
