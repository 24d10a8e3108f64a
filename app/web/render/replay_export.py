"""The usage replay's result as CSV, and the replayed usage as a form can post it again.

The result page offers a download without keeping the log anywhere: its
download form posts back the log's totals per model and day, written in the
replay's own CSV input format (`tally_as_csv`), with `format=csv`. Those
totals price exactly as the log did, so the download matches the page.
Malformed lines are not in the totals; they are listed on the page only.
"""

import csv
import io
from datetime import date

from app.services.pricing.usage_records import CSV_COLUMNS, UsageTally
from app.services.pricing.usage_replay import Replay
from app.web.routes.calculator import _amount, _text, _yes_no

RESULT_COLUMNS = (
    "month",
    "model",
    "model_name",
    "provider",
    "cheapest",
    "lab_provider",
    "requests",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cost_usd",
    "price_assumed_from",
    "rows_not_priced",
    "note",
)


def tally_as_csv(tally: UsageTally) -> str:
    """The totals per model id and day, in the CSV input format (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for (model, day), totals in sorted(tally.totals.items(), key=lambda item: item[0][::-1]):
        writer.writerow(
            [
                day.isoformat(),
                model,
                totals.input_tokens,
                totals.cached_input_tokens,
                totals.output_tokens,
                totals.reasoning_tokens,
                totals.requests,
            ]
        )
    return buffer.getvalue()


def replay_csv(replay: Replay) -> str:
    """One row per model, provider and month with its cost; then the rows not priced."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    for result in replay.models:
        cheapest, lab = result.cheapest, result.lab
        for month, tokens in sorted(result.by_month.items()):
            for total in result.offers:
                cost = total.by_month.get(month)
                writer.writerow(
                    [
                        month,
                        _text(result.model.slug),
                        _text(result.model.name),
                        _text(total.offer.label),
                        _yes_no(total is cheapest),
                        _yes_no(total is lab),
                        tokens.requests,
                        tokens.input_tokens,
                        tokens.cached_input_tokens,
                        tokens.output_tokens,
                        tokens.reasoning_tokens,
                        _amount(cost),
                        _day(total.assumed_from),
                        total.rows_not_priced,
                        "",
                    ]
                )
    for missing in replay.not_priced:
        writer.writerow(
            [
                "",
                _text(missing.model),
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                missing.rows,
                f"not priced: {missing.reason} ({missing.first_day} to {missing.last_day})",
            ]
        )
    return buffer.getvalue()


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""
