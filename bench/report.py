"""Turning wrk runs into the results table, the JSON file and bench/RESULTS.md.

Everything printed or written is rendered from the results dictionary (the
JSON's content), so `bench/RESULTS.md` can be regenerated from a saved JSON
file and is never edited by hand:

    python -m bench.report [--json bench/results.json] [--markdown bench/RESULTS.md]
    python -m bench.report --growth  # bench/RESULTS-growth.md from bench/results-growth.json
    python -m bench.report --replay  # bench/RESULTS-replay.md from bench/results-replay.json
"""

import argparse
import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.scenarios import PAGE_LIMITS, Scenario
from bench.wrk import WrkRun

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_JSON = BENCH_DIR / "results.json"
DEFAULT_MARKDOWN = BENCH_DIR / "RESULTS.md"
DEFAULT_GROWTH_JSON = BENCH_DIR / "results-growth.json"
DEFAULT_GROWTH_MARKDOWN = BENCH_DIR / "RESULTS-growth.md"
DEFAULT_REPLAY_JSON = BENCH_DIR / "results-replay.json"
DEFAULT_REPLAY_MARKDOWN = BENCH_DIR / "RESULTS-replay.md"
# How the growth table names the backend its refresh ran on (results before the key: SQLite).
_BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

Results = dict[str, Any]


def summarise(scenario: Scenario, runs: Sequence[WrkRun], ceiling_rps: float) -> dict[str, Any]:
    """One table row: the median of each figure over the runs, its ratio and its verdict.

    `ceiling_rps` is the bare app's median throughput at the same connection count.
    """
    rps = statistics.median(run.requests_per_second for run in runs)
    p50 = statistics.median(run.p50_ms for run in runs)
    p99 = statistics.median(run.p99_ms for run in runs)
    ratio = rps / ceiling_rps
    return {
        "key": scenario.key,
        "label": scenario.label,
        "server": scenario.server,
        "path": scenario.path,
        "connections": scenario.connections,
        "requests_per_second": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "bytes_per_response": statistics.median(run.bytes_per_response for run in runs),
        "ratio": ratio,
        "target": scenario.target.describe() if scenario.target else None,
        "passed": (
            scenario.target.met(ratio=ratio, p50_ms=p50, p99_ms=p99) if scenario.target else None
        ),
        "runs": [asdict(run) for run in runs],
    }


def page_checks(figures: Mapping[str, int]) -> list[dict[str, Any]]:
    """The model page's weight figures against their limits (PAGE_LIMITS)."""
    return [
        {
            "key": limit.key,
            "label": limit.label,
            "value": figures[limit.key],
            "unit": limit.unit,
            "target": limit.describe(),
            "passed": figures[limit.key] <= limit.limit,
        }
        for limit in PAGE_LIMITS
    ]


def verdict(passed: bool | None) -> str:
    """`pass`, `FAIL` (capitals, to stand out), or blank for a row without a target."""
    return "" if passed is None else ("pass" if passed else "FAIL")


def aligned_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """A Markdown pipe table padded to line up in a terminal too; `right` columns align right."""
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        "-" * (width - 1) + ":" if index in right else "-" * width
        for index, width in enumerate(widths)
    ]
    return "\n".join([line(header), line(rule), *(line(row) for row in rows)])


def load_table(results: Results) -> str:
    """The measured rows: endpoint, req/s, p50, p99, bytes, ratio to hello, target, result."""
    header = ["Endpoint", "Conns", "req/s", "p50 ms", "p99 ms", "bytes", "ratio", "Target", ""]
    rows = [
        [
            row["label"],
            str(row["connections"]),
            f"{row['requests_per_second']:,.0f}",
            f"{row['p50_ms']:.2f}",
            f"{row['p99_ms']:.2f}",
            f"{row['bytes_per_response']:,.0f}",
            f"{row['ratio']:.3f}",
            row["target"] or "",
            verdict(row["passed"]),
        ]
        for row in results["rows"]
    ]
    return aligned_table(header, rows, right={1, 2, 3, 4, 5, 6})


def page_table(results: Results) -> str:
    """The model page's weight and asset checks."""
    rows = [
        [
            check["label"],
            f"{check['value']:,} B" if check["unit"] == "bytes" else str(check["value"]),
            check["target"],
            verdict(check["passed"]),
        ]
        for check in results["page_checks"]
    ]
    return aligned_table(["Model page", "Measured", "Target", ""], rows, right={1})


