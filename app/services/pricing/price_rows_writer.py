"""Keeping an endpoint's price rows in step with a source's price timeline.

A Price row is a period: `effective_from` until `effective_to` (NULL: still in
force). Two kinds of history meet here:

- Dated changes the source records (genai-prices' `StartDateConstraint`):
  each becomes a row starting at 00:00 UTC on its date and ending when the next
  one starts. They are matched by start date, so re-importing them is a no-op.
- Changes we observe: when the source's current price differs from our open
  row, the open row is closed now and a new one opens now.

The price before a source's first dated change has no start date of its own.
On first import its row starts at the import time ("first seen"); when the
first dated change already lies in the past, we only know the earlier price
held before it, and record that as the day before the change. Later imports
find the row again by position, so its start never moves.

Scheduled changes (a start date still in the future) are left for the import
that runs once they are in force; the open row stays the price that applies now.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.models import Price
from app.sources.genai_prices import PRICE_COLUMNS, PricePeriod, PriceValues

NewRow = Callable[[datetime, datetime | None, PriceValues], Price]


@dataclass
class PriceChanges:
    """What reconciling one endpoint tier did."""

    created: int = 0
    closed: int = 0
    corrected: int = 0
    filled: int = 0
    scheduled: int = 0

    def __iadd__(self, other: "PriceChanges") -> "PriceChanges":
        self.created += other.created
        self.closed += other.closed
        self.corrected += other.corrected
        self.filled += other.filled
        self.scheduled += other.scheduled
        return self


def start_of(day: date) -> datetime:
    """00:00 UTC on a date: when a dated price change takes effect."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def reconcile(
    *, rows: Sequence[Price], periods: Sequence[PricePeriod], now: datetime, new_row: NewRow
) -> PriceChanges:
    """Bring one endpoint tier's rows in line with the source periods (oldest first)."""
    changes = PriceChanges()
    in_force = [p for p in periods if p.starts_on is None or start_of(p.starts_on) <= now]
    changes.scheduled = len(periods) - len(in_force)
    dated = [(start_of(p.starts_on), p.values) for p in in_force if p.starts_on is not None]
    undated = next((p.values for p in in_force if p.starts_on is None), None)
    if not dated:
        if undated is not None:
            changes += _follow_current(rows=rows, values=undated, now=now, new_row=new_row)
        return changes
    starts = {start for start, _ in dated}
    by_start = {row.effective_from: row for row in rows if row.effective_from in starts}
    for index, (start, values) in enumerate(dated):
        until = dated[index + 1][0] if index + 1 < len(dated) else None
        row = by_start.get(start)
        if row is None:
            new_row(start, until, values)
            changes.created += 1
            continue
        if not _same(row, values):
            _assign(row, values)
            changes.corrected += 1
        if row.effective_to != until:
            row.effective_to = until
            changes.closed += 1
    others = [row for row in rows if row.effective_from not in starts]
    first_change = dated[0][0]
    if undated is not None:
        changes += _before_first_change(
            rows=[r for r in others if r.effective_from < first_change],
            values=undated,
            first_change=first_change,
            now=now,
            new_row=new_row,
        )
    for row in others:
        if row.effective_from >= first_change and row.effective_to is None:
            row.effective_to = max(now, row.effective_from + timedelta(microseconds=1))
            changes.closed += 1
    return changes


def _follow_current(
    *, rows: Sequence[Price], values: PriceValues, now: datetime, new_row: NewRow
) -> PriceChanges:
    """No dated history: compare with the open row; a difference closes it and opens a new one."""
    changes = PriceChanges()
    current = next((row for row in rows if row.effective_to is None), None)
    if current is None:
        new_row(now, None, values)
        changes.created += 1
    elif _same(current, values):
        pass
    elif _fills_only(current, values):
        _assign(current, values)
        changes.filled += 1
    elif current.effective_from < now:
        current.effective_to = now
        new_row(now, None, values)
        changes.closed += 1
        changes.created += 1
    else:
        _assign(current, values)
        changes.corrected += 1
    return changes


def _before_first_change(
    *,
    rows: Sequence[Price],
    values: PriceValues,
    first_change: datetime,
    now: datetime,
    new_row: NewRow,
) -> PriceChanges:
    """The period before the first dated change: found again as the latest row before it."""
    changes = PriceChanges()
    row = max(rows, key=lambda r: r.effective_from, default=None)
    if row is None:
        new_row(min(now, first_change - timedelta(days=1)), first_change, values)
        changes.created += 1
        return changes
    if _fills_only(row, values):
        _assign(row, values)
        changes.filled += 1
    elif not _same(row, values):
        _assign(row, values)
        changes.corrected += 1
    if row.effective_to != first_change:
        row.effective_to = first_change
        changes.closed += 1
    return changes


def _same(row: Price, values: PriceValues) -> bool:
    return all(getattr(row, column) == value for column, value in values.columns().items())


def _fills_only(row: Price, values: PriceValues) -> bool:
    """True when the source only adds prices we did not know, without changing a known one."""
    pairs = [(getattr(row, column), value) for column, value in values.columns().items()]
    return any(old is None and new is not None for old, new in pairs) and all(
        old is None or old == new for old, new in pairs
    )


def _assign(row: Price, values: PriceValues) -> None:
    for column in PRICE_COLUMNS:
        value = getattr(values, column)
        if getattr(row, column) != value:
            setattr(row, column, value)
