"""The content version: how every committed write tells the page caches that pages have changed.

Nobody has to remember to say so: the session watches its own writes. Which
tables pages show is declared once (`services.publishing.page_content`); every write to
one of them through a Session is noted in its transaction:

- rows the ORM flushes (`before_flush`: new, changed, deleted objects; an
  object whose columns did not really change, or changed only in columns no
  page shows, is no write);
- statements executed through the session (`do_orm_execute`: ORM-enabled
  and Core INSERT, UPDATE, DELETE), unless they matched no row.

Both are read before the write reaches the database, so a table whose rows
show on some models' pages only (ratings, comments) can still ask which
models, even of rows a delete is about to cascade to. A write the session
does not see is not noted: `session.connection().execute(...)`, `text()`
statements and the legacy `Session.bulk_*` methods (no writer here uses
them, but for the one that uses a connection: the hourly means rebuilt after
samples are flushed, `services.metrics.metric_hours_writer`, inside a flush whose samples
are noted already).

A noted change does two things. In the database, the transaction's commit
increments the `pages` row of `content_versions` (and the `catalog` row too
when it wrote catalog data: see `page_content.Data`), so the counters move exactly
when the write commits, whichever process made it (a cron refresh, an import,
another worker): page caches elsewhere re-read the counter now and then and
drop everything when it has moved. In this process, after the commit, it tells
the subscribed page caches which models changed (`ContentChange`), so they
evict those pages at once, and only those; a rolled-back transaction tells
nobody. The change also carries the counter before and after the increment, so
a cache can take its own write into account without mistaking it for someone
else's (which would cost it every page).

The increment is the transaction's last statement, run just before its COMMIT
(`before_commit`, after flushing what is left, since the commit's own flush
comes after that hook). Every writer goes through the `pages` row, and on
PostgreSQL its row lock lasts from the increment to the commit: kept to the
end, concurrent writers wait for each other's COMMIT only, never for each
other's work. Both rows are incremented by the one statement, always `pages`
first, so two catalog writers take them in the same order and cannot
deadlock. Being in the same transaction, no reader can see the new content
under either old version.

Why two counters: what is computed from the catalog alone (comparable
models, price and metric histories) is remembered under the `catalog` one
(`services.publishing.computed_memo`), which ratings and comments do not move; rendered
pages and what shows community data stay under `pages`, which everything moves.
"""

import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any, Protocol

from sqlalchemy import Select, Table, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import InstanceState, ORMExecuteState, Session, SessionTransaction
from sqlalchemy.orm.unitofwork import UOWTransaction
from sqlalchemy.sql.dml import UpdateBase

from app.db import utcnow
from app.models import Model
from app.models.metrics import ContentVersion
from app.services.publishing.page_content import ON_ANY_PAGE, Data, Keys, PageContent, page_content

logger = logging.getLogger("app.content_version")

PAGES = "pages"
CATALOG = "catalog"
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
    """The models whose pages a transaction has changed so far (None: any page), and
    whether it wrote catalog data (or community data only)."""

    model_ids: frozenset[int] | None
    catalog: bool

    def with_change(self, model_ids: frozenset[int] | None, catalog: bool) -> "_Pending":
        ids = None if self.model_ids is None or model_ids is None else self.model_ids | model_ids
        return _Pending(ids, self.catalog or catalog)


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


def has_pending_change(session: Session) -> bool:
    """True when this transaction has written page content it has not committed yet.

    Unflushed objects count too: whatever reads the database next flushes them.
    """
    if _PENDING in session.info:
        return True
    unflushed = chain(session.new, session.dirty, session.deleted)
    return any(
        page_content(_table_of(inspect(instance)).name) is not None for instance in unflushed
    )


def version_query(counter: str = PAGES) -> Select[int]:
    """A counter's value (no row before its first change ever), to embed in another query.

    `counter`: `PAGES` (moved by every write pages show) or `CATALOG` (by catalog data only).
    """
    return _VERSIONS[counter]


def current_version(session: Session, counter: str = PAGES) -> int:
    """A counter as this session sees it (0 before its first change ever)."""
    return session.scalar(_VERSIONS[counter]) or 0


# Built once from table columns (a Core statement): signed-in page views read the
# counter on every request, and building an ORM statement costs several times as much.
_versions = ContentVersion.__table__.c
_VERSIONS = {
    counter: select(_versions.version).where(_versions.name == counter)
    for counter in (PAGES, CATALOG)
}


