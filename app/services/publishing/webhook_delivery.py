"""Sending queued change events to webhooks: signed, retried with backoff, logged.

Runs from `modelatlas deliver` and at the end of an import or refresh, never
inside a web request: a slow or hostile receiver then holds up a job, not a
visitor. One run sends each delivery that is due at most once, under a job
lease so that two processes never send the same delivery at once; the
network is never waited on inside a database transaction.

What a receiver gets (documented in the README's API section): a POST of
the event as JSON, with

    X-ModelAtlas-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256(secret, "<t>.<body>")>
    X-ModelAtlas-Event: <kind>
    X-ModelAtlas-Delivery: <delivery id>

Any 2xx answer is a delivery. Anything else (another status, a timeout, a
refused address) is a failed attempt: the next one waits
`webhook_retry_base_seconds * 2**(attempts - 1)`, and after
`webhook_max_attempts` the delivery is given up. Every failure counts against
the webhook; `webhook_disable_after_failures` in a row disable it, with the
reason its owner sees. A success resets the count. Redirects are not
followed (a redirect could point anywhere, past the address check).
"""

import hashlib
import hmac
import ipaddress
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import session_scope, utcnow
from app.models import ChangeEvent, Model, Webhook, WebhookDelivery
from app.services.ingest.job_lease import acquire_lease, new_holder, release_lease
from app.services.publishing.webhook_addresses import (
    AddressRefusedError,
    Resolver,
    resolve_public,
    system_resolver,
)

logger = logging.getLogger("app.webhooks")

LEASE_NAME = "webhook-deliveries"
BATCH = 100
SIGNATURE_HEADER = "X-ModelAtlas-Signature"
USER_AGENT = "ModelAtlas-Webhooks/1"
ERROR_LENGTH = 500


def event_body(event: ChangeEvent, model: Model) -> bytes:
    """The JSON a receiver gets for one event (compact, keys sorted)."""
    document: dict[str, Any] = {
        "id": event.id,
        "type": event.kind,
        "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "source": event.source,
        "model": {"slug": model.slug, "name": model.name},
        "details": event.details,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: `t=<timestamp>,sha256=<hex>` over `"<t>." + body`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},sha256={mac.hexdigest()}"


