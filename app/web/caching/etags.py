"""ETags, and `If-None-Match` against one, as the page cache, the feeds and the API answer 304.

One comparison for all: the weak one RFC 9110 (13.1.2) prescribes for
`If-None-Match`, where `W/"x"` and `"x"` match whichever side is weak, and `*`
matches any current representation.

An answer not hashed as it is sent (the export, the model list) is named by
what it is made of instead (`release_etag`): the data's version and the
release whose code wrote it (`app.release`).
"""

from typing import Annotated

from fastapi import Header, Request

# Declared as a parameter where it is read, so the OpenAPI document lists it.
IfNoneMatch = Annotated[
    str | None,
    Header(description="The ETag of a copy you hold: answered 304 while it is current."),
]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when the header lists `etag` (weakly compared) or `*`; False without the header."""
    if if_none_match is None:
        return False
    ours = etag.removeprefix("W/")
    return any(
        tag == "*" or tag.removeprefix("W/") == ours
        for tag in (candidate.strip() for candidate in if_none_match.split(","))
    )


def release_etag(request: Request, kind: str, *parts: object) -> str:
    """A weak ETag for an answer of `kind` made from `parts` (a content version, a shape)
    by the release serving `request`: weak, as such answers may differ in a timestamp."""
    return 'W/"' + "-".join(str(part) for part in (kind, request.app.state.release, *parts)) + '"'
