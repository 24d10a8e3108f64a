"""The calculator's inputs: reading a workload from a URL, its bounds, and the presets.

One query-string vocabulary serves the model page, `/calculator` and the CSV
export (the contract in the calculator issue):

    preset, requests_per_day | requests_per_month, input_tokens, output_tokens,
    cache_share, cache_write_share, reasoning_tokens, batch, days

The HTML form spells the request count `requests` plus `per=day|month`, since
one number field with a unit is what a person fills in; both spellings are read.

Precedence: a preset supplies every field, and any field given explicitly
overrides the preset's value for it. So `?preset=chatbot&output_tokens=800` is
the chatbot workload with longer answers, and the canonical URL of a workload
is its preset plus only the fields that differ from it. Without a preset, an
absent field means none of it (no cache, no reasoning, no batch, 30 days) and
the request count is required. A URL with no workload field at all shows the
default preset.

Every field is bounded and checked with a message meant for the person who
typed it. Invalid fields keep what was typed so the form can show it back.
"""

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from app.services.pricing.workload_cost import RequestPeriod, Workload

BUNDLED_PRESETS_FILE = Path(__file__).resolve().parents[2] / "data" / "workload_presets.toml"

MAX_REQUESTS_PER_DAY = 1_000_000_000
MAX_DAYS = 31
# Input bound when the model's context window is not known: the largest windows offered today.
MAX_TOKENS_PER_REQUEST = 10_000_000
MAX_NUMBER_TEXT = 24
DEFAULT_DAYS = 30

# Query parameters that describe a workload, in the order canonical URLs list them.
WORKLOAD_PARAMETERS = (
    "preset",
    "requests_per_day",
    "requests_per_month",
    "requests",
    "per",
    "input_tokens",
    "output_tokens",
    "cache_share",
    "cache_write_share",
    "reasoning_tokens",
    "batch",
    "days",
)
FIELD_LABELS = {
    "preset": "Preset",
    "requests": "Requests",
    "input_tokens": "Input tokens per request",
    "output_tokens": "Output tokens per request",
    "reasoning_tokens": "Reasoning tokens per request",
    "cache_share": "Cached input",
    "cache_write_share": "Cache writes",
    "batch": "Batch-eligible",
    "days": "Days per month",
}
SHARE_FIELDS = ("cache_share", "cache_write_share")

_WHOLE_NUMBER = re.compile(r"[0-9]{1,3}(?:[,_ ]?[0-9]{3})*|[0-9]+")
_PERCENT = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{1,2})?|\.[0-9]{1,2}) ?%?")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_TRUE_WORDS = frozenset({"1", "on", "true", "yes"})
_FALSE_WORDS = frozenset({"0", "off", "false", "no"})


class PresetsFileError(ValueError):
    """The presets file cannot be used; the message says which entry and why."""


@dataclass(frozen=True)
class Preset:
    """A named, typical workload with a one-line description of what it models."""

    slug: str
    name: str
    description: str
    requests_per_day: int
    input_tokens: int
    output_tokens: int
    cache_share: Decimal = Decimal(0)
    cache_write_share: Decimal = Decimal(0)
    reasoning_tokens: int = 0
    batch: bool = False


@dataclass(frozen=True)
class Presets:
    """The presets in display order, and the one a page shows before anyone chooses."""

    items: tuple[Preset, ...]
    default: str

    def get(self, slug: str | None) -> Preset | None:
        return next((preset for preset in self.items if preset.slug == slug), None)

    @property
    def default_preset(self) -> Preset:
        preset = self.get(self.default)
        assert preset is not None, "load_presets checks the default exists"
        return preset


@dataclass(frozen=True)
class Limits:
    """How large a request may be for the model(s) being estimated.

    `reasoning` says whether reasoning tokens are asked for at all (a model
    that does not reason has no such field, and the parameter is ignored).
    The notes say in a message where a bound comes from.
    """

    max_input_tokens: int = MAX_TOKENS_PER_REQUEST
    max_output_tokens: int = MAX_TOKENS_PER_REQUEST
    reasoning: bool = True
    input_note: str = "the largest supported"
    output_note: str = "the largest supported"

    @classmethod
    def for_model(
        cls, *, context_window: int | None, max_output: int | None, reasoning: bool
    ) -> "Limits":
        """Bounds from a model's context window and maximum output, where known."""
        if context_window is None:
            return cls(reasoning=reasoning)
        window = "the model's context window"
        if max_output is None or max_output >= context_window:
            return cls(context_window, context_window, reasoning, window, window)
        return cls(context_window, max_output, reasoning, window, "the model's maximum output")


