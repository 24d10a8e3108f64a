"""Old and alternative model slugs, and merging two models into one.

When the resolver decides that two stored models are one (an alias entry
added, a rule improved), `merge_models` moves everything of the old model to
the canonical one and records the old slug in `model_redirects`, so every
address, API id and calculator link given out keeps working: the model page
answers 301, the API and the calculator read the old id as the canonical one.

Community data moves with the model. Comments all move; a person who rated
both models keeps one rating (one per person still holds), the newest. A
watch moves too (someone watching both keeps one), with the change events,
so a merge never silently ends a watch.
"""

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.models import (
    BenchmarkScore,
    ChangeEvent,
    Comment,
    Endpoint,
    ExternalId,
    Model,
    ModelModality,
    ModelRedirect,
    PopularitySignal,
    Rating,
    Watch,
)
from app.services.metrics.rollups import refresh_rollups

MERGE_REASON = "merged into this model"


def redirect_target(*, session: Session, slug: str) -> str | None:
    """The canonical slug an old or alternative slug answers with, or None."""
    return session.scalar(
        select(Model.slug)
        .join(ModelRedirect, ModelRedirect.model_id == Model.id)
        .where(ModelRedirect.old_slug == slug)
    )


def canonical_slugs(*, session: Session, slugs: Sequence[str]) -> list[str]:
    """`slugs` with each old slug replaced by its model's, repeats removed, in one query."""
    if not slugs:
        return []
    found = dict(
        session.execute(
            select(ModelRedirect.old_slug, Model.slug)
            .join(Model, Model.id == ModelRedirect.model_id)
            .where(ModelRedirect.old_slug.in_(list(slugs)))
        ).all()
    )
    return list(dict.fromkeys(found.get(slug, slug) for slug in slugs))


def merge_models(*, session: Session, old: Model, canonical: Model) -> None:
    """Fold `old` into `canonical` (see the module docstring); `old` is deleted. Flushes."""
    session.flush()
    old_id, new_id = old.id, canonical.id
    _move_endpoints(session, old_id, new_id)
    _move_ratings(session, old_id, new_id)
    _move_unique(session, ModelModality, old_id, new_id, ("direction", "modality"))
    _move_unique(session, BenchmarkScore, old_id, new_id, ("benchmark", "source"))
    _move_unique(session, PopularitySignal, old_id, new_id, ("source",))
    _move_unique(session, Watch, old_id, new_id, ("user_id",))
    for table in (Comment, ExternalId, ModelRedirect, ChangeEvent):
        session.execute(
            update(table)
            .where(table.model_id == old_id)
            .values(model_id=new_id)
            .execution_options(synchronize_session=False)
        )
    session.add(ModelRedirect(old_slug=old.slug, model_id=new_id, reason=MERGE_REASON))
    session.flush()
    session.expire_all()
    session.execute(delete(Model).where(Model.id == old_id))
    refresh_rollups(session=session, model_ids=[new_id])


def _move_endpoints(session: Session, old_id: int, new_id: int) -> None:
    """Move offers; one the canonical model already has at that provider and variant is dropped."""
    taken = set(
        session.execute(
            select(Endpoint.provider_id, Endpoint.variant).where(Endpoint.model_id == new_id)
        ).all()
    )
    for endpoint in session.scalars(select(Endpoint).where(Endpoint.model_id == old_id)):
        if (endpoint.provider_id, endpoint.variant) in taken:
            session.delete(endpoint)
        else:
            endpoint.model_id = new_id
    session.flush()


def _move_ratings(session: Session, old_id: int, new_id: int) -> None:
    """Move ratings; a person who rated both keeps the newer one."""
    kept = {r.user_id: r for r in session.scalars(select(Rating).where(Rating.model_id == new_id))}
    for rating in session.scalars(select(Rating).where(Rating.model_id == old_id)):
        other = kept.get(rating.user_id)
        if other is None:
            rating.model_id = new_id
        elif rating.updated_at > other.updated_at:
            other.stars, other.updated_at = rating.stars, rating.updated_at
            session.delete(rating)
        else:
            session.delete(rating)
    session.flush()


_UniquePerModel = TypeVar("_UniquePerModel", ModelModality, BenchmarkScore, PopularitySignal, Watch)


def _move_unique(
    session: Session,
    table: type[_UniquePerModel],
    old_id: int,
    new_id: int,
    columns: tuple[str, ...],
) -> None:
    """Move rows of a table unique per model on `columns`; the canonical model's win."""
    have = {
        tuple(getattr(row, c) for c in columns)
        for row in session.scalars(select(table).where(table.model_id == new_id))
    }
    for row in session.scalars(select(table).where(table.model_id == old_id)):
        if tuple(getattr(row, c) for c in columns) in have:
            session.delete(row)
        else:
            row.model_id = new_id
    session.flush()
