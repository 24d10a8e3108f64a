"""Which figures' columns a list of catalog rows shows: those some row on the page knows.

A template global rather than Jinja's `selectattr`/`rejectattr` filters: each
filter runs its test through Jinja's machinery once per row, five of them
per table, which cost more than the rest of the table's logic.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from app.services.catalog.catalog_rows import CatalogRow


@dataclass(frozen=True, slots=True)
class KnownColumns:
    """One flag per optional column of the model table."""

    context: bool
    modalities: bool
    price_input: bool
    price_output: bool
    throughput: bool


def known_columns(rows: Iterable[CatalogRow]) -> KnownColumns:
    """A column is shown when at least one row knows its figure."""
    context = modalities = price_input = price_output = throughput = False
    for row in rows:
        context = context or row.context_window is not None
        modalities = modalities or bool(row.input_modalities)
        price_input = price_input or row.price_input is not None
        price_output = price_output or row.price_output is not None
        throughput = throughput or row.throughput is not None
    return KnownColumns(context, modalities, price_input, price_output, throughput)