OFFENDER_LISTS = {
    "third_party": "From other origins",
    "short_lived": "Cached for less than 30 days",
    "unhashed": "Without a content hash",
}


def page_offenders(results: Results) -> str:
    """The assets behind a failed asset check, one line per check."""
    page = results["page"]
    origin = page["url"].split("/", 3)[:3]
    return "\n".join(
        f"- {label}: "
        + ", ".join(f"`{_on_page_origin(url, '/'.join(origin))}`" for url in page[key])
        for key, label in OFFENDER_LISTS.items()
        if page[key]
    )


def _on_page_origin(url: str, origin: str) -> str:
    """A same-origin URL as its path (the port changes every run); others whole."""
    return url.removeprefix(origin) if url.startswith(f"{origin}/") else url


def summary_line(results: Results) -> str:
    """How many targets were met, over the load rows and the page checks."""
    verdicts = [row["passed"] for row in results["rows"] if row["passed"] is not None]
    verdicts += [check["passed"] for check in results["page_checks"]]
    return f"{sum(verdicts)} of {len(verdicts)} targets met."


# How the report names `bench.instructions`' rows.
INSTRUCTION_ROWS = {
    "cold": "Model page, cold (no cache, no memo)",
    "miss": "Model page, cache miss",
    "cached": "Model page, anonymous (cached)",
}


def instructions_table(results: Results) -> str:
    """Millions of instructions per request of each counted row; empty when none were counted."""
    counted = results.get("instructions")
    if not counted:
        return ""
    rows = [
        [INSTRUCTION_ROWS.get(row, row), f"{millions:.2f} M"]
        for row, millions in counted["millions"].items()
    ]
    return aligned_table(["Request", "Instructions"], rows, right={1})


def terminal_report(results: Results) -> str:
    """What `python -m bench` prints at the end."""
    parts = [
        load_table(results),
        instructions_table(results),
        page_table(results),
        page_offenders(results),
    ]
    return "\n\n".join([part for part in parts if part] + [summary_line(results)])


def markdown_report(results: Results) -> str:
    """bench/RESULTS.md: the tables with the machine, the data and the method they come from."""
    machine = results["machine"]
    method = results["method"]
    page = results["page"]
    machine_lines = [
        f"- Date: {machine['date']}; code: {machine['code']}",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores; Linux {machine['kernel']}",
        f"- Python {machine['python']}; "
        + ", ".join(f"{name} {version}" for name, version in machine["packages"].items()),
        f"- uvicorn event loop and HTTP parser: {machine['uvicorn_stack']}",
        f"- Database: {machine['database']}",
        f"- Load generator: {machine['wrk']}",
    ]
    data = ", ".join(
        f"{count:,} {name.replace('_', ' ')}" for name, count in results["dataset"].items()
    )
    scripts = ", ".join(
        f"`{url.rsplit('/', 1)[-1]}` {size:,} B" for url, size in page["script_gzip_bytes"].items()
    )
    return "\n".join(
        [
            "# Benchmark results",
            "",
            "Generated by `python -m bench` (see the README's Benchmark section) from "
            "`bench/results.json`; do not edit by hand, regenerate with `python -m bench.report`.",
            "",
            "## Machine",
            "",
            *machine_lines,
            "",
            "## Method",
            "",
            f"- Data: {data}.",
            f"- One uvicorn worker on CPU {method['server_cpu']}, wrk (`-t1`) on CPU "
            f"{method['load_cpu']}; {method['warmup_seconds']} s warm-up discarded, then "
            f"{method['repetitions']} runs of {method['duration_seconds']} s per row; "
            "each figure is the median of the runs.",
            "- `ratio`: the row's req/s over the bare ASGI app's at the same connection count. "
            "`bytes`: headers and body per response, as wrk read them.",
            f"- Page cache: {method['page_cache']}.",
            "",
            "## Load",
            "",
            load_table(results),
            "",
            *_instructions_section(results),
            "## Model page weight",
            "",
            f"Bodies gzipped at level {method['gzip_level']}. "
            f"Scripts (gzipped): {scripts or 'none'}.",
            "",
            page_table(results),
            "",
            *([page_offenders(results), ""] if page_offenders(results) else []),
            summary_line(results),
            "",
            "## Measurements behind design choices",
            "",
            "Taken once each while building, on this kind of machine and the reference "
            "catalog; `python -m bench` does not rerun them. The code says why it is built "
            "the way it is; these are the figures that showed it.",
            "",
            *DESIGN_MEASUREMENTS,
            "",
        ]
    )


