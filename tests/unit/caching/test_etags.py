"""The If-None-Match comparison shared by the page cache, the feeds and the export."""

import pytest

from app.web.caching.etags import etag_matches


@pytest.mark.parametrize(
    ("header", "etag", "matches"),
    [
        ('"abc"', '"abc"', True),
        ('"x", W/"abc"', '"abc"', True),
        ('W/"abc"', 'W/"abc"', True),
        ('"x", W/"abc"', 'W/"abc"', True),
        ('"abc"', 'W/"abc"', True),
        ("*", '"abc"', True),
        (' "x" ,  "abc" ', '"abc"', True),
        ('"abcd"', '"abc"', False),
        ('"x", "y"', 'W/"abc"', False),
        ("", '"abc"', False),
        (None, '"abc"', False),
    ],
)
def test_if_none_match_is_compared_weakly(header: str | None, etag: str, matches: bool) -> None:
    assert etag_matches(header, etag) is matches
