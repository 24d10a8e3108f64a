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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

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
# Counts beyond this are not a real bill's and would only make the sums absurd.
MAX_TOKENS = 10**15
# Unix seconds from 2000-01-01 to 2100-01-01: anything else is not a usage date.
EARLIEST_CREATED = 946_684_800
LATEST_CREATED = 4_102_444_800
DATE_KEYS = ("created", "created_at", "date", "timestamp")


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


@dataclass
class UsageTally:
    """Everything read from one log: totals by (model id as written, day), and the bad lines."""

    totals: dict[tuple[str, date], TokenTotals] = field(default_factory=dict)
    rows: int = 0
    malformed_count: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)

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

    def feed(self, chunk: bytes) -> None:
        """Read every complete line in `chunk` (with what was left of the previous one)."""
        data = self._pending + chunk
        lines = data.split(b"\n")
        self._pending = lines.pop()
        for line in lines:
            self._read_line(line)

    def finish(self) -> None:
        """Read the last line, which has no line break after it."""
        if self._pending:
            self._read_line(self._pending)
            self._pending = b""

    @property
    def started(self) -> bool:
        """True once a line that is not blank has been read."""
        return self._format is not None

    def _read_line(self, raw: bytes) -> None:
        self._line_number += 1
        number = self._line_number
        if not raw.strip():
            return
        try:
            text = raw.decode("utf-8").strip().removeprefix("\ufeff")
        except UnicodeDecodeError:
            self._count_row()
            self.tally.note_malformed(number, "not UTF-8 text")
            return
        if self._format is None:
            if text.startswith("{"):
                self._format = "jsonl"
            else:
                self._columns = _csv_header(text)
                self._format = "csv"
                return
        self._count_row()
        try:
            model, day, totals = (
                _json_row(text) if self._format == "jsonl" else _csv_row(text, self._columns)
            )
        except MalformedLineError as problem:
            self.tally.note_malformed(number, str(problem))
            return
        key = (model, day)
        found = self.tally.totals.get(key)
        if found is None:
            self.tally.totals[key] = totals
        else:
            found.add(totals)

    def _count_row(self) -> None:
        self.tally.rows += 1
        if self.tally.rows > self.max_rows:
            raise TooManyRowsError(self.max_rows)


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


def _csv_row(text: str, columns: Mapping[str, int]) -> tuple[str, date, TokenTotals]:
    try:
        cells = next(csv.reader([text]), [])
    except csv.Error as problem:
        raise MalformedLineError(f"not a CSV row ({problem})") from None
    if len(cells) <= max(columns.values()):
        raise MalformedLineError(f"{len(cells)} cells, fewer than the header names")

    def cell(name: str) -> str:
        return cells[columns[name]].strip() if name in columns else ""

    model = _model_id(cell("model"))
    day = _date_text(cell("date"))
    input_tokens = _count(cell("input_tokens"), "input_tokens")
    output_tokens = _count(cell("output_tokens"), "output_tokens")
    cached = _count(cell("cached_input_tokens") or "0", "cached_input_tokens")
    reasoning = _count(cell("reasoning_tokens") or "0", "reasoning_tokens")
    requests = _count(cell("requests") or "1", "requests")
    return model, day, _totals(input_tokens, cached, output_tokens, reasoning, requests)


def _json_row(text: str) -> tuple[str, date, TokenTotals]:
    try:
        record = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedLineError("not valid JSON") from None
    if not isinstance(record, dict):
        raise MalformedLineError("not a JSON object")
    record = _unwrapped(record)
    model = record.get("model")
    if not isinstance(model, str):
        raise MalformedLineError("no model")
    usage = record.get("usage", record)
    if not isinstance(usage, dict):
        raise MalformedLineError("usage is not an object")
    day = _record_date(record)
    # Chat Completions name them prompt/completion, the Responses API input/output.
    prompt = _json_count(usage, ("prompt_tokens", "input_tokens"), required=True)
    completion = _json_count(usage, ("completion_tokens", "output_tokens"), required=True)
    prompt_details = _details(usage, ("prompt_tokens_details", "input_tokens_details"))
    completion_details = _details(usage, ("completion_tokens_details", "output_tokens_details"))
    cached = _json_count(prompt_details, ("cached_tokens",)) or _json_count(
        usage, ("cached_input_tokens",)
    )
    reasoning = _json_count(completion_details, ("reasoning_tokens",)) or _json_count(
        usage, ("reasoning_tokens",)
    )
    requests = _json_count(record, ("requests",)) if "requests" in record else 1
    return _model_id(model), day, _totals(prompt, cached, completion, reasoning, requests)


def _unwrapped(record: dict) -> dict:
    """The response inside a batch output line (`{"response": {"body": {...}}}`), else the line."""
    response = record.get("response")
    if "model" not in record and isinstance(response, dict):
        body = response.get("body")
        if isinstance(body, dict):
            return body
    return record


def _record_date(record: Mapping) -> date:
    for key in DATE_KEYS:
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, bool):
            break
        if isinstance(value, int | float):
            if not EARLIEST_CREATED <= value < LATEST_CREATED:
                raise MalformedLineError(f"{key} is not a Unix time between 2000 and 2100")
            return datetime.fromtimestamp(value, UTC).date()
        if isinstance(value, str):
            return _date_text(value)
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
    except ValueError:
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


def _details(usage: Mapping, keys: tuple[str, ...]) -> Mapping:
    for key in keys:
        value = usage.get(key)
        if isinstance(value, dict):
            return value
    return {}


def _json_count(record: Mapping, keys: tuple[str, ...], *, required: bool = False) -> int:
    for key in keys:
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise MalformedLineError(f"{key} is not a whole number")
        return _count(str(value) if not isinstance(value, int) else value, key)
    if required:
        raise MalformedLineError(f"no {keys[0]}")
    return 0


def _count(value: str | int, name: str) -> int:
    """A token or request count: a whole number from 0 up (`12`, `12.0`)."""
    if isinstance(value, int):
        number = value
    else:
        text = value.strip()
        try:
            number = int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                raise MalformedLineError(f"{name} is not a whole number") from None
            if not as_float.is_integer():
                raise MalformedLineError(f"{name} is not a whole number") from None
            number = int(as_float)
    if not 0 <= number <= MAX_TOKENS:
        raise MalformedLineError(f"{name} is out of range")
    return number


def _totals(
    input_tokens: int, cached: int, output_tokens: int, reasoning: int, requests: int
) -> TokenTotals:
    if cached > input_tokens:
        raise MalformedLineError("more cached tokens than input tokens")
    if reasoning > output_tokens:
        raise MalformedLineError("more reasoning tokens than output tokens")
    return TokenTotals(
        rows=1,
        requests=requests,
        input_tokens=input_tokens,
        cached_input_tokens=cached,
        output_tokens=output_tokens,
        reasoning_tokens=reasoning,
    )
