"""Keeps `model_workload_costs` (see `services.pricing.stored_workload_costs`) current.

Run by `services.metrics.rollups.refresh_rollups`, so by every write path that
changes a model's offers or prices.
"""

from collections.abc import Sequence

from sqlalchemy import Select, delete, insert, select, tuple_
from sqlalchemy.orm import Session

from app.models import Model, ModelWorkloadCost
from app.services.pricing.calculator import Subject, best_offer, load_subjects
from app.services.pricing.headline_price import is_free
from app.services.pricing.stored_workload_costs import (
    CheapestOffer,
    stored_per_month,
    stored_workload_keys,
    stored_workloads,
    workload_key,
)
from app.services.pricing.workload_cost import Workload

# Models whose offers are loaded per statement (bound parameters of one IN list).
MODELS_PER_STATEMENT = 500

_Stored = dict[tuple[int, str], CheapestOffer]


def refresh_workload_costs(*, session: Session, ids: Sequence[int] | None) -> None:
    """Store the stored workloads' cheapest offers of the models in `ids` (None: every model).

    By `MODELS_PER_STATEMENT` models: one read of their stored rows, one
    `load_subjects`, then the rows that changed deleted and written again. An
    import that changes a few prices rewrites a few rows, not thousands, and
    memory holds one batch's figures however many models are refreshed.
    """
    model_ids = session.scalars(_ids_query(ids)).all()
    for start in range(0, len(model_ids), MODELS_PER_STATEMENT):
        _refresh_batch(session, model_ids[start : start + MODELS_PER_STATEMENT])


def _refresh_batch(session: Session, ids: Sequence[int]) -> None:
    stored = _stored_rows(session, ids)
    keyed = [(workload_key(workload), workload) for workload in stored_workloads()]
    worked_out: _Stored = {}
    for subject in load_subjects(session=session, ids=ids).values():
        for key, workload in keyed:
            offer = cheapest_offer(subject, workload)
            if offer is not None:
                worked_out[subject.id, key] = offer
    stale = [key for key, offer in stored.items() if worked_out.get(key) != offer]
    new = [key for key, offer in worked_out.items() if stored.get(key) != offer]
    if stale:
        session.execute(
            delete(ModelWorkloadCost).where(
                tuple_(ModelWorkloadCost.model_id, ModelWorkloadCost.workload_key).in_(stale)
            )
        )
    if new:
        session.execute(
            insert(ModelWorkloadCost),
            [
                {
                    "model_id": model_id,
                    "workload_key": key,
                    "per_month": worked_out[model_id, key].per_month,
                    "offer_label": worked_out[model_id, key].label,
                }
                for model_id, key in new
            ],
        )


def store_if_missing(*, session: Session) -> bool:
    """Work out every model's stored costs when there are models but some stored workload
    has no cost stored at all; True when it did.

    So a database migrated to 0018, or one whose bundled presets changed, has
    its comparable models ranked by the database from its next start, not from
    the next import. Reading which workloads have costs walks the ranking
    index: some milliseconds, once a start.
    """
    present = set(session.scalars(select(ModelWorkloadCost.workload_key).distinct()))
    if stored_workload_keys() <= present:
        return False
    if session.scalar(select(Model.id).limit(1)) is None:
        return False
    refresh_workload_costs(session=session, ids=None)
    return True


def cheapest_offer(subject: Subject, workload: Workload) -> CheapestOffer | None:
    """What the comparable models list for `subject` (fitting aside): its best offer, unless
    it has none or the best is free; its cost as the store keeps it."""
    best = best_offer(subject, workload)
    if best is None or best.per_month is None or is_free(best.offer):
        return None
    return CheapestOffer(per_month=stored_per_month(best.per_month), label=best.offer.label)


def _stored_rows(session: Session, ids: Sequence[int]) -> _Stored:
    statement = select(
        ModelWorkloadCost.model_id,
        ModelWorkloadCost.workload_key,
        ModelWorkloadCost.per_month,
        ModelWorkloadCost.offer_label,
    ).where(ModelWorkloadCost.model_id.in_(ids))
    return {
        (model_id, key): CheapestOffer(per_month=per_month, label=label)
        for model_id, key, per_month, label in session.execute(statement)
    }


def _ids_query(ids: Sequence[int] | None) -> Select:
    statement = select(Model.id).order_by(Model.id)
    return statement if ids is None else statement.where(Model.id.in_(ids))
