"""A person's webhooks: adding one (its secret shown once), listing, enabling, removing.

An address is checked when it is added for what can be told without the
network (scheme, host, a literal address that is not public); the address a
name resolves to is checked again at every send (`webhook_delivery`), since
DNS may answer differently by then.
"""

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import Webhook, WebhookDelivery
from app.services.publishing.webhook_addresses import AddressRefusedError, refusal_for_literal_host

MAX_WEBHOOKS_PER_USER = 5
MAX_URL_LENGTH = 500
LOG_LENGTH = 20
SECRET_BYTES = 24


class WebhookError(Exception):
    """Refused input or action; the message says why, for the form."""


class WebhookNotFoundError(WebhookError):
    """No such webhook of this person (someone else's is not found either)."""


@dataclass(frozen=True, slots=True)
class WebhookView:
    """A webhook and the latest entries of its delivery log, for its owner's page."""

    webhook: Webhook
    log: list[WebhookDelivery]


def clean_url(url: str, *, allow_loopback: bool) -> str:
    """The address to post to, or `WebhookError` saying what is wrong with it.

    HTTPS only; plain http only where loopback is allowed (a local test
    receiver). No credentials in the address, no fragment.
    """
    url = url.strip()
    if not url:
        raise WebhookError("Enter the address to post events to.")
    if len(url) > MAX_URL_LENGTH:
        raise WebhookError(f"The address is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise WebhookError(f"That is not a web address: {error}.") from error
    schemes = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme not in schemes:
        raise WebhookError("The address must start with https://.")
    if not parts.hostname:
        raise WebhookError("The address names no host.")
    if parts.username or parts.password:
        raise WebhookError("Leave user names and passwords out of the address.")
    if parts.fragment:
        raise WebhookError("Leave the #fragment out of the address.")
    if port == 0:
        raise WebhookError("Port 0 cannot be posted to.")
    try:
        refusal_for_literal_host(parts.hostname, allow_loopback=allow_loopback)
    except AddressRefusedError as refused:
        raise WebhookError(str(refused)) from refused
    return url


def add_webhook(*, session: Session, user_id: int, url: str, allow_loopback: bool) -> Webhook:
    """A new enabled webhook with a new secret (the caller shows the secret once)."""
    cleaned = clean_url(url, allow_loopback=allow_loopback)
    count = session.scalar(
        select(func.count()).select_from(Webhook).where(Webhook.user_id == user_id)
    )
    if (count or 0) >= MAX_WEBHOOKS_PER_USER:
        raise WebhookError(f"You can have up to {MAX_WEBHOOKS_PER_USER} webhooks.")
    webhook = Webhook(
        user_id=user_id,
        url=cleaned,
        secret=f"whsec_{secrets.token_urlsafe(SECRET_BYTES)}",
        enabled=True,
        consecutive_failures=0,
    )
    session.add(webhook)
    session.flush()
    return webhook


def owned_webhook(*, session: Session, user_id: int, webhook_id: int) -> Webhook:
    """The person's webhook with this id, or `WebhookNotFoundError`."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.user_id != user_id:
        raise WebhookNotFoundError("There is no such webhook.")
    return webhook


def remove_webhook(*, session: Session, user_id: int, webhook_id: int) -> None:
    """Delete the webhook and its delivery log."""
    session.delete(owned_webhook(session=session, user_id=user_id, webhook_id=webhook_id))
    session.flush()


def enable_webhook(*, session: Session, user_id: int, webhook_id: int) -> None:
    """Enable a disabled webhook again, its failure count back at zero.

    Deliveries that were waiting when it was disabled are sent again from now on.
    """
    webhook = owned_webhook(session=session, user_id=user_id, webhook_id=webhook_id)
    webhook.enabled = True
    webhook.consecutive_failures = 0
    webhook.disabled_reason = None
    session.flush()


def webhooks_of(*, session: Session, user_id: int) -> list[WebhookView]:
    """The person's webhooks, oldest first, each with its latest deliveries."""
    webhooks = session.scalars(
        select(Webhook).where(Webhook.user_id == user_id).order_by(Webhook.id)
    ).all()
    return [
        WebhookView(
            webhook=webhook,
            log=list(
                session.scalars(
                    select(WebhookDelivery)
                    .options(selectinload(WebhookDelivery.event))
                    .where(WebhookDelivery.webhook_id == webhook.id)
                    .order_by(WebhookDelivery.id.desc())
                    .limit(LOG_LENGTH)
                )
            ),
        )
        for webhook in webhooks
    ]
