"""How the "sources disagree" note writes each source's value of a fact."""

from datetime import date

from app.services.model_page.model_facts import Modalities
from app.web.render.formatting import fact_value


def test_each_kind_of_fact_is_written_as_the_page_writes_it() -> None:
    assert fact_value(date(2024, 12, 6), "released_at") == "2024-12-06"
    assert fact_value(131_072, "context_window") == "131K tokens"
    assert fact_value(False, "tool_calling") == "no"
    assert fact_value("open", "weights") == "open"
    assert fact_value(None, "weights") == "not known"
    both = Modalities(input=frozenset({"text", "image"}), output=frozenset({"text"}))
    assert fact_value(both, "modalities") == "image, text in, text out"
