"""Change events of watched models: what an import or refresh changed, one event per change.

Why a before/after comparison rather than a hook in every writer: prices,
offers, retirements, dates and statuses are written by three imports through
several paths (dated history, observed changes, corrections, fills,
retirements, revivals), and an event must mean "what a reader sees changed",
once. So each run takes the watched models' state before it writes
(`watched_state`) and compares it with the state after (`record_changes`),
in the same transaction: an unchanged re-import finds nothing to record,
whatever rows it touched.

Only watched models are read: nobody else is told, and a first import of
thousands of offers costs one query. The state of a model is what its page
shows as current: its status, its deprecation date, and per offer on sale
(provider and variant) the prices in force of each tier.

`record_changes` also queues one delivery per event for every enabled
webhook of every watcher; `services.publishing.webhook_delivery` sends them later,
never inside a web request.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import ChangeEvent, Endpoint, Model, Price, Provider, Watch, Webhook
from app.models.catalog import ENDPOINT_RETIRED
from app.models.watches import WebhookDelivery

# The columns of a price a change of which a watcher is told about.
WATCHED_PRICE_COLUMNS = (
    "input",
    "output",
    "cache_read",
    "cache_write",
    "reasoning",
    "per_request",
    "per_image",
)
# IN lists are sent in chunks well under SQLite's bound-parameter limit.
_CHUNK = 500

PriceFigures = tuple[Decimal | None, ...]


@dataclass(frozen=True)
class OfferState:
    """One offer as a page shows it: who serves it, and its current price per tier."""

    provider_slug: str
    provider_name: str
    variant: str
    on_sale: bool
    prices: Mapping[str, PriceFigures]


@dataclass(frozen=True)
class ModelState:
    """A watched model's status, deprecation date and offers by (provider id, variant)."""

    status: str
    deprecates_at: date | None
    offers: Mapping[tuple[int, str], OfferState]


WatchedState = Mapping[int, ModelState]


def watched_state(session: Session) -> WatchedState:
    """The current state of every watched model (empty, after one query, when none is)."""
    model_ids = sorted(set(session.scalars(select(Watch.model_id))))
    state: dict[int, ModelState] = {}
    for start in range(0, len(model_ids), _CHUNK):
        state.update(_state_of(session, model_ids[start : start + _CHUNK]))
    return state


def _state_of(session: Session, model_ids: list[int]) -> dict[int, ModelState]:
    offers: dict[int, dict[tuple[int, str], OfferState]] = {i: {} for i in model_ids}
    endpoint_rows = session.execute(
        select(
            Endpoint.id,
            Endpoint.model_id,
            Endpoint.provider_id,
            Endpoint.variant,
            Endpoint.status,
            Provider.slug,
            Provider.name,
        )
        .join(Provider, Provider.id == Endpoint.provider_id)
        .where(Endpoint.model_id.in_(model_ids))
    ).all()
    prices: dict[int, dict[str, PriceFigures]] = {row.id: {} for row in endpoint_rows}
    endpoint_ids = sorted(prices)
    for start in range(0, len(endpoint_ids), _CHUNK):
        rows = session.execute(
            select(
                Price.endpoint_id,
                Price.service_tier,
                *(getattr(Price, column) for column in WATCHED_PRICE_COLUMNS),
            ).where(
                Price.endpoint_id.in_(endpoint_ids[start : start + _CHUNK]),
                Price.effective_to.is_(None),
            )
        )
        for row in rows:
            prices[row[0]][row[1]] = tuple(row[2:])
    for row in endpoint_rows:
        offers[row.model_id][(row.provider_id, row.variant)] = OfferState(
            provider_slug=row.slug,
            provider_name=row.name,
            variant=row.variant,
            on_sale=row.status != ENDPOINT_RETIRED,
            prices=prices[row.id],
        )
    models = session.execute(
        select(Model.id, Model.status, Model.deprecates_at).where(Model.id.in_(model_ids))
    )
    return {
        row.id: ModelState(
            status=row.status, deprecates_at=row.deprecates_at, offers=offers[row.id]
        )
        for row in models
    }


