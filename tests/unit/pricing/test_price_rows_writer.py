"""Reconciling one endpoint tier's price rows with a source timeline (no database)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from app.models import Price
from app.services.pricing.price_rows_writer import reconcile
from app.sources.genai_prices import PricePeriod, PriceValues

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
CHEAP = PriceValues(input=Decimal("0.1"), output=Decimal("0.3"))
DEAR = PriceValues(input=Decimal("0.2"), output=Decimal("0.6"))


class Rows:
    """Collects the rows `reconcile` asks to create, like the importer does."""

    def __init__(self, *existing: Price) -> None:
        self.rows = list(existing)

    def new(self, start: datetime, until: datetime | None, values: PriceValues) -> Price:
        row = Price(
            service_tier="standard", effective_from=start, effective_to=until, **values.columns()
        )
        self.rows.append(row)
        return row

    def run(self, *periods: PricePeriod, now: datetime = NOW):
        return reconcile(rows=list(self.rows), periods=periods, now=now, new_row=self.new)

    def timeline(self) -> list[tuple[datetime, datetime | None, Decimal | None]]:
        ordered = sorted(self.rows, key=lambda r: r.effective_from)
        return [(r.effective_from, r.effective_to, r.input) for r in ordered]


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def test_first_import_opens_a_row_now() -> None:
    rows = Rows()
    changes = rows.run(PricePeriod(None, CHEAP))
    assert changes.created == 1
    assert rows.timeline() == [(NOW, None, Decimal("0.1"))]


def test_same_price_again_changes_nothing() -> None:
    rows = Rows()
    rows.run(PricePeriod(None, CHEAP))
    changes = rows.run(PricePeriod(None, CHEAP), now=NOW + timedelta(days=1))
    assert (changes.created, changes.closed, changes.corrected, changes.filled) == (0, 0, 0, 0)


def test_observed_change_closes_the_open_row_and_opens_one() -> None:
    rows = Rows()
    rows.run(PricePeriod(None, CHEAP))
    later = NOW + timedelta(days=2)
    changes = rows.run(PricePeriod(None, DEAR), now=later)
    assert (changes.created, changes.closed) == (1, 1)
    assert rows.timeline() == [(NOW, later, Decimal("0.1")), (later, None, Decimal("0.2"))]


def test_a_newly_known_cache_price_fills_the_row_without_a_new_period() -> None:
    rows = Rows()
    rows.run(PricePeriod(None, CHEAP))
    with_cache = PriceValues(
        input=Decimal("0.1"), output=Decimal("0.3"), cache_read=Decimal("0.01")
    )
    changes = rows.run(PricePeriod(None, with_cache), now=NOW + timedelta(days=1))
    assert (changes.filled, changes.created) == (1, 0)
    assert rows.rows[0].cache_read == Decimal("0.01")


def test_dated_changes_become_rows_and_the_earlier_price_ends_at_the_first() -> None:
    rows = Rows()
    changed_on = date(2026, 9, 1)
    rows.run(PricePeriod(None, DEAR), PricePeriod(changed_on, CHEAP))
    assert rows.timeline() == [
        (midnight(changed_on) - timedelta(days=1), midnight(changed_on), Decimal("0.2")),
        (midnight(changed_on), None, Decimal("0.1")),
    ]
    again = rows.run(
        PricePeriod(None, DEAR), PricePeriod(changed_on, CHEAP), now=NOW + timedelta(days=5)
    )
    assert (again.created, again.closed, again.corrected) == (0, 0, 0)


def test_an_existing_row_before_the_first_change_keeps_its_start() -> None:
    seeded_from = datetime(2026, 3, 16, tzinfo=UTC)
    rows = Rows(Price(service_tier="standard", effective_from=seeded_from, **DEAR.columns()))
    rows.run(PricePeriod(None, DEAR), PricePeriod(date(2026, 9, 1), CHEAP))
    assert rows.timeline() == [
        (seeded_from, midnight(date(2026, 9, 1)), Decimal("0.2")),
        (midnight(date(2026, 9, 1)), None, Decimal("0.1")),
    ]


def test_scheduled_changes_wait_until_they_are_in_force() -> None:
    rows = Rows()
    starts = date(2027, 1, 1)
    changes = rows.run(PricePeriod(None, DEAR), PricePeriod(starts, CHEAP))
    assert changes.scheduled == 1
    assert rows.timeline() == [(NOW, None, Decimal("0.2"))]
    rows.run(
        PricePeriod(None, DEAR),
        PricePeriod(starts, CHEAP),
        now=midnight(starts) + timedelta(hours=1),
    )
    assert rows.timeline() == [
        (NOW, midnight(starts), Decimal("0.2")),
        (midnight(starts), None, Decimal("0.1")),
    ]


def test_a_tier_that_starts_on_a_date_has_no_earlier_row() -> None:
    rows = Rows()
    rows.run(PricePeriod(date(2026, 10, 14), CHEAP))
    assert rows.timeline() == [(midnight(date(2026, 10, 14)), None, Decimal("0.1"))]
