"""Which changes between two states of the watched models become events (pure)."""

from datetime import date
from decimal import Decimal

from app.services.publishing.change_events import ModelState, OfferState, changes_between

D = Decimal


def offer(
    prices: dict[str, tuple[Decimal | None, ...]] | None = None,
    *,
    on_sale: bool = True,
    variant: str = "",
) -> OfferState:
    return OfferState(
        provider_slug="fastcloud",
        provider_name="FastCloud",
        variant=variant,
        on_sale=on_sale,
        prices=prices if prices is not None else {"standard": price("1", "2")},
    )


def price(input_: str, output: str) -> tuple[Decimal | None, ...]:
    return (D(input_), D(output), None, None, None, None, None)


def state(
    offers: dict[tuple[int, str], OfferState] | None = None,
    *,
    status: str = "active",
    deprecates_at: date | None = None,
) -> dict[int, ModelState]:
    return {
        7: ModelState(
            status=status,
            deprecates_at=deprecates_at,
            offers=offers if offers is not None else {(1, ""): offer()},
        )
    }


def test_the_same_state_is_no_change() -> None:
    assert changes_between(state(), state()) == []


def test_a_price_change_in_one_tier_is_one_event_with_before_and_after() -> None:
    after = state({(1, ""): offer({"standard": price("1.5", "2")})})

    [change] = changes_between(state(), after)

    assert (change.model_id, change.kind) == (7, "price_changed")
    assert change.details["tier"] == "standard"
    assert change.details["provider"] == "fastcloud"
    assert change.details["before"]["input"] == "1"
    assert change.details["after"]["input"] == "1.5"
    assert change.details["after"]["output"] == "2"


def test_each_changed_tier_is_its_own_event() -> None:
    before = state({(1, ""): offer({"standard": price("1", "2"), "batch": price("0.5", "1")})})
    after = state({(1, ""): offer({"standard": price("2", "2"), "batch": price("0.6", "1")})})

    kinds = [(c.kind, c.details["tier"]) for c in changes_between(before, after)]

    assert kinds == [("price_changed", "batch"), ("price_changed", "standard")]


def test_a_new_offer_is_one_event_and_its_prices_are_not_changes() -> None:
    after = state({(1, ""): offer(), (2, "fast"): offer(variant="fast")})

    [change] = changes_between(state(), after)

    assert change.kind == "offer_added"
    assert change.details["variant"] == "fast"
    assert change.details["prices"]["standard"]["output"] == "2"


def test_a_retired_offer_is_no_longer_offered_and_a_revived_one_is_new() -> None:
    retired = state({(1, ""): offer(on_sale=False)})

    [removed] = changes_between(state(), retired)
    [revived] = changes_between(retired, state())

    assert removed.kind == "offer_removed"
    assert revived.kind == "offer_added"
    assert changes_between(retired, retired) == []


def test_a_deprecation_date_set_or_moved_is_an_event_and_a_status_change_too() -> None:
    dated = state(deprecates_at=date(2027, 1, 31), status="deprecated")

    changes = changes_between(state(), dated)

    assert [c.kind for c in changes] == ["status_changed", "deprecation_set"]
    assert changes[0].details == {"before": "active", "after": "deprecated"}
    assert changes[1].details == {"before": None, "deprecates_at": "2027-01-31"}
    moved = state(deprecates_at=date(2027, 3, 1), status="deprecated")
    assert [c.kind for c in changes_between(dated, moved)] == ["deprecation_set"]


def test_a_model_gone_after_the_run_reports_nothing() -> None:
    assert changes_between(state(), {}) == []
