"""Taking back an alias an earlier release applied: its ids leave the model it merged them into.

An `[[alias]]` entry puts an id's offers on another model's page. When an entry proves
wrong (DeepSeek's `deepseek-reasoner` moved off R1-0528 to newer models), removing it
fixes a new catalog only: an installed one finds the model by the ids it linked and by
the redirect the alias made, so the imports would keep the offers where they were, and
the genai-prices import would put the offer it reads again on a `-2` model of its own.

Each `[[withdrawn]]` entry of the alias table undoes that before an import. On the model
the id was merged into, the id's links at the sources and its redirect are removed, and
its endpoints are retired (kept for history: they did sell that model then). The imports
then place the offers as in a new catalog, on the model of their own id, and the facts
they stated leave the model they were merged into with them.
"""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import Endpoint, ExternalId, Model, ModelRedirect, Provider
from app.models.catalog import ENDPOINT_RETIRED
from app.services.catalog.model_keys import merge_key, model_slug, parse_model_ref
from app.services.catalog.model_resolver import WithdrawnAlias, alias_table


def release_withdrawn_aliases(*, session: Session, now: datetime) -> int:
    """Release every withdrawn alias's ids from the model they were merged into.

    Returns how many of the ids' links at the sources were removed (0 once done, and on
    a catalog that never merged them). Flushes, never commits.
    """
    released = 0
    for entry in alias_table().withdrawn:
        model = session.scalar(
            select(Model).where(Model.slug == model_slug(entry.author, entry.was))
        )
        if model is not None:
            released += _release(session, model, entry, now)
    session.flush()
    return released


def _release(session: Session, model: Model, entry: WithdrawnAlias, now: datetime) -> int:
    """Unlink the alias's ids from `model`, drop its redirect, retire its endpoints."""
    key = merge_key(entry.id).full
    links = [
        link
        for link in session.scalars(select(ExternalId).where(ExternalId.model_id == model.id))
        if _names(link.source.rpartition(":")[2], link.external_id, key)
    ]
    for link in links:
        session.delete(link)
    endpoints = session.execute(
        select(Endpoint, Provider.slug)
        .join(Provider, Provider.id == Endpoint.provider_id)
        .where(Endpoint.model_id == model.id, Endpoint.status != ENDPOINT_RETIRED)
    ).all()
    for endpoint, provider_slug in endpoints:
        if _names(provider_slug, endpoint.provider_model_id, key):
            endpoint.status = ENDPOINT_RETIRED
            endpoint.retired_at = now
    session.execute(
        delete(ModelRedirect).where(
            ModelRedirect.old_slug == model_slug(entry.author, entry.id),
            ModelRedirect.model_id == model.id,
        )
    )
    return len(links)


def _names(provider_id: str, model_id: str, key: str) -> bool:
    """Whether a provider's model id is the withdrawn id however the provider spells it."""
    return merge_key(parse_model_ref(provider_id, model_id).bare_id).full == key
