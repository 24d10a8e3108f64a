"""Password hashing and the password policy.

Hashing is argon2id through pwdlib with RFC 9106's second recommended profile
(64 MiB, 3 passes, 4 lanes), which is above OWASP's minimum (19 MiB, 2 passes,
1 lane) on every axis. The parameters travel inside each stored hash, so raising
them later needs no migration: `verify_password` hands back a fresh hash when a
stored one was made with other parameters, and sign-in saves it.

The policy follows OWASP ASVS 5 §6.2: a length range, no composition rules,
and a refusal of well-known passwords (app/data/common_passwords.txt).
"""

from functools import cache
from pathlib import Path

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_LENGTH = 8
MAX_LENGTH = 128
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PARALLELISM = 4
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"
COMMENT_PREFIX = "# "

_hasher = PasswordHash(
    (
        Argon2Hasher(
            time_cost=ARGON2_TIME_COST,
            memory_cost=ARGON2_MEMORY_KIB,
            parallelism=ARGON2_PARALLELISM,
        ),
    )
)


def hash_password(password: str) -> str:
    """A new argon2id hash (random salt) of `password`, in PHC string form."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Whether `password` matches, and a replacement hash when the stored one is outdated.

    An unparseable stored hash counts as a mismatch rather than an error, so a
    damaged row locks one account instead of breaking sign-in for everyone.
    """
    if not Argon2Hasher.identify(password_hash):
        return False, None
    return _hasher.verify_and_update(password, password_hash)


@cache
def _dummy_hash() -> str:
    return hash_password("not a real password: only makes unknown emails take as long")


def spend_verification_time(password: str) -> None:
    """Do the work of one verification for an email that has no account.

    Without it "no such account" answers in microseconds and "wrong password"
    in a tenth of a second, and the difference tells which emails exist.
    """
    _hasher.verify(password, _dummy_hash())


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith(COMMENT_PREFIX))


def password_problem(password: str, *, email: str) -> str | None:
    """Why `password` is not acceptable for the account `email`, or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords():
        return "This password is one of the most common ones; choose something less guessable."
    if email and lowered == email.strip().lower():
        return "Your password must not be your email address."
    return None
