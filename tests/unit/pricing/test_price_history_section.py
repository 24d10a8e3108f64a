"""Price rows to spans and changes: collapsing repeats, ordering, the listed few (no database)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.services.pricing.price_history_section import (
    SHOWN_CHANGES,
    ModelPriceHistory,
    OfferPriceHistory,
    PriceChange,
    PriceSpan,
    changes_between,
    collapse,
)

JAN = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return JAN + timedelta(days=n)


def d(text: str) -> Decimal:
    return Decimal(text)


def offer(name: str, spans: tuple[PriceSpan, ...]) -> OfferPriceHistory:
    return OfferPriceHistory(
        provider_slug=name.lower(),
        provider_name=name,
        variant="",
        is_router=False,
        spans=spans,
        other_tiers=(),
    )


def test_rows_become_spans_oldest_first_whatever_their_order() -> None:
    rows = [
        (day(10), None, d("1"), d("3")),
        (day(0), day(10), d("2"), d("6")),
    ]
    assert collapse(rows) == (
        PriceSpan(day(0), day(10), d("2"), d("6")),
        PriceSpan(day(10), None, d("1"), d("3")),
    )


def test_a_row_reopened_at_the_same_price_is_not_a_new_span() -> None:
    rows = [
        (day(0), day(5), d("2"), d("6")),
        (day(5), day(7), d("2"), d("6")),  # closed and re-opened by a re-import
        (day(9), day(12), d("2"), d("6")),  # re-opened after a gap
        (day(12), None, d("1"), d("6")),
    ]
    spans = collapse(rows)
    assert spans == (
        PriceSpan(day(0), day(12), d("2"), d("6")),
        PriceSpan(day(12), None, d("1"), d("6")),
    )
    assert changes_between(spans) == [PriceChange(day(12), d("2"), d("1"), d("6"), d("6"))]


def test_a_price_that_goes_back_is_two_changes() -> None:
    spans = collapse(
        [
            (day(0), day(1), d("2"), d("6")),
            (day(1), day(2), d("1"), d("6")),
            (day(2), None, d("2"), d("6")),
        ]
    )
    assert [(c.at, c.input_before, c.input_after) for c in changes_between(spans)] == [
        (day(1), d("2"), d("1")),
        (day(2), d("1"), d("2")),
    ]


def test_a_price_becoming_known_is_a_change() -> None:
    spans = collapse([(day(0), day(3), None, d("6")), (day(3), None, d("1"), d("6"))])
    assert len(spans) == 2
    assert changes_between(spans)[0].input_before is None


def test_offer_lists_the_newest_changes_and_counts_the_earlier_ones() -> None:
    count = SHOWN_CHANGES + 3
    spans = tuple(
        PriceSpan(day(i), day(i + 1) if i < count else None, d(str(10 + i)), d(str(20 + i)))
        for i in range(count + 1)
    )
    history = offer("Host", spans)

    assert [change.at for change in history.recent_changes] == [
        day(count - i) for i in range(SHOWN_CHANGES)
    ]
    assert history.recent_changes[0].input_after == d(str(10 + count))
    assert history.earlier_count == 3
    assert history.first_seen == day(0)
    assert history.withdrawn_at is None


def test_offer_with_few_changes_has_none_earlier_and_a_closed_last_span_is_withdrawn() -> None:
    spans = (
        PriceSpan(day(0), day(2), d("1"), d("2")),
        PriceSpan(day(2), day(4), d("3"), d("4")),
    )
    history = offer("Host", spans)
    assert history.earlier_count == 0
    assert len(history.recent_changes) == 1
    assert history.withdrawn_at == day(4)


def test_model_history_puts_the_latest_changed_offer_first_and_keeps_steady_ones_apart() -> None:
    steady = offer("Steady", (PriceSpan(day(0), None, d("1"), d("2")),))
    early = offer(
        "Early",
        (PriceSpan(day(0), day(3), d("1"), d("2")), PriceSpan(day(3), None, d("2"), d("2"))),
    )
    late = offer(
        "Late",
        (PriceSpan(day(0), day(8), d("1"), d("2")), PriceSpan(day(8), None, d("2"), d("2"))),
    )
    history = ModelPriceHistory(offers=(early, steady, late), now=day(30))
    assert [o.label for o in history.changed] == ["Late", "Early"]
    assert [o.label for o in history.steady] == ["Steady"]


def test_steady_offers_are_grouped_by_the_day_first_seen_earliest_first() -> None:
    history = ModelPriceHistory(
        offers=(
            offer("B", (PriceSpan(day(4) + timedelta(hours=20), None, d("1"), d("2")),)),
            offer("A", (PriceSpan(day(1), None, d("1"), d("2")),)),
            offer("C", (PriceSpan(day(4), None, d("1"), d("2")),)),
        ),
        now=day(30),
    )
    assert [(g.since, [o.label for o in g.offers]) for g in history.steady_groups] == [
        (day(1).date(), ["A"]),
        (day(4).date(), ["B", "C"]),
    ]