# Why each of these choices was made is in the module named; the figure is kept here.
DESIGN_MEASUREMENTS = [
    "- Signed-in parts on SQLite, `app/web/caching/parts_session_reader.py`: the hop to a "
    "worker thread and back cost about 60 µs more than the lookup itself. Called as ASGI in "
    "process, CPU per request: 472 µs with an ORM session and a pooled connection per "
    "lookup; 212 µs on a connection kept for it through SQLAlchemy Core; 155 µs sending the "
    "compiled statement to the driver directly.",
    "- Database gate, `app/web/middleware/database_gate.py`: a free turn took 23 µs through "
    "`asyncio.wait_for`, which starts a task, and 3.7 µs taken directly.",
    "- Request log, `app/web/middleware/request_log.py` and `app/logging_config.py`: the "
    "anonymous cached model page took 49 µs of CPU in process, 10 µs with the request log "
    "off. `logger.info` of the line cost about 35 µs there (12 µs in a loop of its own); "
    "without the search of the call stack, with the time formatted once a second and the "
    "JSON put together directly, the page takes 30 µs. Called as ASGI without a client, "
    "the page took 13.2 µs, 6.0 µs with the log off; with plain lines formatted directly "
    "and written straight to the one handler that prints them (`plain_line_writer`), "
    "10.1 µs. Served, the page went from 16,600 to 22,400 req/s at 32 connections "
    "(0.289x to 0.387x hello, hello at 57,000): under load a served request's CPU counts "
    "several times over, logging's most of all.",
    "- Security headers, `app/web/middleware/security_headers.py`: appending encoded bytes "
    "instead of going through `MutableHeaders` took the anonymous cached page from 57 to "
    "51 µs of CPU in process.",
    "- JSON API, whole catalog (about 1,100 models), "
    "`app/services/publishing/api_queries.py`: "
    "about 25 ms reading plain columns into frozen records, about 75 ms building ORM "
    "objects, both before garbage collection, which the ORM objects make several times worse.",
    "- Model page with twenty comments, "
    "`app/services/community/markdown_render.py`: parsing and "
    "sanitizing their Markdown took 2 ms of every render, the page's largest single cost, "
    "until rendered bodies were remembered.",
    "- Serving, "
    "`app/served_app.py`: the collector's full passes over the objects made at "
    "startup paused a worker for 90 ms every few hundred model pages, until they were frozen.",
    "- `modelatlas serve --workers N`, "
    "`app/cli.py`: a new worker took 11 s to answer "
    "uvicorn's ping on a busy machine, past uvicorn's 5 s default; the wait is 60 s.",
    "- Content version read, "
    "`app/services/publishing/content_version.py`: building the ORM statement "
    "took five times as long as the Core statement built once.",
    "- Sign-in session lookup, "
    "`app/services/accounts/sessions.py`: building the statement took as "
    "long as running it.",
    "- Catalog page, "
    "`app/services/catalog/catalog_page.py`: the filter dropdowns' lab and provider lists "
    "and the statements' building were about half of a page's time before both were kept.",
    "- Model page, "
    "`app/services/model_page/model_page_loader.py`: the ORM's result machinery was about a "
    "third of each statement's cost, which selecting table columns skips.",
    "- Catalog search at ten times the catalog, migration 0008: past 10 ms through the index "
    "on `context_window` alone, before the covering index.",
    "- Catalog search words on SQLite at ten times the catalog, "
    "`app/services/catalog/search_index.py` (migration 0012): the count and the page took "
    "1.3 and 2.1 ms matching LIKE against every model's name and slug, 0.4 and 1.0 ms after "
    "the trigram index found the word's models; the request in process went from 8.1 to 6.4 ms.",
    "- Catalog search on PostgreSQL at ten times the catalog, as the growth run leaves it "
    "(ANALYZE, no VACUUM: the test server runs without autovacuum), "
    "`app/services/catalog/catalog_page.py` and migration 0015: the count and the page took "
    "4.7 and 6.2 ms (EXPLAIN ANALYZE of the prepared statements), 3.5 ms of it reading the "
    "name and slug trigram indexes' pending lists (some 500 pages); with the lists kept to "
    "64 kB and the page counting its matches with a window, one statement takes 3.2 ms (2.3 ms "
    "after a VACUUM). Turning the lists off instead made updating every model 4.6 s instead "
    "of 0.9 s; the 64 kB limit, 1.1 s. Marking the selected lab and provider in options "
    "escaped once per catalog version (`app/web/render/select_options.py`) saved about 2 ms "
    "of the route's CPU. In process on a shared machine, p50 (CPU) per request: PostgreSQL "
    "10x 23.3 ms (11.2) before, 12.1 ms (8.1) after; 1x 10.2 (7.6) to 8.1 (6.8); SQLite 10x "
    "10.7 (11.7) to 8.1 (8.5); 1x 7.1 (7.5) to 6.4 (6.4).",
    "- Catalog rows on PostgreSQL at ten times the catalog, "
    "`app/services/catalog/catalog_rows.py`: whether a source states a model's status, asked "
    "with EXISTS, was run by hashing all 1,168 status facts (a scan of `model_facts`, 1 ms of "
    "the search's 3.4 ms statement, growing with the catalog); as a scalar subquery it is 50 "
    "probes of the primary key, and the statement takes 2.6 ms. Which figures' columns the "
    "model table shows, worked out in Python (`app/web/render/known_columns.py`) instead of by "
    "five Jinja select and reject filters, took the search request in process from 8.0 to "
    "6.9 ms of CPU.",
    "- Model page without the page cache or the memos, "
    "`app/services/pricing/stored_workload_costs.py`: loading and pricing the comparable "
    "models' two dozen candidates (some 200 offers) took about 6 of its 17 ms of CPU in "
    "process; reading their stored costs takes under 1 ms, and the page 11 ms.",
    "- Model page without the page cache or the memos on SQLite, "
    "`app/services/metrics/stored_metric_charts.py` (migration 0014): reading a week of "
    "hourly means (some 670 rows) and drawing each provider's two charts took 1.6 ms of the "
    "loader and 0.8 ms of the providers section; reading the geometry the refresh stored "
    "takes 0.14 ms, and the request in process went from 9.5 to 7.6 ms p50 (9.6 ms, one "
    "statement more, when nothing is stored for the hour). Printing the cost tables' money "
    "figures with a template global instead of a macro saved about 0.1 ms more.",
    "- Model page without the page cache or the memos, `templates/community/_comments.html` "
    "and `_ratings.html`: importing the community macros with context builds their module "
    "anew (about 80 µs), and each section did it twice, once for its block; importing once "
    "took the ratings section from 260 to 205 µs of CPU rendered alone (best of seven).",
    "- Same page, `templates/community/_macros.html`: writing each comment out in the "
    "thread's loop instead of calling a macro per comment, with the import above, took the "
    "comments section (twenty comments) from 780-860 to 610-660 µs rendered alone.",
    "- Same page, `app/services/pricing/stored_workload_costs.py` (migration 0018): reading "
    "two dozen candidates' stored costs from a JSON column after ranking every model by its "
    "rollup prices; with a row per model and workload, indexed by workload and cost, the "
    "database walks the index cheapest first and stops at the ten it needs, and the page "
    "went from 30.17 to 27.38 M instructions.",
    "- Same page on SQLite, migration 0016 (`ix_ratings_model_id_stars`): the ratings "
    "summary's GROUP BY stars read each of the model's 1,000 ratings' rows, 0.24 ms; "
    "reading the index alone it takes 0.03 ms, and loading the summary went from 0.48 to "
    "0.25 ms (on PostgreSQL an index-only scan, still one entry per rating).",
    "- Same page, `app/web/render/workload_field.py`: the calculator form's field message "
    "slots and invalid markers as template globals instead of macros (fourteen calls) took "
    "the calculator section from 1.49 to 1.43 ms.",
    "- Same page, `app/services/model_page/model_facts.py` `facts_of`: taking the 31 fact "
    "rows apart by position, ranking sources from a dict and building each value once "
    "took it from 594 to 390 µs of CPU (best of five, alone).",
    "- Together, the model page without the page cache or the memos on SQLite went from "
    "13.6 to 13.2 ms of CPU per request in `bench.inprocess` (median of five runs "
    "interleaved with main's on a contended machine; 15.7 to 14.5 ms with each part timed), "
    "13 statements either way; the framework, the client and the middleware take some 2 ms.",
]


