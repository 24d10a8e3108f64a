"""The catalog search finds its words' models through an index, and the index follows every write.

Search words match anywhere in a name or slug (LIKE '%word%'), which no
B-tree index can seek. On SQLite, a word of three characters or more is
looked up in the trigram index of migration 0012 (an FTS5 table the triggers
on `models` keep in step), and only the models it finds are read, by
primary key; a search without such a word reads the covering index
`ix_models_catalog_search`, never the table. PostgreSQL finds the words'
models through the trigram indexes on name and slug. Either way the LIKE
conditions decide: the index only narrows.
"""

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from app.models import Author, Model
from app.services.catalog.catalog_page import CatalogQuery, parse_catalog_query, search_catalog
from tests.support.databases import backend
from tests.support.query_plans import Sent, sqlite_plan, statements_sent

_model = Model.__table__.c


def _executed(session: Session, params: dict[str, str]) -> list[Sent]:
    """The statements (and their parameters) a search with these URL parameters runs."""
    query, _ = parse_catalog_query(params=params, author_slugs=set(), provider_slugs=set())
    return statements_sent(
        session, lambda: search_catalog(session=session, query=query, page_size=50)
    )


def _sqlite_plans(session: Session, params: dict[str, str]) -> list[list[str]]:
    """SQLite's query plan of each statement of the search, one line per step."""
    connection = session.connection()
    return [sqlite_plan(connection, *sent) for sent in _executed(session, params)]


def _reads_of_models(plan: list[str]) -> list[str]:
    return [step for step in plan if " models " in f"{step} "]


@pytest.mark.skipif(backend() != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize(
    "params",
    [
        {"q": "llama", "min_context": "128000", "max_price": "1"},
        {"q": "llama"},
        {"q": "mistral small", "min_context": "32k"},
        {"q": "4o gpt"},
    ],
)
def test_long_words_are_looked_up_in_the_search_index_then_models_by_key(
    catalog_session: Session, params: dict[str, str]
) -> None:
    plans = _sqlite_plans(catalog_session, params)

    assert len(plans) == 1  # the page, which counts the matches too
    for plan in plans:
        assert any("models_search VIRTUAL TABLE" in step for step in plan), plan
        assert _reads_of_models(plan), plan
        assert all("INTEGER PRIMARY KEY" in read for read in _reads_of_models(plan)), plan


@pytest.mark.skipif(backend() != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize(
    "params",
    [
        {"min_context": "128000", "max_price": "1"},
        {"q": "4o", "min_context": "128000", "max_price": "1"},
        {"q": "o1 4o"},
    ],
)
def test_a_search_without_long_words_reads_the_covering_index_not_the_table(
    catalog_session: Session, params: dict[str, str]
) -> None:
    plans = _sqlite_plans(catalog_session, params)

    assert len(plans) == 1  # the page, which counts the matches too
    for plan in plans:
        assert not any("models_search" in step for step in plan), plan
        assert _reads_of_models(plan), plan
        assert all(
            "COVERING INDEX ix_models_catalog_search" in read for read in _reads_of_models(plan)
        ), plan


@pytest.mark.skipif(backend() != "postgresql", reason="reads PostgreSQL's query plan")
def test_the_search_words_can_be_found_through_the_trigram_indexes(
    catalog_session: Session,
) -> None:
    statements = _executed(catalog_session, {"q": "llama"})
    connection = catalog_session.connection()
    # The test catalog is small enough for a scan to be cheapest: forbid it, to see that the
    # search's shape lets the indexes serve it.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    [(page_statement, parameters)] = statements

    plan = "\n".join(
        row[0] for row in connection.exec_driver_sql(f"EXPLAIN {page_statement}", parameters)
    )

    assert "count(*) OVER ()" in page_statement, page_statement
    assert "ix_models_name_trgm" in plan, plan
    assert "ix_models_slug_trgm" in plan, plan


# --- the index follows every write, and LIKE still decides ---------------------------------


@pytest.fixture
def lab(session: Session) -> Author:
    author = Author(slug="acme", name="Acme")
    session.add(author)
    session.flush()
    return author


def _found(session: Session, q: str) -> list[str]:
    page = search_catalog(session=session, query=CatalogQuery(q=q), page_size=50)
    return sorted(row.slug for row in page.rows)


def _add_rows(session: Session, lab: Author, *models: tuple[str, str]) -> None:
    """Models inserted as the benchmark's scaled catalog is: Core executemany, no ORM."""
    session.execute(
        insert(Model.__table__), [{"author_id": lab.id, "slug": s, "name": n} for s, n in models]
    )


def test_models_added_by_the_orm_or_core_are_found_by_their_words(
    session: Session, lab: Author
) -> None:
    session.add(Model(author=lab, slug="acme/orca-1", name="Orca One"))
    session.flush()
    _add_rows(session, lab, ("acme/orca-3", "Orca Three"), ("acme/narwhal-2", "Narwhal Two"))

    assert _found(session, "ORCA") == ["acme/orca-1", "acme/orca-3"]
    assert _found(session, "narwhal two") == ["acme/narwhal-2"]
    assert _found(session, "acme/orca-3") == ["acme/orca-3"]


def test_a_renamed_model_is_found_by_its_new_words_only(session: Session, lab: Author) -> None:
    model = Model(author=lab, slug="acme/orca-1", name="Orca One")
    session.add(model)
    _add_rows(session, lab, ("acme/narwhal-2", "Narwhal Two"))
    session.flush()

    model.name = "Beluga One"
    session.flush()
    session.execute(
        update(Model.__table__)
        .where(_model.slug == "acme/narwhal-2")
        .values(slug="acme/dolphin-2", name="Dolphin Two")
    )

    assert _found(session, "orca") == ["acme/orca-1"]
    assert _found(session, "one") == ["acme/orca-1"]
    assert _found(session, "beluga") == ["acme/orca-1"]
    assert _found(session, "narwhal") == []
    assert _found(session, "dolphin two") == ["acme/dolphin-2"]


def test_a_deleted_model_is_found_no_more(session: Session, lab: Author) -> None:
    model = Model(author=lab, slug="acme/orca-1", name="Orca One")
    session.add(model)
    _add_rows(session, lab, ("acme/orca-2", "Orca Two"), ("acme/orca-3", "Orca Three"))
    session.flush()

    session.delete(model)
    session.flush()
    session.execute(delete(Model.__table__).where(_model.slug == "acme/orca-2"))

    assert _found(session, "orca") == ["acme/orca-3"]
    _add_rows(session, lab, ("acme/orca-2", "Orca Again"))
    assert _found(session, "orca") == ["acme/orca-2", "acme/orca-3"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("on", ["acme/orca-1"]),
        ("orca 3", ["acme/orca-3"]),
        ("o1 3", ["acme/orca-3"]),
        ("orca e 3", ["acme/orca-3"]),
        ("ca-", ["acme/orca-1", "acme/orca-3"]),
    ],
)
def test_words_too_short_for_trigrams_match_as_before(
    session: Session, lab: Author, q: str, expected: list[str]
) -> None:
    _add_rows(session, lab, ("acme/orca-1", "Orca One"), ("acme/orca-3", "Orca O1 Three"))

    assert _found(session, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("100%", ["acme/rate-1"]),
        ("10%", []),
        ('"q"_v', ["acme/rate-1"]),
        ('"q"-v', []),
        ('%"q"', []),
        ('"Q"', ["acme/rate-1"]),
        ('""', []),
        ("a/b", ["acme/a-b"]),
        ("a//b", []),
        ("a_b", ["acme/a_b"]),
        ("acme/a_", ["acme/a_b"]),
        ("acme/a-", ["acme/a-b"]),
    ],
)
def test_special_characters_are_matched_literally(
    session: Session, lab: Author, q: str, expected: list[str]
) -> None:
    _add_rows(
        session,
        lab,
        ("acme/rate-1", 'Rate 100% "Q"_v'),
        ("acme/a-b", "A/B"),
        ("acme/a_b", "Underscored"),
    )

    assert _found(session, q) == expected


