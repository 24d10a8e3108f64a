"""One request's view of the content versions: what it computes is remembered under them.

`remember(key, compute)` gives the value remembered for `key` under the
content version the session's transaction sees, or computes and remembers it
(`services.publishing.computed_memo` says why that is safe). Services and routes take the
snapshot, not a memo and a version: which memo, which counter and when it is
read are decided here, once.

The versions (both counters, one statement) are read once per transaction,
before the first value remembered under them is computed, and again in a new
transaction; `read` has them read along with a statement the caller runs
anyway. With the memos off nothing is read and everything computed.

The pages version, which every write pages show moves, is the default;
`catalog_only=True` keeps what is computed from catalog data alone under the
catalog version, so a rating or a comment leaves it remembered.
"""

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session, SessionTransaction

from app.services.publishing.computed_memo import ComputedMemo
from app.services.publishing.content_version import CATALOG, PAGES, version_query

T = TypeVar("T")

_VERSION_COLUMNS = (
    func.coalesce(version_query(PAGES).scalar_subquery(), 0).label("pages_version"),
    func.coalesce(version_query(CATALOG).scalar_subquery(), 0).label("catalog_version"),
)
# Built once: building a statement costs about what running this one does.
_VERSIONS = select(*_VERSION_COLUMNS)
_ALONG: dict[int, tuple[Select[Any], Select[Any]]] = {}


class Snapshot:
    """The content versions of `session`'s transaction and the memos remembered under them.

    Without memos (a script, a test of a service) it remembers nothing.
    """

    def __init__(
        self,
        session: Session,
        *,
        pages: ComputedMemo | None = None,
        catalog: ComputedMemo | None = None,
    ) -> None:
        self.session = session
        self._memos = {PAGES: pages, CATALOG: catalog}
        self._versions: dict[str, int] = {}
        self._transaction: SessionTransaction | None = None

    def remember(self, key: Hashable, compute: Callable[[], T], *, catalog_only: bool = False) -> T:
        """The value remembered for `key` at this transaction's version, else `compute()`.

        `compute` must read what it depends on itself, after this call begins.
        `catalog_only`: it reads catalog data alone (`services.publishing.page_content.Data`).
        """
        counter = CATALOG if catalog_only else PAGES
        memo = self._memos[counter]
        if memo is None or not memo.enabled:
            return compute()
        if not self._current():
            self._keep(self.session.connection().execute(_VERSIONS).one())
        return memo.get(self.session, key, self._versions[counter], compute)

    def read(self, query: Select[Any]) -> Row[*tuple[Any, ...]]:
        """The one row of `query`, with the versions in the same statement if still to be read.

        `query` is a select of scalar subqueries built once (it is remembered by identity).
        """
        if self._current() or not any(m is not None and m.enabled for m in self._memos.values()):
            return self.session.connection().execute(query).one()
        along = _ALONG.get(id(query))
        if along is None or along[0] is not query:
            along = _ALONG[id(query)] = (query, query.add_columns(*_VERSION_COLUMNS))
        row = self.session.connection().execute(along[1]).one()
        self._keep(row)
        return row

    def _current(self) -> bool:
        """Whether the versions were read in the transaction the session is in now."""
        transaction = self.session.get_transaction()
        return transaction is not None and transaction is self._transaction

    def _keep(self, row: Row[*tuple[Any, ...]]) -> None:
        self._versions = {PAGES: row.pages_version, CATALOG: row.catalog_version}
        self._transaction = self.session.get_transaction()