@dataclass(frozen=True)
class Change:
    """One change found between two states, before it is stored."""

    model_id: int
    kind: str
    details: dict[str, Any]


def changes_between(before: WatchedState, after: WatchedState) -> list[Change]:
    """Every change from `before` to `after` of the models present in both (pure)."""
    found: list[Change] = []
    for model_id, old in before.items():
        new = after.get(model_id)
        if new is None:
            continue
        if new.status != old.status:
            found.append(
                Change(model_id, "status_changed", {"before": old.status, "after": new.status})
            )
        if new.deprecates_at is not None and new.deprecates_at != old.deprecates_at:
            found.append(
                Change(
                    model_id,
                    "deprecation_set",
                    {
                        "before": _iso(old.deprecates_at),
                        "deprecates_at": new.deprecates_at.isoformat(),
                    },
                )
            )
        found.extend(_offer_changes(model_id, old.offers, new.offers))
    return found


def _offer_changes(
    model_id: int,
    old: Mapping[tuple[int, str], OfferState],
    new: Mapping[tuple[int, str], OfferState],
) -> Iterable[Change]:
    for key in sorted(set(old) | set(new)):
        was, now = old.get(key), new.get(key)
        was_on_sale = was is not None and was.on_sale
        if now is not None and now.on_sale and not was_on_sale:
            yield Change(
                model_id,
                "offer_added",
                {**_offer(now), "prices": {t: _figures(p) for t, p in sorted(now.prices.items())}},
            )
        elif was is not None and was_on_sale and (now is None or not now.on_sale):
            yield Change(model_id, "offer_removed", _offer(was))
        elif was is not None and now is not None and now.on_sale:
            for tier in sorted(set(was.prices) | set(now.prices)):
                before, after = was.prices.get(tier), now.prices.get(tier)
                if before != after:
                    yield Change(
                        model_id,
                        "price_changed",
                        {
                            **_offer(now),
                            "tier": tier,
                            "before": _figures(before),
                            "after": _figures(after),
                        },
                    )


def _offer(offer: OfferState) -> dict[str, Any]:
    return {
        "provider": offer.provider_slug,
        "provider_name": offer.provider_name,
        "variant": offer.variant,
    }


def _figures(figures: PriceFigures | None) -> dict[str, str | None] | None:
    """Prices as decimal strings per 1M tokens (JSON has no decimals; floats would round)."""
    if figures is None:
        return None
    return {
        column: None if value is None else str(value)
        for column, value in zip(WATCHED_PRICE_COLUMNS, figures, strict=True)
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def record_changes(
    *, session: Session, before: WatchedState, source: str, at: datetime | None = None
) -> list[ChangeEvent]:
    """Store the changes since `before` as events and queue them for the watchers' webhooks.

    Flushes, never commits: the events are written with the import that made them.
    """
    if not before:
        return []
    changes = changes_between(before, watched_state(session))
    if not changes:
        return []
    at = at or utcnow()
    events = [
        ChangeEvent(
            model_id=change.model_id,
            kind=change.kind,
            source=source,
            occurred_at=at,
            details=change.details,
        )
        for change in changes
    ]
    session.add_all(events)
    session.flush()
    _queue_deliveries(session, events, at)
    return events


def _queue_deliveries(session: Session, events: list[ChangeEvent], at: datetime) -> None:
    """One pending delivery per event and enabled webhook of each of its model's watchers."""
    model_ids = sorted({event.model_id for event in events})
    hooks: dict[int, list[int]] = {}
    rows = session.execute(
        select(Watch.model_id, Webhook.id)
        .join(Webhook, Webhook.user_id == Watch.user_id)
        .where(Watch.model_id.in_(model_ids), Webhook.enabled.is_(True))
    )
    for model_id, webhook_id in rows:
        hooks.setdefault(model_id, []).append(webhook_id)
    session.add_all(
        WebhookDelivery(
            webhook_id=webhook_id, event_id=event.id, state="pending", next_attempt_at=at
        )
        for event in events
        for webhook_id in hooks.get(event.model_id, ())
    )
    session.flush()
