"""One line of a model list: what the catalog and a lab's page show for each model.

Both lists read the same per-model rollup columns, so they share this loader:
one statement for the models with their lab and modalities, whatever the
number of rows. It selects table columns, so SQLAlchemy runs it as a Core
statement and builds no ORM objects (which cost more than the query on a
page of fifty models). Templates get plain rows and never touch the ORM, so
they cannot trigger a lazy load.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, select
from sqlalchemy.orm import Session

from app.models import Author, Model, ModelFact
from app.services.catalog.modalities import modalities_of, split_modalities
from app.services.model_page.model_status import shown_status

_model = Model.__table__.c
_author = Author.__table__.c
_fact = ModelFact.__table__.c
# Whether any source states the model's status: one probe of `model_facts`' primary key per
# row shown. A scalar subquery, not EXISTS: PostgreSQL may run an EXISTS by hashing the
# status facts of the whole catalog once per query, which costs more than the page's rows'
# probes and grows with the catalog; a scalar subquery is always a probe.
_STATUS_STATED = (
    select(_fact.model_id)
    .where(_fact.model_id == _model.id, _fact.field == "status")
    .limit(1)
    .scalar_subquery()
    .is_not(None)
    .label("status_stated")
)


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """A model as listed: identity, lab, status and its cheapest/fastest figures.

    `status` is the status as shown (`model_status.shown_status`): "unknown"
    for a stored "active" that no source states.
    """

    slug: str
    name: str
    author_slug: str
    author_name: str
    status: str
    context_window: int | None
    input_modalities: tuple[str, ...]
    price_input: Decimal | None
    price_output: Decimal | None
    provider_count: int
    throughput: Decimal | None

    @property
    def path_slug(self) -> str:
        """The model's part of the slug, as the model page's URL takes it."""
        return self.slug.removeprefix(f"{self.author_slug}/")


def catalog_rows(
    *,
    session: Session,
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    limit: int | None = None,
    offset: int = 0,
) -> list[CatalogRow]:
    """The models matching `where`, in `order_by` order, as rows ready to display."""
    statement = catalog_rows_statement(where=where, order_by=order_by).offset(offset).limit(limit)
    return read_catalog_rows(session.execute(statement))


def catalog_rows_statement(
    *, where: Sequence[ColumnElement[bool]], order_by: Sequence[Any]
) -> Select[Any]:
    """The statement `catalog_rows` runs, without its LIMIT and OFFSET.

    For a caller that builds it once and runs it many times with bound
    parameters (the catalog search): `read_catalog_rows` turns its result
    into rows.
    """
    return (
        select(
            _model.slug,
            _model.name,
            _author.slug.label("author_slug"),
            _author.name.label("author_name"),
            _model.status,
            _STATUS_STATED,
            _model.context_window,
            modalities_of(_model.id).label("modalities"),
            _model.price_input_min,
            _model.price_output_min,
            _model.provider_count,
            _model.throughput_max,
        )
        .join_from(Model.__table__, Author.__table__, _model.author_id == _author.id)
        .where(*where)
        .order_by(*order_by)
    )


def read_catalog_rows(result: Iterable[Row[Any]]) -> list[CatalogRow]:
    """The rows of a `catalog_rows_statement`'s result, ready to display."""
    return [
        CatalogRow(
            slug=row.slug,
            name=row.name,
            author_slug=row.author_slug,
            author_name=row.author_name,
            status=shown_status(row.status, stated=row.status_stated),
            context_window=row.context_window,
            input_modalities=split_modalities(row.modalities)["input"],
            price_input=row.price_input_min,
            price_output=row.price_output_min,
            provider_count=row.provider_count,
            throughput=row.throughput_max,
        )
        for row in result
    ]
