"""Open data: the whole catalog as JSON or CSV at `/api/v1/export`, with provenance per source.

What is exported, and what never is, is decided in `app.services.publishing.export`;
this module writes it out:

- JSON (the default) is one document: `generated_at`, `about` (units and
  number format), `sources` (each source's licence and provenance note), then
  `authors`, `providers`, `models`, `endpoints` (current price per tier and
  latest figures), `price_history` (every price row), `benchmark_scores` and
  `ratings` (aggregates). Every record names the `source` of its figures.
- CSV is one flat table per request, chosen by `?table=`: `offers` (the
  default: one row per endpoint and current price tier, with model and
  provider columns, every price component and the latest figures — what a
  spreadsheet user wants), `models`, `prices` (with history), `scores`,
  `providers`, `authors`. Separate addresses rather than a ZIP of CSVs: each
  table opens directly in a spreadsheet, and no archive has to be built
  before the first byte goes out.
- A table in JSON (`?table=` without `format=csv`) is the document's head
  (`generated_at`, `about`, `sources`), then the table's name and its
  `records`, keyed by the CSV's columns. Every format and table the
  parameters allow is answered, so the OpenAPI document needs no exceptions.

An export costs the better part of a second, so each answer carries an ETag
naming the content version (`services.publishing.content_version`, moved by every write
that changes what is exported), the format and table, and the app's version:
a client or cache that sends it back in `If-None-Match` gets 304 for the price
of one query. Full downloads count against the `exports_per_ip` rate limit;
revalidations do not.

Decimals (prices, figures, scores) are written as plain decimal strings
(`"0.15"`, never `1.5E-7` or a float), so they equal the stored values
exactly. Both formats are streamed in chunks as the records are read, a
fetch at a time, in a fixed number of queries per fetch: neither the text nor the
records are ever held whole, so a download's memory does not grow with the
catalog. The reading happens after the route has returned, through a
session of its own (`app.web.routes.streamed_reads`).
"""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import partial
from itertools import islice
from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.db import utcnow
from app.services.publishing.content_version import current_version
from app.services.publishing.export import (
    CatalogExport,
    Cell,
    Table,
    load_catalog_export,
    table_rows,
)
from app.web.caching.etags import IfNoneMatch, etag_matches, release_etag
from app.web.middleware.rate_limit import client_ip, enforce
from app.web.render.api_schemas import API_UNAVAILABLE, RETRY_AFTER, json_error
from app.web.routes.calculator import FORMULA_PREFIXES
from app.web.routes.deps import SessionDep
from app.web.routes.streamed_reads import read_while_streaming
from app.web.routes.unit_of_work import area_router

router = area_router(prefix="/api/v1", tags=["api"])

# The catalog changes when an import or refresh runs (minutes apart at most);
# a shared cache may keep a download this long.
EXPORT_CACHE_CONTROL = "public, max-age=300"
# Records per chunk written to the network: large enough to keep the overhead low.
RECORDS_PER_CHUNK = 500

ABOUT = {
    "prices": (
        "USD per 1M tokens; per_request and per_image are USD per request or image. "
        "A missing price is null, never 0."
    ),
    "numbers": (
        "Prices, measured figures, rollups and scores are decimal strings, exactly as stored "
        "(no float rounding)."
    ),
    "times": "ISO 8601, UTC.",
    "current_prices": (
        "An endpoint's `prices` are the rows in force (effective_to null), one per service "
        "tier; `price_history` lists every row, current ones included."
    ),
    "metrics": (
        "An endpoint's `metrics` are its latest measured figures: time to first token in "
        "milliseconds, throughput in output tokens per second, uptime in percent."
    ),
    "personal_data": (
        "None: ratings are aggregates per model; no account, email, name or comment text "
        "is exported."
    ),
}


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


