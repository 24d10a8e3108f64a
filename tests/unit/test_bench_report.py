"""The benchmark's arithmetic: reading wrk's report, medians, ratios, verdicts and tables.

The benchmark itself (`python -m bench`) never runs in the test suite; these
check only that what it prints follows from what wrk printed.
"""

import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.page_weight import has_content_hash, is_same_origin, max_age_seconds
from bench.report import aligned_table, load_table, markdown_report, page_checks, summarise
from bench.scenarios import HELLO, MODEL_PATH, Scenario, Target, mixed_script, scenarios
from bench.wrk import WrkError, WrkRun, parse_report

# Verbatim from wrk 4.1.0 (Debian) against the bare ASGI app.
THROUGHPUT_REPORT = """\
Running 3s test @ http://127.0.0.1:8931/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.47ms    1.97ms  14.27ms   69.68%
    Req/Sec     9.30k   750.86    10.59k    66.67%
  Latency Distribution
     50%    2.88ms
     75%    4.42ms
     90%    6.19ms
     99%    7.88ms
  27860 requests in 3.01s, 3.51MB read
Requests/sec:   9252.73
Transfer/sec:      1.16MB
"""

# wrk 4.1.0 against a server answering 404, with the socket-error line wrk adds when any occur
# (and a time in seconds, which wrk pads with a trailing space).
ERROR_REPORT = """\
Running 1s test @ http://127.0.0.1:8933/nope
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   820.17us    0.86ms   7.83ms   91.08%
    Req/Sec     2.80k   566.15     3.27k    81.82%
  Latency Distribution
     50%  563.00us
     75%  799.00us
     90%    1.51ms
     99%    1.02s\x20
  3058 requests in 1.10s, 612.50KB read
  Socket errors: connect 0, read 2, write 0, timeout 5
  Non-2xx or 3xx responses: 3058
Requests/sec:   2779.73
Transfer/sec:      1.38MB
"""


def run(rps: float, p50: float, p99: float = 9.0, bytes_read: int = 10_000) -> WrkRun:
    return WrkRun(
        requests=100,
        requests_per_second=rps,
        p50_ms=p50,
        p99_ms=p99,
        bytes_read=bytes_read,
        non_2xx=0,
        socket_errors=0,
    )


def test_parse_report_reads_rate_percentiles_and_bytes() -> None:
    parsed = parse_report(THROUGHPUT_REPORT)

    assert parsed.requests == 27860
    assert parsed.requests_per_second == 9252.73
    assert parsed.p50_ms == 2.88
    assert parsed.p99_ms == 7.88
    assert parsed.bytes_read == round(3.51 * 1024 * 1024)
    assert parsed.bytes_per_response == pytest.approx(132.1, abs=0.1)
    assert (parsed.non_2xx, parsed.socket_errors) == (0, 0)


def test_parse_report_converts_units_and_counts_errors() -> None:
    parsed = parse_report(ERROR_REPORT)

    assert parsed.p50_ms == pytest.approx(0.563)
    assert parsed.p99_ms == 1020.0
    assert parsed.bytes_read == 612.5 * 1024
    assert parsed.non_2xx == 3058
    assert parsed.socket_errors == 7


def test_parse_report_without_latency_distribution_is_refused() -> None:
    without_distribution = "\n".join(
        line for line in THROUGHPUT_REPORT.splitlines() if "%" not in line or "Stdev" in line
    )

    with pytest.raises(WrkError, match="--latency"):
        parse_report(without_distribution)


def test_summarise_takes_medians_and_the_ratio_to_the_ceiling() -> None:
    scenario = Scenario("page", "Page", "atlas", "/p", 32, target=Target("ratio", 0.30))
    runs = [run(3000, 4.0, bytes_read=50_000), run(2500, 6.0), run(3500, 5.0)]

    row = summarise(scenario, runs, ceiling_rps=10_000)

    assert row["requests_per_second"] == 3000
    assert row["p50_ms"] == 5.0
    assert row["bytes_per_response"] == 100.0
    assert row["ratio"] == 0.30
    assert row["target"] == "≥ 0.30x hello"
    assert row["passed"] is True
    assert len(row["runs"]) == 3


def test_summarise_fails_a_ratio_below_target() -> None:
    scenario = Scenario("page", "Page", "atlas", "/p", 32, target=Target("ratio", 0.30))

    row = summarise(scenario, [run(2999, 4.0)], ceiling_rps=10_000)

    assert row["passed"] is False


