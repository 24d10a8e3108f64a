"""Answers written out as they are read: the export and the whole model list.

A streamed body is read after the route has returned, when the request's
session has already ended (see `app.web.routes.deps`), so it reads through a
session of its own, during a turn at the database gate like any request. Its
chunks are made in worker threads, one at a time as the client takes them:
their queries block, and the event loop must not.
"""

from collections.abc import AsyncIterator, Callable, Iterator

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from app.web.middleware.database_gate import DatabaseGate
from app.web.routes.deps import end_session


async def read_while_streaming(
    request: Request, write: Callable[[Session], Iterator[str]]
) -> AsyncIterator[str]:
    """The chunks `write` makes from a session of its own, which ends with the last of them
    (or with the download, when the client goes away first)."""
    gate: DatabaseGate = request.app.state.database_gate
    async with gate.turn():
        session = request.app.state.session_factory()
        try:
            async for chunk in iterate_in_threadpool(write(session)):
                yield chunk
        finally:
            await run_in_threadpool(end_session, session, commit=False)