def _instructions_section(results: Results) -> list[str]:
    """RESULTS.md's lines on the counted instructions, none when none were counted."""
    table = instructions_table(results)
    if not table:
        return []
    return [
        "## Instructions per request",
        "",
        f"`{results['instructions']['path']}` in process, counted by callgrind "
        "(`python -m bench.instructions`, the app's own work, not the database server's): "
        "the same to 0.2% from run to run, where the times above move with the machine's "
        "other load, so these are the figures to compare between runs.",
        "",
        table,
        "",
    ]


def write_results(results: Results, *, json_path: Path, markdown_path: Path) -> None:
    """Save the JSON and the Markdown rendered from it."""
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    markdown_path.write_text(markdown_report(results))


def figure(value: float, unit: str) -> str:
    """A growth-table figure: a count with separators, otherwise two or one decimals."""
    if unit == "models":
        return f"{value:,.0f}"
    return f"{value:,.1f}" if unit == "MB" else f"{value:,.2f}"


def growth_table(results: Results) -> str:
    """Each measure at 1x and at the grown size side by side, the ratio, the grown target."""
    scale = results["scale"]
    header = ["Measure", "Unit", "1x", f"{scale}x", "growth", f"Target at {scale}x", ""]
    rows = [
        [
            row["label"],
            row["unit"],
            figure(row["one"], row["unit"]),
            figure(row["grown"], row["unit"]),
            "" if row["growth"] is None else f"{row['growth']:.2f}x",
            row["target"] or "",
            verdict(row["passed"]),
        ]
        for row in results["rows"]
    ]
    return aligned_table(header, rows, right={2, 3, 4})


