"""Importing benchmark scores from a CSV file: `modelatlas import scores FILE.csv`.

The file is UTF-8 CSV whose first line names the columns, in any order:

    model,benchmark,score,source,date
    mistral/mistral-small-2603,MMLU-Pro,71.2,Mistral AI,2026-03-16

- `model` is our model id (`author/model`, as in the page's URL) or an id the
  model has at another source (`external_ids`, e.g. OpenRouter's
  `mistralai/mistral-small-2603`). Our id is tried first. An external id that
  names different models at different sources is ambiguous and the row is
  rejected, naming the candidates: guessing would file a score under the
  wrong model, and our id always resolves it.
- `benchmark` is a name; one that differs from a stored one only in case or
  spacing takes the stored spelling, so one benchmark never splits into two charts.
- `score` is a plain number (`71.2`, `0.845`, `1250`), kept to nine decimals.
- `source` says who measured it; `date` (YYYY-MM-DD, not in the future) when,
  and may be left empty.
Other columns are ignored, and the report says so.

Rows are keyed by (model, benchmark, source), the table's unique key. A key
already stored is updated when its score or date differs and left alone
otherwise, so importing the same file twice changes nothing, and a row
repeated within the file counts once. The same key given twice with
different values is a conflict: neither row is imported.

**Bad rows do not stop good ones**: every row is checked, the good rows are
written, and each rejected row is reported with its line number and reason.
A score file is typically a leaderboard export naming models this catalog
lacks; refusing the whole file for those would make it unimportable. With
`strict=True` (`--strict`) nothing is written when any row is rejected.
Problems with the file itself (not UTF-8, empty, no usable header) reject it
whole. `ScoreImportReport.exit_code` is 0 when every row was imported or
already present, 1 when rows were rejected, 2 when the file was.

A RefreshRun row records each run, as the other imports do. The pages of
every model scored on a benchmark the file changed go out of the caches
(`services.publishing.page_content`): their charts include the changed points.
"""

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import BenchmarkScore, ExternalId, Model, RefreshRun

SOURCE_NAME = "benchmark-scores"
COLUMNS = ("model", "benchmark", "score", "source", "date")
# Header names also understood: the table's own column names.
COLUMN_ALIASES = {"model_id": "model", "measured_on": "date"}
MAX_BENCHMARK_LENGTH = 120
MAX_SOURCE_LENGTH = 200
SCORE_PLACES = Decimal("1E-9")
SCORE_LIMIT = Decimal(10) ** 9
# Unmatched ids listed in the run log; the terminal report lists them all.
LOGGED_UNMATCHED = 20
# Values per IN (...) list, well under every backend's bound-parameter limit.
CHUNK = 500

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class RowProblem:
    """Why one line of the file was rejected: `reason` is the kind (counted), `detail` the text."""

    line: int
    reason: str
    detail: str


@dataclass
class ScoreImportReport:
    """What one import read, wrote and rejected."""

    file: str
    strict: bool = False
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    unmatched_ids: list[str] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    file_error: str | None = None
    written: bool = False

    @property
    def rejected(self) -> int:
        """Lines rejected (a line with two problems counts once)."""
        return len({problem.line for problem in self.problems})

    @property
    def exit_code(self) -> int:
        """0: every row imported or already present; 1: rows rejected; 2: the file rejected."""
        if self.file_error is not None:
            return 2
        return 1 if self.problems else 0

    def summary_lines(self) -> list[str]:
        """The report for a terminal: totals, then each rejected row, then what to do."""
        if self.file_error is not None:
            return [f"{self.file}: nothing imported: {self.file_error}"]
        totals = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if not self.written:
            totals = f"nothing written ({self.created + self.updated} rows would have changed)"
        parts = [f"{self.file}: {_plural(self.rows_read, 'row')} read: {totals}"]
        if self.duplicates:
            parts.append(f"{_plural(self.duplicates, 'repeated row')} counted once")
        if self.rejected:
            parts.append(f"{_plural(self.rejected, 'row')} rejected")
        lines = ["; ".join(parts) + "."]
        if self.ignored_columns:
            lines.append(f"Ignored columns: {', '.join(self.ignored_columns)}.")
        lines.extend(
            f"  line {problem.line}: {problem.detail}"
            for problem in sorted(self.problems, key=lambda p: p.line)
        )
        if self.unmatched_ids:
            lines.append(f"Unmatched model ids: {', '.join(self.unmatched_ids)}")
        if self.problems and self.written:
            lines.append("The other rows were imported; fix these and import the file again.")
        elif self.problems:
            lines.append("Nothing was imported (--strict); fix these and import the file again.")
        return lines

    def counts(self) -> dict[str, Any]:
        """The figures as plain JSON for the RefreshRun row."""
        return {
            "file": self.file,
            "rows": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "repeated rows": self.duplicates,
            "rejected": dict(Counter(problem.reason for problem in self.problems)),
            "unmatched ids": self.unmatched_ids[:LOGGED_UNMATCHED],
        }


