"""Reading and submitting the community forms the way a browser (with or without htmx) does.

A plain submission posts a form's `action` with every field the form holds
(the hidden CSRF token included). An htmx submission posts its `hx-post`
with the headers htmx adds: `HX-Request`, `HX-Current-URL` and the CSRF token
from the nearest `hx-headers` above the form, and without the hidden field, so
it proves the header path on its own.
"""

import json

from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from httpx import Response

MODEL_PATH = "/models/mistral/mistral-small-2603"
ME_PATH = f"{MODEL_PATH}/community/me"


def parse(response: Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def find(soup: BeautifulSoup | Tag, selector: str) -> Tag:
    found = soup.select_one(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found


def form_fields(form: Tag, *, hidden_only: bool = False) -> dict[str, str]:
    """The values a form would send: hidden fields, checked radios, textareas."""
    fields: dict[str, str] = {}
    for element in form.find_all(["input", "textarea"]):
        name = element.get("name")
        kind = element.get("type", "text")
        if not name or (hidden_only and kind != "hidden"):
            continue
        if element.name == "textarea":
            fields[name] = element.get_text()
        elif kind != "radio" or element.has_attr("checked"):
            fields[name] = element.get("value", "")
    return fields


def submit(client: TestClient, form: Tag, **values: str) -> Response:
    """Post a form as a browser without JavaScript does (redirects not followed)."""
    data = {**form_fields(form), **values}
    return client.post(form["action"], data=data, follow_redirects=False)


def csrf_header(element: Tag) -> str:
    """The X-CSRF-Token that htmx would send for a request made by `element`."""
    for ancestor in (element, *element.parents):
        if isinstance(ancestor, Tag) and ancestor.has_attr("hx-headers"):
            return json.loads(ancestor["hx-headers"])["X-CSRF-Token"]
    raise AssertionError("no hx-headers above this element")


def htmx_headers_for(element: Tag, current_url: str = MODEL_PATH) -> dict[str, str]:
    return {
        "HX-Request": "true",
        "HX-Current-URL": f"http://testserver{current_url}",
        "X-CSRF-Token": csrf_header(element),
    }


def htmx_submit(client: TestClient, form: Tag, **values: str) -> Response:
    """Post a form as htmx does: to `hx-post`, the token in the header, not in the body."""
    data = {**form_fields(form), **values}
    data.pop("csrf_token", None)
    return client.post(form["hx-post"], data=data, headers=htmx_headers_for(form))


def htmx_get(client: TestClient, url: str, current_url: str = MODEL_PATH) -> Response:
    return client.get(
        url, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{current_url}"}
    )


def per_user_parts(client: TestClient, comments_page: int = 1) -> BeautifulSoup:
    """What the model page's loader fetches for this visitor."""
    response = htmx_get(client, f"{ME_PATH}?comments_page={comments_page}")
    assert response.status_code == 200, response.text[:300]
    return parse(response)


def oob_ids(soup: BeautifulSoup) -> list[str]:
    """Ids of the elements a response swaps out of band, in order."""
    return [element["id"] for element in soup.select('[hx-swap-oob="true"]')]
