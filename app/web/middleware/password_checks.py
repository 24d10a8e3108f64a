"""A cap on password hashes computed at once.

Each argon2id hash takes 64 MiB for the moment it runs (see
`app.services.accounts.passwords`), so a burst of sign-ins, sign-ups or password
changes, honest or not, could take the server's memory. Routes that hash
take one of `MODELATLAS_PASSWORD_CHECK_CONCURRENCY` places first; when none
frees up within the database queue's wait, the visitor is asked to come back
(503 with Retry-After) instead of the server growing without bound.
"""

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from fastapi import HTTPException, Request, status

RETRY_AFTER_SECONDS = 2
BUSY = "The server is busy checking other passwords. Please try again in a moment."


class PasswordChecks:
    """The places for hashing in one process."""

    def __init__(self, concurrency: int, wait_seconds: float) -> None:
        self._places = threading.BoundedSemaphore(concurrency)
        self._wait_seconds = wait_seconds

    @contextmanager
    def place(self) -> Iterator[None]:
        """Hold a place for the body; 503 when none came within the wait."""
        if not self._places.acquire(timeout=self._wait_seconds):
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                BUSY,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        try:
            yield
        finally:
            self._places.release()


def password_check(request: Request) -> AbstractContextManager[None]:
    """This app's place for one password hash (a context manager)."""
    checks: PasswordChecks = request.app.state.password_checks
    return checks.place()