@dataclass(frozen=True)
class Outcome:
    """One attempt's result: the status answered, or why there was none."""

    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def send(
    *,
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: dict[str, str],
    allow_loopback: bool,
    resolver: Resolver = system_resolver,
) -> Outcome:
    """POST `body` to `url` at an address checked now, never following redirects."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" and not (parts.scheme == "http" and allow_loopback):
        return Outcome(None, "Refused: only https:// addresses are posted to.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve_public(host, port, allow_loopback=allow_loopback, resolver=resolver)
    except AddressRefusedError as refused:
        return Outcome(None, str(refused))
    shown = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    pinned = urlunsplit((parts.scheme, f"{shown}:{port}", parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    try:
        response = client.post(
            pinned,
            content=body,
            headers={**headers, "Host": host_header},
            extensions=extensions,
        )
    except httpx.HTTPError as error:
        return Outcome(None, f"{type(error).__name__}: {error}"[:ERROR_LENGTH])
    if 200 <= response.status_code < 300:
        return Outcome(response.status_code, None)
    return Outcome(response.status_code, f"answered HTTP {response.status_code}")


@dataclass
class DeliveryReport:
    """What one run did."""

    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    disabled: list[int] = field(default_factory=list)
    skipped_locked: bool = False

    def summary(self) -> str:
        if self.skipped_locked:
            return "Another process is delivering webhooks; nothing sent."
        if not self.attempted:
            return "No webhook deliveries due."
        line = (
            f"Webhooks: {self.attempted} attempts, {self.delivered} delivered, {self.failed} failed"
        )
        if self.given_up:
            line += f", {self.given_up} given up"
        if self.disabled:
            line += f", {len(self.disabled)} webhooks disabled"
        return f"{line}."


@dataclass(frozen=True)
class _Due:
    """A delivery to attempt, read before any request is sent."""

    delivery_id: int
    webhook_id: int
    url: str
    secret: str
    kind: str
    body: bytes


def deliver_due(
    *,
    session_factory: sessionmaker[Session],
    settings: Settings,
    clock: Callable[[], datetime] = utcnow,
    resolver: Resolver = system_resolver,
    transport: httpx.BaseTransport | None = None,
) -> DeliveryReport:
    """Attempt every delivery due now, once each (see the module docstring)."""
    report = DeliveryReport()
    holder = new_holder()
    started = clock()
    ttl = timedelta(seconds=BATCH * settings.webhook_timeout_seconds + 60)
    with session_scope(session_factory) as session:
        if not acquire_lease(session=session, name=LEASE_NAME, holder=holder, now=started, ttl=ttl):
            report.skipped_locked = True
            return report
    try:
        with session_scope(session_factory) as session:
            due = _due(session, started)
        with httpx.Client(
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
            trust_env=False,
            transport=transport,
        ) as client:
            disabled: set[int] = set()
            for item in due:
                if item.webhook_id in disabled:
                    continue
                now = clock()
                headers = {
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "X-ModelAtlas-Event": item.kind,
                    "X-ModelAtlas-Delivery": str(item.delivery_id),
                    SIGNATURE_HEADER: signature(item.secret, int(now.timestamp()), item.body),
                }
                outcome = send(
                    client=client,
                    url=item.url,
                    body=item.body,
                    headers=headers,
                    allow_loopback=settings.webhooks_allow_loopback,
                    resolver=resolver,
                )
                with session_scope(session_factory) as session:
                    if _record(session, item, outcome, now, settings, report):
                        disabled.add(item.webhook_id)
    finally:
        with session_scope(session_factory) as session:
            release_lease(session=session, name=LEASE_NAME, holder=holder)
    return report


def _due(session: Session, now: datetime) -> list[_Due]:
    rows = session.execute(
        select(WebhookDelivery.id, Webhook.id, Webhook.url, Webhook.secret, ChangeEvent, Model)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .join(ChangeEvent, ChangeEvent.id == WebhookDelivery.event_id)
        .join(Model, Model.id == ChangeEvent.model_id)
        .where(
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
            Webhook.enabled.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(BATCH)
    )
    return [
        _Due(delivery_id, webhook_id, url, secret, event.kind, event_body(event, model))
        for delivery_id, webhook_id, url, secret, event, model in rows
    ]


def _record(
    session: Session,
    item: _Due,
    outcome: Outcome,
    now: datetime,
    settings: Settings,
    report: DeliveryReport,
) -> bool:
    """Write one attempt's outcome; True when it disabled the webhook."""
    delivery = session.get(WebhookDelivery, item.delivery_id)
    webhook = session.get(Webhook, item.webhook_id)
    if delivery is None or webhook is None:
        return False
    report.attempted += 1
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.status_code = outcome.status_code
    delivery.error = outcome.error
    if outcome.delivered:
        report.delivered += 1
        delivery.state = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        webhook.consecutive_failures = 0
        return False
    report.failed += 1
    logger.info("webhook %s delivery %s failed: %s", webhook.id, delivery.id, outcome.error)
    if delivery.attempts >= settings.webhook_max_attempts:
        report.given_up += 1
        delivery.state = "failed"
        delivery.next_attempt_at = None
    else:
        wait = settings.webhook_retry_base_seconds * 2 ** (delivery.attempts - 1)
        delivery.next_attempt_at = now + timedelta(seconds=wait)
    webhook.consecutive_failures += 1
    if webhook.enabled and webhook.consecutive_failures >= settings.webhook_disable_after_failures:
        webhook.enabled = False
        webhook.disabled_reason = (
            f"Disabled on {now:%Y-%m-%d %H:%M} UTC after {webhook.consecutive_failures} "
            f"failed deliveries in a row; the last: {outcome.error}"
        )
        report.disabled.append(webhook.id)
        return True
    return False


def deliver_after_job(session_factory: sessionmaker[Session], settings: Settings) -> None:
    """Send what an import or refresh queued; a failure here is logged, never raised."""
    try:
        report = deliver_due(session_factory=session_factory, settings=settings)
    except Exception:
        logger.exception("webhook deliveries after the job failed")
        return
    if report.attempted:
        logger.info("%s", report.summary())
