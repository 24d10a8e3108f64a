"""A memo of figures computed from the database, valid while a content version is unchanged.

Routes and services use it through the request's snapshot (`services.publishing.snapshot`),
which reads the versions and picks the memo; `web.caching.signed_in_parts` peeks into it
before routing. The session itself is still looked up on every request, so
revoking one takes effect at once.

Why the version is enough: every write through a session to a table pages show
moves the pages version (`services.publishing.content_version`, a rule the page cache
already depends on), and every such write of catalog data the catalog version
too (`services.publishing.page_content.Data`), so figures remembered under version N of a
counter that every write of what they read moves are exactly what a fresh
computation would give while the database is at N. The version is read before
the figures, so a write committed in between can only make remembered figures
newer than their version, never older. What depends on the clock (the charts'
window, figures turning stale) is either part of the key or not remembered.

Not remembered: figures computed in a transaction that has written page
content and not committed, since a rollback would leave them describing
content that never existed under a version number someone else will reuse.

Every entry also has a maximum age (`MODELATLAS_COMPUTED_MEMO_MAX_AGE_SECONDS`):
a write no session sees (SQL typed by hand, a data migration) does not move
the version, and what was remembered before it is forgotten that much later
instead of at some unrelated write.

Two memos per app, one per counter (`services.publishing.content_version`), bounded,
least recently used first out, and emptied as soon as a newer version of
their counter is seen (versions only grow, so older entries could never be
asked for again): `app.state.computed_memo` under the pages version, for
whatever shows ratings, comments or people's names (the community block,
its sections, a visitor's own parts); `app.state.catalog_memo` under the
catalog version, for what is computed from catalog data alone (the model's
offers, facts and scores, comparable models, price and metric histories,
the sections drawn from them, the catalog's lab and provider lists).
A rating moves the pages version only: the model's ratings block is
recomputed, its comparable models are not. Feeding a memo one counter's
versions only is what makes "newer version" meaningful.

Off (`MODELATLAS_COMPUTED_MEMO=off`) it computes every time, which is how the
benchmark's "cold" row measures a render with every cache empty.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy.orm import Session

from app.services.publishing.content_version import has_pending_change

T = TypeVar("T")

DEFAULT_MAX_ENTRIES = 512
DEFAULT_MAX_AGE_SECONDS = 300.0


class ComputedMemo:
    """Computed values by (key, content version); thread-safe, bounded in size and age.

    `clock` gives seconds on a clock that never goes back (tests pass their own).
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = enabled
        self.max_entries = max_entries
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        # Each value with the clock's time when it was computed.
        self._entries: OrderedDict[tuple[Hashable, int], tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._newest = -1
        # How often `get` and `peek` found a value and how often `get` computed one:
        # what the benchmark and the tests read to tell a warm render from a cold one.
        self.hits = 0
        self.misses = 0

    def get(self, session: Session, key: Hashable, version: int, compute: Callable[[], T]) -> T:
        """The value remembered for `key` at `version`, else `compute()` (remembered if it may be).

        `version` must have been read in `session`'s transaction before any of
        the data `compute` reads. Two threads missing at once both compute;
        the value is the same, so the second simply replaces the first.
        """
        if not self.enabled or has_pending_change(session):
            return compute()
        entry_key = (key, version)
        with self._lock:
            self._see_version(version)
            found = self._fresh(entry_key)
            if found is not _MISSING:
                self.hits += 1
                return found  # type: ignore[return-value]
            self.misses += 1
        computed_at = self._clock()
        value = compute()
        with self._lock:
            if version < self._newest:
                return value  # read in an older snapshot: correct for this request only
            self._entries[entry_key] = (computed_at, value)
            self._entries.move_to_end(entry_key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def peek(self, key: Hashable, version: int) -> object | None:
        """The value remembered for `key` at `version`, or None; never computes.

        For a reader that has no transaction to compute in (see
        `web.caching.signed_in_parts`): `version` must be the database's current one,
        read together with whatever decided `key`.
        """
        if not self.enabled:
            return None
        with self._lock:
            self._see_version(version)
            found = self._fresh((key, version))
            if found is _MISSING:
                return None
            self.hits += 1
            return found

    def _fresh(self, entry_key: tuple[Hashable, int]) -> object:
        """The value remembered under `entry_key` if younger than the maximum age, else _MISSING.

        Call with the lock held. A value too old is forgotten, and the one
        found becomes the most recently used.
        """
        entry = self._entries.get(entry_key)
        if entry is None:
            return _MISSING
        computed_at, value = entry
        if self._clock() - computed_at > self.max_age_seconds:
            del self._entries[entry_key]
            return _MISSING
        self._entries.move_to_end(entry_key)
        return value

    def _see_version(self, version: int) -> None:
        """Forget everything once a newer version shows up (call with the lock held).

        The content moved on: nothing remembered can be asked for again.
        """
        if version > self._newest:
            self._entries.clear()
            self._newest = version

    def __len__(self) -> int:
        return len(self._entries)


_MISSING = object()
