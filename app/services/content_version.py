"""The content version: how every write tells the page cache that pages have changed.

Every write path that changes what a cached page shows calls `bump(session, ...)`
inside its own transaction (before or after its writes, it makes no difference):

- ratings and comments (post, edit, delete, hide, unhide) name their model,
  `bump(session, model_ids=[model.id])`: only that model's pages go;
- account deletion names the models the person rated or commented on;
- bulk writes (the metrics refresh, the genai-prices import, the seed,
  retention downsampling) call `bump(session)`: every page may have changed;
- popularity names the models whose figures it wrote;
- the benchmark-score import names every model scored on a benchmark it
  changed: each of their price-vs-quality charts moved.

A bump does two things. In the database, the transaction's commit increments
the `pages` row of `content_versions`, so the counter moves exactly when the
write commits, whichever process made it (a cron refresh, an import, another
worker): page caches elsewhere re-read the counter now and then and drop
everything when it has moved. In this process, after the commit, it tells the
subscribed page caches which models changed (`ContentChange`), so they evict
those pages at once, and only those; a rolled-back transaction tells nobody.
The change also carries the counter before and after the increment, so a
cache can take its own write into account without mistaking it for someone
else's (which would cost it every page).

`bump` itself only notes what changed; the increment is the transaction's
last statement, run just before its COMMIT (`before_commit`). Every writer
goes through that one row, and on PostgreSQL its row lock lasts from the
increment to the commit: kept to the end, concurrent writers wait for each
other's COMMIT only, never for each other's work.
"""

import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Select, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from app.db import utcnow
from app.models import Model
from app.models.metrics import ContentVersion

logger = logging.getLogger("app.content_version")

PAGES = "pages"
# Past this many models a change is treated as "everything": evicting a few hundred pages
# one by one costs more than refilling the cache, and the slug lookup stays one small query.
MAX_PRECISE_MODELS = 200
_PENDING = "content_pending"
_COMMITTING = "content_committing"


@dataclass(frozen=True)
class ContentChange:
    """What one committed transaction changed, as page caches need to know it.

    `model_slugs` is None when any page may have changed. `before` and `after`
    are the counter before and after the transaction's increment.
    """

    database: str
    model_slugs: frozenset[str] | None
    before: int
    after: int


@dataclass(frozen=True)
class _Pending:
    """The pages a transaction has changed so far (None: any page)."""

    model_slugs: frozenset[str] | None

    def with_slugs(self, slugs: frozenset[str] | None) -> "_Pending":
        if self.model_slugs is None or slugs is None:
            return _Pending(None)
        return _Pending(self.model_slugs | slugs)


class ContentListener(Protocol):
    """Something that keeps derived copies of pages: told of each committed change."""

    def content_changed(self, change: ContentChange) -> None: ...


_listeners: "weakref.WeakSet[ContentListener]" = weakref.WeakSet()


def subscribe(listener: ContentListener) -> None:
    """Tell `listener` of every change committed in this process, for as long as it lives."""
    _listeners.add(listener)


def database_name(session: Session) -> str:
    """Which database a session writes to (its URL, password hidden), to match caches to it."""
    return str(session.get_bind().engine.url)


def bump(session: Session, *, model_ids: Iterable[int] | None = None) -> None:
    """Note, in the current transaction, that pages changed: those of `model_ids`, or all.

    An empty `model_ids` means nothing visible changed, and notes nothing. The
    counter itself moves when the transaction commits.
    """
    slugs: frozenset[str] | None = None
    if model_ids is not None:
        ids = sorted(set(model_ids))
        if not ids:
            return
        if len(ids) <= MAX_PRECISE_MODELS:
            slugs = frozenset(session.scalars(select(Model.slug).where(Model.id.in_(ids))))
    pending: _Pending | None = session.info.get(_PENDING)
    session.info[_PENDING] = _Pending(slugs) if pending is None else pending.with_slugs(slugs)


def has_pending_change(session: Session) -> bool:
    """True when this transaction has bumped the version and not committed yet."""
    return _PENDING in session.info


def version_query() -> Select[int]:
    """The counter's value (no row before the first bump ever), to embed in another query."""
    return _VERSION


def current_version(session: Session) -> int:
    """The counter as this session sees it (0 before the first bump ever)."""
    return session.scalar(_VERSION) or 0


# Built once from table columns (a Core statement): signed-in page views read the
# counter on every request, and building the ORM statement took five times as long.
_versions = ContentVersion.__table__.c
_VERSION = select(_versions.version).where(_versions.name == PAGES)


def _increment(session: Session) -> int:
    """Add one to the counter, creating its row the first time; the new value."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    statement = insert(ContentVersion).values(name=PAGES, version=1, updated_at=now)
    upsert = statement.on_conflict_do_update(
        index_elements=[ContentVersion.name],
        set_={"version": ContentVersion.version + 1, "updated_at": now},
    ).returning(ContentVersion.version)
    return session.execute(upsert).scalar_one()


@event.listens_for(Session, "before_commit")
def _increment_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the transaction it belongs to commits (or not) later
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None:
        return
    after = _increment(session)
    session.info[_COMMITTING] = ContentChange(
        database=database_name(session),
        model_slugs=pending.model_slugs,
        before=after - 1,
        after=after,
    )


@event.listens_for(Session, "after_commit")
def _tell_listeners(session: Session) -> None:
    if session.in_nested_transaction():
        return
    change: ContentChange | None = session.info.pop(_COMMITTING, None)
    if change is None:
        return
    for listener in list(_listeners):
        try:
            listener.content_changed(change)
        except Exception:
            # The write is committed; a cache that could not hear of it catches up
            # through the database counter, which it finds moved.
            logger.exception("a page cache could not apply a content change")


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.nested:
        return  # a savepoint's writes are gone, but a broader invalidation does no harm
    session.info.pop(_PENDING, None)
    session.info.pop(_COMMITTING, None)
