"""Reading a rendered page the way a visitor does: visible text, sections by id, table rows."""

from bs4 import BeautifulSoup, Tag


def text_of(element: Tag | None) -> str:
    """An element's visible text with whitespace collapsed, as a reader sees it."""
    assert element is not None
    return " ".join(element.get_text().split())


def section(soup: BeautifulSoup, section_id: str) -> Tag:
    """The element with `section_id`, failing the test when the page has none."""
    found = soup.find(id=section_id)
    assert isinstance(found, Tag), f"no #{section_id}"
    return found


def table_rows(table: Tag) -> dict[str, dict[str, str]]:
    """Rows of an endpoints table keyed by provider, each a column -> cell text mapping."""
    header = [text_of(th) for th in table.select("thead th")]
    rows = {}
    for tr in table.select("tbody tr"):
        cells = [text_of(cell) for cell in tr.find_all(["th", "td"])]
        rows[cells[0]] = dict(zip(header, cells, strict=True))
    return rows
