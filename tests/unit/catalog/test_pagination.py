"""Paging a long list: reading `?page=` and placing the page in the list, never failing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.catalog.pagination import MAX_PAGE, locate_page, page_links, requested_page


@pytest.mark.parametrize(
    ("text", "page"),
    [(None, 1), ("", 1), ("  ", 1), ("3", 3), (" 3 ", 3), ("007", 7), ("9" * 400, MAX_PAGE)],
)
def test_a_usable_page_value_is_read_without_comment(text: str | None, page: int) -> None:
    assert requested_page(text) == (page, None)


@pytest.mark.parametrize("text", ["0", "-2", "000", "two", "1.5", "2e3", "\uff11", "+4"])
def test_an_unusable_page_value_falls_back_to_page_one_with_a_message(text: str) -> None:
    page, message = requested_page(text)

    assert page == 1
    assert message == "Page must be a whole number from 1 — showing page 1."


@given(st.text(max_size=40))
def test_any_page_value_reads_as_a_page_from_one(text: str) -> None:
    page, _ = requested_page(text)

    assert 1 <= page <= MAX_PAGE


def test_a_page_inside_the_list_is_placed_as_asked() -> None:
    place = locate_page(requested=3, total=23, page_size=10)

    assert (place.number, place.count, place.offset, place.message) == (3, 3, 20, None)
    assert (place.first_position, place.last_position) == (21, 23)


def test_a_page_past_the_end_is_the_last_page_with_a_message() -> None:
    place = locate_page(requested=MAX_PAGE, total=23, page_size=10)

    assert (place.number, place.offset) == (3, 20)
    assert place.message is not None and "last page (3 of 3)" in place.message


def test_an_empty_list_has_one_empty_page() -> None:
    place = locate_page(requested=1, total=0, page_size=10)

    assert (place.number, place.count, place.offset, place.message) == (1, 1, 0, None)
    assert (place.first_position, place.last_position) == (0, 0)
    assert place.links == [1]


@pytest.mark.parametrize(
    ("current", "count", "links"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),
        (10, 10, [1, None, 8, 9, 10]),
        (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),
    ],
)
def test_page_links_show_the_ends_and_the_neighbourhood(
    current: int, count: int, links: list[int | None]
) -> None:
    assert page_links(current=current, count=count) == links
