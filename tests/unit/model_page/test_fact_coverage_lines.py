"""The coverage report's lines: each fact with its target, and the "not known" spread."""

from collections import Counter

from app.services.model_page.fact_coverage import COVERED_FACTS, CoverageReport


def _report(
    not_known: list[int] | None = None, not_known_facts: Counter[str] | None = None
) -> CoverageReport:
    known = dict.fromkeys((fact.key for fact in COVERED_FACTS), 3)
    known["description"] = 1
    return CoverageReport(
        models=4,
        known=known,
        not_known=not_known or [],
        not_known_facts=not_known_facts or Counter(),
    )


def test_source_description_and_description_or_summary_are_separate_lines() -> None:
    lines = _report().lines()

    source = next(line for line in lines if "source description" in line)
    either = next(line for line in lines if "description or composed summary" in line)
    assert "25.0%  (1)" in source
    assert "target" not in source
    assert "75.0%  (3)  target 70%: met" in either


def test_the_not_known_lines_give_median_spread_and_most_frequent_facts() -> None:
    report = _report(
        not_known=[0, 1, 3, 5],
        not_known_facts=Counter({"license": 3, "reasoning": 2, "weights": 1}),
    )

    tail = report.lines()[-3:]

    assert tail[0] == '"Not known" facts per page: median 2, max 5'
    assert tail[1] == "  pages by count (0: 1, 1: 1, 3: 1, 5: 1)"
    assert tail[2] == "  most often not known: license 3, reasoning 2, weights 1"


def test_a_median_between_two_counts_keeps_its_half() -> None:
    assert (
        _report(not_known=[1, 2]).lines()[-3].startswith('"Not known" facts per page: median 1.5,')
    )


def test_without_pages_measured_there_is_no_not_known_line() -> None:
    assert not any("Not known" in line for line in _report().lines())
