"""A model's modalities fetched with the model's own row, as one aggregated string.

Pages that list models (the catalog, a lab's page) or show one (the model
page) need its modalities; a second statement per page, or the ORM's
`selectinload`, cost more than the models' own query. SQL aggregates them
instead (GROUP_CONCAT on SQLite, string_agg on PostgreSQL) into
`input:text,input:image,output:text`, which `split_modalities` reads back.

The separators are written into the SQL, not bound: SQLAlchemy binds the
aggregate's separator "literal_execute", which rewrites the statement's
text on every execution, a quarter of running the model page's first query.
"""

from sqlalchemy import ColumnElement, ScalarSelect, func, literal_column, select

from app.models import ModelModality

_SEPARATOR = ":"
_modality = ModelModality.__table__.c


def modalities_of(model_id: ColumnElement[int]) -> ScalarSelect[str | None]:
    """A scalar subquery: every modality of the model `model_id` as `direction:name`, joined."""
    entry = _modality.direction.concat(literal_column(f"'{_SEPARATOR}'")).concat(_modality.modality)
    return (
        # A clause where the signature says str: the compiler renders either.
        select(func.aggregate_strings(entry, literal_column("','")))  # type: ignore[arg-type]
        .where(_modality.model_id == model_id)
        .scalar_subquery()
    )


def split_modalities(aggregated: str | None) -> dict[str, tuple[str, ...]]:
    """Direction ("input", "output") -> its modalities, text first then by name.

    The same order as `Model.modality_list`, so every page lists them alike.
    """
    found: dict[str, set[str]] = {"input": set(), "output": set()}
    for entry in (aggregated or "").split(","):
        direction, _, modality = entry.partition(_SEPARATOR)
        if modality:
            found.setdefault(direction, set()).add(modality)
    return {
        direction: tuple(sorted(names, key=lambda name: (name != "text", name)))
        for direction, names in found.items()
    }
