"""The growth run's arithmetic and tables (`python -m bench --scale N` never runs in the suite)."""

import os

import pytest

from bench.growth import MEASURES, Bound, growth_rows, latency_scenarios, peak_rss_mb
from bench.report import growth_markdown, growth_report, growth_table
from bench.scenarios import ATLAS_COLD, MODEL_PATH


def figures(**overrides: float) -> dict[str, float]:
    """A value for every measure (1.0), with `overrides`."""
    return {measure.key: 1.0 for measure in MEASURES} | overrides


def results_with(rows: list[dict], conditions: str = "Shared with 7 other workers.") -> dict:
    return {
        "machine": {
            "date": "2026-12-02T12:00:00+00:00",
            "code": "ec504b6",
            "cpu": "AMD EPYC",
            "cores": 2,
            "kernel": "6.18",
            "uvicorn_stack": "uvloop + httptools",
            "database": "sqlite 3.40.1",
            "wrk": "wrk 4.1.0",
        },
        "conditions": conditions,
        "scale": 10,
        "method": {
            "duration_seconds": 5,
            "warmup_seconds": 2,
            "repetitions": 3,
            "downloads": 3,
            "refresh_models_per_size": 500,
        },
        "datasets": {
            "one": {"models": 1568, "metric_samples": 78962},
            "grown": {"models": 15680, "metric_samples": 1_000_000},
        },
        "build_seconds": {"one": 10.1, "grown": 24.7},
        "rows": rows,
    }


def test_bounds_say_at_most_or_under() -> None:
    at_most, under = Bound(3, "ms"), Bound(150, "MB", strict=True)

    assert (at_most.describe(), under.describe()) == ("≤ 3 ms", "< 150 MB")
    assert at_most.met(3.0) and not at_most.met(3.01)
    assert under.met(149.9) and not under.met(150.0)


def test_growth_rows_put_both_sizes_side_by_side_and_judge_the_grown_one() -> None:
    one = figures(model_page_miss=1.5, catalog_search=4.0, export_peak_rss=90.0)
    grown = figures(model_page_miss=3.2, catalog_search=9.0, export_peak_rss=149.0)

    rows = {row["key"]: row for row in growth_rows(one, grown)}

    assert [row for row in rows] == [measure.key for measure in MEASURES]
    miss = rows["model_page_miss"]
    assert (miss["one"], miss["grown"], miss["target"], miss["passed"]) == (
        1.5,
        3.2,
        "≤ 3 ms",
        False,
    )
    assert miss["growth"] == pytest.approx(3.2 / 1.5)
    assert (rows["catalog_search"]["passed"], rows["export_peak_rss"]["passed"]) == (True, True)
    assert (rows["feed_models"]["target"], rows["feed_models"]["passed"]) == (None, None)


def test_a_figure_of_zero_at_1x_has_no_growth_ratio() -> None:
    rows = growth_rows(figures(feed_model=0.0), figures(feed_model=2.0))

    assert next(row for row in rows if row["key"] == "feed_model")["growth"] is None


def test_growth_table_formats_each_unit_and_lines_up() -> None:
    rows = growth_rows(
        figures(model_page_miss=1.234, export_size=12.345, refresh_models=500),
        figures(model_page_miss=3.5, export_size=123.45, refresh_models=5000),
    )

    lines = growth_table(results_with(rows)).splitlines()

    header = [cell.strip() for cell in lines[0].split("|")[1:-1]]
    assert header == ["Measure", "Unit", "1x", "10x", "growth", "Target at 10x", ""]
    cells = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]] for line in lines
    }
    assert cells["Model page, cache miss, p50"] == ["ms", "1.23", "3.50", "2.84x", "≤ 3 ms", "FAIL"]
    assert cells["Export (JSON): size"][1:3] == ["12.3", "123.5"]
    assert cells["Refresh: models upstream"][1:3] == ["500", "5,000"]
    assert len({len(line) for line in lines}) == 1


def test_growth_markdown_states_the_conditions_data_and_build_times() -> None:
    rows = growth_rows(figures(), figures(export_peak_rss=200.0))

    markdown = growth_markdown(results_with(rows))

    assert "- Shared with 7 other workers." in markdown
    assert "- 10x: 15,680 models, 1,000,000 metric samples; built in 24.7 s." in markdown
    assert "3 of 4 targets met at 10x." in markdown
    assert "3 of 4 targets met at 10x." in growth_report(results_with(rows))


def test_growth_markdown_says_when_conditions_were_not_given() -> None:
    assert "- Not stated." in growth_markdown(results_with(growth_rows(figures(), figures()), ""))


def test_latency_rows_are_single_connection_and_check_what_they_load() -> None:
    rows = latency_scenarios()

    assert {row.connections for row in rows} == {1}
    assert all(row.must_contain for row in rows)
    cold = [row for row in rows if row.server == ATLAS_COLD]
    assert [(row.key, row.path) for row in cold] == [("model_page_cold", MODEL_PATH)]
    assert {row.key for row in rows} <= {measure.key for measure in MEASURES}


def test_peak_rss_is_read_from_the_process_status() -> None:
    peak = peak_rss_mb(os.getpid())

    assert 1 < peak < 10_000


def test_growth_markdown_names_the_backend_the_refresh_ran_on() -> None:
    rows = growth_rows(figures(), figures())
    on_postgresql = results_with(rows)
    on_postgresql["method"]["refresh_backend"] = "postgresql"

    assert "into a new PostgreSQL database" in growth_markdown(on_postgresql)
    assert "into a new SQLite database" in growth_markdown(results_with(rows))
