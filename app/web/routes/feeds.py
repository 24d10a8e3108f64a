"""Atom feeds: new models, price changes (global and per model), new comments on a model.

The documents are built with `xml.etree.ElementTree`, which escapes every
text and attribute it writes, so user text (comment bodies, display names)
cannot close an element or a CDATA section or add markup. Comment bodies go
out as `type="html"` content: the sanitized HTML the model page shows,
escaped once more as XML text, as RFC 4287 (3.1.1.2) wants. Characters XML
1.0 does not allow at all (most C0 controls, which a comment may contain)
are dropped, since no escape can carry them.

Links and ids are absolute, built from the request's base URL: the settings
have no public-URL setting, so a proxy must pass the real Host (a spoofed
Host only changes the links in the answer to that one request; the feeds
are not cached server-side). Entry ids are tag URIs (RFC 4151) minted from
the host, the entry's own date and a database id, so they stay the same on
every fetch.

Every answer carries a strong ETag (a hash of the document) and
Last-Modified (its newest entry); a matching `If-None-Match`, or an
`If-Modified-Since` no older than the newest entry, gets 304.
"""

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

from fastapi import Header, HTTPException, Path, Request
from fastapi.responses import Response

from app.db import utcnow
from app.services.community.community_page import ModelRef
from app.services.publishing.feeds import (
    CommentEntry,
    FeedEntry,
    NewModel,
    PriceChangeEntry,
    model_feed,
    new_models,
    price_changes,
)
from app.services.publishing.watches import EventEntry, feed_owner, watched_events
from app.web.caching.etags import IfNoneMatch, etag_matches
from app.web.render.api_schemas import PAGE_UNAVAILABLE, page_error
from app.web.render.formatting import iso_date, price
from app.web.routes.deps import SessionDep
from app.web.routes.moved_models import moved_model
from app.web.routes.unit_of_work import area_router

router = area_router(tags=["feeds"])

ATOM_NS = "http://www.w3.org/2005/Atom"
SITE_NAME = "Model Atlas"
# Feed ids are tag URIs too; their date is fixed so the id never changes.
FEED_ID_YEAR = "2026"
# Clients may keep a feed this long before asking again (then revalidate with the ETag).
FEED_CACHE_CONTROL = "public, max-age=300"
# A private feed is one person's: no shared cache may keep it.
PRIVATE_FEED_CACHE_CONTROL = "private, max-age=300"

# Everything outside XML 1.0's Char production: no escape can represent these.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class AtomResponse(Response):
    """An Atom document: as the routes' `response_class` it puts the media type in /docs."""

    media_type = "application/atom+xml"


ATOM_MEDIA_TYPE = f"{AtomResponse.media_type}; charset=utf-8"

# What every feed answers besides its document (errors outside /api are HTML pages).
FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Unchanged since the copy `If-None-Match` or `If-Modified-Since` names."},
    422: page_error("Invalid parameters."),
    503: PAGE_UNAVAILABLE,
}

IfModifiedSince = Annotated[
    str | None,
    Header(description="An HTTP date: answered 304 when no entry is newer (ignored if malformed)."),
]


