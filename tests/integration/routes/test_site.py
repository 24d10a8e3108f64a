"""Site-wide files: the icon every page links to, and `/favicon.ico` that browsers ask for."""

import re

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient


def test_pages_link_the_svg_icon(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/providers").text, "html.parser")

    icon = soup.select_one('head link[rel="icon"]')
    assert re.fullmatch(r"/static/favicon\.[0-9a-f]{12}\.svg", icon["href"])
    assert icon["type"] == "image/svg+xml"


def test_the_icon_is_served_as_svg(client: TestClient) -> None:
    response = client.get("/static/favicon.svg")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.lstrip().startswith("<svg")
    assert len(response.content) < 2_048


def test_favicon_ico_redirects_permanently_to_the_svg_icon(client: TestClient) -> None:
    response = client.get("/favicon.ico", follow_redirects=False)

    assert response.status_code == 301
    assert response.headers["location"] == "/static/favicon.svg"
    assert client.get("/favicon.ico").status_code == 200


def test_favicon_route_is_not_part_of_the_api_description(client: TestClient) -> None:
    assert "/favicon.ico" not in client.get("/openapi.json").json()["paths"]
