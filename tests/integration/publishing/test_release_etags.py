"""ETags that outlive a process name the release that made the answer (`app.release`).

A client keeps the export or the model list with its ETag across our deploys.
The data may be unchanged while the new release writes it differently, so
a copy made by the previous release must be sent again in full, not
answered 304. Two apps on one database stand for two releases: the second
is built with another fingerprint, as a deploy with changed code would be.
"""

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app import main
from app.config import Settings
from tests.support.app_clients import app_client

NEXT_RELEASE = "0123456789ab"


@pytest.mark.parametrize("path", ["/api/v1/models", "/api/v1/export"])
def test_a_copy_made_by_the_previous_release_is_sent_again(
    path: str,
    settings: Settings,
    catalog_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with app_client(settings, catalog_factory) as previous:
        kept = previous.get(path)
        unchanged = previous.get(path, headers={"If-None-Match": kept.headers["ETag"]})
        assert unchanged.status_code == 304

    monkeypatch.setattr(main, "release_fingerprint", lambda _static: NEXT_RELEASE)
    with app_client(settings, catalog_factory) as deployed:
        answer = deployed.get(path, headers={"If-None-Match": kept.headers["ETag"]})
        assert answer.status_code == 200
        assert NEXT_RELEASE in answer.headers["ETag"]
        assert answer.headers["ETag"] != kept.headers["ETag"]
        again = deployed.get(path, headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304
