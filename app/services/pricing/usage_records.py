"""Reading usage logs line by line into token totals per model and day.

A replay reads what a provider reported for past requests: JSON Lines of
OpenAI-style responses or usage records (OpenAI, OpenRouter and LiteLLM all
emit `model`, `created` and a `usage` object), or a CSV file with the header
`date, model, input_tokens, cached_input_tokens, output_tokens,
reasoning_tokens, requests`. The reader takes bytes as they arrive and keeps
only totals per (model id, day), so memory grows with the number of distinct
models and days, never with the size of the log.

Token counts follow OpenAI's usage object in both shapes: the input count is
the whole prompt, cached tokens included, and the output count is the whole
completion, reasoning tokens included. Billing splits them apart later.

A line that cannot be read is counted and remembered by its line number with
the reason, and the rest is read on: one bad line in a million must not lose
the other lines' figures.
"""

import csv
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

CSV_COLUMNS = (
    "date",
    "model",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "requests",
)
REQUIRED_CSV_COLUMNS = frozenset({"date", "model", "input_tokens", "output_tokens"})
# Malformed lines listed by number; the rest are only counted.
LISTED_MALFORMED = 100
MAX_MODEL_ID_LENGTH = 300
# Distinct model ids per log: a real application uses a few dozen; the catalog is
# asked about all of them at once, and a database takes only so many parameters.
MAX_MODEL_IDS = 1_000
# Counts beyond this are not a real bill's and would only make the sums absurd.
MAX_TOKENS = 10**15
# Unix seconds from 2000-01-01 to 2100-01-01: anything else is not a usage date.
EARLIEST_CREATED = 946_684_800
LATEST_CREATED = 4_102_444_800
DATE_KEYS = ("created", "created_at", "date", "timestamp", "startTime", "start_time")
EPOCH = date(1970, 1, 1)
# The standard decoder's C scanner, called directly: a line is already stripped, and
# `json.loads` adds per-call checks that cost more than parsing a usage line. typeshed leaves
# out `scan_once`, which `JSONDecoder.__init__` sets.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
SECONDS_PER_DAY = 86_400


