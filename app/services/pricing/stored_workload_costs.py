"""A model's cheapest offer for a workload, as the rollup refresh stores it and pages rank it.

The model page's comparable models are the models cheapest for its workload.
Working out each candidate's cheapest offer means loading its every endpoint
and price and pricing the workload on each: most of a page rendered without
the memos, for some two dozen candidates a coarse ranking by rollup prices
picked. For the stored workloads, the bundled presets' with and without
reasoning tokens (the default one a page shows before anyone chooses, and
those its preset links open), the rollup refresh keeps each model's result
in `model_workload_costs`, refreshed with the headline prices by every write
path that changes a model's offers, prices, slug or stated reasoning; the
database then ranks the candidates by what the workload costs there,
exactly, from an index.

Only comparable results are stored: a model with no priced offer, or whose
cheapest is free, has no row for the workload.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from app.db import without_trailing_zeros
from app.services.pricing.workload import Limits, load_presets, read_workload
from app.services.pricing.workload_cost import Workload

# The places `model_workload_costs.per_month` keeps (`app.db.Money`): a figure worked out
# from the offers is rounded to them too, so both ways give the same comparable models.
STORED_PLACES = Decimal("1e-9")


@dataclass(frozen=True)
class CheapestOffer:
    """A workload's monthly cost at a model's cheapest offer, and that offer's label."""

    per_month: Decimal
    label: str


def stored_per_month(per_month: Decimal) -> Decimal:
    """`per_month` as the store gives it back: to `STORED_PLACES`, without trailing zeros."""
    return without_trailing_zeros(per_month.quantize(STORED_PLACES))


@cache
def stored_workloads() -> tuple[Workload, ...]:
    """Every bundled preset's workload, with and without its reasoning tokens: the default
    one a page shows before anyone chooses, and the ones its preset links open.

    A deployment with presets of its own finds its workloads not stored, and its
    pages work the comparable models out from the offers.
    """
    presets = load_presets()
    workloads = (
        read_workload({"preset": preset.slug}, presets=presets, limits=Limits()).workload
        for preset in presets.items
    )
    return tuple(
        dict.fromkeys(
            variant
            for workload in workloads
            if workload is not None
            for variant in (workload, workload.without_reasoning())
        )
    )


@cache
def stored_workload_keys() -> frozenset[str]:
    return frozenset(workload_key(workload) for workload in stored_workloads())


def workload_key(workload: Workload) -> str:
    """Every field of the workload: equal keys, equal workloads."""
    return repr(workload)