@dataclass(frozen=True)
class WorkloadForm:
    """A workload as read from a URL: the values to show, any errors, and the workload itself.

    `values` are keyed by form field (`requests`, `per`, `input_tokens`, ...)
    and hold what was typed, or the preset's value where nothing was.
    `workload` is None when any field has an error.
    """

    values: Mapping[str, str]
    errors: Mapping[str, str]
    preset: Preset | None
    workload: Workload | None
    requested: bool
    limits: Limits
    given: tuple[tuple[str, str], ...] = ()

    @property
    def status_code(self) -> int:
        """422 when the visitor asked for a workload we cannot estimate; else 200."""
        return 422 if self.errors and self.requested else 200

    @property
    def problems(self) -> tuple[str, ...]:
        """Each error with the field it belongs to, for a summary away from the fields."""
        return tuple(f"{FIELD_LABELS[name]}: {message}" for name, message in self.errors.items())

    @property
    def modified(self) -> bool:
        """True when explicit fields override some of the preset's values."""
        return self.preset is not None and bool(self._changed_fields())

    def query_items(self) -> list[tuple[str, str]]:
        """The canonical URL parameters: the preset, then only the fields that differ from it.

        An invalid workload has no canonical form, so its parameters are kept as typed.
        """
        if self.workload is None:
            return list(self.given)
        items = [("preset", self.preset.slug)] if self.preset else []
        return items + self._changed_fields()

    def query_string(self) -> str:
        return urlencode(self.query_items())

    def _changed_fields(self) -> list[tuple[str, str]]:
        workload = self.workload
        if workload is None:
            return []
        base = _base_workload(self.preset)
        changed: list[tuple[str, str]] = []
        if self.preset is None or (workload.requests, workload.per) != (base.requests, base.per):
            changed.append((f"requests_per_{workload.per}", str(workload.requests)))
        for name in ("input_tokens", "output_tokens", *SHARE_FIELDS):
            if getattr(workload, name) != getattr(base, name):
                changed.append((name, str(getattr(workload, name))))
        if self.limits.reasoning and workload.reasoning_tokens != base.reasoning_tokens:
            changed.append(("reasoning_tokens", str(workload.reasoning_tokens)))
        if workload.batch != base.batch:
            changed.append(("batch", "1" if workload.batch else "0"))
        if workload.days != base.days:
            changed.append(("days", str(workload.days)))
        return changed


def read_workload(params: Mapping[str, str], *, presets: Presets, limits: Limits) -> WorkloadForm:
    """Read the workload in a URL's query parameters, checking every field against `limits`."""
    requested = any(name in params for name in WORKLOAD_PARAMETERS)
    errors: dict[str, str] = {}
    preset_text = params.get("preset", "").strip()
    preset = presets.get(preset_text) if preset_text else None
    if preset_text and preset is None:
        names = ", ".join(p.slug for p in presets.items)
        errors["preset"] = f"There is no preset “{_echo(preset_text)}”; choose one of {names}."
    if not requested:
        preset = presets.default_preset
    base = _base_workload(preset)
    reader = _FieldReader(params, errors)

    requests, per = _requests(params, base, errors, has_base=preset is not None)
    values: dict[str, Any] = {"requests": requests, "per": per}
    values["input_tokens"] = reader.tokens(
        "input_tokens", base.input_tokens, limits.max_input_tokens, limits.input_note
    )
    values["output_tokens"] = reader.tokens(
        "output_tokens", base.output_tokens, limits.max_output_tokens, limits.output_note
    )
    values["reasoning_tokens"] = (
        reader.tokens(
            "reasoning_tokens", base.reasoning_tokens, limits.max_input_tokens, limits.input_note
        )
        if limits.reasoning
        else 0
    )
    for name in SHARE_FIELDS:
        values[name] = reader.percent(name, getattr(base, name))
    if (
        not {"cache_share", "cache_write_share"} & errors.keys()
        and values["cache_share"] + values["cache_write_share"] > 100
    ):
        errors["cache_write_share"] = (
            "Cached and cache-written shares together cannot exceed 100 % of the input."
        )
    values["batch"] = reader.flag("batch", base.batch)
    values["days"] = reader.whole_number(
        "days", base.days, minimum=1, maximum=MAX_DAYS, too_large="at most 31 days"
    )

    workload = None if errors else Workload(**values)
    shown = {"preset": preset.slug if preset else preset_text} | {
        name: _shown(params, name, value) for name, value in values.items()
    }
    if "requests" in errors:
        shown["requests"] = _typed_requests(params) or shown["requests"]
    return WorkloadForm(
        values=shown,
        errors=errors,
        preset=preset,
        workload=workload,
        requested=requested,
        limits=limits,
        given=tuple((name, params[name]) for name in WORKLOAD_PARAMETERS if name in params),
    )


