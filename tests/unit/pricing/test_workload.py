"""Reading a workload from a URL: presets, precedence, bounds, messages and canonical URLs."""

from decimal import Decimal
from pathlib import Path

import pytest

from app.services.pricing.workload import (
    BUNDLED_PRESETS_FILE,
    Limits,
    Presets,
    PresetsFileError,
    load_presets,
    read_workload,
)
from app.services.pricing.workload_cost import Workload

PRESETS = load_presets()
MISTRAL_SMALL_4 = Limits.for_model(context_window=262_144, max_output=None, reasoning=False)
REASONER = Limits.for_model(context_window=128_000, max_output=32_000, reasoning=True)


def read(params: dict[str, str], limits: Limits = MISTRAL_SMALL_4):
    return read_workload(params, presets=PRESETS, limits=limits)


def test_the_bundled_presets_cover_the_five_typical_workloads() -> None:
    names = [preset.name for preset in PRESETS.items]

    assert names == [
        "Prototype",
        "Chatbot",
        "RAG / long documents",
        "Batch summarization",
        "Agentic coding",
    ]
    assert all(preset.description for preset in PRESETS.items)
    assert PRESETS.get("batch-summarization").batch
    assert PRESETS.default_preset.slug == "chatbot"


def test_a_url_without_workload_shows_the_default_preset_with_status_200() -> None:
    form = read({})

    assert form.preset == PRESETS.get("chatbot")
    assert form.workload == Workload(
        requests=5_000, input_tokens=2_500, output_tokens=350, cache_share=Decimal(60)
    )
    assert form.query_string() == "preset=chatbot"
    assert form.status_code == 200


def test_explicit_fields_override_the_preset_and_only_they_join_the_preset_in_the_url() -> None:
    form = read({"preset": "chatbot", "output_tokens": "800", "days": "31"})

    assert form.workload.output_tokens == 800
    assert form.workload.days == 31
    assert form.workload.input_tokens == 2_500
    assert form.modified
    assert form.query_string() == "preset=chatbot&output_tokens=800&days=31"


def test_the_form_spelling_normalises_to_the_contract_spelling() -> None:
    """The form sends every field (requests + per, batch=0 before the checkbox's batch=1)."""
    form = read(
        {
            "preset": "batch-summarization",
            "requests": "20000",
            "per": "day",
            "input_tokens": "6000",
            "output_tokens": "400",
            "cache_share": "0",
            "cache_write_share": "0",
            "days": "30",
            "batch": "0",
        }
    )

    assert form.workload.batch is False
    assert form.query_string() == "preset=batch-summarization&batch=0"


def test_the_contract_url_without_a_preset() -> None:
    form = read(
        {
            "requests_per_day": "1000",
            "input_tokens": "1000",
            "output_tokens": "1000",
            "cache_share": "25",
            "batch": "1",
            "days": "28",
        }
    )

    assert form.preset is None
    assert form.workload == Workload(
        requests=1_000,
        input_tokens=1_000,
        output_tokens=1_000,
        cache_share=Decimal(25),
        batch=True,
        days=28,
    )
    assert form.query_string() == (
        "requests_per_day=1000&input_tokens=1000&output_tokens=1000&cache_share=25&batch=1&days=28"
    )


def test_requests_per_month() -> None:
    form = read({"requests_per_month": "1,000", "input_tokens": "1000", "output_tokens": "1000"})

    assert (form.workload.requests, form.workload.per) == (1_000, "month")
    assert form.query_string() == "requests_per_month=1000&input_tokens=1000&output_tokens=1000"


def test_reasoning_tokens_count_only_where_the_model_reasons() -> None:
    params = {"preset": "agentic-coding", "reasoning_tokens": "5000"}

    assert read(params, REASONER).workload.reasoning_tokens == 5_000
    ignored = read(params, MISTRAL_SMALL_4)
    assert ignored.workload.reasoning_tokens == 0
    assert ignored.query_string() == "preset=agentic-coding"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"preset": "chatbot", "input_tokens": "300000"}, "input_tokens", "262,144 tokens"),
        ({"preset": "chatbot", "input_tokens": "-3"}, "input_tokens", "whole number"),
        ({"preset": "chatbot", "output_tokens": "2.5"}, "output_tokens", "whole number"),
        ({"preset": "chatbot", "output_tokens": ""}, "output_tokens", "whole number"),
        ({"preset": "chatbot", "cache_share": "101"}, "cache_share", "0 to 100"),
        ({"preset": "chatbot", "cache_share": "NaN"}, "cache_share", "0 to 100"),
        (
            {"preset": "chatbot", "cache_share": "70", "cache_write_share": "40"},
            "cache_write_share",
            "cannot exceed 100",
        ),
        ({"preset": "chatbot", "requests_per_day": "1000000001"}, "requests", "1,000,000,000"),
        ({"preset": "chatbot", "requests": "0"}, "requests", "from 1"),
        ({"preset": "chatbot", "requests": "5", "per": "week"}, "requests", "per day or per"),
        (
            {"preset": "chatbot", "requests_per_day": "5", "requests_per_month": "9"},
            "requests",
            "once",
        ),
        ({"input_tokens": "1000"}, "requests", "how many requests"),
        ({"preset": "chatbot", "days": "32"}, "days", "at most 31"),
        ({"preset": "chatbot", "batch": "maybe"}, "batch", "1 for yes"),
        ({"preset": "nightly"}, "preset", "no preset “nightly”"),
        ({"preset": "chatbot", "output_tokens": "9" * 40}, "output_tokens", "whole number"),
    ],
)
def test_each_invalid_field_gets_its_own_message_and_status_422(
    params: dict[str, str], field: str, message: str
) -> None:
    form = read(params)

    assert form.workload is None
    assert message in form.errors[field]
    assert form.status_code == 422


