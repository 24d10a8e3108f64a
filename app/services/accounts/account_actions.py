"""Accounts: sign up, authenticate, change password, delete; and the CLI's create.

Inputs are checked here, not in the routes, so the web forms and the command
line enforce the same rules. Problems come back as `AccountDetailsError`, one
message per form field, for the form to show next to each field.
"""

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models.accounts import User
from app.services.accounts import passwords
from app.services.accounts.sessions import (
    IssuedSession,
    SessionPolicy,
    create_session,
    revoke_all_sessions,
)
from app.services.community.direction_controls import first_direction_control

EMAIL_MAX_LENGTH = 320
DISPLAY_NAME_MAX_LENGTH = 80
# Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
# Whether the address exists is only ever known by writing to it.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
DUPLICATE_EMAIL = "An account with this email already exists. Sign in instead."
WRONG_PASSWORD = "That is not your current password."  # noqa: S105 - a message


class AccountDetailsError(ValueError):
    """What is wrong with submitted account details: form field name -> message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems.items()))
        self.problems = problems


def normalise_email(raw: str) -> str:
    """The stored form of an email address: trimmed and lower-cased."""
    return raw.strip().lower()


def email_problem(email: str) -> str | None:
    """Why a normalised email address is not acceptable, or None."""
    if not email:
        return "Enter your email address."
    if len(email) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.fullmatch(email):
        return "Enter an email address like name@example.com."
    if any(unicodedata.category(char) == "Cc" for char in email):
        return "Enter an email address like name@example.com."
    return None


def display_name_problem(name: str) -> str | None:
    """Why a trimmed display name is not acceptable, or None."""
    if not name:
        return "Enter the name to show next to your ratings and comments."
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        return f"Use at most {DISPLAY_NAME_MAX_LENGTH} characters."
    if (
        any(unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") for char in name)
        or first_direction_control(name) is not None
    ):
        return "Use visible characters only (no control or text-direction characters)."
    return None


def _raise_if_any(problems: dict[str, str | None]) -> None:
    found = {field: message for field, message in problems.items() if message}
    if found:
        raise AccountDetailsError(found)


def create_user(
    *, session: Session, email: str, display_name: str, password: str, is_admin: bool = False
) -> User:
    """A new account, after checking every field; `AccountDetailsError` when one is wrong.

    A duplicate email is caught by the unique constraint, not by a prior lookup,
    so two sign-ups racing for one address cannot both succeed.
    """
    email = normalise_email(email)
    display_name = display_name.strip()
    _raise_if_any(
        {
            "email": email_problem(email),
            "display_name": display_name_problem(display_name),
            "password": passwords.password_problem(password, email=email),
        }
    )
    user = User(
        email=email,
        display_name=display_name,
        password_hash=passwords.hash_password(password),
        is_admin=is_admin,
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as error:
        raise AccountDetailsError({"email": DUPLICATE_EMAIL}) from error
    return user


def sign_up(
    *, session: Session, email: str, display_name: str, password: str, policy: SessionPolicy
) -> IssuedSession:
    """Create an account and sign it in."""
    user = create_user(session=session, email=email, display_name=display_name, password=password)
    return create_session(session=session, user=user, policy=policy)


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The user these credentials belong to, or None; outdated hashes are upgraded.

    Unknown emails cost the same hashing work as wrong passwords, so timing does
    not reveal which addresses have accounts.
    """
    address = normalise_email(email)
    # No stored address holds a NUL, and PostgreSQL refuses one in a query: not a match.
    user = (
        None
        if "\x00" in address
        else session.scalars(select(User).where(User.email == address)).first()
    )
    if user is None:
        passwords.spend_verification_time(password)
        return None
    matches, upgraded_hash = passwords.verify_password(password, user.password_hash)
    if not matches:
        return None
    if upgraded_hash:
        user.password_hash = upgraded_hash
    return user


def change_password(
    *,
    session: Session,
    user: User,
    current_password: str,
    new_password: str,
    policy: SessionPolicy,
) -> IssuedSession:
    """Set a new password, end every session of the user, and start a new one here.

    Ending the other sessions is the point: a password is changed when someone
    else may know it, and they may already be signed in.
    """
    if not passwords.verify_password(current_password, user.password_hash)[0]:
        raise AccountDetailsError({"current_password": WRONG_PASSWORD})
    _raise_if_any({"new_password": passwords.password_problem(new_password, email=user.email)})
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    revoke_all_sessions(session=session, user_id=user.id)
    return create_session(session=session, user=user, policy=policy)


def delete_account(*, session: Session, user: User, password: str) -> None:
    """Delete the account once its password is confirmed.

    The database does the rest: sessions and ratings go with the account, and
    comments stay with no author, shown as by "deleted user".
    """
    if not passwords.verify_password(password, user.password_hash)[0]:
        raise AccountDetailsError({"password": WRONG_PASSWORD})
    revoke_all_sessions(session=session, user_id=user.id)
    session.delete(user)
    session.flush()
