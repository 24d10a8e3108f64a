"""Apps built for one test, with settings of its choosing, reading the test's data.

The `client` fixture (tests/conftest.py) is the usual way in; tests that compare
two configurations of the app on the same data build their clients here.
"""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app


def app_client(
    settings: Settings, factory: sessionmaker[Session], **overrides: object
) -> TestClient:
    """A client for an app built with `overrides` of `settings`, reading through `factory`."""
    app = create_app(settings.model_copy(update=overrides))
    app.state.session_factory = factory
    return TestClient(app, raise_server_exceptions=False)