def growth_summary(results: Results) -> str:
    """How many of the grown size's targets were met."""
    verdicts = [row["passed"] for row in results["rows"] if row["passed"] is not None]
    return f"{sum(verdicts)} of {len(verdicts)} targets met at {results['scale']}x."


def growth_report(results: Results) -> str:
    """What `python -m bench --scale N` prints at the end."""
    return f"{growth_table(results)}\n\n{growth_summary(results)}"


def growth_markdown(results: Results) -> str:
    """bench/RESULTS-growth.md: the growth table, the data at each size, and how it ran."""
    machine = results["machine"]
    method = results["method"]
    scale = results["scale"]
    sizes = {"one": "1x", "grown": f"{scale}x"}
    data = [
        f"- {label}: "
        + ", ".join(
            f"{count:,} {name.replace('_', ' ')}"
            for name, count in results["datasets"][key].items()
        )
        + f"; built in {results['build_seconds'][key]:.1f} s."
        for key, label in sizes.items()
    ]
    return "\n".join(
        [
            "# Growth: today's catalog and ten times it",
            "",
            f"Generated by `python -m bench --scale {scale}` from `bench/results-growth.json`; "
            "do not edit by hand, regenerate with `python -m bench.report --growth`.",
            "",
            "## Conditions",
            "",
            f"- {results['conditions'] or 'Not stated.'}",
            f"- Date: {machine['date']}; code: {machine['code']}",
            f"- CPU: {machine['cpu']}, {machine['cores']} cores; Linux {machine['kernel']}",
            f"- uvicorn event loop and HTTP parser: {machine['uvicorn_stack']}",
            f"- Database: {machine['database']}; load generator: {machine['wrk']}",
            "",
            "## Data",
            "",
            *data,
            "",
            "## Method",
            "",
            f"- Latency rows: wrk on one connection, {method['warmup_seconds']} s warm-up "
            f"discarded, then {method['repetitions']} runs of {method['duration_seconds']} s; "
            "the median p50. Page cache off (figures computed from the database remembered "
            "until the next write), except the cold row: every cache off.",
            f"- Export and `/api/v1/models`: {method['downloads']} downloads each, read to the "
            "end and dropped, the export first; the median time. Peak RSS is the server's "
            "VmHWM after each one's downloads: the most it ever held, start-up included (the "
            "list's includes the export's).",
            f"- Refresh: {method['refresh_models_per_size']:,} models x size, 3 endpoints each, "
            "from the fake OpenRouter in its own process, into a new "
            f"{_BACKEND_NAMES[method.get('refresh_backend', 'sqlite')]} database; peak RSS "
            "is the refreshing process's VmHWM after the first two runs (the third runs under "
            "tracemalloc, whose bookkeeping would count).",
            "- MB are 10^6 bytes.",
            "",
            "## Growth",
            "",
            growth_table(results),
            "",
            growth_summary(results),
            "",
        ]
    )


