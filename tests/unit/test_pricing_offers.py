"""Estimating every offer of a model: order, the cheapest mark, context and reasoning."""

from decimal import Decimal

from app.services.calculator import Offer, Subject, estimate_model
from app.services.pricing import PriceSheet, Workload

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
    return Offer(name.lower(), name, variant, router, context_window, features, sheet, None)


def subject(*offers: Offer, reasoning: bool = False) -> Subject:
    return Subject(
        id=1,
        slug="lab/model",
        name="Model",
        context_window=100_000,
        max_output=None,
        reasoning=reasoning,
        offers=offers,
    )


def test_offers_are_sorted_cheapest_first_and_every_offer_at_the_best_price_is_marked() -> None:
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
    assert order == [
        ("Host (free)", D(0), False),
        ("Host", D(3), True),
        ("Router", D(3), True),
        ("Dear", D(6), False),
        ("Small", None, False),
        ("Unpriced", None, False),
    ]
    assert result.best.offer.label == "Host"
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
