"""One line of a model list: what the catalog and a lab's page show for each model.

Both lists read the same per-model rollup columns, so they share this loader:
one statement for the models with their lab, one for their modalities, whatever
the number of rows. Templates get plain rows and never touch the ORM, so they
cannot trigger a lazy load.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from app.models import Author, Model


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """A model as listed: identity, lab, status and its cheapest/fastest figures."""

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
    statement = (
        select(Model, Author.slug, Author.name)
        .join(Author, Model.author_id == Author.id)
        .where(*where)
        .order_by(*order_by)
        .offset(offset)
        .limit(limit)
        .options(selectinload(Model.modalities))
    )
    return [
        CatalogRow(
            slug=model.slug,
            name=model.name,
            author_slug=author_slug,
            author_name=author_name,
            status=model.status,
            context_window=model.context_window,
            input_modalities=tuple(model.modality_list("input")),
            price_input=model.price_input_min,
            price_output=model.price_output_min,
            provider_count=model.provider_count,
            throughput=model.throughput_max,
        )
        for model, author_slug, author_name in session.execute(statement)
    ]
