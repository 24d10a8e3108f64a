"""Splitting a long list into numbered pages, the same way on every page that has them.

A page number comes from the URL, so anything can arrive: `requested_page`
turns text into a page from 1 and says why when it had to fall back, and
`locate_page` moves a page past the end to the last one, with a message,
once the list's length is known. Neither ever fails, so a bad `?page=` never
costs more than a short notice above the list.
"""

import re
from dataclasses import dataclass

MAX_PAGE = 1_000_000

_PAGE = re.compile(r"0*(?P<digits>[1-9][0-9]*)")


@dataclass(frozen=True, slots=True)
class PagePlace:
    """Where one page sits in a list of `total` items cut into pages of `size`."""

    number: int
    count: int
    size: int
    total: int
    message: str | None = None

    @property
    def offset(self) -> int:
        """How many items come before this page: the OFFSET of its query."""
        return (self.number - 1) * self.size

    @property
    def first_position(self) -> int:
        """1-based position of the first item on this page (0 when the list is empty)."""
        return self.offset + 1 if self.total else 0

    @property
    def last_position(self) -> int:
        """1-based position of the last item on this page."""
        return min(self.offset + self.size, self.total)

    @property
    def links(self) -> list[int | None]:
        """Page numbers worth a link from this page (see `page_links`)."""
        return page_links(current=self.number, count=self.count)


def requested_page(text: str | None) -> tuple[int, str | None]:
    """The page a URL value asks for, and a message when it could not be used as given.

    Blank means page 1. Numbers past `MAX_PAGE` are capped there without comment:
    they are past the end of any list, so `locate_page` sends them to the last page.
    """
    text = (text or "").strip()
    if not text:
        return 1, None
    match = _PAGE.fullmatch(text)
    if match is None:
        return 1, "Page must be a whole number from 1 — showing page 1."
    digits = match["digits"]
    return (MAX_PAGE if len(digits) > len(str(MAX_PAGE)) else min(int(digits), MAX_PAGE)), None


def locate_page(*, requested: int, total: int, page_size: int) -> PagePlace:
    """The requested page of a list of `total` items, or its last page when that is past the end.

    An empty list still has one (empty) page, so page 1 is always valid.
    """
    count = max(1, -(-total // page_size))
    if requested <= count:
        return PagePlace(number=max(1, requested), count=count, size=page_size, total=total)
    return PagePlace(
        number=count,
        count=count,
        size=page_size,
        total=total,
        message=f"That page is past the end of the list — showing the last page "
        f"({count} of {count}).",
    )


def page_links(*, current: int, count: int, around: int = 2) -> list[int | None]:
    """Pages worth a link: the first, the last and `around` either side of `current`.

    A None between two numbers stands for the pages left out there; a gap of a
    single page shows that page instead, since a link takes no more room than "…".
    """
    shown = {1, count, *range(current - around, current + around + 1)}
    links: list[int | None] = []
    previous = 0
    for number in sorted(n for n in shown if 1 <= n <= count):
        if number - previous == 2:
            links.append(previous + 1)
        elif number - previous > 2:
            links.append(None)
        links.append(number)
        previous = number
    return links
