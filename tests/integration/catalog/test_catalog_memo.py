"""The catalog's lab and provider choices, remembered per content version, follow every write.

Two apps render the catalog with the page cache off, one remembering the
choices (`ComputedMemo`) and one computing them every time; after a write that
adds a lab or a provider, both must show it, in the same HTML: a choice list
remembered past the write would show as a difference, or as a filter refused.
"""

import copy

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.services.ingest.genai_import import import_genai_prices
from app.sources.genai_prices import default_providers
from tests.support.app_clients import app_client
from tests.support.community_data import make_model
from tests.support.query_counts import QueryCounter

SEARCH = {"q": "mistral", "min_context": "32k", "max_price": "5"}


def _same_page(
    memo_clients: tuple[TestClient, TestClient], params: dict[str, str]
) -> BeautifulSoup:
    remembering, computing = memo_clients
    remembered = remembering.get("/", params=params)
    computed = computing.get("/", params=params)
    assert remembered.status_code == computed.status_code == 200
    assert remembered.text == computed.text
    return BeautifulSoup(remembered.text, "html.parser")


def _choices(soup: BeautifulSoup, select_id: str) -> dict[str, str]:
    return {
        str(option["value"]): option.get_text(strip=True)
        for option in soup.select(f"#{select_id} option")
        if option["value"]
    }


def _messages(soup: BeautifulSoup) -> dict[str, str]:
    return {
        str(li["data-field"]): li.get_text(strip=True) for li in soup.select(".catalog-messages li")
    }


def test_a_new_lab_shows_and_filters_after_its_write(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session
) -> None:
    before = _same_page(memo_clients, SEARCH)
    _same_page(memo_clients, {**SEARCH, "author": "quokka-labs"})  # remembered, refused
    assert "quokka-labs" not in _choices(before, "catalog-author")

    make_model(catalog_session, "quokka-labs/quokka-1")
    catalog_session.commit()

    after = _same_page(memo_clients, SEARCH)
    assert _choices(after, "catalog-author")["quokka-labs"] == "Quokka-Labs Lab (1)"
    filtered = _same_page(memo_clients, {"author": "quokka-labs"})
    assert "author" not in _messages(filtered)
    assert [row["data-slug"] for row in filtered.select("table.model-table tbody tr")] == [
        "quokka-labs/quokka-1"
    ]


def test_a_provider_added_by_an_import_shows_at_once(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session
) -> None:
    before = _same_page(memo_clients, SEARCH)
    mistral = next(p for p in default_providers() if p.id == "mistral")
    echo = copy.deepcopy(mistral)
    echo.id, echo.name = "mistral_echo", "Mistral Echo Cloud"
    assert "mistral-echo" not in _choices(before, "catalog-provider")

    assert import_genai_prices(session=catalog_session, providers=[mistral, echo]).changed
    catalog_session.commit()

    after = _same_page(memo_clients, {**SEARCH, "provider": "mistral-echo"})
    label = _choices(after, "catalog-provider")["mistral-echo"]
    count = label.removeprefix("Mistral Echo Cloud (").removesuffix(")")
    assert 0 < int(count) <= len(mistral.models)
    assert "provider" not in _messages(after)
    assert after.select("table.model-table tbody tr")


def test_with_the_memo_off_every_view_reads_the_choices_and_not_the_version(
    settings: Settings, catalog_factory: sessionmaker[Session], count_queries: QueryCounter
) -> None:
    with app_client(settings, catalog_factory, page_cache=False, computed_memo=False) as computing:
        counts = []
        for _ in range(2):
            before = count_queries.count
            assert computing.get("/", params=SEARCH).status_code == 200
            counts.append(count_queries.statements[before:])

    assert len(counts[0]) == len(counts[1]) == 5  # labs, providers, the page; 2 savepoints
    assert not any("content_versions" in statement for statement in counts[0] + counts[1])
