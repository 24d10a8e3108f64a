"""Watching models, and the private feed of a person's watched models' change events.

The feed lives at a secret address: the token is random, handed out once,
and only its SHA-256 is stored (as session tokens are), so a copy of the
database gives no one the addresses. Making a new address replaces the old
one, which then answers 404 like any unknown token; turning the feed off
deletes it.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Author, ChangeEvent, FeedToken, Model, Watch
from app.services.community.community_page import ModelRef

FEED_LIMIT = 50
MAX_WATCHES_PER_USER = 500
TOKEN_BYTES = 32


class WatchLimitError(Exception):
    """Refused: the person already watches as many models as anyone may."""


@dataclass(frozen=True, slots=True)
class WatchedModel:
    """A model on someone's watch list."""

    model: ModelRef
    author_name: str
    since: datetime


@dataclass(frozen=True, slots=True)
class EventEntry:
    """One change event as a feed shows it, with the model it is about."""

    id: int
    model: ModelRef
    kind: str
    source: str
    at: datetime
    details: dict[str, Any]


def is_watching(*, session: Session, user_id: int, model_id: int) -> bool:
    """Whether the person watches the model."""
    return session.get(Watch, (user_id, model_id)) is not None


def watch(*, session: Session, user_id: int, model_id: int) -> None:
    """Watch the model (watching it again changes nothing)."""
    if is_watching(session=session, user_id=user_id, model_id=model_id):
        return
    count = session.scalar(select(func.count()).select_from(Watch).where(Watch.user_id == user_id))
    if (count or 0) >= MAX_WATCHES_PER_USER:
        raise WatchLimitError(f"You can watch up to {MAX_WATCHES_PER_USER} models.")
    try:
        with session.begin_nested():
            session.add(Watch(user_id=user_id, model_id=model_id))
    except IntegrityError:
        # The same person's other request watched it in the meantime: watched either way.
        return


def unwatch(*, session: Session, user_id: int, model_id: int) -> None:
    """Stop watching the model (not watching it is fine)."""
    session.execute(delete(Watch).where(Watch.user_id == user_id, Watch.model_id == model_id))


def watched_models(*, session: Session, user_id: int) -> list[WatchedModel]:
    """The person's watched models, by name."""
    rows = session.execute(
        select(Model.id, Model.slug, Model.name, Author.name.label("author"), Watch.created_at)
        .join(Watch, Watch.model_id == Model.id)
        .join(Author, Author.id == Model.author_id)
        .where(Watch.user_id == user_id)
        .order_by(Model.name, Model.slug)
    )
    return [
        WatchedModel(
            model=ModelRef(id=row.id, slug=row.slug, name=row.name),
            author_name=row.author,
            since=row.created_at,
        )
        for row in rows
    ]


def token_digest(token: str) -> str:
    """What is stored of a feed token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(*, session: Session, user_id: int) -> str:
    """A new secret feed token for the person, replacing any earlier one; shown once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    revoke_feed_token(session=session, user_id=user_id)
    session.add(FeedToken(user_id=user_id, token_hash=token_digest(token), created_at=utcnow()))
    session.flush()
    return token


def revoke_feed_token(*, session: Session, user_id: int) -> None:
    """Turn the person's feed off: its address answers 404 from now on."""
    session.execute(delete(FeedToken).where(FeedToken.user_id == user_id))


def feed_token_made(*, session: Session, user_id: int) -> datetime | None:
    """When the person's feed address was made, or None when they have none."""
    found = session.get(FeedToken, user_id)
    return None if found is None else found.created_at


def feed_owner(*, session: Session, token: str) -> int | None:
    """The id of the person whose feed `token` opens, or None for an unknown or revoked one."""
    return session.scalar(
        select(FeedToken.user_id).where(FeedToken.token_hash == token_digest(token))
    )


def watched_events(*, session: Session, user_id: int, limit: int = FEED_LIMIT) -> list[EventEntry]:
    """The latest change events of the person's watched models, newest first."""
    rows = session.execute(
        select(ChangeEvent, Model.slug, Model.name)
        .join(Watch, Watch.model_id == ChangeEvent.model_id)
        .join(Model, Model.id == ChangeEvent.model_id)
        .where(Watch.user_id == user_id)
        .order_by(ChangeEvent.occurred_at.desc(), ChangeEvent.id.desc())
        .limit(limit)
    )
    return [
        EventEntry(
            id=event.id,
            model=ModelRef(id=event.model_id, slug=slug, name=name),
            kind=event.kind,
            source=event.source,
            at=event.occurred_at,
            details=event.details,
        )
        for event, slug, name in rows
    ]
