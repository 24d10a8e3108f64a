"""Server-side sign-in sessions: issue, look up (and keep alive), revoke.

The browser holds a random token; the database holds only its SHA-256, so a
copy of the table does not let anyone sign in. A session ends at whichever
comes first: `idle` time without a request, or `absolute` time since sign-in.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.orm import Session, contains_eager

from app.db import utcnow
from app.models.accounts import User, UserSession

TOKEN_BYTES = 32
# Refreshing last_seen_at on every request would turn every page view into a write;
# once a minute is precise enough for an idle timeout counted in hours.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session may sit unused (`idle`) and live at all (`absolute`)."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class IssuedSession:
    """A new session: `token` goes into the cookie and is never stored."""

    token: str
    row: UserSession


def token_digest(token: str) -> str:
    """What the database stores for a cookie token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(
    *, session: Session, user: User, policy: SessionPolicy, now: datetime | None = None
) -> IssuedSession:
    """Start a session for `user`; ended rows of anyone are cleared on the way.

    Ended means past the absolute expiry or idle too long (`has_ended`): an
    idle session's row would otherwise stay until its absolute expiry, though
    no request could use it any more.
    """
    now = now or utcnow()
    session.execute(
        delete(UserSession).where(
            or_(UserSession.expires_at <= now, UserSession.last_seen_at <= now - policy.idle)
        )
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = UserSession(
        token_hash=token_digest(token),
        user=user,
        csrf_token=secrets.token_hex(TOKEN_BYTES),
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute,
    )
    session.add(row)
    session.flush()
    return IssuedSession(token=token, row=row)


# Built once: every signed-in request runs it, and building it costs as much as running it.
_SESSION_BY_TOKEN = (
    select(UserSession)
    .join(UserSession.user)
    .options(contains_eager(UserSession.user))
    .where(UserSession.token_hash == bindparam("token_hash"))
)


def load_session(
    *, session: Session, token: str, policy: SessionPolicy, now: datetime | None = None
) -> UserSession | None:
    """The live session for a cookie token, with its user, in one query; None if dead.

    A session found expired is deleted so its cookie can never come back to life.
    """
    now = now or utcnow()
    row = session.scalars(_SESSION_BY_TOKEN, {"token_hash": token_digest(token)}).first()
    if row is None:
        return None
    if has_ended(row.expires_at, row.last_seen_at, policy=policy, now=now):
        session.delete(row)
        return None
    if touch_due(row.last_seen_at, now=now):
        row.last_seen_at = now
    return row


def has_ended(
    expires_at: datetime, last_seen_at: datetime, *, policy: SessionPolicy, now: datetime
) -> bool:
    """True once a session is past its absolute expiry or has sat unused for `policy.idle`."""
    return expires_at <= now or last_seen_at + policy.idle <= now


def touch_due(last_seen_at: datetime, *, now: datetime) -> bool:
    """True when a request should record that the session was seen (see TOUCH_INTERVAL)."""
    return now - last_seen_at >= TOUCH_INTERVAL


def revoke_session(*, session: Session, token: str) -> None:
    """End the session of this cookie token (sign-out)."""
    session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))


def revoke_all_sessions(*, session: Session, user_id: int) -> None:
    """End every session of a user (password change, account deletion)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))