class _FieldReader:
    """Reads one field each: the typed value if present (checked), else the base value."""

    def __init__(self, params: Mapping[str, str], errors: dict[str, str]) -> None:
        self.params = params
        self.errors = errors

    def whole_number(
        self, name: str, default: int, *, minimum: int = 0, maximum: int, too_large: str
    ) -> int:
        """The typed number, else the default; either must be within the bounds.

        A preset's value is checked too: a preset made for large models can ask
        for more input than a small model's context window holds.
        """
        number: int | None = default
        if name in self.params:
            number = _whole_number(self.params[name])
        if number is None:
            self.errors[name] = "Enter a whole number, such as 1500."
            return default
        if number < minimum:
            self.errors[name] = f"Enter at least {minimum}."
        elif number > maximum:
            self.errors[name] = f"Enter {too_large}."
        return number

    def tokens(self, name: str, default: int, maximum: int, note: str) -> int:
        return self.whole_number(
            name, default, maximum=maximum, too_large=f"at most {maximum:,} tokens ({note})"
        )

    def percent(self, name: str, default: Decimal) -> Decimal:
        if name not in self.params:
            return default
        text = self.params[name].strip()
        share = _decimal(text.rstrip("% ")) if _PERCENT.fullmatch(text) else None
        if share is None or share > 100:
            self.errors[name] = "Enter a percentage from 0 to 100, such as 25."
            return default
        return share

    def flag(self, name: str, default: bool) -> bool:
        if name not in self.params:
            return default
        word = self.params[name].strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS or word == "":
            return False
        self.errors[name] = "Use 1 for yes or 0 for no."
        return default


def _requests(
    params: Mapping[str, str], base: Workload, errors: dict[str, str], *, has_base: bool
) -> tuple[int, RequestPeriod]:
    """The request count and its period, from whichever one spelling the URL uses."""
    spellings = [name for name in ("requests_per_day", "requests_per_month") if name in params]
    if "requests" in params:
        spellings.append("requests")
    if len(spellings) > 1:
        errors["requests"] = "Give the number of requests once: per day or per month."
        return base.requests, base.per
    if not spellings:
        if not has_base:
            errors["requests"] = "Enter how many requests you send, per day or per month."
        return base.requests, base.per
    name = spellings[0]
    per: RequestPeriod
    if name == "requests":
        period = params.get("per", "day").strip().lower()
        if period not in ("day", "month"):
            errors["requests"] = "Choose requests per day or per month."
            return base.requests, base.per
        per = "day" if period == "day" else "month"
    else:
        per = "day" if name == "requests_per_day" else "month"
    maximum = MAX_REQUESTS_PER_DAY * (MAX_DAYS if per == "month" else 1)
    count = _whole_number(params[name])
    if count is None:
        errors["requests"] = "Enter a whole number of requests, such as 1000."
    elif not 1 <= count <= maximum:
        errors["requests"] = f"Enter from 1 to {maximum:,} requests per {per}."
    else:
        return count, per
    return base.requests, per


def _base_workload(preset: Preset | None) -> Workload:
    """The values a field takes when the URL does not give it."""
    if preset is None:
        return Workload(requests=0, input_tokens=0, output_tokens=0)
    return Workload(
        requests=preset.requests_per_day,
        input_tokens=preset.input_tokens,
        output_tokens=preset.output_tokens,
        cache_share=preset.cache_share,
        cache_write_share=preset.cache_write_share,
        reasoning_tokens=preset.reasoning_tokens,
        batch=preset.batch,
        days=DEFAULT_DAYS,
    )