class _FileError(Exception):
    """A problem with the file as a whole: nothing in it can be imported."""


@dataclass(frozen=True)
class _Row:
    """A row whose values are all valid, its model still to be found."""

    line: int
    model: str
    benchmark: str
    score: Decimal
    source: str
    measured_on: date | None


def import_scores(
    *,
    session: Session,
    data: bytes,
    file_name: str,
    strict: bool = False,
    today: date | None = None,
) -> ScoreImportReport:
    """Import the CSV `data` (read from `file_name`, named in the report); see the module doc.

    Flushes but does not commit; the run is recorded in `refresh_runs` either way.
    `today` is the last date a score may carry (default: today, UTC).
    """
    started = utcnow()
    report = ScoreImportReport(file=file_name, strict=strict)
    run = RefreshRun(source=SOURCE_NAME, started_at=started, status="running")
    session.add(run)
    try:
        header, records = _read_csv(data)
        columns, report.ignored_columns = _columns(header)
    except _FileError as problem:
        report.file_error = str(problem)
    else:
        report.rows_read = len(records)
        rows = _valid_rows(records, columns, report, today or started.date())
        _ScoreWriter(session, report).write(rows)
    refused = strict and report.problems
    run.status = "failed" if report.file_error or refused else "ok"
    run.error = report.file_error or (
        f"{_plural(report.rejected, 'row')} rejected; --strict wrote nothing" if refused else None
    )
    run.counts = report.counts()
    run.finished_at = utcnow()
    session.flush()
    return report


def _read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank records, each with the line it starts on."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _FileError(
            f"it is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}); "
            "save it as UTF-8 CSV"
        ) from error
    if not text.strip():
        raise _FileError("the file is empty; its first line must name the columns")
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            if any(value.strip() for value in fields):
                records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as error:
        raise _FileError(f"line {reader.line_num} is not valid CSV ({error})") from error
    header, *rows = (fields for _, fields in records)
    if not rows:
        raise _FileError("it has a header but no rows")
    return header, records[1:]