@router.get(
    "/export",
    name="api.export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The catalog as a download: the JSON document, or one table in JSON "
            "or CSV.",
            "content": {"application/json": {}, "text/csv": {}},
        },
        304: {"description": "Unchanged since the download whose ETag `If-None-Match` names."},
        422: json_error("Unknown format or table."),
        429: {
            **json_error("Too many full downloads from one address."),
            "headers": RETRY_AFTER,
        },
        503: API_UNAVAILABLE,
    },
)
def export_catalog(
    request: Request,
    session: SessionDep,
    export_format: Annotated[
        ExportFormat, Query(alias="format", description="`json` (default) or `csv`.")
    ] = ExportFormat.JSON,
    table: Annotated[
        Table | None,
        Query(
            description="One flat table (CSV default `offers`, one row per endpoint tier); "
            "JSON without it is the whole document."
        ),
    ] = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The whole catalog as open data, with each source's licence and provenance.

    JSON by default: one document with `sources`, `authors`, `providers`,
    `models`, `endpoints` (current prices per tier and latest figures),
    `price_history`, `benchmark_scores` and `ratings` (aggregates only).
    `?table=` gives one flat table instead: `?format=csv` writes it as CSV
    (`offers` when no table is named), JSON as `records` with the same columns.
    Prices are USD per 1M tokens as exact decimal strings. Send the ETag of an
    earlier download in `If-None-Match` to get 304 while nothing has changed.
    """
    if export_format is ExportFormat.CSV:
        table = table or Table.OFFERS
    shape = export_format if table is None else f"{export_format}-{table}"
    etag = release_etag(request, "export", current_version(session), shape)
    cache_headers = {"ETag": etag, "Cache-Control": EXPORT_CACHE_CONTROL}
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=cache_headers)
    enforce(request, "exports_per_ip", client_ip(request))
    generated_at = utcnow()
    day = generated_at.date().isoformat()
    write: Callable[[CatalogExport], Iterator[str]]
    if export_format is ExportFormat.CSV:
        write = partial(_csv_table_chunks, table=table or Table.OFFERS)
        filename, media_type = f"model-atlas-{table}-{day}.csv", "text/csv; charset=utf-8"
    elif table is None:
        write = _json_chunks
        filename, media_type = f"model-atlas-{day}.json", "application/json"
    else:
        write = partial(_json_table_chunks, table=table)
        filename, media_type = f"model-atlas-{table}-{day}.json", "application/json"

    def chunks(session: Session) -> Iterator[str]:
        yield from write(load_catalog_export(session=session, generated_at=generated_at))

    return StreamingResponse(
        read_while_streaming(request, chunks),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **cache_headers},
    )


def _head(export: CatalogExport) -> str:
    """The opening of every JSON answer: when, what the numbers mean, where they came from."""
    return (
        f'{{"generated_at":{_json(export.generated_at)},"about":{_json(ABOUT)},'
        f'"sources":{_json([asdict(s) for s in export.sources])}'
    )


def _json_chunks(export: CatalogExport) -> Iterator[str]:
    """The JSON document, a few hundred records at a time."""
    yield _head(export)
    sections = {
        "authors": export.authors,
        "providers": export.providers,
        "models": export.models,
        "endpoints": export.endpoints,
        "price_history": export.prices,
        "benchmark_scores": export.scores,
        "ratings": export.ratings,
    }
    for name, records in sections.items():
        yield f',"{name}":['
        yield from _joined(_json(record) for record in records())
        yield "]"
    yield "}\n"


def _json_table_chunks(export: CatalogExport, table: Table) -> Iterator[str]:
    """One table as JSON `records` keyed by its CSV columns, a few hundred at a time."""
    header, rows = table_rows(export, table)
    yield f'{_head(export)},"table":{_json(table.value)},"records":['
    yield from _joined(_json(dict(zip(header, row, strict=True))) for row in rows)
    yield "]}\n"


def _joined(texts: Iterator[str]) -> Iterator[str]:
    """JSON texts separated by commas, RECORDS_PER_CHUNK of them to a chunk."""
    separator = ""
    while chunk := list(islice(texts, RECORDS_PER_CHUNK)):
        yield separator + ",".join(chunk)
        separator = ","


def _json(value: Any) -> str:
    return json.dumps(value, default=_json_value, ensure_ascii=False, separators=(",", ":"))


def _json_value(value: object) -> str:
    """Decimals as exact plain strings, dates and times in ISO 8601."""
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not exported")


def _csv_table_chunks(export: CatalogExport, table: Table) -> Iterator[str]:
    """One table as CSV (RFC 4180, CRLF line ends), a few hundred rows at a time."""
    header, rows = table_rows(export, table)
    yield from _csv_chunks(header, rows)


def _csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(cell) for cell in row])
        if count % RECORDS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_cell(value: Cell) -> str | int:
    """Blank for unknown, `true`/`false` for flags, exact decimals, ISO 8601 times.

    Text that a spreadsheet would run as a formula (upstream names are not
    ours to trust) gets a leading quote, as the calculator's CSV does.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def _decimal_text(value: Decimal) -> str:
    """`Decimal("1.5E-7")` -> `"0.00000015"`: never an exponent, never a float."""
    return format(value, "f")
