"""`MODELATLAS_PUBLIC_URL`: one public address for links and checks, whatever Host is sent."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.web.middleware.csrf import CROSS_SITE
from tests.support.app_clients import app_client

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLIC = "https://atlas.example.com"
SPOOFED = {"Host": "evil.example"}


@pytest.fixture
def public_client(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"public_url": PUBLIC}))
    app.state.session_factory = catalog_factory
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _feed_links(client: TestClient, path: str) -> list[str]:
    response = client.get(path, headers=SPOOFED)
    assert response.status_code == 200
    feed = ET.fromstring(response.content)  # noqa: S314 - our own feed
    links = [link.attrib["href"] for link in feed.iter(f"{ATOM}link")]
    assert links
    return links


def test_feed_links_use_the_public_url_whatever_host_is_sent(public_client: TestClient) -> None:
    for path in ("/feeds/models.atom", "/models/mistral/mistral-small-2603/feed.atom"):
        links = _feed_links(public_client, path)
        assert all(link.startswith(f"{PUBLIC}/") for link in links), links


def test_without_the_setting_links_follow_the_host_header(client: TestClient) -> None:
    links = _feed_links(client, "/feeds/models.atom")
    assert all(link.startswith("http://evil.example/") for link in links), links


def test_the_cross_site_check_compares_origins_with_the_public_url(
    public_client: TestClient,
) -> None:
    foreign = public_client.post("/logout", headers={**SPOOFED, "Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert CROSS_SITE in foreign.text
    own = public_client.post("/logout", headers={**SPOOFED, "Origin": PUBLIC})
    assert CROSS_SITE not in own.text


@pytest.mark.parametrize(
    ("public_url", "other_scheme"),
    [(PUBLIC, "http://atlas.example.com"), ("http://atlas.example.com", PUBLIC)],
)
def test_the_cross_site_check_compares_the_scheme_with_the_public_url(
    settings: Settings, catalog_factory: sessionmaker[Session], public_url: str, other_scheme: str
) -> None:
    with app_client(settings, catalog_factory, public_url=public_url) as client:
        refused = client.post("/logout", headers={"Origin": other_scheme})
        accepted = client.post("/logout", headers={"Origin": public_url})

    assert refused.status_code == 403
    assert CROSS_SITE in refused.text
    assert CROSS_SITE not in accepted.text


@pytest.mark.parametrize(
    ("value", "stored"),
    [("https://atlas.example.com/", PUBLIC), ("http://127.0.0.1:8000", "http://127.0.0.1:8000")],
)
def test_an_origin_is_accepted_and_normalised(value: str, stored: str) -> None:
    assert Settings(environment="test", public_url=value).public_url == stored


@pytest.mark.parametrize(
    "value",
    [
        "atlas.example.com",
        "ftp://atlas.example.com",
        "https://atlas.example.com/atlas",
        "https://u:p@atlas.example.com",
        "https://atlas.example.com/?x=1",
    ],
)
def test_anything_but_an_origin_is_refused_with_a_message(value: str) -> None:
    with pytest.raises(ValidationError, match="MODELATLAS_PUBLIC_URL must be an origin"):
        Settings(environment="test", public_url=value)
