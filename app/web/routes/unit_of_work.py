"""Routes whose database work ends in the same worker thread that did it.

A plain `def` route runs in a worker thread. If its commit were left to the
session dependency, the commit would be another hop: the route's thread is
given back, and the transaction (on SQLite the write lock, on PostgreSQL the
row locks) stays held until the event loop gets round to it and a thread is
free to commit. Under load those waits stack up behind each other.

`UnitOfWorkRoute` wraps every synchronous endpoint so that, in its own
thread, right after it returns, the request's session commits (or rolls
back, if it raised) and gives its connection back. A failed commit raises
from the endpoint like any other error, before anything is sent, and the
app's error handlers answer it (409 or 503), never the route's success.

Every area's router is made by `area_router`, so no route is left out (of
this or of the CSRF check); a test checks the route table.
"""

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from app.web.middleware.csrf import (
    SAFE_METHODS,
    checks_token_in_stream,
    refuse_cross_site_request,
    verify_csrf,
)
from app.web.routes.deps import SessionDep, end_session

UNIT_OF_WORK_PARAMETER = "unit_of_work_session"


class UnitOfWorkRoute(APIRoute):
    """An API route whose synchronous endpoint commits in its own thread (see the module).

    A route that accepts an unsafe method also gets the CSRF check as its first
    dependency. It is added here, not app-wide, so that a page view, which needs
    no check, does not ask for a database session it will not use. A route that
    streams its form and checks the token itself (`csrf.token_checked_in_stream`)
    gets only the cross-site half.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(inspect.unwrap(endpoint)):
            endpoint = ending_its_session(endpoint)
        if set(kwargs.get("methods") or ()) - SAFE_METHODS:
            check = refuse_cross_site_request if checks_token_in_stream(endpoint) else verify_csrf
            kwargs["dependencies"] = [Depends(check), *(kwargs.get("dependencies") or ())]
        super().__init__(path, endpoint, **kwargs)


def ending_its_session(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint`, also asking for the request's session and ending it when it returns.

    The session comes through dependency injection, as one more keyword
    parameter: FastAPI hands the same session to the route, its dependencies
    and this wrapper.
    """
    signature = inspect.signature(endpoint, eval_str=True)
    if UNIT_OF_WORK_PARAMETER in signature.parameters:
        raise TypeError(f"{endpoint.__name__} may not name a parameter {UNIT_OF_WORK_PARAMETER}")
    extra = inspect.Parameter(
        UNIT_OF_WORK_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=SessionDep
    )

    @functools.wraps(endpoint)
    def run(**arguments: Any) -> Any:
        session: Session = arguments.pop(UNIT_OF_WORK_PARAMETER)
        try:
            result = endpoint(**arguments)
        except BaseException:
            end_session(session, commit=False)
            raise
        end_session(session, commit=True)
        return result

    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), extra]
    )
    return run


def area_router(**kwargs: Any) -> APIRouter:
    """The router of one area of the site (catalog, community, ...), with unit-of-work routes."""
    return APIRouter(route_class=UnitOfWorkRoute, **kwargs)
