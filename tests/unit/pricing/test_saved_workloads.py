"""A saved workload's pure parts: its name, its stored fields, and where it is re-priced."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models.workloads import SavedWorkload
from app.services.pricing.saved_workloads import (
    SavedWorkloadError,
    clean_name,
    read_submitted_workload,
    repricing_query,
    stored_fields,
    summary,
)
from app.services.pricing.workload import MAX_DAYS, load_presets
from app.services.pricing.workload_cost import Workload
from app.web.routes.workloads import repricing_page

PRESETS = load_presets()


def test_a_name_is_stripped_and_kept_as_typed_inside() -> None:
    assert clean_name("  Support bot, EU  ") == "Support bot, EU"
    assert clean_name("x" * 80) == "x" * 80


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Give the workload a name."),
        (" \t ", "Give the workload a name."),
        ("x" * 81, "Use at most 80 characters for the name."),
        ("line\nbreak", "The name cannot contain control characters."),
        ("bell\x07", "The name cannot contain control characters."),
    ],
)
def test_a_name_the_list_could_not_show_is_refused(typed: str, message: str) -> None:
    with pytest.raises(SavedWorkloadError, match=message):
        clean_name(typed)


@given(
    requests=st.integers(1, 1_000_000),
    per=st.sampled_from(["day", "month"]),
    input_tokens=st.integers(0, 10_000_000),
    output_tokens=st.integers(0, 10_000_000),
    reasoning_tokens=st.integers(0, 10_000_000),
    cache=st.integers(0, 10_000).map(lambda n: Decimal(n) / 100),
    batch=st.booleans(),
    days=st.integers(1, MAX_DAYS),
)
def test_stored_fields_read_back_as_the_same_workload(
    requests: int,
    per: str,
    input_tokens: int,
    output_tokens: int,
    reasoning_tokens: int,
    cache: Decimal,
    batch: bool,
    days: int,
) -> None:
    workload = Workload(
        requests=requests,
        per=per,  # type: ignore[arg-type]
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        reasoning_tokens=reasoning_tokens,
        cache_share=cache,
        cache_write_share=Decimal(100) - cache,
        batch=batch,
        days=days,
    )

    form = read_submitted_workload(stored_fields(workload), presets=PRESETS)

    assert form.errors == {}
    assert form.preset is None
    assert form.workload == workload


def test_the_submitted_preset_and_edits_are_stored_as_explicit_fields() -> None:
    form = read_submitted_workload({"preset": "chatbot", "output_tokens": "800"}, presets=PRESETS)
    chatbot = PRESETS.get("chatbot")

    assert form.workload is not None and chatbot is not None
    fields = stored_fields(form.workload)
    assert "preset" not in fields
    assert fields["requests_per_day"] == str(chatbot.requests_per_day)
    assert fields["input_tokens"] == str(chatbot.input_tokens)
    assert fields["output_tokens"] == "800"


def test_the_repricing_query_keeps_compares_models_first() -> None:
    saved = SavedWorkload(
        name="Bot", fields=stored_fields(Workload(requests=5, input_tokens=10, output_tokens=2))
    )

    query = repricing_query(saved, [("models", "a/b,c/d")])

    assert query.startswith("models=a%2Fb%2Cc%2Fd&requests_per_day=5&input_tokens=10&")
    assert summary(saved) == "5 requests a day, 10 tokens in, 2 out"


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("/models/mistral/mistral-small-2603", ("/models/mistral/mistral-small-2603", [])),
        ("/compare?models=a/b,c/d&preset=x", ("/compare", [("models", "a/b,c/d")])),
        ("/calculator?models=a/b", ("/calculator", [("models", "a/b")])),
        ("/models/mistral/mistral-small-2603/community/me", ("/calculator", [])),
        ("https://evil.example/models/a/b", ("/calculator", [])),
        ("//evil.example/compare", ("/calculator", [])),
        ("/account", ("/calculator", [])),
        (None, ("/calculator", [])),
    ],
)
def test_workloads_are_repriced_only_on_a_calculator_of_this_site(
    at: str | None, expected: tuple[str, list[tuple[str, str]]]
) -> None:
    assert repricing_page(at) == expected
