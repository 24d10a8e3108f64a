"""Dependencies shared by routes: the database session and settings.

Routes declare `session: SessionDep` and get a session that is committed when
the route returns normally and rolled back if it raises.

Dependencies that only read the request or the app are `async def`: FastAPI
runs a plain `def` dependency in a worker thread, and the hand-over there and
back cost more than the work on every page.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from jinja2_fragments.fastapi import Jinja2Blocks
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.config import Settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, from the factory the app was built with.

    Making a session does no I/O (it connects on first use); ending it does,
    so the commit (or rollback) and close go to a worker thread in one step,
    unless no transaction is open: a page that asked nothing (or a route
    that committed in its own worker thread) saves that hop.
    """
    session = request.app.state.session_factory()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end, session, commit=False)
        raise
    if session.in_transaction():
        await run_in_threadpool(_end, session, commit=True)
    else:
        # Never used, or the route ended its transaction itself: closing does no I/O.
        session.close()


def _end(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close; a failed commit is rolled back by the close."""
    try:
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


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemplatesDep = Annotated[Jinja2Blocks, Depends(get_templates)]
HtmxDep = Annotated[bool, Depends(htmx_request)]
