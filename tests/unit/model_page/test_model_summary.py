"""The one-sentence summary Model Atlas composes from a model's known facts."""

from datetime import date

import pytest

from app.services.model_page.model_summary import SummaryFacts, compose_summary, token_count_short


def facts(**overrides: object) -> SummaryFacts:
    values: dict[str, object] = {
        "author_name": "DeepSeek",
        "weights": None,
        "reasoning": None,
        "released_at": None,
        "context_window": None,
        "provider_count": 0,
    }
    return SummaryFacts(**(values | overrides))  # type: ignore[arg-type]


def test_every_known_fact_is_said_once_in_one_sentence() -> None:
    summary = compose_summary(
        facts(
            weights="open",
            reasoning=True,
            released_at=date(2025, 1, 20),
            context_window=131_072,
            provider_count=9,
        )
    )

    assert summary == (
        "An open-weights reasoning model by DeepSeek, released January 2025, "
        "with a 131K-token context window, served by 9 providers."
    )


def test_a_fact_not_known_is_left_out_not_guessed() -> None:
    summary = compose_summary(facts(weights="closed", reasoning=False, provider_count=1))

    assert summary == "A closed-weights model by DeepSeek, served by 1 provider."


def test_nothing_is_composed_when_only_the_lab_is_known() -> None:
    assert compose_summary(facts(reasoning=False)) is None


@pytest.mark.parametrize(
    ("count", "text"),
    [(512, "512"), (8192, "8K"), (128_000, "128K"), (1_048_576, "1.05M"), (2_000_000, "2M")],
)
def test_token_counts_read_as_catalogs_print_them(count: int, text: str) -> None:
    assert token_count_short(count) == text
