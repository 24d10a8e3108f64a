"""Keeps `Model.workload_costs` (see `services.pricing.stored_workload_costs`) current.

Run by `services.metrics.rollups.refresh_rollups`, so by every write path that
changes a model's offers or prices. The workloads are the bundled default
preset's, as a page whose model may reason asks for it and as one whose model
does not; a deployment with presets of its own finds them not stored and
works its figures out on each page (as without this store).
"""

from collections.abc import Iterator, Sequence
from functools import cache

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from app.models import Model
from app.services.pricing.calculator import Subject, best_offer, load_subjects
from app.services.pricing.headline_price import is_free
from app.services.pricing.stored_workload_costs import CheapestOffer, workload_costs_value
from app.services.pricing.workload import Limits, load_presets, read_workload
from app.services.pricing.workload_cost import Workload

# Models whose offers are loaded per statement (bound parameters of one IN list).
MODELS_PER_STATEMENT = 500


def refresh_workload_costs(*, session: Session, ids: Sequence[int] | None) -> None:
    """Store the default workloads' cheapest offers of the models in `ids` (None: every model).

    One read of the stored values, one `load_subjects` per `MODELS_PER_STATEMENT`
    models, and one update of the models whose value changed.
    """
    stored = session.execute(_stored_query(ids)).all()
    workloads = default_workloads()
    changed = []
    for start in range(0, len(stored), MODELS_PER_STATEMENT):
        rows = stored[start : start + MODELS_PER_STATEMENT]
        subjects = load_subjects(session=session, ids=[row.id for row in rows])
        for row in rows:
            subject = subjects[row.slug]
            value = workload_costs_value(
                slug=row.slug,
                reasoning=row.reasoning,
                cheapest={workload: cheapest_offer(subject, workload) for workload in workloads},
            )
            if value != row.workload_costs:
                changed.append({"id": row.id, "workload_costs": value})
    if changed:
        session.execute(update(Model), changed)


def cheapest_offer(subject: Subject, workload: Workload) -> CheapestOffer | None:
    """What the comparable models list for `subject` (fitting aside): its best offer, unless
    it has none or the best is free."""
    best = best_offer(subject, workload)
    if best is None or best.per_month is None or is_free(best.offer):
        return None
    return CheapestOffer(per_month=best.per_month, label=best.offer.label)


@cache
def default_workloads() -> tuple[Workload, ...]:
    """The bundled default preset's workload, with and without its reasoning tokens."""
    workload = read_workload({}, presets=load_presets(), limits=Limits()).workload
    return () if workload is None else tuple(dict.fromkeys(_variants(workload)))


def _variants(workload: Workload) -> Iterator[Workload]:
    yield workload
    yield workload.without_reasoning()


def _stored_query(ids: Sequence[int] | None) -> Select:
    statement = select(Model.id, Model.slug, Model.reasoning, Model.workload_costs).order_by(
        Model.id
    )
    return statement if ids is None else statement.where(Model.id.in_(ids))
