"""Atom feeds: valid RFC 4287 documents, newest first, capped, escaping what users wrote."""

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Comment, Endpoint, Model, Price, Provider
from app.services.publishing.feeds import FEED_LIMIT
from tests.support.community_data import make_model, make_user

ATOM = "{http://www.w3.org/2005/Atom}"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
REFERENCE = "/models/mistral/mistral-small-2603"
HOSTILE = '<script>alert(1)</script> ]]> & "quoted" <b>bold</b> \x0b\x1b tail'


def parse_feed(client: TestClient, path: str) -> ET.Element:
    """The feed at `path`, checked for what RFC 4287 requires of a feed and of every entry."""
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == ATOM_TYPE
    feed = ET.fromstring(response.content)  # noqa: S314 - our own output
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.findtext(f"{ATOM}{required}"), f"feed has no {required}"
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == f"http://testserver{path}"
    has_feed_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    ids = set()
    for entry in feed.findall(f"{ATOM}entry"):
        entry_id = entry.findtext(f"{ATOM}id")
        assert entry_id and entry_id.startswith("tag:testserver,")
        ids.add(entry_id)
        assert entry.findtext(f"{ATOM}title")
        parse_time(entry.findtext(f"{ATOM}updated"))
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None
        assert link.get("href", "").startswith("http://testserver/models/")
        assert entry.find(f"{ATOM}content") is not None or entry.find(f"{ATOM}summary") is not None
        assert has_feed_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
    assert len(ids) == len(feed.findall(f"{ATOM}entry")), "entry ids repeat"
    return feed


def parse_time(text: str | None) -> datetime:
    """An Atom date: RFC 3339 with a time zone (we always write UTC, `Z`)."""
    assert text and text.endswith("Z")
    return datetime.fromisoformat(text)


def entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall(f"{ATOM}entry")


def updated_times(feed: ET.Element) -> list[datetime]:
    return [parse_time(entry.findtext(f"{ATOM}updated")) for entry in entries(feed)]


def change_price(session: Session, endpoint: Endpoint, at: datetime, input_price: str) -> Price:
    """Close the endpoint's open standard row at `at` and open one with a new input price."""
    current = session.scalars(select(Price).where(Price.current_standard_of(endpoint.id))).one()
    current.effective_to = at
    row = Price(
        endpoint_id=endpoint.id,
        service_tier="standard",
        effective_from=at,
        input=Decimal(input_price),
        output=current.output,
        source="test",
    )
    session.add(row)
    session.flush()
    return row


def reference_endpoint(session: Session, provider_slug: str = "mistral") -> Endpoint:
    return session.scalars(
        select(Endpoint)
        .join(Model)
        .join(Provider)
        .where(Model.slug == "mistral/mistral-small-2603", Provider.slug == provider_slug)
    ).one()


def test_models_feed_lists_the_newest_models_first_capped(
    client: TestClient, catalog_session: Session
) -> None:
    model = make_model(catalog_session, "newlab/brand-new")
    model.created_at = utcnow() + timedelta(minutes=1)
    model.api_available_at = date(2026, 11, 20)
    model.summary = "A model for tests & <checks>."
    catalog_session.commit()

    feed = parse_feed(client, "/feeds/models.atom")

    assert len(entries(feed)) == FEED_LIMIT  # the imported catalog has far more
    times = updated_times(feed)
    assert times == sorted(times, reverse=True)
    first = entries(feed)[0]
    assert first.findtext(f"{ATOM}title") == "Brand New by Newlab Lab"
    assert first.find(f"{ATOM}link").get("href") == "http://testserver/models/newlab/brand-new"
    summary = first.findtext(f"{ATOM}summary")
    assert summary.startswith("A model for tests & <checks>. Added to the catalog on ")
    assert summary.endswith("Available via the Newlab Lab API since 2026-11-20.")
    assert feed.findtext(f"{ATOM}updated") == first.findtext(f"{ATOM}updated")


def test_prices_feed_shows_a_change_once_and_not_a_reopened_same_price(
    client: TestClient, catalog_session: Session
) -> None:
    endpoint = reference_endpoint(catalog_session)
    later = utcnow() + timedelta(days=1)
    change = change_price(catalog_session, endpoint, later, "0.12")
    reopened = change_price(catalog_session, endpoint, later + timedelta(hours=1), "0.12")
    catalog_session.commit()

    feed = parse_feed(client, "/feeds/prices.atom")

    assert 0 < len(entries(feed)) <= FEED_LIMIT
    times = updated_times(feed)
    assert times == sorted(times, reverse=True)
    ids = [entry.findtext(f"{ATOM}id") for entry in entries(feed)]
    assert ids[0] == f"tag:testserver,{later.date().isoformat()}:price/{change.id}"
    assert not any(entry_id.endswith(f":price/{reopened.id}") for entry_id in ids)
    first = entries(feed)[0]
    assert first.findtext(f"{ATOM}title") == (
        "Mistral Small 4 at Mistral: input $0.15 → $0.12, output $0.60 (unchanged)"
    )
    assert first.find(f"{ATOM}link").get("href") == f"http://testserver{REFERENCE}#price-history"


