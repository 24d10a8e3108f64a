"""Dependencies shared by routes: the database session, its snapshot and settings.

Routes declare `session: SessionDep` and get a session whose transaction
ends before the response starts: committed when the route returns normally,
rolled back if it raises. A synchronous route ends it in its own worker
thread (see `app.web.routes.unit_of_work`); what is left open after the route (an
async route, a dependency that raised first) ends here, when the dependency
exits. That exit runs before the response is sent because the dependency's
scope is "function" (FastAPI 0.121 and later; before it, and by default, a
yield dependency's exit runs after the response has gone, so a browser could
follow a redirect to a page that does not show its write yet, or be told of
success for a commit that then failed).

Every request that may use the database first takes a turn at the
`DatabaseGate`, so the pool is never asked for more connections than it has.

Dependencies that only read the request or the app are `async def`: FastAPI
runs a plain `def` dependency in a worker thread, and the hand-over there and
back cost more than the work on every page.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from jinja2_fragments.fastapi import Jinja2Blocks
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.services.community.community_page import ModelRef, find_model
from app.services.publishing.snapshot import Snapshot
from app.web.middleware.database_gate import DatabaseGate


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, from the factory the app was built with, during a turn.

    Making a session does no I/O (it connects on first use). Ending one that is
    still in a transaction does, so that goes to a worker thread in one step;
    one whose route already ended it (every synchronous route) only closes.
    """
    gate: DatabaseGate = request.app.state.database_gate
    async with gate.turn():
        session = request.app.state.session_factory()
        try:
            yield session
        except BaseException:
            await _finish(session, commit=False)
            raise
        await _finish(session, commit=True)


async def _finish(session: Session, *, commit: bool) -> None:
    if session.in_transaction():
        await run_in_threadpool(end_session, session, commit=commit)
    else:
        session.close()


def end_session(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close; a failed commit is rolled back by the close."""
    try:
        if not session.in_transaction():
            return
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


async def get_templates(request: Request) -> Jinja2Blocks:
    """The app's template renderer."""
    return request.app.state.templates


def is_htmx(request: Request) -> bool:
    """True for a request made by htmx (it sends `HX-Request: true`), not a history restore."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


async def htmx_request(request: Request) -> bool:
    """`is_htmx` as a dependency."""
    return is_htmx(request)


# Scope "function": the session ends before the response starts (see the module).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_snapshot(request: Request, session: SessionDep) -> Snapshot:
    """The request session's snapshot, remembering in the app's memos
    (`services.publishing.snapshot`)."""
    state = request.app.state
    return Snapshot(session, pages=state.computed_memo, catalog=state.catalog_memo)


SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemplatesDep = Annotated[Jinja2Blocks, Depends(get_templates)]
HtmxDep = Annotated[bool, Depends(htmx_request)]


def model_or_404(session: Session, slug: str) -> ModelRef:
    """The model a community or watch route acts on, by any of its slugs; 404 when none."""
    model = find_model(session=session, slug=slug)
    if model is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no model {slug} in the catalog.")
    return model
