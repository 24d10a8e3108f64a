"""How the "sources disagree" note writes each source's value of a fact."""

from datetime import date

from app.services.model_page.model_facts import Modalities
from app.web.render.formatting import fact_value


def test_each_kind_of_fact_is_written_as_the_page_writes_it() -> None:
    assert fact_value(date(2024, 12, 6), "released_at") == "2024-12-06"
    assert fact_value(False, "tool_calling") == "no"
    assert fact_value("open", "weights") == "open"
    assert fact_value(None, "weights") == "not known"
    both = Modalities(input=frozenset({"text", "image"}), output=frozenset({"text"}))
    assert fact_value(both, "modalities") == "image, text in, text out"


def test_token_counts_are_exact_so_two_values_never_read_the_same() -> None:
    assert fact_value(163_840, "context_window") == "163,840 tokens"
    assert fact_value(164_000, "context_window") == "164,000 tokens"
    assert fact_value(1_000_000, "max_output") == "1,000,000 tokens"