def _shown(params: Mapping[str, str], name: str, value: Any) -> str:
    """What a form field shows: the typed text, or the value in force as plain text."""
    if name == "batch":
        return "1" if value else ""
    if name in params and name != "requests":
        return params[name]
    return str(value)


def _typed_requests(params: Mapping[str, str]) -> str | None:
    for name in ("requests", "requests_per_day", "requests_per_month"):
        if name in params:
            return params[name]
    return None


def _whole_number(text: str) -> int | None:
    text = text.strip()
    if len(text) > MAX_NUMBER_TEXT or not _WHOLE_NUMBER.fullmatch(text):
        return None
    return int(re.sub(r"[,_ ]", "", text))


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def _echo(text: str) -> str:
    """A visitor's text, shortened, for repeating back in a message."""
    return text if len(text) <= 40 else f"{text[:40]}…"


def load_presets(path: Path | None = None) -> Presets:
    """The presets in a TOML file (the bundled one by default), each checked like a URL would be.

    Raises PresetsFileError naming the file and entry, so a bad edit stops
    the server at start rather than breaking the calculator for visitors.
    """
    path = path or BUNDLED_PRESETS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PresetsFileError(f"cannot read workload presets from {path}: {error}") from error
    entries = data.get("preset")
    if not isinstance(entries, list) or not entries:
        raise PresetsFileError(f"{path}: no [[preset]] entries")
    items = tuple(_preset(entry, path) for entry in entries)
    slugs = [preset.slug for preset in items]
    if len(set(slugs)) != len(slugs):
        raise PresetsFileError(f"{path}: preset slugs must be unique, got {slugs}")
    default = data.get("default", slugs[0])
    if default not in slugs:
        raise PresetsFileError(f"{path}: default preset {default!r} is not one of {slugs}")
    return Presets(items=items, default=default)


_PRESET_TEXT_FIELDS = ("slug", "name", "description")


def _preset(entry: Any, path: Path) -> Preset:
    """One [[preset]] table, read through the same checks as a visitor's URL."""
    if not isinstance(entry, dict):
        raise PresetsFileError(f"{path}: each [[preset]] must be a table")
    label = entry.get("slug", "?")
    known = {field.name for field in fields(Preset)}
    unknown = set(entry) - known
    missing = {name for name in _PRESET_TEXT_FIELDS if not isinstance(entry.get(name), str)}
    if unknown or missing:
        raise PresetsFileError(
            f"{path}: preset {label!r}: unknown keys {sorted(unknown)}, "
            f"missing or non-text keys {sorted(missing)}"
        )
    if not _SLUG.fullmatch(entry["slug"]):
        raise PresetsFileError(
            f"{path}: preset slug {label!r} must be lowercase letters, digits, -"
        )
    batch = entry.get("batch", False)
    params = {
        "requests_per_day": entry.get("requests_per_day"),
        "input_tokens": entry.get("input_tokens"),
        "output_tokens": entry.get("output_tokens", 0),
        "cache_share": entry.get("cache_share", 0),
        "cache_write_share": entry.get("cache_write_share", 0),
        "reasoning_tokens": entry.get("reasoning_tokens", 0),
        "batch": ("1" if batch else "0") if isinstance(batch, bool) else "not a boolean",
    }
    as_text = {name: str(value) for name, value in params.items() if value is not None}
    form = read_workload(
        as_text, presets=Presets(items=(), default=""), limits=Limits(reasoning=True)
    )
    if form.workload is None or "input_tokens" not in as_text:
        problems = dict(form.errors) or {"input_tokens": "required"}
        raise PresetsFileError(f"{path}: preset {label!r}: {problems}")
    workload = form.workload
    return Preset(
        slug=entry["slug"],
        name=entry["name"],
        description=entry["description"],
        requests_per_day=workload.requests,
        input_tokens=workload.input_tokens,
        output_tokens=workload.output_tokens,
        cache_share=workload.cache_share,
        cache_write_share=workload.cache_write_share,
        reasoning_tokens=workload.reasoning_tokens,
        batch=workload.batch,
    )
