"""Dependencies shared by routes: the database session and settings.

Routes declare `session: SessionDep` and get a session that is committed when
the route returns normally and rolled back if it raises.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from jinja2_fragments.fastapi import Jinja2Blocks
from sqlalchemy.orm import Session

from app.config import Settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, from the factory the app was built with."""
    session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


def get_templates(request: Request) -> Jinja2Blocks:
    """The app's template renderer."""
    return request.app.state.templates


def is_htmx(request: Request) -> bool:
    """True for a request made by htmx (it sends `HX-Request: true`), not a history restore."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemplatesDep = Annotated[Jinja2Blocks, Depends(get_templates)]
HtmxDep = Annotated[bool, Depends(is_htmx)]
