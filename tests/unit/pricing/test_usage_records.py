"""Reading usage logs: each input shape, totals per model and day, bad lines by number."""

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.pricing.usage_records import (
    LISTED_MALFORMED,
    MAX_MODEL_IDS,
    TokenTotals,
    TooManyRowsError,
    UnreadableLogError,
    UsageReader,
    UsageTally,
)

NOV_30 = 1_764_504_000  # 2025-11-30 12:00 UTC


def read(text: str | bytes, *, max_rows: int = 1000, chunk: int | None = None) -> UsageTally:
    data = text.encode() if isinstance(text, str) else text
    tally = UsageTally()
    reader = UsageReader(tally, max_rows=max_rows)
    size = chunk or len(data) or 1
    for start in range(0, len(data), size):
        reader.feed(data[start : start + size])
    reader.finish()
    return tally


def response(model: str = "openai/gpt-4o", created: int = NOV_30, **usage: object) -> str:
    """One line as OpenAI's Chat Completions API answers."""
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}],
        "usage": usage or {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    return json.dumps(body)


def test_a_chat_completion_response_is_read_with_its_cached_and_reasoning_tokens() -> None:
    line = response(
        prompt_tokens=1200,
        completion_tokens=300,
        prompt_tokens_details={"cached_tokens": 1000},
        completion_tokens_details={"reasoning_tokens": 200},
    )

    tally = read(line + "\n" + line)

    assert tally.totals == {
        ("openai/gpt-4o", date(2025, 11, 30)): TokenTotals(
            rows=2,
            requests=2,
            input_tokens=2400,
            cached_input_tokens=2000,
            output_tokens=600,
            reasoning_tokens=400,
        )
    }
    assert tally.rows == 2
    assert tally.malformed_count == 0


def test_a_usage_record_with_a_date_and_the_responses_api_names_is_read() -> None:
    record = {
        "model": "mistral-small-2603",
        "date": "2026-03-20",
        "usage": {
            "input_tokens": 50,
            "output_tokens": 20,
            "input_tokens_details": {"cached_tokens": 10},
            "output_tokens_details": {"reasoning_tokens": 5},
        },
    }

    tally = read(json.dumps(record))

    assert tally.totals[("mistral-small-2603", date(2026, 3, 20))] == TokenTotals(
        rows=1,
        requests=1,
        input_tokens=50,
        cached_input_tokens=10,
        output_tokens=20,
        reasoning_tokens=5,
    )


def test_a_litellm_spend_log_with_flat_counts_and_a_start_time_is_read() -> None:
    record = {
        "model": "gpt-4o",
        "startTime": "2026-02-03T10:00:00.123+00:00",
        "prompt_tokens": 7,
        "completion_tokens": 3,
        "spend": 0.0001,
    }

    tally = read(json.dumps(record))

    assert tally.totals[("gpt-4o", date(2026, 2, 3))].output_tokens == 3


def test_a_batch_output_line_is_read_from_its_response_body() -> None:
    line = json.dumps(
        {"custom_id": "r1", "response": {"status_code": 200, "body": json.loads(response())}}
    )

    assert read(line).totals[("openai/gpt-4o", date(2025, 11, 30))].input_tokens == 10


def test_a_csv_log_is_read_by_its_header_in_any_column_order() -> None:
    text = (
        "model,date,output_tokens,input_tokens,requests,cached_input_tokens,reasoning_tokens\r\n"
        "openai/gpt-4o,2026-01-02,100,1000,4,500,30\r\n"
        "openai/gpt-4o,2026-01-02T23:00:00Z,1,2,1,0,0\r\n"
        '"openai/gpt-4o",2026-01-03,10,20,,,\r\n'
    )

    tally = read(text)

    assert tally.totals[("openai/gpt-4o", date(2026, 1, 2))] == TokenTotals(
        rows=2,
        requests=5,
        input_tokens=1002,
        cached_input_tokens=500,
        output_tokens=101,
        reasoning_tokens=30,
    )
    assert tally.totals[("openai/gpt-4o", date(2026, 1, 3))].requests == 1
    assert tally.malformed_count == 0


def test_a_csv_header_without_the_needed_columns_refuses_the_log() -> None:
    with pytest.raises(UnreadableLogError, match="input_tokens"):
        read("day,model,tokens\n2026-01-01,x,1\n")


def test_malformed_lines_are_listed_by_line_number_and_the_rest_is_read() -> None:
    good = response()
    lines = [
        good,
        "",  # blank lines are skipped but counted as lines
        "{not json",
        "[1, 2]",
        json.dumps({"model": "m", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}),
        response(created=12),
        response(prompt_tokens=-1, completion_tokens=1),
        response(prompt_tokens=5, completion_tokens=1, prompt_tokens_details={"cached_tokens": 9}),
        response(prompt_tokens="1.5", completion_tokens=1),
        good,
    ]

    tally = read("\n".join(lines).encode() + b"\n\xff\xfe{}\n")

    assert [number for number, _ in tally.malformed] == [3, 4, 5, 6, 7, 8, 9, 11]
    assert dict(tally.malformed) == {
        3: "not valid JSON",
        4: "not a JSON object",
        5: "no date (created as Unix seconds, or date as YYYY-MM-DD)",
        6: "created is not a Unix time between 2000 and 2100",
        7: "prompt_tokens is out of range",
        8: "more cached tokens than input tokens",
        9: "prompt_tokens is not a whole number",
        11: "not UTF-8 text",
    }
    assert tally.rows == 10
    assert tally.totals[("openai/gpt-4o", date(2025, 11, 30))].rows == 2


def test_only_the_first_malformed_lines_are_listed_but_all_are_counted() -> None:
    tally = read("\n".join(["{"] * (LISTED_MALFORMED + 5)))

    assert tally.malformed_count == LISTED_MALFORMED + 5
    assert len(tally.malformed) == LISTED_MALFORMED


def test_a_log_over_the_row_limit_is_refused() -> None:
    with pytest.raises(TooManyRowsError):
        read("\n".join([response()] * 4), max_rows=3)

    assert read("\n".join([response()] * 3), max_rows=3).rows == 3


def test_lines_split_across_chunks_read_the_same() -> None:
    text = "\n".join(response(prompt_tokens=n, completion_tokens=1) for n in range(1, 40))

    assert read(text, chunk=7).totals == read(text).totals


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_are_read_or_refused_as_a_whole_never_crash(data: bytes) -> None:
    try:
        tally = read(data, chunk=13)
    except (UnreadableLogError, TooManyRowsError):
        return
    assert tally.malformed_count <= tally.rows


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["model", "created", "date", "usage", "prompt_tokens", "completion_tokens"]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=10,
    )
)
def test_any_json_line_is_read_or_listed_as_malformed(value: object) -> None:
    tally = read("{}\n" + json.dumps(value))

    assert tally.rows == 2
    assert tally.malformed_count + sum(t.rows for t in tally.totals.values()) == 2


@pytest.mark.parametrize(
    "day", ["0001-01-01T00:00:00+01:00", "1999-12-31", "2026-13-01", "tomorrow", "9" * 30]
)
def test_a_date_that_is_no_usage_date_makes_its_line_malformed(day: str) -> None:
    tally = read(f"date,model,input_tokens,output_tokens\n{day},m,1,1\n")

    assert [number for number, _ in tally.malformed] == [2]
    assert tally.totals == {}


def test_model_ids_beyond_the_most_a_replay_reads_make_their_lines_malformed() -> None:
    lines = [response(model=f"lab/model-{n}") for n in range(MAX_MODEL_IDS + 2)]
    lines.append(response(model="lab/model-0"))

    tally = read("\n".join(lines), max_rows=10_000)

    assert len({model for model, _ in tally.totals}) == MAX_MODEL_IDS
    assert [number for number, _ in tally.malformed] == [MAX_MODEL_IDS + 1, MAX_MODEL_IDS + 2]
    assert tally.totals[("lab/model-0", date(2025, 11, 30))].rows == 2