def test_summarise_judges_latency_targets_on_the_median_p50() -> None:
    scenario = Scenario("miss", "Miss", "atlas", "/p", 1, target=Target("p50", 3))

    fast = summarise(scenario, [run(400, 2.9), run(300, 3.5), run(350, 2.5)], ceiling_rps=9000)
    slow = summarise(scenario, [run(400, 3.1), run(300, 3.5), run(350, 2.5)], ceiling_rps=9000)

    assert (fast["p50_ms"], fast["passed"]) == (2.9, True)
    assert (slow["p50_ms"], slow["passed"]) == (3.1, False)
    assert fast["target"] == "p50 ≤ 3 ms"


def test_summarise_judges_a_p99_target_on_the_median_p99() -> None:
    scenario = Scenario("mixed", "Mixed", "atlas", "/p", 50, target=Target("p99", 1000))

    other_runs = [run(800, 9.0, p99=2000.0), run(700, 9.0, p99=500.0)]
    within = summarise(scenario, [run(900, 9.0, p99=990.0), *other_runs], ceiling_rps=9000)
    beyond = summarise(scenario, [run(900, 9.0, p99=1010.0), *other_runs], ceiling_rps=9000)

    assert within["target"] == "p99 ≤ 1000 ms"
    assert (within["passed"], beyond["passed"]) == (True, False)


def test_the_mixed_script_writes_three_requests_in_ten_as_signed_in_people() -> None:
    script = mixed_script([("modelatlas_session=a", "token-a"), ("modelatlas_session=b", "b")])

    assert "count % 10 < 7" in script
    assert '{"modelatlas_session=a", "token-a"}' in script
    assert f'local page = "{MODEL_PATH}"' in script
    for action in ('page .. "/rating"', 'page .. "/comments"', '"csrf_token="'):
        assert action in script


