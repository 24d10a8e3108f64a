"""Popularity refresh against a fake Hugging Face Hub: a real HTTP server on 127.0.0.1."""

import socket
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Author, Model, PopularitySignal
from app.services.ingest.popularity import refresh_popularity
from tests.support.fake_hub import FakeHub

NOW = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
EARLIER = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_request_log() -> None:
    FakeHub.requests.clear()


def _settings(base_url: str, **overrides: object) -> Settings:
    return Settings(environment="test", hf_base_url=base_url, hf_timeout_seconds=0.5, **overrides)


def _models(session: Session, repos: dict[str, str | None]) -> dict[str, Model]:
    """One model per slug with the given Hub repository; open weights unless the slug says so."""
    author = Author(slug="hub-lab", name="Hub Lab")
    models = {
        slug: Model(
            author=author,
            slug=f"hub-lab/{slug}",
            name=slug,
            weights="closed" if slug.startswith("closed") else "open",
            hf_repo_id=repo,
        )
        for slug, repo in repos.items()
    }
    session.add_all(models.values())
    session.flush()
    return models


def _signals(session: Session) -> dict[str, tuple[int | None, int | None, datetime]]:
    session.expire_all()
    rows = session.execute(
        select(Model.slug, PopularitySignal)
        .join(PopularitySignal, PopularitySignal.model_id == Model.id)
        .where(PopularitySignal.source == "huggingface")
    )
    return {slug: (s.downloads, s.likes, s.measured_at) for slug, s in rows}


def test_open_weight_models_get_downloads_and_likes(session: Session, hub_url: str) -> None:
    _models(
        session,
        {"popular": "lab/popular", "closed-one": "lab/renewed", "no-repo": None, "blank": ""},
    )

    counts = refresh_popularity(session=session, settings=_settings(hub_url), now=NOW)

    assert counts == {"polled": 1, "updated": 1, "failed": 0}
    assert _signals(session) == {"hub-lab/popular": (1234, 56, NOW)}
    ((path, query, authorization),) = FakeHub.requests
    assert path == "/api/models/lab/popular"
    assert query == {"expand": ["downloads", "likes"]}
    assert authorization is None


def test_existing_signal_is_updated_not_duplicated(session: Session, hub_url: str) -> None:
    models = _models(session, {"renewed": "lab/renewed"})
    session.add(
        PopularitySignal(
            model_id=models["renewed"].id,
            source="huggingface",
            downloads=10,
            likes=1,
            measured_at=EARLIER,
        )
    )
    session.flush()

    refresh_popularity(session=session, settings=_settings(hub_url), now=NOW)
    refresh_popularity(session=session, settings=_settings(hub_url), now=NOW)

    assert _signals(session) == {"hub-lab/renewed": (900, 7, NOW)}
    assert session.query(PopularitySignal).count() == 1


def test_each_failing_repository_is_counted_and_keeps_its_previous_figures(
    session: Session, hub_url: str
) -> None:
    models = _models(
        session,
        {
            "popular": "lab/popular",
            "missing": "lab/missing",
            "broken": "lab/broken",
            "garbage": "lab/garbage",
            "wrong-type": "lab/wrong-type",
            "slow": "lab/slow",
            "huge": "lab/huge",
        },
    )
    session.add(
        PopularitySignal(
            model_id=models["broken"].id,
            source="huggingface",
            downloads=10,
            likes=2,
            measured_at=EARLIER,
        )
    )
    session.flush()

    counts = refresh_popularity(session=session, settings=_settings(hub_url), now=NOW)

    assert counts == {
        "polled": 7,
        "updated": 1,
        "failed": 6,
        "failed_http_404": 1,
        "failed_http_500": 1,
        "failed_invalid_response": 2,
        "failed_timeout": 1,
        "failed_too_large": 1,
    }
    assert _signals(session) == {
        "hub-lab/popular": (1234, 56, NOW),
        "hub-lab/broken": (10, 2, EARLIER),
    }


def test_models_sharing_a_repository_share_one_request(session: Session, hub_url: str) -> None:
    _models(session, {"popular": "lab/popular", "popular-alias": "lab/popular"})

    counts = refresh_popularity(session=session, settings=_settings(hub_url), now=NOW)

    assert counts == {"polled": 1, "updated": 2, "failed": 0}
    assert len(FakeHub.requests) == 1
    assert set(_signals(session)) == {"hub-lab/popular", "hub-lab/popular-alias"}


def test_token_is_sent_as_a_bearer_token(session: Session, hub_url: str) -> None:
    _models(session, {"popular": "lab/popular"})

    refresh_popularity(session=session, settings=_settings(hub_url, hf_token="hf_x"), now=NOW)

    assert [authorization for _, _, authorization in FakeHub.requests] == ["Bearer hf_x"]


def test_an_unreachable_hub_fails_every_repository_without_raising(session: Session) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    _models(session, {"popular": "lab/popular", "renewed": "lab/renewed"})

    counts = refresh_popularity(
        session=session, settings=_settings(f"http://127.0.0.1:{closed_port}"), now=NOW
    )

    assert counts == {"polled": 2, "updated": 0, "failed": 2, "failed_unreachable": 2}
    assert _signals(session) == {}


def test_a_malformed_hub_address_fails_every_repository_without_raising(
    session: Session,
) -> None:
    _models(session, {"popular": "lab/popular"})

    counts = refresh_popularity(session=session, settings=_settings("http://256.1.1.1"), now=NOW)

    assert counts == {"polled": 1, "updated": 0, "failed": 1, "failed_invalid_base_url": 1}


def test_no_open_weight_models_means_no_requests(session: Session, hub_url: str) -> None:
    _models(session, {"closed-model": "lab/popular"})

    counts = refresh_popularity(session=session, settings=_settings(hub_url), now=NOW)

    assert counts == {"polled": 0, "updated": 0, "failed": 0}
    assert FakeHub.requests == []
