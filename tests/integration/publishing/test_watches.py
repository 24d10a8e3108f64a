"""Watching models: the button, change events from a real import, the private feed, webhooks.

Webhooks post to a real HTTP receiver on 127.0.0.1 (allowed by the loopback
setting, as in any test); every delivery run is the one `modelatlas deliver`
makes, with the clock moved by the test to reach the retries.
"""

import copy
import hashlib
import hmac
import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from genai_prices.types import ModelPrice
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.models import (
    ChangeEvent,
    Endpoint,
    FeedToken,
    Model,
    Price,
    User,
    Watch,
    Webhook,
    WebhookDelivery,
)
from app.services.catalog.model_redirects import merge_models
from app.services.ingest.genai_import import import_genai_prices
from app.services.publishing import watches
from app.services.publishing.change_events import record_changes, watched_state
from app.services.publishing.webhook_delivery import SIGNATURE_HEADER, DeliveryReport, deliver_due
from app.services.publishing.webhooks import enable_webhook
from app.sources.genai_prices import default_providers
from tests.support.app_clients import app_client
from tests.support.auth import PASSWORD, htmx_headers, other_client, sign_up, unique_email
from tests.support.community_pages import find, parse
from tests.support.page_text import text_of
from tests.support.query_counts import QueryCounter
from tests.support.webhook_receiver import webhook_receiver

MODEL = "mistral/mistral-small-2603"
MODEL_PATH = f"/models/{MODEL}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    """Settings of a test install: webhooks may post to the local receiver, retries are quick."""
    return settings.model_copy(
        update={
            "webhooks_allow_loopback": True,
            "webhook_retry_base_seconds": 60.0,
            "webhook_max_attempts": 5,
            "webhook_disable_after_failures": 3,
            "webhook_timeout_seconds": 2.0,
        }
    )


@pytest.fixture
def hook_client(
    hook_settings: Settings, catalog_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    with app_client(hook_settings, catalog_factory) as test_client:
        yield test_client


def watch(client: TestClient, token: str, slug: str = MODEL, on: bool = True) -> None:
    response = client.post(
        f"/models/{slug}/watch", data={"watch": "1" if on else "0"}, headers=htmx_headers(token)
    )
    assert response.status_code == 200, response.text[:300]


def user_id(factory: sessionmaker[Session], email: str) -> int:
    with factory() as session:
        found = session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def import_openrouter_price(
    factory: sessionmaker[Session], price: ModelPrice | None, at: datetime
) -> list[ChangeEvent]:
    """A genai-prices import of the packaged data, with the reference model's OpenRouter price
    replaced (or as packaged when `price` is None); the events it recorded."""
    providers = copy.deepcopy(default_providers())
    if price is not None:
        entry = next(
            m
            for p in providers
            if p.id == "openrouter"
            for m in p.models
            if m.id == "mistralai/mistral-small-2603"
        )
        entry.prices = price
    with factory() as session:
        import_genai_prices(session=session, providers=providers, now=at)
        session.commit()
        return list(
            session.scalars(
                select(ChangeEvent).where(ChangeEvent.occurred_at == at).order_by(ChangeEvent.id)
            )
        )


def change_a_price(factory: sessionmaker[Session], at: datetime) -> list[ChangeEvent]:
    """Raise the reference model's first open standard price by $1 input, as an import would."""
    with factory() as session:
        before = watched_state(session)
        open_price = session.scalars(
            select(Price)
            .join(Endpoint, Endpoint.id == Price.endpoint_id)
            .join(Model, Model.id == Endpoint.model_id)
            .where(Model.slug == MODEL, Price.effective_to.is_(None))
            .order_by(Price.id)
        ).first()
        assert open_price is not None
        open_price.effective_to = at
        session.add(
            Price(
                endpoint_id=open_price.endpoint_id,
                service_tier=open_price.service_tier,
                effective_from=at,
                input=(open_price.input or Decimal(0)) + 1,
                output=open_price.output,
                source="test",
            )
        )
        session.flush()
        events = record_changes(session=session, before=before, source="test", at=at)
        session.commit()
        return events


def add_webhook(client: TestClient, token: str, url: str) -> tuple[int, str]:
    """Add a webhook through the page's form; its id and the secret shown once."""
    response = client.post("/account/watches/webhooks", data={"csrf_token": token, "url": url})
    assert response.status_code == 200, response.text[:500]
    field = find(parse(response), "input[id$='-secret']")
    webhook_id = int(field["id"].removeprefix("webhook-").removesuffix("-secret"))
    return webhook_id, field["value"]


