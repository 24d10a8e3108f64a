"""Turns at the database: a few requests use it at once, the others wait briefly or get 503.

Why a gate in front of the pool: a request moves between the event loop and
worker threads (the CSRF check, the route, the commit may each be a hop), and
it holds its connection, and maybe the write lock, across those hops. If more
requests reach the database than the pool has connections, threads block
waiting for a connection while the requests that hold the connections wait
for a thread: nothing moves until the pool's timeout. So at most
`capacity` requests are let through, the pool holds more connections than
that, and the thread limiter more threads; the rest wait here, on the event
loop, holding nothing, for at most `timeout` seconds, and are then told to
come back (`DatabaseBusy`, answered 503 with Retry-After).

The session dependency takes a turn for each request that asks for one, and
so does the signed-in parts' session lookup before routing. The one reader
outside is the page cache's check of the content version: one statement in
one thread hop, at most once a check interval.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

RETRY_AFTER_SECONDS = 2


class DatabaseBusy(Exception):  # noqa: N818 - named for what callers are told
    """No turn at the database came within the wait allowed."""


async def acquire_within(slots: asyncio.Semaphore, seconds: float) -> None:
    """Take one of `slots`, waiting at most `seconds`; `DatabaseBusy` if none came in time.

    A free slot is taken at once. A wait is bounded by `asyncio.timeout`, a timer on
    the loop: `asyncio.wait_for` starts a task to wait in, 10.5 µs a turn against 4.0 µs
    (Python 3.11, a free slot, in a loop of its own).
    """
    if not slots.locked():
        await slots.acquire()
        return
    try:
        async with asyncio.timeout(seconds):
            await slots.acquire()
    except TimeoutError as waited_too_long:
        raise DatabaseBusy from waited_too_long


class DatabaseGate:
    """At most `capacity` holders at once; a waiter gives up after `timeout` seconds."""

    def __init__(self, capacity: int, timeout: float) -> None:
        self.capacity = capacity
        self.timeout = timeout
        # A semaphore belongs to one event loop. A served process has one loop; a test
        # client may run each request in a new one, which then gets a new semaphore.
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots = asyncio.Semaphore(self.capacity)
            self._loop = loop
        return self._slots

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold one of the turns for the body; `DatabaseBusy` if none came in time."""
        slots = self._semaphore()
        await acquire_within(slots, self.timeout)
        try:
            yield
        finally:
            slots.release()
