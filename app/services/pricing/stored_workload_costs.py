"""A model's cheapest offer for a workload, as the rollup refresh stores it and pages read it.

The model page's comparable models are the cheapest for its workload among
some two dozen candidates (`calculator.comparable_models`). Working out each
candidate's cheapest offer means loading its every endpoint and price and
pricing the workload on each: most of a page rendered without the memos. For
the default workload, the one a page shows before anyone chooses, the rollup
refresh stores that result in `Model.workload_costs`, refreshed with the
headline prices by every write path that changes offers or prices.

What is stored says what it was worked out from besides the offers: the
model's slug (its lab, which decides the headline price and so which offers
are regular) and its stated reasoning (whether the reasoning tokens are
billed), and the workload itself. A reader whose model or workload differs
finds nothing stored (`NOT_STORED`) and works the figure out as before, so a
stored figure is only ever used for exactly what it was computed for.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from app.services.pricing.workload_cost import Workload


@dataclass(frozen=True)
class CheapestOffer:
    """A workload's monthly cost at a model's cheapest offer, and that offer's label."""

    per_month: Decimal
    label: str


class _Missing(Enum):
    NOT_STORED = "not stored"


NOT_STORED = _Missing.NOT_STORED
# What a model's stored costs hold: the cheapest offer, None (no offer to compare:
# none priced, or the cheapest is free), or NOT_STORED (work it out).
Stored = CheapestOffer | None | Literal[_Missing.NOT_STORED]


def workload_costs_value(
    *, slug: str, reasoning: bool | None, cheapest: Mapping[Workload, CheapestOffer | None]
) -> dict[str, Any]:
    """The JSON stored in `Model.workload_costs` for these results of a model's offers."""
    return {
        "model": _model_key(slug, reasoning),
        "costs": {
            workload_key(workload): None if offer is None else [str(offer.per_month), offer.label]
            for workload, offer in cheapest.items()
        },
    }


def stored_cheapest(
    stored: Mapping[str, Any] | None, *, slug: str, reasoning: bool | None, key: str
) -> Stored:
    """What `stored` (a model's `workload_costs`) says of the workload whose `workload_key`
    is `key`, for the model as it is now.

    The key, not the workload: a reader looks up one workload in some two dozen
    models' costs, and writing the key out once is cheaper than once per model.
    """
    if not stored or stored.get("model") != _model_key(slug, reasoning):
        return NOT_STORED
    costs = stored.get("costs") or {}
    if key not in costs:
        return NOT_STORED
    found = costs[key]
    if found is None:
        return None
    per_month, label = found
    return CheapestOffer(per_month=Decimal(per_month), label=label)


def _model_key(slug: str, reasoning: bool | None) -> str:
    return f"{slug}|{reasoning}"


def workload_key(workload: Workload) -> str:
    """Every field of the workload: equal keys, equal workloads."""
    return repr(workload)