def write_growth_results(results: Results, *, json_path: Path, markdown_path: Path) -> None:
    """Save the growth JSON and the Markdown rendered from it."""
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    markdown_path.write_text(growth_markdown(results))


def replay_table(results: Results) -> str:
    """Each log format: its size, reading and pricing in process, the whole request, verdict."""
    target = f"≤ {results['target_seconds']:g} s"
    rows = [
        [
            run["format"],
            f"{run['megabytes']:.1f}",
            f"{run['service_seconds']:.2f}",
            f"{run['service_cpu_seconds']:.2f}",
            f"{run['request_seconds']:.2f}",
            f"{run['request_cpu_seconds']:.2f}",
            target,
            verdict(run["passed"]),
        ]
        for run in results["runs"]
    ]
    header = ["Log", "MB", "service s", "CPU s", "request s", "CPU s", "Target (request)", ""]
    return aligned_table(header, rows, right={1, 2, 3, 4, 5})


def replay_summary(results: Results) -> str:
    verdicts = [run["passed"] for run in results["runs"]]
    return f"{sum(verdicts)} of {len(verdicts)} targets met."


def replay_markdown(results: Results) -> str:
    """bench/RESULTS-replay.md: the usage replay's timings, and where and how they were taken."""
    machine = results["machine"]
    return "\n".join(
        [
            "# Usage replay speed",
            "",
            "Generated by `python -m bench.replay_speed` from `bench/results-replay.json`; "
            "do not edit by hand, regenerate with `python -m bench.report --replay`.",
            "",
            "## Conditions",
            "",
            f"- {results['conditions'] or 'Not stated.'}",
            f"- Date: {machine['date']}; code: {machine['code']}",
            f"- CPU: {machine['cpu']}, {machine['cores']} cores; Linux {machine['kernel']}",
            f"- Python {machine['python']}; "
            + ", ".join(f"{name} {version}" for name, version in machine["packages"].items()),
            f"- Database: {machine['database']}",
            "",
            "## Method",
            "",
            f"- A generated log of {results['rows']:,} rows over {results['days']} days and "
            f"{results['models']} models of the imported catalog, named as logs name them "
            "(OpenRouter ids, providers' ids, our slugs), with cached and reasoning tokens; "
            "one JSON Lines file of response-like records and one CSV file.",
            "- `service`: reading the log in 64 KiB chunks and pricing it, in process. "
            "`request`: `POST /replay` with the log uploaded as a file, through the whole app "
            "(every middleware, the streamed form, the result page) over httpx's ASGI "
            "transport, no socket.",
            f"- Each figure is the median of {results['repetitions']} runs: wall time, and the "
            "CPU time of the process (all its threads), which waiting for a core on a busy "
            "machine does not inflate. The target is on the request's wall time. "
            "MB are 10^6 bytes.",
            "",
            "## Timings",
            "",
            replay_table(results),
            "",
            replay_summary(results),
            "",
        ]
    )


def write_replay_results(results: Results, *, json_path: Path, markdown_path: Path) -> None:
    """Save the replay JSON and the Markdown rendered from it."""
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    markdown_path.write_text(replay_markdown(results))


def main() -> None:
    parser = argparse.ArgumentParser(description="Regenerate bench/RESULTS.md from a results JSON.")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--growth", action="store_true", help="the growth run's files instead")
    which.add_argument("--replay", action="store_true", help="the replay run's files instead")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    render, json_path, markdown_path = markdown_report, DEFAULT_JSON, DEFAULT_MARKDOWN
    if args.growth:
        render, json_path, markdown_path = (
            growth_markdown,
            DEFAULT_GROWTH_JSON,
            DEFAULT_GROWTH_MARKDOWN,
        )
    elif args.replay:
        render, json_path, markdown_path = (
            replay_markdown,
            DEFAULT_REPLAY_JSON,
            DEFAULT_REPLAY_MARKDOWN,
        )
    json_path = args.json or json_path
    markdown_path = args.markdown or markdown_path
    markdown_path.write_text(render(json.loads(json_path.read_text())))
    print(f"wrote {markdown_path}")


if __name__ == "__main__":
    main()