class _AnswersEverything(BaseHTTPRequestHandler):
    """200 to any GET or POST, after reading the body: what wrk needs to run its script."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer  # noqa: N815 - the names http.server calls

    def log_message(self, *_args: object) -> None:
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_runs_the_mixed_script(tmp_path: Path) -> None:
    """wrk itself runs the generated Lua (a mistake in it would stop the benchmark late)."""
    script = tmp_path / "mixed.lua"
    script.write_text(mixed_script([("modelatlas_session=a", "token-a")]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AnswersEverything)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        finished = subprocess.run(
            [
                "wrk",
                "-t1",
                "-c2",
                "-d1s",
                "-s",
                str(script),
                f"http://127.0.0.1:{server.server_port}/",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        server.shutdown()

    assert finished.returncode == 0, finished.stderr
    assert "requests in" in finished.stdout
    assert "Non-2xx" not in finished.stdout


def test_a_row_without_target_has_no_verdict() -> None:
    scenario = Scenario("hello", "Hello", "hello", "/", 32)

    row = summarise(scenario, [run(9000, 1.0)], ceiling_rps=9000)

    assert (row["ratio"], row["target"], row["passed"]) == (1.0, None, None)


def test_page_checks_compare_each_figure_with_its_limit() -> None:
    checks = page_checks(
        {
            "html_bytes": 60_000,
            "html_gzip_bytes": 15_001,
            "js_gzip_bytes": 18_000,
            "third_party": 1,
            "short_lived": 0,
            "unhashed": 0,
        }
    )

    assert {check["key"]: check["passed"] for check in checks} == {
        "html_bytes": True,
        "html_gzip_bytes": False,
        "js_gzip_bytes": True,
        "third_party": False,
        "short_lived": True,
        "unhashed": True,
    }


def results_with(rows: list[dict]) -> dict:
    return {
        "machine": {
            "date": "2026-11-26T00:00:00+00:00",
            "code": "a698c7f",
            "cpu": "AMD EPYC",
            "cores": 2,
            "kernel": "6.1",
            "python": "3.11.7",
            "packages": {"uvicorn": "0.54.0"},
            "uvicorn_stack": "asyncio + h11",
            "database": "sqlite 3.40.1",
            "wrk": "wrk 4.1.0",
        },
        "method": {
            "duration_seconds": 5,
            "warmup_seconds": 2,
            "repetitions": 3,
            "connections": 32,
            "server_cpu": 0,
            "load_cpu": 1,
            "gzip_level": 6,
            "page_cache": "on",
        },
        "dataset": {"models": 1121},
        "rows": rows,
        "page": {
            "url": "http://127.0.0.1:8000/models/a/b",
            "script_gzip_bytes": {"http://127.0.0.1:8000/static/app.js": 700},
            "third_party": [],
            "short_lived": ["http://127.0.0.1:8000/static/app.js"],
            "unhashed": [],
        },
        "page_checks": page_checks(
            {
                "html_bytes": 49_127,
                "html_gzip_bytes": 11_635,
                "js_gzip_bytes": 700,
                "third_party": 0,
                "short_lived": 1,
                "unhashed": 0,
            }
        ),
    }


def test_load_table_formats_each_row_with_its_verdict() -> None:
    hello = summarise(Scenario("hello", "Hello", "hello", "/", 32), [run(9252.7, 2.88)], 9252.7)
    page = summarise(
        Scenario("page", "Model page", "atlas", "/m", 32, target=Target("ratio", 0.30)),
        [run(2100.4, 14.125, p99=30.5, bytes_read=4_912_700)],
        9252.7,
    )

    lines = load_table(results_with([hello, page])).splitlines()

    assert [cell.strip() for cell in lines[3].strip("|").split("|")] == [
        "Model page",
        "32",
        "2,100",
        "14.12",
        "30.50",
        "49,127",
        "0.227",
        "≥ 0.30x hello",
        "FAIL",
    ]
    assert len({len(line) for line in lines}) == 1


def test_markdown_report_names_the_machine_and_lists_offending_assets() -> None:
    hello = summarise(Scenario("hello", "Hello", "hello", "/", 32), [run(9000, 2.0)], 9000)

    markdown = markdown_report(results_with([hello]))

    assert "- CPU: AMD EPYC, 2 cores" in markdown
    assert "- Database: sqlite 3.40.1" in markdown
    assert "- Cached for less than 30 days: `/static/app.js`" in markdown
    assert "5 of 6 targets met." in markdown


def test_aligned_table_right_aligns_numbers() -> None:
    table = aligned_table(["name", "n"], [["a", "1"], ["bb", "100"]], right={1})

    assert table.splitlines() == [
        "| name |   n |",
        "| ---- | --: |",
        "| a    |   1 |",
        "| bb   | 100 |",
    ]


@pytest.mark.parametrize(
    ("url", "same"),
    [
        ("/static/app.js", True),
        ("http://127.0.0.1:8000/x", True),
        ("data:image/svg+xml,abc", True),
        ("//cdn.example.com/htmx.js", False),
        ("https://127.0.0.1:8000/x", False),
        ("http://127.0.0.1:9000/x", False),
    ],
)
def test_same_origin_is_scheme_host_and_port(url: str, same: bool) -> None:
    assert is_same_origin(url, "http://127.0.0.1:8000/models/a/b") is same


def test_cache_lifetime_and_content_hash_are_read_from_header_and_name() -> None:
    assert max_age_seconds("public, max-age=31536000, immutable") == 31_536_000
    assert max_age_seconds("no-store, max-age=60") == 0
    assert max_age_seconds(None) == 0
    assert has_content_hash("/static/js/app.3f9a2b1c.js")
    assert not has_content_hash("/static/vendor/htmx-2.0.11.min.js")


@pytest.mark.parametrize("connections", [1, 32, 50])
def test_every_row_has_a_ceiling_at_its_own_connection_count(connections: int) -> None:
    """A ratio compares like with like: the bare app runs at each row's connection count."""
    rows = scenarios(connections=connections, session_cookie="session=x", writers=[("s", "t")])
    ceilings = {row.connections for row in rows if row.server == HELLO}
    assert {row.connections for row in rows} <= ceilings


def test_instruction_counts_get_a_section_of_their_own() -> None:
    hello = summarise(Scenario("hello", "Hello", "hello", "/", 32), [run(9000, 2.0)], 9000)
    results = results_with([hello])
    results["instructions"] = {"path": "/models/a/b", "millions": {"cold": 33.671, "miss": 7.2}}

    markdown = markdown_report(results)

    assert "## Instructions per request" in markdown
    section = markdown.split("## Instructions per request")[1].split("## ")[0]
    assert "`/models/a/b`" in section
    assert "| Model page, cold (no cache, no memo) |      33.67 M |" in section
    assert "| Model page, cache miss               |       7.20 M |" in section


def test_a_run_without_counts_has_no_instructions_section() -> None:
    hello = summarise(Scenario("hello", "Hello", "hello", "/", 32), [run(9000, 2.0)], 9000)
    assert "Instructions per request" not in markdown_report(results_with([hello]))