def _columns(header: Sequence[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    """Each known column's index, and the names of the columns ignored."""
    indexes: dict[str, int] = {}
    ignored: list[str] = []
    for index, raw in enumerate(header):
        name = raw.strip().lower().replace(" ", "_").replace("-", "_")
        name = COLUMN_ALIASES.get(name, name)
        if name in indexes:
            raise _FileError(f"the header names the column {name} twice")
        if name in COLUMNS:
            indexes[name] = index
        else:
            ignored.append(raw.strip() or f"(unnamed column {index + 1})")
    missing = [name for name in COLUMNS if name not in indexes]
    if missing:
        raise _FileError(
            f"the header lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"the first line must name the columns {','.join(COLUMNS)}"
        )
    return indexes, tuple(ignored)


def _valid_rows(
    records: Iterable[tuple[int, list[str]]],
    columns: dict[str, int],
    report: ScoreImportReport,
    today: date,
) -> list[_Row]:
    """The rows whose every value is valid; each problem found goes into the report."""
    width = len(columns) + len(report.ignored_columns)
    valid = []
    for line, fields in records:
        if len(fields) != width:
            report.problems.append(
                RowProblem(
                    line, "wrong number of fields", f"{len(fields)} fields; the header has {width}"
                )
            )
            continue
        values = {name: fields[index].strip() for name, index in columns.items()}
        problems = list(_problems(line, values, today))
        report.problems.extend(problems)
        if not problems:
            valid.append(
                _Row(
                    line=line,
                    model=values["model"],
                    benchmark=" ".join(values["benchmark"].split()),
                    score=_score(values["score"]),
                    source=values["source"],
                    measured_on=date.fromisoformat(values["date"]) if values["date"] else None,
                )
            )
    return valid


def _problems(line: int, values: dict[str, str], today: date) -> Iterator[RowProblem]:
    """Everything wrong with one row's values, before its model is looked up."""
    for name in ("model", "benchmark", "score", "source"):
        if not values[name]:
            yield RowProblem(line, f"missing {name}", f"{name}: empty")
    if len(values["benchmark"]) > MAX_BENCHMARK_LENGTH:
        yield RowProblem(
            line, "benchmark too long", f"benchmark: longer than {MAX_BENCHMARK_LENGTH} characters"
        )
    if len(values["source"]) > MAX_SOURCE_LENGTH:
        yield RowProblem(
            line, "source too long", f"source: longer than {MAX_SOURCE_LENGTH} characters"
        )
    score = values["score"]
    if score and _NUMBER.fullmatch(score) is None:
        yield RowProblem(line, "bad score", f"score: {_quoted(score)} is not a number")
    elif score and abs(Decimal(score)) >= SCORE_LIMIT:
        yield RowProblem(line, "bad score", f"score: {_quoted(score)} is out of range")
    measured = values["date"]
    if measured:
        try:
            if _ISO_DATE.fullmatch(measured) is None:
                raise ValueError(measured)
            day = date.fromisoformat(measured)
        except ValueError:
            yield RowProblem(
                line, "bad date", f"date: {_quoted(measured)} is not a YYYY-MM-DD date"
            )
        else:
            if day > today:
                yield RowProblem(line, "bad date", f"date: {measured} is in the future")


def _score(text: str) -> Decimal:
    """A validated score, rounded to the nine decimals the column keeps."""
    return Decimal(text).quantize(SCORE_PLACES)


class _ScoreWriter:
    """Finds the rows' models, drops repeats and conflicts, and writes what changed."""

    def __init__(self, session: Session, report: ScoreImportReport) -> None:
        self.session = session
        self.report = report

    def write(self, rows: list[_Row]) -> None:
        models, unknown = self._models({row.model for row in rows})
        spelling = self._benchmark_spellings(rows)
        keyed: dict[tuple[int, str, str], list[_Row]] = defaultdict(list)
        for row in rows:
            if row.model in models:
                key = (models[row.model], spelling[row.benchmark.casefold()], row.source)
                keyed[key].append(row)
            else:
                self.report.problems.append(RowProblem(row.line, *unknown[row.model]))
        wanted = self._without_repeats(keyed)
        stored = self._stored({model_id for model_id, _, _ in wanted})
        changed = []
        for key, row in wanted.items():
            before = stored.get(key)
            if before is None:
                self.report.created += 1
            elif before != (row.score, row.measured_on):
                self.report.updated += 1
            else:
                self.report.unchanged += 1
                continue
            changed.append((key, row))
        if self.report.strict and self.report.problems:
            return
        self.report.written = True
        if changed:
            self._upsert(changed)

    def _models(self, refs: set[str]) -> tuple[dict[str, int], dict[str, tuple[str, str]]]:
        """Each reference's model id; for the others, the (reason, detail) of why it has none.

        Two statements per few hundred references: our ids, then external ids.
        """
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(refs)):
            statement = select(Model.slug, Model.id).where(Model.slug.in_(chunk))
            found.update({slug: model_id for slug, model_id in self.session.execute(statement)})
        rest = sorted(refs - found.keys())
        places: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
        for chunk in _chunks(rest):
            by_external_id = (
                select(ExternalId.external_id, ExternalId.source, Model.id, Model.slug)
                .join(Model, Model.id == ExternalId.model_id)
                .where(ExternalId.external_id.in_(chunk))
            )
            for external_id, source, model_id, slug in self.session.execute(by_external_id):
                places[external_id][model_id].append(f"{slug} at {source}")
        unknown: dict[str, tuple[str, str]] = {}
        for ref in rest:
            models = places.get(ref, {})
            if len(models) == 1:
                found[ref] = next(iter(models))
            elif not models:
                unknown[ref] = ("unmatched model id", f"model: no model has the id {_quoted(ref)}")
                self.report.unmatched_ids.append(ref)
            else:
                # Sorted, not in the order the database returned them, which a plan may change.
                named = "; ".join(sorted(", ".join(sorted(at)) for at in models.values()))
                unknown[ref] = (
                    "ambiguous model id",
                    f"model: {_quoted(ref)} is an external id of several models ({named}); "
                    "use our model id",
                )
        return found, unknown

    def _benchmark_spellings(self, rows: list[_Row]) -> dict[str, str]:
        """Benchmark name by its case-folded form: the stored spelling, else the file's first."""
        spelling = {
            name.casefold(): name
            for name in self.session.scalars(select(BenchmarkScore.benchmark).distinct())
        }
        for row in rows:
            spelling.setdefault(row.benchmark.casefold(), row.benchmark)
        return spelling

    def _without_repeats(
        self, keyed: dict[tuple[int, str, str], list[_Row]]
    ) -> dict[tuple[int, str, str], _Row]:
        """One row per key: a repeat with equal values counts once; different values conflict."""
        wanted = {}
        for key, rows in keyed.items():
            first, *repeats = rows
            if all((r.score, r.measured_on) == (first.score, first.measured_on) for r in repeats):
                wanted[key] = first
                self.report.duplicates += len(repeats)
                continue
            lines = ", ".join(str(row.line) for row in rows)
            for row in rows:
                self.report.problems.append(
                    RowProblem(
                        row.line,
                        "conflicting rows",
                        f"lines {lines} give different scores or dates for {row.model}, "
                        f"{key[1]}, {row.source}; none of them was imported",
                    )
                )
        return wanted

    def _stored(
        self, model_ids: set[int]
    ) -> dict[tuple[int, str, str], tuple[Decimal, date | None]]:
        stored = {}
        for chunk in _chunks(sorted(model_ids)):
            statement = select(
                BenchmarkScore.model_id,
                BenchmarkScore.benchmark,
                BenchmarkScore.source,
                BenchmarkScore.score,
                BenchmarkScore.measured_on,
            ).where(BenchmarkScore.model_id.in_(chunk))
            for model_id, benchmark, source, score, measured_on in self.session.execute(statement):
                stored[(model_id, benchmark, source)] = (score, measured_on)
        return stored

    def _upsert(self, changed: list[tuple[tuple[int, str, str], _Row]]) -> None:
        """Insert or update on the unique key, so a concurrent import cannot make a duplicate."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(BenchmarkScore.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["model_id", "benchmark", "source"],
            set_={"score": statement.excluded.score, "measured_on": statement.excluded.measured_on},
        )
        self.session.execute(
            statement,
            [
                {
                    "model_id": model_id,
                    "benchmark": benchmark,
                    "source": source,
                    "score": row.score,
                    "measured_on": row.measured_on,
                }
                for (model_id, benchmark, source), row in changed
            ],
        )


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _quoted(text: str, limit: int = 60) -> str:
    """A value from the file, quoted and cut short, for a one-line message."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