class TooManyRowsError(Exception):
    """The log has more rows than a replay may read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit:,} rows")
        self.limit = limit


class UnreadableLogError(Exception):
    """The log as a whole cannot be read (a CSV header without the needed columns)."""


class MalformedLineError(ValueError):
    """Why one line was not read."""


@dataclass(slots=True)
class TokenTotals:
    """Tokens and requests summed over the rows of one model on one day."""

    rows: int = 0
    requests: int = 0
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0

    def add(self, other: "TokenTotals") -> None:
        self.rows += other.rows
        self.requests += other.requests
        self.input_tokens += other.input_tokens
        self.cached_input_tokens += other.cached_input_tokens
        self.output_tokens += other.output_tokens
        self.reasoning_tokens += other.reasoning_tokens


# One row's figures: requests, input, cached input, output, reasoning tokens.
RowCounts = tuple[int, int, int, int, int]


@dataclass
class UsageTally:
    """Everything read from one log: totals by (model id as written, day), and the bad lines.

    Days are kept as days since 1970-01-01 while reading (what a Unix time
    divides into without building a date per row) and turned into dates once.
    """

    by_day_number: dict[tuple[str, int], TokenTotals] = field(default_factory=dict)
    rows: int = 0
    malformed_count: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def totals(self) -> dict[tuple[str, date], TokenTotals]:
        """Totals by (model id as written, day)."""
        return {
            (model, EPOCH + timedelta(days=number)): totals
            for (model, number), totals in self.by_day_number.items()
        }

    def add(self, model: str, day_number: int, counts: RowCounts) -> None:
        found = self.by_day_number.get((model, day_number))
        if found is None:
            found = self.by_day_number[(model, day_number)] = TokenTotals()
        found.rows += 1
        found.requests += counts[0]
        found.input_tokens += counts[1]
        found.cached_input_tokens += counts[2]
        found.output_tokens += counts[3]
        found.reasoning_tokens += counts[4]

    def note_malformed(self, line: int, reason: str) -> None:
        self.malformed_count += 1
        if len(self.malformed) < LISTED_MALFORMED:
            self.malformed.append((line, reason))


class UsageReader:
    """Reads one usage log fed in byte chunks; `finish()` reads the last line.

    The format is decided by the first line that is not blank: `{` starts
    JSON Lines, anything else must be the CSV header. Lines are numbered from 1
    as an editor numbers them.
    """

    def __init__(self, tally: UsageTally, *, max_rows: int) -> None:
        self.tally = tally
        self.max_rows = max_rows
        self._pending = b""
        self._line_number = 0
        self._format: str | None = None
        self._columns: dict[str, int] = {}
        # Ids and date texts repeat on almost every row: each is checked once.
        self._models: set[str] = set()
        self._days: dict[str, int] = {}

    def feed(self, chunk: bytes) -> None:
        """Read every complete line in `chunk` (with what was left of the previous one)."""
        data = self._pending + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            self._pending = data
            return
        self._pending = data[cut + 1 :]
        self._read_block(data[:cut])

    def finish(self) -> None:
        """Read the last line, which has no line break after it."""
        if self._pending:
            self._read_block(self._pending)
            self._pending = b""

    @property
    def started(self) -> bool:
        """True once a line that is not blank has been read."""
        return self._format is not None

    def _read_block(self, block: bytes) -> None:
        """Complete lines, decoded at once; line by line only when some are not UTF-8."""
        try:
            lines: list[str | None] = list(block.decode("utf-8").split("\n"))
        except UnicodeDecodeError:
            lines = [_decoded(raw) for raw in block.split(b"\n")]
        for text in lines:
            self._read_line(text)

    def _read_line(self, text: str | None) -> None:
        self._line_number += 1
        if text is None:
            self._count_row()
            self.tally.note_malformed(self._line_number, "not UTF-8 text")
            return
        text = text.strip()
        if not text:
            return
        if self._format is None:
            text = text.removeprefix("\ufeff")
            if text.startswith("{"):
                self._format = "jsonl"
            else:
                self._columns = _csv_header(text)
                self._format = "csv"
                return
        self._count_row()
        try:
            if self._format == "jsonl":
                model, day, counts = _json_row(text)
                day_number = day if isinstance(day, int) else self._day_number(day)
            else:
                model, day_text, counts = _csv_row(text, self._columns)
                day_number = self._day_number(day_text)
            if model not in self._models:
                model = _model_id(model)
                if model not in self._models and len(self._models) >= MAX_MODEL_IDS:
                    raise MalformedLineError(
                        f"one model id more than the {MAX_MODEL_IDS:,} a replay reads"
                    )
                self._models.add(model)
        except MalformedLineError as problem:
            self.tally.note_malformed(self._line_number, str(problem))
            return
        self.tally.add(model, day_number, counts)

    def _day_number(self, text: str) -> int:
        number = self._days.get(text)
        if number is None:
            number = self._days[text] = (_date_text(text) - EPOCH).days
        return number

    def _count_row(self) -> None:
        self.tally.rows += 1
        if self.tally.rows > self.max_rows:
            raise TooManyRowsError(self.max_rows)


def _decoded(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _csv_header(text: str) -> dict[str, int]:
    """Column name -> position, from the header line; refuses a header missing a needed column."""
    try:
        names = [name.strip().lower() for name in next(csv.reader([text]), [])]
    except csv.Error:
        names = []
    columns = {name: index for index, name in enumerate(names) if name in CSV_COLUMNS}
    missing = sorted(REQUIRED_CSV_COLUMNS - columns.keys())
    if missing:
        raise UnreadableLogError(
            "The first line is neither a JSON object nor the CSV header: it lacks the "
            f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(expected {', '.join(CSV_COLUMNS)})."
        )
    return columns


def _csv_row(text: str, columns: Mapping[str, int]) -> tuple[str, str, RowCounts]:
    """(model, date text, counts) of one CSV row; quoted cells go through the csv module."""
    if '"' in text:
        try:
            cells = next(csv.reader([text]), [])
        except csv.Error as problem:
            raise MalformedLineError(f"not a CSV row ({problem})") from None
    else:
        cells = text.split(",")
    if len(cells) <= max(columns.values()):
        raise MalformedLineError(f"{len(cells)} cells, fewer than the header names")

    def cell(name: str, default: str = "0") -> str:
        index = columns.get(name)
        return default if index is None else cells[index].strip() or default

    counts = _checked(
        _count(cell("requests", "1"), "requests"),
        _count(cell("input_tokens", ""), "input_tokens"),
        _count(cell("cached_input_tokens"), "cached_input_tokens"),
        _count(cell("output_tokens", ""), "output_tokens"),
        _count(cell("reasoning_tokens"), "reasoning_tokens"),
    )
    return cells[columns["model"]], cell("date", ""), counts


def _json_row(text: str) -> tuple[str, int | str, RowCounts]:
    """(model, day number or date text, counts) of one JSON line."""
    try:
        record, end = _scan_json(text, 0)
    except (ValueError, RecursionError, StopIteration):
        raise MalformedLineError("not valid JSON") from None
    if end != len(text):
        raise MalformedLineError("not valid JSON")
    if type(record) is not dict:
        raise MalformedLineError("not a JSON object")
    if "model" not in record:
        record = _unwrapped(record)
    model = record.get("model")
    if type(model) is not str:
        raise MalformedLineError("no model")
    usage = record.get("usage", record)
    if type(usage) is not dict:
        raise MalformedLineError("usage is not an object")
    day = _record_day(record)
    # Chat Completions name them prompt/completion, the Responses API input/output.
    prompt = _json_count(usage, "prompt_tokens", "input_tokens", required=True)
    completion = _json_count(usage, "completion_tokens", "output_tokens", required=True)
    details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details")
    cached = _json_count(details, "cached_tokens") if type(details) is dict else 0
    details = usage.get("completion_tokens_details") or usage.get("output_tokens_details")
    reasoning = _json_count(details, "reasoning_tokens") if type(details) is dict else 0
    counts = _checked(
        _json_count(record, "requests") if "requests" in record else 1,
        prompt,
        cached or _json_count(usage, "cached_input_tokens"),
        completion,
        reasoning or _json_count(usage, "reasoning_tokens"),
    )
    return model, day, counts


def _unwrapped(record: dict) -> dict:
    """The response inside a batch output line (`{"response": {"body": {...}}}`), else the line."""
    response = record.get("response")
    if isinstance(response, dict):
        body = response.get("body")
        if isinstance(body, dict):
            return body
    return record


def _record_day(record: Mapping) -> int | str:
    """The day of a JSON record: days since 1970 from a Unix time, or the date text to read."""
    created = record.get("created")
    if type(created) is int and EARLIEST_CREATED <= created < LATEST_CREATED:
        return created // SECONDS_PER_DAY
    for key in DATE_KEYS:
        value = record.get(key)
        if value is None:
            continue
        if type(value) is int or type(value) is float:
            if not EARLIEST_CREATED <= value < LATEST_CREATED:
                raise MalformedLineError(f"{key} is not a Unix time between 2000 and 2100")
            return int(value // SECONDS_PER_DAY)
        if type(value) is str:
            return value
        break
    raise MalformedLineError("no date (created as Unix seconds, or date as YYYY-MM-DD)")


def _date_text(text: str) -> date:
    """A date from `2026-11-30`, `2026-11-30T14:05:00Z` or Unix seconds as text."""
    text = text.strip()
    if text.isdigit():
        seconds = int(text)
        if EARLIEST_CREATED <= seconds < LATEST_CREATED:
            return datetime.fromtimestamp(seconds, UTC).date()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
            day = moment.date()
    except (ValueError, OverflowError):
        raise MalformedLineError(f"not a date: {text[:40]!r}") from None
    if not 2000 <= day.year < 2100:
        raise MalformedLineError(f"not a usage date: {text[:40]!r}")
    return day


def _model_id(value: str) -> str:
    model = value.strip()
    if not model:
        raise MalformedLineError("no model")
    if len(model) > MAX_MODEL_ID_LENGTH or not model.isprintable():
        raise MalformedLineError("not a model id")
    return model


def _json_count(record: Mapping, *keys: str, required: bool = False) -> int:
    """The first of `keys` present in `record` as a count; 0 (or refused) when none is."""
    for key in keys:
        value = record.get(key)
        if value is None:
            continue
        if type(value) is int and 0 <= value <= MAX_TOKENS:
            return value
        if type(value) is bool or not isinstance(value, int | float | str):
            raise MalformedLineError(f"{key} is not a whole number")
        return _count(value if type(value) is int else str(value), key)
    if required:
        raise MalformedLineError(f"no {keys[0]}")
    return 0


def _count(value: str | int, name: str) -> int:
    """A token or request count: a whole number from 0 up (`12`, `12.0`)."""
    if isinstance(value, int):
        number = value
    else:
        try:
            number = int(value)
        except ValueError:
            try:
                as_float = float(value)
            except ValueError:
                raise MalformedLineError(f"{name} is not a whole number") from None
            if not as_float.is_integer():
                raise MalformedLineError(f"{name} is not a whole number") from None
            number = int(as_float)
    if not 0 <= number <= MAX_TOKENS:
        raise MalformedLineError(f"{name} is out of range")
    return number


def _checked(
    requests: int, input_tokens: int, cached: int, output: int, reasoning: int
) -> RowCounts:
    """One row's counts, refused when a part exceeds its whole."""
    if cached > input_tokens:
        raise MalformedLineError("more cached tokens than input tokens")
    if reasoning > output:
        raise MalformedLineError("more reasoning tokens than output tokens")
    return requests, input_tokens, cached, output, reasoning
