"""The replay speed run's table and Markdown (`bench.replay_speed` never runs in the suite)."""

from bench.report import replay_markdown, replay_table


def results_with(*request_seconds: float) -> dict:
    return {
        "machine": {
            "date": "2026-12-02T14:00:00+00:00",
            "code": "bdce5c2",
            "cpu": "AMD EPYC",
            "cores": 2,
            "kernel": "6.18",
            "python": "3.11.7",
            "packages": {"fastapi": "0.165.0"},
            "database": "sqlite 3.40.1",
        },
        "conditions": "",
        "rows": 100_000,
        "days": 90,
        "models": 20,
        "repetitions": 3,
        "target_seconds": 2.0,
        "runs": [
            {
                "format": f"log {index}",
                "megabytes": 21.34,
                "service_seconds": seconds / 2,
                "service_cpu_seconds": seconds / 4,
                "request_seconds": seconds,
                "request_cpu_seconds": seconds / 3,
                "passed": seconds <= 2.0,
            }
            for index, seconds in enumerate(request_seconds)
        ],
    }


def test_each_log_is_a_row_judged_on_the_whole_request() -> None:
    table = replay_table(results_with(1.234, 2.5)).splitlines()

    assert [cell.strip() for cell in table[2].strip("|").split("|")] == [
        "log 0",
        "21.3",
        "0.62",
        "0.31",
        "1.23",
        "0.41",
        "≤ 2 s",
        "pass",
    ]
    assert table[3].rstrip(" |").endswith("FAIL")


def test_the_markdown_states_the_run_and_counts_the_targets_met() -> None:
    markdown = replay_markdown(results_with(1.0, 3.0))

    assert "100,000 rows over 90 days and 20 models" in markdown
    assert "code: bdce5c2" in markdown
    assert "- Not stated." in markdown
    assert markdown.rstrip().endswith("1 of 2 targets met.")
