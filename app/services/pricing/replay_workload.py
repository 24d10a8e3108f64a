"""The calculator workload a replayed usage log amounts to, so a replay can be saved and re-priced.

A saved workload is the calculator's input — requests a month and tokens
per request — while a log is totals per model and day. The log's totals,
every model together, become monthly averages over the months the log spans
(first to last, a month without usage included, since it cost nothing and
lowered the real bill too), and the tokens become averages per request:
input (cached included, as the calculator counts it), the cached share of
it as a percentage, visible output, and reasoning (which the calculator
counts apart from output, where a usage object counts it inside).

Only these averages and a description of the log (rows, first and last day)
leave the replay; the log itself is never kept.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.services.pricing.saved_workloads import ReplaySource, stored_fields
from app.services.pricing.usage_records import TokenTotals, UsageTally
from app.services.pricing.workload import DEFAULT_DAYS
from app.services.pricing.workload_cost import Workload

# The calculator takes a cached share in percent with at most two decimals.
SHARE_STEP = Decimal("0.01")


@dataclass(frozen=True)
class ReplayWorkload:
    """The calculator's fields (every one explicit) for a replayed log, and where they came from."""

    fields: dict[str, str]
    source: ReplaySource
    months: int


def months_spanned(first: date, last: date) -> int:
    """How many calendar months from `first`'s to `last`'s, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def replay_workload(tally: UsageTally) -> ReplayWorkload | None:
    """The log's average month as a calculator workload; None when it records no request.

    The fields may still exceed what the calculator accepts (a request far
    larger than any context window): the calculator's own check, where they
    are saved, says so.
    """
    totals = tally.totals
    whole = TokenTotals()
    for day_totals in totals.values():
        whole.add(day_totals)
    if not whole.requests:
        return None
    days = [day for _, day in totals]
    first, last = min(days), max(days)
    months = months_spanned(first, last)
    return ReplayWorkload(
        fields=stored_fields(average_month(whole, months)),
        source=ReplaySource(rows=whole.rows, first_day=first, last_day=last),
        months=months,
    )


def average_month(whole: TokenTotals, months: int) -> Workload:
    """`whole` (at least one request) spread evenly over `months` months, per request."""
    requests = whole.requests
    cache_share = Decimal(0)
    if whole.input_tokens:
        share = Decimal(whole.cached_input_tokens) * 100 / whole.input_tokens
        cache_share = share.quantize(SHARE_STEP, ROUND_HALF_UP)
    return Workload(
        requests=max(1, _rounded(requests, months)),
        per="month",
        input_tokens=_rounded(whole.input_tokens, requests),
        output_tokens=_rounded(whole.output_tokens - whole.reasoning_tokens, requests),
        reasoning_tokens=_rounded(whole.reasoning_tokens, requests),
        cache_share=cache_share,
        days=DEFAULT_DAYS,
    )


def _rounded(numerator: int, denominator: int) -> int:
    """`numerator / denominator` to the nearest whole number, halves up (exact on big counts)."""
    return (2 * numerator + denominator) // (2 * denominator)
