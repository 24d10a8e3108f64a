"""`If-None-Match` against an ETag, as the page cache, the feeds and the export answer 304.

One comparison for all three: the weak one RFC 9110 (13.1.2) prescribes for
`If-None-Match`, where `W/"x"` and `"x"` match whichever side is weak, and `*`
matches any current representation.
"""

from typing import Annotated

from fastapi import Header

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