def test_an_invalid_field_keeps_what_was_typed_and_the_others_keep_their_values() -> None:
    params = {"preset": "rag", "requests": "abc", "input_tokens": "20000", "output_tokens": "900"}

    form = read(params)

    assert form.errors.keys() == {"requests"}
    assert form.values["requests"] == "abc"
    assert form.values["output_tokens"] == "900"
    assert form.values["cache_share"] == "10"
    assert form.problems == ("Requests: Enter a whole number of requests, such as 1000.",)
    assert form.query_string() == "preset=rag&requests=abc&input_tokens=20000&output_tokens=900"


def test_output_is_bounded_by_the_models_maximum_output() -> None:
    form = read({"preset": "chatbot", "output_tokens": "40000"}, REASONER)

    assert form.errors["output_tokens"] == (
        "Enter at most 32,000 tokens (the model's maximum output)."
    )


def test_without_a_context_window_input_is_bounded_generously() -> None:
    limits = Limits.for_model(context_window=None, max_output=None, reasoning=False)

    assert read({"preset": "chatbot", "input_tokens": "5000000"}, limits).workload is not None
    assert (
        "10,000,000"
        in read({"preset": "chatbot", "input_tokens": "10000001"}, limits).errors["input_tokens"]
    )


def write_presets(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "presets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_edited_presets_file_is_read(tmp_path: Path) -> None:
    path = write_presets(
        tmp_path,
        'default = "nightly"\n'
        "[[preset]]\n"
        'slug = "nightly"\nname = "Nightly"\ndescription = "Reports at night."\n'
        "requests_per_day = 50\ninput_tokens = 8_000\noutput_tokens = 2_000\n"
        "cache_share = 12.5\nbatch = true\n",
    )

    presets = load_presets(path)

    assert presets == Presets(items=(presets.get("nightly"),), default="nightly")
    nightly = presets.get("nightly")
    assert (nightly.requests_per_day, nightly.cache_share, nightly.batch) == (
        50,
        Decimal("12.5"),
        True,
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not toml = = 1", "cannot read"),
        ('default = "x"\n', "no [[preset]]"),
        ('[[preset]]\nslug = "a"\nname = "A"\n', "missing or non-text keys ['description']"),
        (
            '[[preset]]\nslug = "a"\nname = "A"\ndescription = "d"\nrequests_per_day = 1\n'
            "input_tokens = 1\ncolour = 3\n",
            "unknown keys ['colour']",
        ),
        (
            '[[preset]]\nslug = "a"\nname = "A"\ndescription = "d"\nrequests_per_day = 0\n'
            "input_tokens = 1\n",
            "requests",
        ),
        (
            '[[preset]]\nslug = "a"\nname = "A"\ndescription = "d"\nrequests_per_day = 1\n'
            "input_tokens = 1\ncache_share = 120\n",
            "cache_share",
        ),
        (
            '[[preset]]\nslug = "a"\nname = "A"\ndescription = "d"\nrequests_per_day = 1\n'
            'input_tokens = 1\nbatch = "yes"\n',
            "batch",
        ),
        (
            '[[preset]]\nslug = "a"\nname = "A"\ndescription = "d"\nrequests_per_day = 1\n',
            "input_tokens",
        ),
        (
            '[[preset]]\nslug = "A b"\nname = "A"\ndescription = "d"\nrequests_per_day = 1\n'
            "input_tokens = 1\n",
            "lowercase",
        ),
        (
            'default = "b"\n[[preset]]\nslug = "a"\nname = "A"\ndescription = "d"\n'
            "requests_per_day = 1\ninput_tokens = 1\n",
            "default preset 'b'",
        ),
    ],
)
def test_a_bad_presets_file_is_refused_with_the_reason(
    tmp_path: Path, text: str, problem: str
) -> None:
    with pytest.raises(PresetsFileError, match=r"presets\.toml") as raised:
        load_presets(write_presets(tmp_path, text))

    assert problem in str(raised.value)


def test_the_bundled_presets_file_ships_inside_the_package() -> None:
    assert BUNDLED_PRESETS_FILE.is_relative_to(Path(__file__).parents[3] / "app")


def test_a_presets_value_is_checked_against_a_small_models_window_too() -> None:
    small = Limits.for_model(context_window=8_192, max_output=None, reasoning=False)

    form = read({"preset": "rag"}, small)

    assert form.errors == {
        "input_tokens": "Enter at most 8,192 tokens (the model's context window)."
    }
    assert form.values["input_tokens"] == "20000"
    assert form.status_code == 422