def _increment(session: Session, catalog: bool) -> int:
    """Add one to the pages counter, and to the catalog's when `catalog`, in one statement.

    Each row is created the first time; the pages counter's new value.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    counters = (PAGES, CATALOG) if catalog else (PAGES,)
    rows = insert(ContentVersion).values(
        [{"name": name, "version": 1, "updated_at": now} for name in counters]
    )
    upsert = rows.on_conflict_do_update(
        index_elements=[ContentVersion.name],
        set_={"version": ContentVersion.version + 1, "updated_at": now},
    ).returning(ContentVersion.name, ContentVersion.version)
    return {name: version for name, version in session.execute(upsert)}[PAGES]


def _note(session: Session, model_ids: Iterable[int] | None, data: Data) -> None:
    """Note, in the current transaction, that pages changed: those of `model_ids`, or all.

    An empty `model_ids` means no page shows what was written, and notes nothing.
    """
    ids = None if model_ids is None else frozenset(model_ids)
    if ids is not None and not ids:
        return
    catalog = data is Data.CATALOG
    pending: _Pending | None = session.info.get(_PENDING)
    noted = _Pending(ids, catalog) if pending is None else pending.with_change(ids, catalog)
    session.info[_PENDING] = noted


def _everything_noted(session: Session) -> bool:
    """True once this transaction changes every page and the catalog: nothing it writes
    next can add to that.

    Bulk writers (an import, a refresh) flush thousands of rows; they are not looked at one by one.
    """
    pending: _Pending | None = session.info.get(_PENDING)
    return pending is not None and pending.model_ids is None and pending.catalog


def _table_of(state: InstanceState[Any]) -> Table:
    table = state.mapper.local_table
    assert isinstance(table, Table)
    return table


@event.listens_for(Session, "before_flush")
def _note_flushed_rows(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Note the pages the objects about to be flushed change (grouped by table: one lookup each)."""
    if _everything_noted(session):
        return
    keyed: dict[str, tuple[PageContent, set[Keys]]] = {}
    rows = chain(
        ((instance, "new") for instance in session.new),
        ((instance, "dirty") for instance in session.dirty),
        ((instance, "deleted") for instance in session.deleted),
    )
    for instance, kind in rows:
        state = inspect(instance)
        table = _table_of(state)
        content = page_content(table.name)
        if content is None or not _shows(content, state, kind):
            continue
        keys = _row_keys(state, table, content.keys) if content.models_of else None
        if keys is None:
            _note(session, None, content.data)
            if content.data is Data.CATALOG:
                return
            continue
        keyed.setdefault(table.name, (content, set()))[1].update(keys)
    for content, keys in keyed.values():
        assert content.models_of is not None
        _note(session, content.models_of(session, keys), content.data)


def _shows(content: PageContent, state: InstanceState[Any], kind: str) -> bool:
    """Whether flushing this object changes what a page shows."""
    if kind == "new":
        return content.new_rows_shown
    if kind == "deleted":
        return True
    changed = {
        prop.columns[0].name
        for prop in state.mapper.column_attrs
        if state.attrs[prop.key].history.has_changes()
    }
    return bool(changed if content.shown_columns is None else changed & content.shown_columns)


def _row_keys(
    state: InstanceState[Any], table: Table, columns: tuple[str, ...]
) -> set[Keys] | None:
    """The object's values of `columns`, as it is and as it was; None when some are unknown.

    Unknown: not loaded (reading them now would query in the middle of a flush),
    or not set yet (a foreign key the flush fills in from a relationship).
    """
    now, before = [], []
    for column in columns:
        history = state.attrs[state.mapper.get_property_by_column(table.c[column]).key].history
        current = history.added or history.unchanged
        if not current or current[0] is None:
            return None
        now.append(current[0])
        before.append(history.deleted[0] if history.deleted else current[0])
    return {tuple(now), tuple(before)}


@event.listens_for(Session, "do_orm_execute")
def _note_statement(execute_state: ORMExecuteState) -> Result[Any] | None:
    """Note the pages an INSERT, UPDATE or DELETE run through the session changes.

    Which models is asked before the statement runs (a delete may cascade);
    whether it changed anything, after (a statement that matched no row, such as
    a retention pass with nothing old to merge, changes no page).
    """
    if not (execute_state.is_insert or execute_state.is_update or execute_state.is_delete):
        return None
    if _everything_noted(execute_state.session):
        return None
    statement = execute_state.statement
    assert isinstance(statement, UpdateBase)
    table = statement.table
    content = page_content(table.name) if isinstance(table, Table) else ON_ANY_PAGE
    if content is None:
        return None
    session = execute_state.session
    model_ids = None
    if content.models_of is not None:
        keys = _statement_keys(execute_state, statement, content.keys)
        model_ids = None if keys is None else content.models_of(session, keys)
    result = execute_state.invoke_statement()
    if isinstance(result, CursorResult) and not result.returns_rows and result.rowcount == 0:
        return result
    _note(session, model_ids, content.data)
    return result


def _statement_keys(
    execute_state: ORMExecuteState, statement: UpdateBase, columns: tuple[str, ...]
) -> set[Keys] | None:
    """The values of `columns` in every row a statement writes; None when they cannot be told.

    They can be told from the parameters it was executed with (one dict, or a
    list for many rows), or from a one-row INSERT's `.values()`; an UPDATE or
    DELETE chosen by a WHERE clause could touch any row.
    """
    parameters = execute_state.parameters
    rows: list[Any] = [parameters] if isinstance(parameters, dict) else list(parameters or ())
    if not any(rows):
        if not execute_state.is_insert:
            return None
        dialect = execute_state.session.get_bind().dialect
        rows = [statement.compile(dialect=dialect).params]
    keys = set()
    for row in rows:
        values = tuple(row.get(column) for column in columns)
        if None in values:
            return None
        keys.add(values)
    return keys


def _slugs(session: Session, model_ids: frozenset[int] | None) -> frozenset[str] | None:
    """The slugs of the changed models' pages; None for every page (or too many to name)."""
    if model_ids is None or len(model_ids) > MAX_PRECISE_MODELS:
        return None
    return frozenset(session.scalars(select(Model.slug).where(Model.id.in_(sorted(model_ids)))))


@event.listens_for(Session, "before_commit")
def _increment_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the transaction it belongs to commits (or not) later
    session.flush()  # the commit flushes only after this hook: its writes must be noted first
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None:
        return
    model_slugs = _slugs(session, pending.model_ids)
    after = _increment(session, pending.catalog)
    session.info[_COMMITTING] = ContentChange(
        database=database_name(session),
        model_slugs=model_slugs,
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
