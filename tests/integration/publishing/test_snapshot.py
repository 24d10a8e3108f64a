"""The request's snapshot: the content versions read once per transaction, the right memo for
each counter, nothing read with the memos off and nothing kept from an uncommitted write."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Author
from app.services.publishing.computed_memo import ComputedMemo
from app.services.publishing.snapshot import Snapshot
from tests.support.query_counts import QueryCounter

VERSIONS = "content_versions"
A_QUERY = select(select(Author.id).limit(1).scalar_subquery().label("author_id"))


def _versions_read(counter: QueryCounter) -> int:
    return sum(VERSIONS in statement for statement in counter.statements)


def _write_catalog_data(session: Session, slug: str) -> None:
    session.add(Author(slug=slug, name=slug.title()))
    session.commit()


def test_the_versions_are_read_once_per_transaction(
    catalog_session: Session, count_queries: QueryCounter
) -> None:
    pages, catalog = ComputedMemo(), ComputedMemo()
    snapshot = Snapshot(catalog_session, pages=pages, catalog=catalog)

    assert snapshot.remember("a", lambda: 1) == 1
    assert snapshot.remember("b", lambda: 2, catalog_only=True) == 2
    assert snapshot.remember("a", lambda: 3) == 1
    assert _versions_read(count_queries) == 1
    assert (len(pages), len(catalog)) == (1, 1)

    _write_catalog_data(catalog_session, "snapshot-lab")
    count_queries.statements.clear()
    assert snapshot.remember("a", lambda: 4) == 4, "a new transaction sees the new version"
    assert snapshot.remember("b", lambda: 5, catalog_only=True) == 5
    assert _versions_read(count_queries) == 1


def test_a_read_carries_the_versions_when_they_are_still_to_be_read(
    catalog_session: Session, count_queries: QueryCounter
) -> None:
    snapshot = Snapshot(catalog_session, pages=ComputedMemo(), catalog=ComputedMemo())

    snapshot.read(A_QUERY)
    snapshot.remember("a", lambda: 1)
    snapshot.read(A_QUERY)

    selects = [s for s in count_queries.statements if s.startswith("SELECT")]
    assert len(selects) == 2
    assert VERSIONS in selects[0]
    assert VERSIONS not in selects[1]


def test_with_the_memos_off_nothing_is_read_or_kept(
    catalog_session: Session, count_queries: QueryCounter
) -> None:
    off = ComputedMemo(enabled=False)
    for snapshot in (Snapshot(catalog_session), Snapshot(catalog_session, pages=off, catalog=off)):
        calls = [snapshot.remember("a", lambda: 1), snapshot.remember("a", lambda: 2)]
        assert calls == [1, 2]
        snapshot.read(A_QUERY)

    assert _versions_read(count_queries) == 0
    assert len(off) == 0


def test_nothing_is_kept_from_a_transaction_with_an_uncommitted_write(
    catalog_session: Session,
) -> None:
    pages = ComputedMemo()
    snapshot = Snapshot(catalog_session, pages=pages, catalog=ComputedMemo())
    catalog_session.add(Author(slug="unsaved-lab", name="Unsaved Lab"))

    assert [snapshot.remember("a", lambda: 1), snapshot.remember("a", lambda: 2)] == [1, 2]
    assert len(pages) == 0