@pytest.mark.parametrize("q", ["ÉCLAIR", "éclair", "Éclair", "clair", "ÉCL"])
def test_case_is_ignored_as_each_backend_ignored_it(session: Session, lab: Author, q: str) -> None:
    """SQLite's LIKE folds ASCII letters only, and the trigram index, which folds them all,
    must not change that; PostgreSQL's ILIKE folds every letter."""
    _add_rows(session, lab, ("acme/eclair-1", "Éclair One"))
    ascii_folding_misses = backend() == "sqlite" and q.startswith("é")

    assert _found(session, q) == ([] if ascii_folding_misses else ["acme/eclair-1"])


NAMES = ("Orca One", "Qwen3 Coder 30B-A3B", "GPT-4o mini (2024-07-18)", 'Rate 100% "Q"_v')
_WORD_CHARACTERS = string.ascii_letters + string.digits + ' -_/%()"'


def _ascii_lower(text: str) -> str:
    return text.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))


@st.composite
def _words(draw: st.DrawFn) -> str:
    """A part of a name or slug with its letters' case shuffled, or any short text."""
    name = draw(st.sampled_from([*NAMES, *(_slug(name) for name in NAMES)]))
    start = draw(st.integers(0, len(name) - 1))
    part = name[start : start + draw(st.integers(1, 8))]
    shuffled = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in part)
    return draw(st.sampled_from([shuffled, draw(st.text(_WORD_CHARACTERS, max_size=5))]))


def _slug(name: str) -> str:
    return f"acme/{_ascii_lower(name).replace(' ', '-')}"


@pytest.fixture
def named(session: Session, lab: Author) -> Session:
    """A session whose catalog holds a model of each of NAMES, for every example of a test."""
    _add_rows(session, lab, *((_slug(name), name) for name in NAMES))
    return session


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(words=st.lists(_words(), min_size=1, max_size=3))
def test_a_search_finds_exactly_the_models_holding_every_word(
    named: Session, words: list[str]
) -> None:
    q = " ".join(words)
    terms = [_ascii_lower(word) for word in q.split()]

    expected = sorted(
        _slug(name)
        for name in NAMES
        if all(term in _ascii_lower(name) or term in _slug(name) for term in terms)
    )

    assert _found(named, q) == expected
