"""The model table shows a figure's column only when some row on the page knows it."""

from dataclasses import replace
from decimal import Decimal

from app.services.catalog.catalog_rows import CatalogRow
from app.web.render.known_columns import KnownColumns, known_columns

NOTHING_KNOWN = CatalogRow(
    slug="lab/model",
    name="Model",
    author_slug="lab",
    author_name="Lab",
    status="active",
    context_window=None,
    input_modalities=(),
    price_input=None,
    price_output=None,
    provider_count=0,
    throughput=None,
)


def test_no_rows_and_rows_knowing_nothing_show_no_optional_column() -> None:
    nothing = KnownColumns(False, False, False, False, False)

    assert known_columns([]) == nothing
    assert known_columns([NOTHING_KNOWN, NOTHING_KNOWN]) == nothing


def test_each_column_shows_when_any_one_row_knows_its_figure() -> None:
    rows = [
        replace(NOTHING_KNOWN, context_window=128_000),
        NOTHING_KNOWN,
        replace(NOTHING_KNOWN, input_modalities=("text",)),
        replace(NOTHING_KNOWN, price_output=Decimal("0")),
    ]

    assert known_columns(rows) == KnownColumns(
        context=True, modalities=True, price_input=False, price_output=True, throughput=False
    )
    assert known_columns([replace(NOTHING_KNOWN, price_input=Decimal("0.1"))]).price_input
    assert known_columns([replace(NOTHING_KNOWN, throughput=Decimal("50"))]).throughput