def deliver(
    factory: sessionmaker[Session], settings: Settings, at: datetime, **options: object
) -> DeliveryReport:
    return deliver_due(session_factory=factory, settings=settings, clock=lambda: at, **options)


def delivery_rows(factory: sessionmaker[Session], webhook_id: int) -> list[WebhookDelivery]:
    with factory() as session:
        return list(
            session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.webhook_id == webhook_id)
                .order_by(WebhookDelivery.id)
            )
        )


def webhook_row(factory: sessionmaker[Session], webhook_id: int) -> Webhook:
    with factory() as session:
        found = session.get(Webhook, webhook_id)
        assert found is not None
        return found


# --- the button ---------------------------------------------------------------------------


def test_the_model_page_carries_the_same_watch_slot_for_everyone(client: TestClient) -> None:
    anonymous = find(parse(client.get(MODEL_PATH)), "#watch-model")
    token = sign_up(client)
    watch(client, token)

    signed_in = find(parse(client.get(MODEL_PATH)), "#watch-model")

    assert str(signed_in) == str(anonymous)
    assert anonymous["hx-get"] == f"{MODEL_PATH}/watch"
    assert find(anonymous, "a")["href"] == f"{MODEL_PATH}/watch"


def test_watch_and_unwatch_with_htmx(client: TestClient) -> None:
    anonymous = client.get(f"{MODEL_PATH}/watch", headers=htmx_headers())
    assert "Sign in" in text_of(find(parse(anonymous), "#watch-model"))
    token = sign_up(client)

    fresh = parse(client.get(f"{MODEL_PATH}/watch", headers=htmx_headers()))
    assert text_of(find(fresh, ".watch-button")).startswith("Watch")
    watched = client.post(f"{MODEL_PATH}/watch", data={"watch": "1"}, headers=htmx_headers(token))
    button = find(parse(watched), ".watch-button")
    assert text_of(button).startswith("Unwatch") and button["aria-pressed"] == "true"
    assert "private" in watched.headers["cache-control"]
    listed = parse(client.get("/account/watches"))
    assert "Mistral Small 4" in text_of(find(listed, "#watched-models"))

    unwatched = client.post(f"{MODEL_PATH}/watch", data={"watch": "0"}, headers=htmx_headers(token))
    assert text_of(find(parse(unwatched), ".watch-button")).startswith("Watch")
    assert "You watch no model yet" in client.get("/account/watches").text


def test_watching_works_without_javascript(client: TestClient) -> None:
    assert client.get(f"{MODEL_PATH}/watch", follow_redirects=False).status_code == 303
    token = sign_up(client)
    page = parse(client.get(f"{MODEL_PATH}/watch"))
    form = find(page, ".watch-form")

    response = client.post(
        form["action"], data={"csrf_token": token, "watch": "1"}, follow_redirects=False
    )

    assert response.status_code == 303 and response.headers["location"] == MODEL_PATH
    assert "Mistral Small 4" in client.get("/account/watches").text


def test_watch_changes_need_the_csrf_token_and_a_real_model(client: TestClient) -> None:
    token = sign_up(client)

    forged = client.post(f"{MODEL_PATH}/watch", data={"watch": "1"}, headers=htmx_headers())
    missing = client.post(
        "/models/nobody/nothing/watch", data={"watch": "1"}, headers=htmx_headers(token)
    )
    odd = client.post(f"{MODEL_PATH}/watch", data={"watch": "2"}, headers=htmx_headers(token))

    assert forged.status_code == 403
    assert missing.status_code == 404
    assert odd.status_code == 422
    assert "You watch no model yet" in client.get("/account/watches").text