def test_model_feed_merges_price_changes_and_visible_comments_newest_first(
    client: TestClient, catalog_session: Session
) -> None:
    endpoint = reference_endpoint(catalog_session)
    model = endpoint.model
    change = change_price(catalog_session, endpoint, utcnow() + timedelta(days=2), "0.1")
    author = make_user(catalog_session, "Feeder")
    older = Comment(model_id=model.id, author=author, body="First!", created_at=utcnow())
    hidden = Comment(
        model_id=model.id,
        author=author,
        body="Spam",
        created_at=utcnow() + timedelta(days=1),
        hidden_at=utcnow(),
    )
    newest = Comment(
        model_id=model.id,
        author=author,
        body="Price dropped",
        created_at=utcnow() + timedelta(days=3),
    )
    catalog_session.add_all([older, hidden, newest])
    catalog_session.commit()

    feed = parse_feed(client, f"{REFERENCE}/feed.atom")

    keys = [entry.findtext(f"{ATOM}id").rpartition(":")[2] for entry in entries(feed)]
    assert keys == [f"comment/{newest.id}", f"price/{change.id}", f"comment/{older.id}"]
    assert feed.findtext(f"{ATOM}title") == "Mistral Small 4: price changes and comments"
    comment = entries(feed)[0]
    assert comment.findtext(f"{ATOM}author/{ATOM}name") == "Feeder"
    assert comment.find(f"{ATOM}content").get("type") == "html"
    assert comment.findtext(f"{ATOM}content") == "<p>Price dropped</p>\n"
    assert comment.find(f"{ATOM}link").get("href").endswith(f"#comment-{newest.id}")


def test_comment_text_cannot_break_the_xml_or_inject_markup(
    client: TestClient, catalog_session: Session
) -> None:
    model = reference_endpoint(catalog_session).model
    author = make_user(catalog_session, "Mallory")
    author.display_name = 'Mal</name><script>x</script> & "co" ]]>'
    comment = Comment(model_id=model.id, author=author, body=HOSTILE, created_at=utcnow())
    catalog_session.add(comment)
    catalog_session.commit()

    response = client.get(f"{REFERENCE}/feed.atom")
    assert b"<script" not in response.content
    assert b"]]>" not in response.content
    feed = parse_feed(client, f"{REFERENCE}/feed.atom")

    entry = entries(feed)[0]
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == 'Mal</name><script>x</script> & "co" ]]>'
    html = entry.findtext(f"{ATOM}content")
    # The content is the sanitized HTML the page shows: the typed tags are text in it.
    assert "<script" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "]]&gt; &amp;" in html
    assert "\x0b" not in html and "\x1b" not in html
    assert html.endswith("tail</p>\n")


def test_model_feed_of_an_unknown_model_is_a_404(client: TestClient) -> None:
    response = client.get("/models/no-such-lab/no-such-model/feed.atom")
    assert response.status_code == 404
    assert "There is no model no-such-lab/no-such-model" in response.text


def test_model_feed_without_entries_is_still_a_valid_feed(
    client: TestClient, catalog_session: Session
) -> None:
    model = make_model(catalog_session, "quietlab/quiet")
    model.created_at = datetime(2026, 5, 1, 12, tzinfo=UTC)
    catalog_session.commit()
    feed = parse_feed(client, "/models/quietlab/quiet/feed.atom")
    assert entries(feed) == []
    assert feed.findtext(f"{ATOM}updated") == "2026-05-01T12:00:00Z"


@pytest.mark.parametrize(
    "path", ["/feeds/models.atom", "/feeds/prices.atom", f"{REFERENCE}/feed.atom"]
)
def test_a_current_copy_gets_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]

    by_tag = client.get(path, headers={"If-None-Match": etag})
    assert by_tag.status_code == 304
    assert by_tag.content == b""
    assert by_tag.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert (
        client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code
        == 200
    )


def test_pages_advertise_the_feeds(client: TestClient) -> None:
    catalog = BeautifulSoup(client.get("/").text, "html.parser")
    hrefs = {
        link["href"]
        for link in catalog.select('head link[rel="alternate"][type="application/atom+xml"]')
    }
    assert hrefs == {"/feeds/models.atom", "/feeds/prices.atom"}
    page = BeautifulSoup(client.get(REFERENCE).text, "html.parser")
    hrefs = {
        link["href"]
        for link in page.select('head link[rel="alternate"][type="application/atom+xml"]')
    }
    assert f"{REFERENCE}/feed.atom" in hrefs
    for href in hrefs:
        assert client.get(href).status_code == 200
