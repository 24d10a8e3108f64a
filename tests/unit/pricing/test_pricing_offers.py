"""Estimating every offer of a model: order, the cheapest mark, context and reasoning."""

from dataclasses import replace
from decimal import Decimal

from app.services.pricing.calculator import Offer, Subject, best_offer, estimate_model
from app.services.pricing.workload_cost import PriceSheet, Workload

D = Decimal
WORKLOAD = Workload(
    requests=1_000, per="month", input_tokens=2_000, output_tokens=1_000, reasoning_tokens=500
)


def offer(
    name: str,
    input_price: str | None,
    output_price: str | None,
    *,
    variant: str = "",
    router: bool = False,
    context_window: int | None = None,
    features: tuple[str, ...] = (),
) -> Offer:
    sheet = PriceSheet(
        input=None if input_price is None else D(input_price),
        output=None if output_price is None else D(output_price),
    )
    kind = "router" if router else "inference"
    return Offer(name.lower(), name, variant, kind, context_window, features, sheet, None)


def subject(*offers: Offer, reasoning: bool | None = False) -> Subject:
    return Subject(
        id=1,
        slug="lab/model",
        name="Model",
        context_window=100_000,
        max_output=None,
        reasoning=reasoning,
        offers=offers,
    )


def test_providers_regular_offers_come_first_and_the_cheapest_is_the_first_row() -> None:
    result = estimate_model(
        subject(
            offer("Dear", "2", "2"),
            offer("Unpriced", "1", None),
            offer("Router", "1", "1", router=True),
            offer("Small", "0.1", "0.1", context_window=1_000),
            offer("Host", "1", "1"),
            offer("Host", "0", "0", variant="free"),
        ),
        WORKLOAD,
    )

    order = [(row.offer.label, row.per_month, row.cheapest) for row in result.rows]
    # 2M input and 1M output tokens a month; reasoning is dropped (the model does not reason).
    # Routers and free variants follow the providers' regular offers, however cheap.
    assert order == [
        ("Host", D(3), True),
        ("Dear", D(6), False),
        ("Host (free)", D(0), False),
        ("Router", D(3), False),
        ("Small", None, False),
        ("Unpriced", None, False),
    ]
    assert result.best is result.rows[0]
    assert result.workload.reasoning_tokens == 0
    assert [kind for kind, _ in result.columns] == ["input", "output"]
    assert "Unpriced: output price not known, so the total is not known." in result.notes


def test_a_reasoning_model_is_billed_for_its_reasoning_tokens() -> None:
    result = estimate_model(subject(offer("Host", "1", "1"), reasoning=True), WORKLOAD)

    assert result.rows[0].per_month == D("3.5")  # 2M input + (1M output + 0.5M reasoning) at $1
    assert [kind for kind, _ in result.columns] == ["input", "output", "reasoning"]


def test_a_model_with_only_a_free_variant_has_that_as_its_best_offer() -> None:
    result = estimate_model(subject(offer("Host", "0", "0", variant="free")), WORKLOAD)

    assert result.best.offer.variant == "free"
    assert result.rows[0].cheapest


def test_a_router_cheaper_than_every_provider_is_named_beside_the_cheapest() -> None:
    result = estimate_model(
        subject(offer("Host", "4", "4"), offer("Router", "0.7", "2.5", router=True)), WORKLOAD
    )

    assert result.best.offer.label == "Host"
    assert result.rows[0].cheapest
    assert result.router_below is not None
    assert result.router_below.offer.label == "Router"
    assert result.router_below.per_month == D("3.9")


def test_an_offer_far_below_the_labs_price_is_listed_after_the_cheapest() -> None:
    outlier = replace(offer("Reseller", "0.5", "2.5"), far_below_lab_price=True)
    result = estimate_model(subject(offer("Lab", "2", "10"), outlier), WORKLOAD)

    assert [row.offer.label for row in result.rows] == ["Lab", "Reseller"]
    assert result.best.offer.label == "Lab"
    assert not result.rows[1].cheapest
    assert result.rows[1].offer.price_note == "far below the lab's price — check the provider"


def test_unknown_reasoning_is_not_billed_and_the_estimate_says_so() -> None:
    result = estimate_model(subject(offer("Host", "1", "1"), reasoning=None), WORKLOAD)

    assert result.rows[0].per_month == D(3)  # 2M input + 1M output at $1, no reasoning
    assert result.unbilled_reasoning == 500
    assert result.unbilled_reasoning_cost == D("0.5")  # 0.5M reasoning tokens at $1
    assert result.notes[0] == (
        "Whether Model reasons is not known, so the workload's 500 reasoning tokens per request"
        " are not billed; if it does reason, they add $0.50 a month at Host."
    )


def test_a_model_known_not_to_reason_gets_no_reasoning_note() -> None:
    result = estimate_model(subject(offer("Host", "1", "1"), reasoning=False), WORKLOAD)

    assert result.unbilled_reasoning == 0
    assert not any("reasons" in note for note in result.notes)


def test_the_best_offer_alone_is_the_full_estimates_best_row() -> None:
    offers = (
        offer("Dear", "2", "2"),
        offer("Unpriced", "1", None),
        offer("Router", "0.5", "0.5", router=True),
        offer("Small", "0.1", "0.1", context_window=1_000),
        offer("Host", "1", "1"),
        offer("Twin", "1", "1"),
        offer("Host", "0", "0", variant="free"),
    )
    cases = [
        subject(*offers),
        subject(*offers, reasoning=None),
        subject(*offers[2:4]),
        subject(offers[1], offers[3]),
        subject(offers[6]),
        subject(),
    ]
    for case in cases:
        for workload in (WORKLOAD, replace(WORKLOAD, input_tokens=200_000)):
            assert best_offer(case, workload) == estimate_model(case, workload).best