@router.get(
    "/feeds/models.atom",
    name="feeds.models",
    response_class=AtomResponse,
    responses=FEED_RESPONSES,
)
def models_feed(
    request: Request,
    session: SessionDep,
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> Response:
    """Models newest to the catalog."""
    entries = new_models(session=session)
    feed = _Feed(
        request, "feeds/models", "Model Atlas: new models", str(request.url_for("catalog.index"))
    )
    return feed.response(entries, _Conditions(if_none_match, if_modified_since))


@router.get(
    "/feeds/prices.atom",
    name="feeds.prices",
    response_class=AtomResponse,
    responses=FEED_RESPONSES,
)
def prices_feed(
    request: Request,
    session: SessionDep,
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> Response:
    """Price changes across the catalog, newest first."""
    entries = price_changes(session=session)
    feed = _Feed(
        request, "feeds/prices", "Model Atlas: price changes", str(request.url_for("catalog.index"))
    )
    return feed.response(entries, _Conditions(if_none_match, if_modified_since))


@router.get(
    "/models/{author_slug}/{model_slug}/feed.atom",
    name="feeds.model",
    response_class=AtomResponse,
    responses={
        301: {"description": "A model merged into another: its feed's address."},
        404: page_error("No model at this address."),
        **FEED_RESPONSES,
    },
)
def model_feed_route(
    request: Request,
    author_slug: Annotated[str, Path(examples=["mistral"])],
    model_slug: Annotated[str, Path(examples=["mistral-small-2603"])],
    session: SessionDep,
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> Response:
    """One model's price changes and new comments."""
    found = model_feed(session=session, author_slug=author_slug, model_slug=model_slug)
    if found is None:
        moved = moved_model(request, session, "feeds.model", author_slug, model_slug)
        if moved is None:
            raise HTTPException(
                404, f"There is no model {author_slug}/{model_slug} in the catalog."
            )
        return moved
    feed = _Feed(
        request,
        f"models/{found.model.slug}",
        f"{found.model.name}: price changes and comments",
        _page_url(request, found.model),
        empty_updated=found.model.created_at,
    )
    return feed.response(found.entries, _Conditions(if_none_match, if_modified_since))


@router.get(
    "/feeds/watched/{token}.atom",
    name="feeds.watched",
    response_class=AtomResponse,
    include_in_schema=False,
)
def watched_feed(
    request: Request,
    token: str,
    session: SessionDep,
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> Response:
    """One person's watched models' changes, at the secret address only they were given.

    An unknown or revoked token is 404, the same answer whichever it is.
    """
    owner = feed_owner(session=session, token=token)
    if owner is None:
        raise HTTPException(404, "There is no feed at this address.")
    entries = watched_events(session=session, user_id=owner)
    feed = _Feed(
        request,
        f"watched/{owner}",
        "Model Atlas: your watched models",
        str(request.url_for("watches.page")),
        cache_control=PRIVATE_FEED_CACHE_CONTROL,
    )
    return feed.response(entries, _Conditions(if_none_match, if_modified_since))


@dataclass(frozen=True)
class _Conditions:
    """The client's conditional request headers."""

    if_none_match: str | None
    if_modified_since: str | None


class _Feed:
    """One Atom document under construction: its identity, then its entries."""

    def __init__(
        self,
        request: Request,
        key: str,
        title: str,
        alternate: str,
        *,
        empty_updated: datetime | None = None,
        cache_control: str = FEED_CACHE_CONTROL,
    ) -> None:
        self.request = request
        self.cache_control = cache_control
        self.host = request.base_url.hostname or "localhost"
        self.key = key
        self.title = title
        self.alternate = alternate
        self.empty_updated = empty_updated

    def response(self, entries: Sequence[FeedEntry], conditions: _Conditions) -> Response:
        """The feed as an Atom response, or 304 when the client's copy is current."""
        updated = max((entry.at for entry in entries), default=self.empty_updated or utcnow())
        body = self.document(entries, updated)
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        headers = {
            "ETag": etag,
            "Last-Modified": format_datetime(updated.astimezone(UTC), usegmt=True),
            "Cache-Control": self.cache_control,
        }
        if _not_modified(conditions, etag, updated):
            return Response(status_code=304, headers=headers)
        return AtomResponse(body, media_type=ATOM_MEDIA_TYPE, headers=headers)

    def document(self, entries: Sequence[FeedEntry], updated: datetime) -> bytes:
        feed = ET.Element("feed", xmlns=ATOM_NS)
        _text(feed, "id", f"tag:{self.host},{FEED_ID_YEAR}:{self.key}")
        _text(feed, "title", self.title)
        _text(feed, "updated", _rfc3339(updated))
        ET.SubElement(feed, "link", rel="self", type="application/atom+xml", href=self._self())
        ET.SubElement(feed, "link", rel="alternate", type="text/html", href=self.alternate)
        _text(ET.SubElement(feed, "author"), "name", SITE_NAME)
        _text(feed, "generator", SITE_NAME)
        for entry in entries:
            self._entry(feed, entry)
        return ET.tostring(feed, encoding="utf-8", xml_declaration=True)

    def _self(self) -> str:
        """This feed's address without any query string."""
        return str(self.request.url.replace(query=None, fragment=None))

    def _entry(self, feed: ET.Element, entry: FeedEntry) -> None:
        element = ET.SubElement(feed, "entry")
        if isinstance(entry, NewModel):
            self._new_model(element, entry)
        elif isinstance(entry, PriceChangeEntry):
            self._price_change(element, entry)
        elif isinstance(entry, EventEntry):
            self._event(element, entry)
        else:
            self._comment(element, entry)

    def _new_model(self, element: ET.Element, entry: NewModel) -> None:
        model = entry.model
        self._identity(element, f"model/{model.slug}", entry.at)
        _text(element, "title", f"{model.name} by {model.author_name}")
        _text(element, "updated", _rfc3339(entry.at))
        _link(element, _page_url(self.request, model))
        added = f"Added to the catalog on {iso_date(entry.at)}."
        api = (
            f" Available via the {model.author_name} API since {iso_date(entry.api_available_at)}."
            if entry.api_available_at
            else ""
        )
        summary = f"{entry.summary} " if entry.summary else ""
        _text(element, "summary", f"{summary}{added}{api}", type="text")

    def _price_change(self, element: ET.Element, entry: PriceChangeEntry) -> None:
        self._identity(element, f"price/{entry.id}", entry.at)
        tier = "" if entry.tier == "standard" else f" ({entry.tier} tier)"
        moves = (
            f"input {_move(entry.input_before, entry.input_after)}, "
            f"output {_move(entry.output_before, entry.output_after)}"
        )
        _text(element, "title", f"{entry.model.name} at {entry.offer}{tier}: {moves}")
        _text(element, "updated", _rfc3339(entry.at))
        _link(element, _page_url(self.request, entry.model) + "#price-history")
        _text(
            element,
            "summary",
            f"{entry.offer} changed the {entry.tier}-tier price of {entry.model.name} on "
            f"{iso_date(entry.at)}: {moves} per 1M tokens.",
            type="text",
        )

    def _event(self, element: ET.Element, entry: EventEntry) -> None:
        self._identity(element, f"event/{entry.id}", entry.at)
        title, anchor = _event_title(entry)
        _text(element, "title", title)
        _text(element, "updated", _rfc3339(entry.at))
        _link(element, _page_url(self.request, entry.model) + anchor)
        _text(
            element,
            "summary",
            f"{title}. Seen by the {entry.source} import on {iso_date(entry.at)}.",
            type="text",
        )

    def _comment(self, element: ET.Element, entry: CommentEntry) -> None:
        self._identity(element, f"comment/{entry.id}", entry.created_at)
        who = entry.author_name or "deleted user"
        _text(element, "title", f"Comment by {who} on {entry.model.name}")
        _text(element, "published", _rfc3339(entry.created_at))
        _text(element, "updated", _rfc3339(entry.at))
        _text(ET.SubElement(element, "author"), "name", who)
        _link(element, _page_url(self.request, entry.model) + f"#comment-{entry.id}")
        _text(element, "content", str(entry.body_html), type="html")

    def _identity(self, element: ET.Element, key: str, at: datetime) -> None:
        """A tag URI that is the same on every fetch: host, the entry's date, a stored key."""
        _text(element, "id", f"tag:{self.host},{iso_date(at)}:{key}")


def _event_title(entry: EventEntry) -> tuple[str, str]:
    """What a change event says, and the section of the model page it links to."""
    details, name = entry.details, entry.model.name
    offer = details.get("provider_name", "")
    if details.get("variant"):
        offer = f"{offer} ({details['variant']})"
    if entry.kind == "price_changed":
        tier = "" if details["tier"] == "standard" else f" ({details['tier']} tier)"
        before, after = details.get("before") or {}, details.get("after") or {}
        moves = ", ".join(
            f"{column} {_move(_decimal(before.get(column)), _decimal(after.get(column)))}"
            for column in ("input", "output")
        )
        return f"{name} at {offer}{tier}: {moves} per 1M tokens", "#price-history"
    if entry.kind == "offer_added":
        return f"{name}: new offer at {offer}", "#providers"
    if entry.kind == "offer_removed":
        return f"{name}: no longer offered at {offer}", "#providers"
    if entry.kind == "deprecation_set":
        return f"{name}: deprecation date set to {details['deprecates_at']}", ""
    return f"{name}: status {details.get('before')} → {details.get('after')}", ""


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    """A child element holding `text`, stripped of what XML 1.0 cannot hold (escaped on output)."""
    element = ET.SubElement(parent, tag, attributes)
    element.text = _NOT_XML.sub("", text)
    return element


def _link(parent: ET.Element, href: str) -> None:
    ET.SubElement(parent, "link", rel="alternate", type="text/html", href=href)


def _page_url(request: Request, model: ModelRef) -> str:
    return str(
        request.url_for("models.page", author_slug=model.author_slug, model_slug=model.model_slug)
    )


def _move(before: Decimal | None, after: Decimal | None) -> str:
    """`$0.2 → $0.1`, or `$0.6 (unchanged)`."""
    if before == after:
        return f"{price(after)} (unchanged)"
    return f"{price(before)} → {price(after)}"


def _rfc3339(moment: datetime) -> str:
    """A moment as Atom dates want it (RFC 3339, UTC): `2026-03-16T00:00:00Z`."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _not_modified(conditions: _Conditions, etag: str, updated: datetime) -> bool:
    """True when the client's conditional headers say its copy is current.

    `If-None-Match` decides when present (RFC 9110 13.2.2); otherwise
    `If-Modified-Since`, compared at whole seconds as HTTP dates are.
    """
    if conditions.if_none_match is not None:
        return etag_matches(conditions.if_none_match, etag)
    if conditions.if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(conditions.if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return updated.replace(microsecond=0) <= since