def test_watch_changes_are_rate_limited(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    with app_client(settings, catalog_factory, rate_limit_watches_per_user="2/hour") as client:
        token = sign_up(client)
        for on in (True, False):
            watch(client, token, on=on)
        over = client.post(f"{MODEL_PATH}/watch", data={"watch": "1"}, headers=htmx_headers(token))

    assert over.status_code == 429
    assert "Retry-After" in over.headers


# --- events and the feed ------------------------------------------------------------------


def test_an_import_that_changes_a_price_records_one_event_shown_in_the_feed(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    token = sign_up(client)
    watch(client, token)
    first = datetime.now(UTC) + timedelta(hours=1)
    assert import_openrouter_price(catalog_factory, None, first) == []

    events = import_openrouter_price(
        catalog_factory, ModelPrice(input_mtok=Decimal("0.2"), output_mtok=Decimal("0.6")), first
    )

    [event] = events
    assert event.kind == "price_changed"
    assert event.details["provider"] == "openrouter"
    assert event.details["tier"] == "standard"
    assert (event.details["before"]["input"], event.details["after"]["input"]) == ("0.15", "0.2")
    again = first + timedelta(hours=1)
    assert (
        import_openrouter_price(
            catalog_factory,
            ModelPrice(input_mtok=Decimal("0.2"), output_mtok=Decimal("0.6")),
            again,
        )
        == []
    )

    made = client.post("/account/watches/feed", data={"csrf_token": token})
    feed_url = find(parse(made), "#feed-url")["value"]
    feed = client.get(urlsplit(feed_url).path)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert feed.headers["cache-control"].startswith("private")
    document = ET.fromstring(feed.content)  # noqa: S314 - our own output
    titles = [entry.findtext(f"{ATOM}title") for entry in document.iter(f"{ATOM}entry")]
    assert titles == [
        "Mistral Small 4 at OpenRouter: input $0.15 → $0.20, output $0.60 (unchanged) per 1M tokens"
    ]


def test_the_feed_address_is_secret_and_revocable(client: TestClient) -> None:
    token = sign_up(client)
    first = urlsplit(
        find(parse(client.post("/account/watches/feed", data={"csrf_token": token})), "#feed-url")[
            "value"
        ]
    ).path
    assert client.get(first).status_code == 200
    assert "#feed-url" not in str(parse(client.get("/account/watches")).select("#feed-url"))

    second = urlsplit(
        find(parse(client.post("/account/watches/feed", data={"csrf_token": token})), "#feed-url")[
            "value"
        ]
    ).path
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200

    client.post("/account/watches/feed/revoke", data={"csrf_token": token})
    assert client.get(second).status_code == 404
    assert client.get("/feeds/watched/not-a-token.atom").status_code == 404


# --- webhooks -----------------------------------------------------------------------------


def test_a_webhook_gets_a_correctly_signed_body(
    hook_client: TestClient, hook_settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    token = sign_up(hook_client)
    watch(hook_client, token)
    at = datetime.now(UTC)
    with webhook_receiver() as receiver:
        webhook_id, secret = add_webhook(hook_client, token, receiver.url)
        [event] = change_a_price(catalog_factory, at)

        report = deliver(catalog_factory, hook_settings, at)

        [received] = receiver.received
    assert (report.attempted, report.delivered) == (1, 1)
    assert received.path == "/hook"
    assert received.headers["content-type"] == "application/json"
    assert received.headers["x-modelatlas-event"] == "price_changed"
    stamp, mac = received.headers[SIGNATURE_HEADER.lower()].split(",")
    assert stamp == f"t={int(at.timestamp())}"
    expected = hmac.new(
        secret.encode(), f"{int(at.timestamp())}.".encode() + received.body, hashlib.sha256
    ).hexdigest()
    assert mac == f"sha256={expected}"
    body = json.loads(received.body)
    assert body["id"] == event.id and body["type"] == "price_changed"
    assert body["model"] == {"slug": MODEL, "name": "Mistral Small 4"}
    assert body["details"]["after"]["input"] == event.details["after"]["input"]
    [delivery] = delivery_rows(catalog_factory, webhook_id)
    assert (delivery.state, delivery.status_code, delivery.attempts) == ("delivered", 200, 1)
    log = parse(hook_client.get("/account/watches"))
    assert "price changed" in text_of(find(log, f"#webhook-{webhook_id} .delivery-log"))
    assert deliver(catalog_factory, hook_settings, at + timedelta(days=1)).attempted == 0


def test_failed_deliveries_are_retried_with_growing_waits(
    hook_client: TestClient, hook_settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    token = sign_up(hook_client)
    watch(hook_client, token)
    start = datetime.now(UTC)
    with webhook_receiver(statuses=[500, 503]) as receiver:
        webhook_id, _ = add_webhook(hook_client, token, receiver.url)
        change_a_price(catalog_factory, start)

        first = deliver(catalog_factory, hook_settings, start)
        [delivery] = delivery_rows(catalog_factory, webhook_id)
        assert (first.failed, delivery.status_code, delivery.state) == (1, 500, "pending")
        assert delivery.next_attempt_at == start + timedelta(seconds=60)
        assert deliver(catalog_factory, hook_settings, start + timedelta(seconds=59)).attempted == 0

        second_at = start + timedelta(seconds=60)
        assert deliver(catalog_factory, hook_settings, second_at).failed == 1
        [delivery] = delivery_rows(catalog_factory, webhook_id)
        assert delivery.next_attempt_at == second_at + timedelta(seconds=120)

        third = deliver(catalog_factory, hook_settings, second_at + timedelta(seconds=120))

        bodies = {r.body for r in receiver.received}
        deliveries = {r.headers["x-modelatlas-delivery"] for r in receiver.received}
    assert third.delivered == 1
    assert len(receiver.received) == 3 and len(bodies) == 1 and len(deliveries) == 1
    [delivery] = delivery_rows(catalog_factory, webhook_id)
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("delivered", 3, 200)
    assert webhook_row(catalog_factory, webhook_id).consecutive_failures == 0


def test_a_webhook_that_keeps_failing_is_disabled_and_can_be_enabled_again(
    hook_client: TestClient, hook_settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    token = sign_up(hook_client, email=email)
    watch(hook_client, token)
    at = datetime.now(UTC)
    with webhook_receiver(statuses=[500] * 3) as receiver:
        webhook_id, _ = add_webhook(hook_client, token, receiver.url)
        change_a_price(catalog_factory, at)
        change_a_price(catalog_factory, at + timedelta(seconds=1))

        # Two events: 2 failures in the first run, the third disables the webhook.
        assert deliver(catalog_factory, hook_settings, at + timedelta(seconds=1)).failed == 2
        report = deliver(catalog_factory, hook_settings, at + timedelta(minutes=2))

        assert (report.attempted, report.disabled) == (1, [webhook_id])
        hook = webhook_row(catalog_factory, webhook_id)
        assert not hook.enabled and hook.consecutive_failures == 3
        assert "3 failed deliveries in a row" in (hook.disabled_reason or "")
        assert "HTTP 500" in (hook.disabled_reason or "")
        assert deliver(catalog_factory, hook_settings, at + timedelta(hours=1)).attempted == 0
        page = parse(hook_client.get("/account/watches"))
        assert "failed deliveries in a row" in text_of(find(page, f"#webhook-{webhook_id}"))

        with catalog_factory() as session:
            enable_webhook(
                session=session, user_id=user_id(catalog_factory, email), webhook_id=webhook_id
            )
            session.commit()
        resumed = deliver(catalog_factory, hook_settings, at + timedelta(hours=1))
    assert (resumed.attempted, resumed.delivered) == (2, 2)
    assert len(receiver.received) == 5


def test_a_delivery_is_given_up_after_its_last_attempt(
    hook_client: TestClient, hook_settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    settings = hook_settings.model_copy(
        update={"webhook_max_attempts": 2, "webhook_disable_after_failures": 10}
    )
    token = sign_up(hook_client)
    watch(hook_client, token)
    at = datetime.now(UTC)
    with webhook_receiver(statuses=[500] * 5) as receiver:
        webhook_id, _ = add_webhook(hook_client, token, receiver.url)
        change_a_price(catalog_factory, at)
        deliver(catalog_factory, settings, at)
        final = deliver(catalog_factory, settings, at + timedelta(minutes=1))
        later = deliver(catalog_factory, settings, at + timedelta(days=1))

    assert final.given_up == 1 and later.attempted == 0
    [delivery] = delivery_rows(catalog_factory, webhook_id)
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    assert len(receiver.received) == 2


def test_private_addresses_are_refused_when_added_and_when_sent_to(
    hook_client: TestClient, hook_settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    token = sign_up(hook_client, email=email)
    watch(hook_client, token)
    refused = hook_client.post(
        "/account/watches/webhooks", data={"csrf_token": token, "url": "http://10.0.0.1/hook"}
    )
    assert refused.status_code == 422
    assert "10.0.0.1 is a private address" in text_of(find(parse(refused), "#webhook-url-error"))
    # A name that resolved elsewhere when added, and to a private address at send time.
    webhook_id, _ = add_webhook(hook_client, token, "https://hooks.example.test/in")
    at = datetime.now(UTC)
    change_a_price(catalog_factory, at)
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(f"{host}:{port}")
        return ["192.168.7.7"]

    report = deliver(catalog_factory, hook_settings, at, resolver=resolver)

    assert asked == ["hooks.example.test:443"]
    assert report.failed == 1
    [delivery] = delivery_rows(catalog_factory, webhook_id)
    assert delivery.status_code is None
    assert delivery.error == (
        "Refused: hooks.example.test resolves to 192.168.7.7 is a private address"
    )


def test_loopback_is_refused_without_the_setting(
    hook_client: TestClient, settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    token = sign_up(hook_client)
    watch(hook_client, token)
    with webhook_receiver() as receiver:
        webhook_id, _ = add_webhook(hook_client, token, receiver.url)
        at = datetime.now(UTC)
        change_a_price(catalog_factory, at)

        deliver(catalog_factory, settings, at)

    assert receiver.received == []
    [delivery] = delivery_rows(catalog_factory, webhook_id)
    assert delivery.error == "Refused: only https:// addresses are posted to."


# --- what happens to watches with their model or their owner --------------------------------


def test_a_merged_models_watchers_watch_the_model_it_became(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email, both_email = unique_email(), unique_email()
    watch(client, sign_up(client, email=email), "openai/gpt-4o-mini")
    both = other_client(client)
    both_token = sign_up(both, email=both_email)
    for slug in ("openai/gpt-4o-mini", "openai/gpt-4o"):
        watch(both, both_token, slug)
    with catalog_factory() as session:
        old = session.scalars(select(Model).where(Model.slug == "openai/gpt-4o-mini")).one()
        canonical = session.scalars(select(Model).where(Model.slug == "openai/gpt-4o")).one()
        canonical_id = canonical.id

        merge_models(session=session, old=old, canonical=canonical)
        session.commit()

    with catalog_factory() as session:
        for who in (email, both_email):
            watched = session.scalars(
                select(Watch.model_id).where(Watch.user_id == user_id(catalog_factory, who))
            ).all()
            assert watched == [canonical_id]


def test_deleting_the_account_deletes_its_watches_feed_and_webhooks(
    hook_client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    token = sign_up(hook_client, email=email)
    watch(hook_client, token)
    hook_client.post("/account/watches/feed", data={"csrf_token": token})
    add_webhook(hook_client, token, "https://hooks.example.test/in")
    owner = user_id(catalog_factory, email)

    deleted = hook_client.post(
        "/account/delete",
        data={"csrf_token": token, "password": PASSWORD},
        follow_redirects=False,
    )

    assert deleted.status_code == 303
    with catalog_factory() as session:
        for table in (Watch, FeedToken, Webhook):
            assert session.scalars(select(table).where(table.user_id == owner)).all() == []


def test_the_request_log_leaves_the_feed_token_out(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = sign_up(client)
    made = client.post("/account/watches/feed", data={"csrf_token": token})
    path = urlsplit(find(parse(made), "#feed-url")["value"]).path
    secret = path.removeprefix("/feeds/watched/").removesuffix(".atom")

    with caplog.at_level(logging.INFO, logger="app.requests"):
        assert client.get(path).status_code == 200

    lines = [record.getMessage() for record in caplog.records if record.name == "app.requests"]
    assert any('"/feeds/watched/[redacted]"' in line for line in lines)
    assert not any(secret in line for line in lines)


def test_an_anonymous_visitors_button_costs_no_query(
    client: TestClient, count_queries: QueryCounter
) -> None:
    client.get("/")  # the app's first request reads what it caches for later ones
    count_queries.statements.clear()

    response = client.get(f"{MODEL_PATH}/watch", headers=htmx_headers())

    assert response.status_code == 200
    assert find(parse(response), "#watch-model a")["href"] == f"/login?next={MODEL_PATH}"
    assert [s for s in count_queries.statements if "SAVEPOINT" not in s] == []


def test_watching_more_models_than_allowed_is_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watches, "MAX_WATCHES_PER_USER", 1)
    token = sign_up(client)
    watch(client, token)

    refused = client.post(
        "/models/openai/gpt-4o/watch", data={"watch": "1"}, headers=htmx_headers(token)
    )

    assert refused.status_code == 409
    assert "up to 1 models" in text_of(find(parse(refused), "#watch-model [role=alert]"))
    assert text_of(find(parse(refused), ".watch-button")).startswith("Watch")
