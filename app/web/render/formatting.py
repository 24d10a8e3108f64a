"""Turning stored values into text at the edge: money, token counts, times.

Values are Decimal or int all the way here; this is the only place they are
rounded. Missing values render as "not known", never as blank or zero.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.services.model_page.model_summary import token_count_short

NOT_KNOWN = "not known"


CENT = Decimal("0.01")
# Between a figure and its unit: narrower than a word space and never a line break ("96 tok/s").
UNIT_SPACE = "\u202f"


def price(value: Decimal | None) -> str:
    """A price per 1M tokens, the same way on every page: to the cent, with more digits only
    where the price has them, and nothing rounded away: `$0.15`, `$0.60`, `$0.188`, `$1,250.00`.
    """
    if value is None:
        return NOT_KNOWN
    digits = value.normalize()
    exponent = digits.as_tuple().exponent
    # A letter, not a number, for NaN and infinity: they have no digits to pad.
    if isinstance(exponent, int) and exponent > -2:
        digits = digits.quantize(CENT)
    return f"${digits:,f}"


def tokens_short(count: int | None) -> str:
    """A token count the way catalogs print context windows: `262K`, `1.05M`."""
    return NOT_KNOWN if count is None else token_count_short(count)


def number_short(value: Decimal | float | None, unit: str = "") -> str:
    """A measured figure rounded to a whole number with its unit after a thin space:
    `96 tok/s`, `666 ms`."""
    if value is None:
        return NOT_KNOWN
    whole = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole}{UNIT_SPACE}{unit}" if unit else str(whole)


WINDOW_UNITS = {"m": "minute", "h": "hour", "d": "day"}


def window_words(window: str | None) -> str:
    """A measurement window code as words: `30m` -> `30 minutes`, `1h` -> `1 hour`.

    Codes in another shape are shown as stored rather than guessed at.
    """
    if not window:
        return NOT_KNOWN
    amount, unit = window[:-1], WINDOW_UNITS.get(window[-1:])
    if unit is None or not amount.isdigit():
        return window
    return f"{int(amount)} {unit}{'' if int(amount) == 1 else 's'}"


def iso_date(value: date | datetime | None) -> str:
    """A date as YYYY-MM-DD."""
    if value is None:
        return NOT_KNOWN
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date()
    return value.isoformat()


def utc_timestamp(value: datetime | None) -> str:
    """A moment as `2026-03-20 14:05 UTC`.

    Cut from `isoformat` (`2026-03-20 14:05+00:00`), which costs half of `strftime`:
    a page of comments prints forty of these.
    """
    if value is None:
        return NOT_KNOWN
    return f"{value.astimezone(UTC).isoformat(' ', 'minutes')[:16]} UTC"


def money(value: Decimal | None) -> str:
    """A computed cost: to the cent, or to two significant digits below a cent.

    `$1,234.57`, `$0.94`, `$0.0042` (not `$0.00`), `$0.00` only for nothing at all. Below a
    cent a rounded-off zero is not written (`$0.001`, not `$0.0010`), as prices leave it out.
    """
    if value is None:
        return NOT_KNOWN
    if 0 < value < CENT:
        tiny = value.quantize(Decimal(1).scaleb(value.adjusted() - 1), rounding=ROUND_HALF_UP)
        if tiny < CENT:
            return f"${tiny.normalize():f}"
    return f"${value.quantize(CENT, rounding=ROUND_HALF_UP):,}"


def token_count(value: Decimal | int | None) -> str:
    """A token total in whole tokens with thousands separators: `1,500`, `45,000,000`."""
    if value is None:
        return NOT_KNOWN
    return f"{Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"


def duration_words(value: timedelta | None) -> str:
    """A span the way a log reads it: `0.4 s`, `12 s`, `3 min 5 s`, `2 h 5 min`, `3 d 4 h`.

    Two units at most: past a minute the fraction of a second is noise.
    """
    if value is None:
        return NOT_KNOWN
    tenths = Decimal(str(value.total_seconds())).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if tenths < 10:
        return f"{tenths} s"
    whole = int(tenths)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


COUNT_UNITS = ("K", "M", "B")


def count_short(value: int | None) -> str:
    """A large count the way a hub shows it: `950`, `56.8K`, `1.2M`, `3B` (one decimal at most).

    Rounding moves up a unit rather than print `1000K`.
    """
    if value is None:
        return NOT_KNOWN
    if value < 1_000:
        return str(value)
    scaled = Decimal(value) / 1_000
    unit = COUNT_UNITS[0]
    for larger in COUNT_UNITS[1:]:
        if scaled.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) < 1_000:
            break
        scaled, unit = scaled / 1_000, larger
    rounded = scaled.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{format(rounded.normalize(), 'f')}{unit}"


def percent(value: Decimal | None) -> str:
    """A percentage with at most one decimal: `100%`, `99.5%`, `97%`."""
    if value is None:
        return NOT_KNOWN
    rounded = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{format(rounded.normalize(), 'f')}%"


def fact_value(value: object, field: str) -> str:
    """One source's value of a model's fact, for the "sources disagree" note, which lists
    each source's value side by side.

    Written as the model page writes that fact, except token counts: those are exact, as
    the short form the page shows (`164K`) would write 163,840 and 164,000 alike.
    """
    if value is None:
        return NOT_KNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date | datetime):
        return iso_date(value)
    if field in ("context_window", "max_output") and isinstance(value, int):
        return f"{whole_count(value)} tokens"
    if field == "modalities":
        reads = ", ".join(sorted(getattr(value, "input", ()))) or NOT_KNOWN
        writes = ", ".join(sorted(getattr(value, "output", ()))) or NOT_KNOWN
        return f"{reads} in, {writes} out"
    return str(value)


def whole_count(value: int | None) -> str:
    """A count of things (rows, lines, requests, bytes) with thousands separators: `100,000`."""
    if value is None:
        return NOT_KNOWN
    return f"{value:,}"
