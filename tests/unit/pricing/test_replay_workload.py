"""A replayed log as the calculator's workload: monthly averages, tokens per request, its source."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.pricing.replay_workload import months_spanned, replay_workload
from app.services.pricing.saved_workloads import ReplaySource, read_source, read_submitted_workload
from app.services.pricing.usage_records import UsageReader, UsageTally
from app.services.pricing.workload import load_presets

HEADER = "date,model,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,requests"


def tally_of(*rows: str) -> UsageTally:
    tally = UsageTally()
    reader = UsageReader(tally, max_rows=1000)
    reader.feed("\n".join((HEADER, *rows)).encode())
    reader.finish()
    return tally


def test_the_log_becomes_its_average_month_with_tokens_per_request() -> None:
    # September to November: three months, October without usage.
    tally = tally_of(
        "2026-09-10,openai/gpt-4o,3000000,1000000,900000,300000,1000",
        "2026-11-20,mistralai/mistral-small-2603,1000000,0,300000,0,1000",
    )

    kept = replay_workload(tally)

    assert kept is not None
    assert kept.months == 3
    assert kept.fields == {
        "requests_per_month": "667",  # 2,000 requests over 3 months
        "input_tokens": "2000",  # 4M input tokens over 2,000 requests, cached included
        "output_tokens": "450",  # visible output: 1.2M - 0.3M reasoning, per request
        "reasoning_tokens": "150",
        "cache_share": "25.00",  # 1M of 4M input tokens
        "cache_write_share": "0",
        "batch": "0",
        "days": "30",
    }
    assert kept.source == ReplaySource(
        rows=2, first_day=date(2026, 9, 10), last_day=date(2026, 11, 20)
    )


def test_the_fields_are_what_the_calculator_accepts() -> None:
    kept = replay_workload(tally_of("2026-11-20,openai/gpt-4o,12345,678,9012,345,7"))

    assert kept is not None
    form = read_submitted_workload(kept.fields, presets=load_presets())
    assert form.errors == {}
    assert form.workload is not None
    assert form.workload.per == "month"
    assert form.workload.requests == 7
    assert form.workload.cache_share == Decimal("5.49")


def test_a_log_without_requests_is_no_workload() -> None:
    assert replay_workload(tally_of("2026-11-20,openai/gpt-4o,1000,0,10,0,0")) is None
    assert replay_workload(UsageTally()) is None


def test_a_few_requests_over_many_months_still_make_one_a_month() -> None:
    kept = replay_workload(
        tally_of("2025-01-01,openai/gpt-4o,10,0,1,0,1", "2026-12-31,openai/gpt-4o,10,0,1,0,1")
    )

    assert kept is not None
    assert kept.months == 24
    assert kept.fields["requests_per_month"] == "1"


@pytest.mark.parametrize(
    ("first", "last", "months"),
    [
        (date(2026, 11, 1), date(2026, 11, 30), 1),
        (date(2026, 11, 30), date(2026, 12, 1), 2),
        (date(2025, 12, 31), date(2026, 2, 1), 3),
    ],
)
def test_months_spanned_counts_both_ends(first: date, last: date, months: int) -> None:
    assert months_spanned(first, last) == months


@given(
    rows=st.integers(1, 10**9),
    first=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
    length=st.integers(0, 3000),
)
def test_a_source_reads_back_from_its_fields(rows: int, first: date, length: int) -> None:
    last = min(date(2100, 1, 1), date.fromordinal(first.toordinal() + length))
    source = ReplaySource(rows=rows, first_day=first, last_day=last)

    assert read_source(source.fields()) == source


@pytest.mark.parametrize(
    "fields",
    [
        {"replay_rows": "3"},
        {"replay_rows": "x", "replay_first": "2026-01-01", "replay_last": "2026-01-02"},
        {"replay_rows": "0", "replay_first": "2026-01-01", "replay_last": "2026-01-02"},
        {"replay_rows": "3", "replay_first": "2026-01-02", "replay_last": "2026-01-01"},
        {"replay_rows": "3", "replay_first": "1999-12-31", "replay_last": "2026-01-01"},
        {"replay_rows": "3", "replay_first": "2026-13-01", "replay_last": "2026-01-01"},
    ],
)
def test_a_garbled_source_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="replay the log again"):
        read_source(fields)
