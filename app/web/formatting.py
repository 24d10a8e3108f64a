"""Turning stored values into text at the edge: money, token counts, times.

Values are Decimal or int all the way here; this is the only place they are
rounded. Missing values render as "not known", never as blank or zero.
"""

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

NOT_KNOWN = "not known"


def price_fixed(value: Decimal | None, places: int = 4) -> str:
    """A per-1M price with fixed decimals, as the pricing section shows it: `$0.1500`."""
    if value is None:
        return NOT_KNOWN
    quantum = Decimal(1).scaleb(-places)
    return f"${value.quantize(quantum, rounding=ROUND_HALF_UP)}"


def price_short(value: Decimal | None) -> str:
    """A per-1M price with the digits it needs and no trailing zeros: `$0.188`, `$0.6`, `$3`."""
    if value is None:
        return NOT_KNOWN
    if value == 0:
        return "$0"
    text = format(value.normalize(), "f")
    return f"${text}"


def tokens_short(count: int | None) -> str:
    """A token count the way catalogs print context windows: `262K`, `1.05M`."""
    if count is None:
        return NOT_KNOWN
    thousands = (Decimal(count) / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if thousands >= 1000:
        millions = Decimal(count) / Decimal(1_000_000)
        text = format(millions.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize(), "f")
        return f"{text}M"
    if count >= 1_000:
        return f"{thousands}K"
    return str(count)


def number_short(value: Decimal | int | None, unit: str = "") -> str:
    """A measured figure rounded to a whole number with its unit: `96tok/s`, `666ms`."""
    if value is None:
        return NOT_KNOWN
    whole = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole}{unit}"


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
    """A moment as `2026-03-20 14:05 UTC`."""
    if value is None:
        return NOT_KNOWN
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
