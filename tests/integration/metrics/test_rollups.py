"""The per-model rollups the catalog sorts and filters on."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from app.models import Author, Endpoint, Model, Price, Provider
from app.services.metrics.rollups import refresh_rollups

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _offer(
    session: Session,
    model: Model,
    provider: Provider,
    price_in: str,
    price_out: str,
    *,
    variant: str = "",
    throughput: str | None = None,
    status: str = "active",
) -> None:
    endpoint = Endpoint(
        model=model,
        provider=provider,
        variant=variant,
        provider_model_id=model.slug,
        throughput_p50=Decimal(throughput) if throughput else None,
        status=status,
    )
    session.add(
        Price(
            endpoint=endpoint,
            effective_from=NOW,
            input=Decimal(price_in),
            output=Decimal(price_out),
            source="test",
        )
    )


def _setup(session: Session) -> tuple[Author, Provider, Provider, Provider]:
    author = Author(slug="lab", name="Lab")
    host = Provider(slug="host", name="Host", kind="inference")
    other = Provider(slug="other", name="Other", kind="inference")
    router = Provider(slug="router", name="Router", kind="router")
    session.add_all([author, host, other, router])
    return author, host, other, router


def test_the_headline_price_is_one_providers_offer_never_a_router_or_free_variant(
    session: Session,
) -> None:
    author, host, other, router = _setup(session)
    model = Model(author=author, slug="lab/a", name="A")
    _offer(session, model, host, "0.15", "0.60", throughput="29")
    _offer(session, model, other, "0.188", "0.75", throughput="96")
    _offer(session, model, router, "0.10", "0.40")
    _offer(session, model, router, "0", "0", variant="free")
    session.flush()

    refresh_rollups(session=session, model_ids=[model.id])

    stored = session.get(Model, model.id)
    assert stored is not None
    # Host's input and output: not Other's output, nor the router's resale price.
    assert (stored.price_input_min, stored.price_output_min) == (Decimal("0.15"), Decimal("0.6"))
    assert stored.throughput_max == Decimal("96")
    assert stored.provider_count == 2  # routers are not providers


def test_an_offer_far_below_the_labs_own_price_does_not_set_the_headline(
    session: Session,
) -> None:
    _author, host, _other, _router = _setup(session)
    lab = Provider(slug="anthropic", name="Anthropic", kind="inference")
    anthropic = Author(slug="anthropic", name="Anthropic")
    model = Model(author=anthropic, slug="anthropic/claude-x", name="Claude X")
    _offer(session, model, lab, "2", "10")
    _offer(session, model, host, "0.5", "2.5")
    session.flush()

    refresh_rollups(session=session, model_ids=[model.id])

    stored = session.get(Model, model.id)
    assert (stored.price_input_min, stored.price_output_min) == (Decimal(2), Decimal(10))


def test_router_and_free_prices_count_when_nothing_else_is_offered(session: Session) -> None:
    author, _host, _other, router = _setup(session)
    routed = Model(author=author, slug="lab/routed", name="Routed")
    free_only = Model(author=author, slug="lab/free", name="Free")
    _offer(session, routed, router, "0.20", "0.80")
    _offer(session, free_only, router, "0", "0", variant="free")
    session.flush()

    refresh_rollups(session=session)

    assert session.get(Model, routed.id).price_input_min == Decimal("0.2")
    assert session.get(Model, free_only.id).price_input_min == Decimal(0)
    assert session.get(Model, free_only.id).throughput_max is None


def test_only_the_named_models_are_recomputed(session: Session) -> None:
    author, host, _other, _router = _setup(session)
    touched = Model(author=author, slug="lab/touched", name="Touched")
    untouched = Model(author=author, slug="lab/untouched", name="Untouched")
    _offer(session, touched, host, "1", "2")
    _offer(session, untouched, host, "3", "4")
    session.flush()

    refresh_rollups(session=session, model_ids=[touched.id])

    assert session.get(Model, touched.id).price_input_min == Decimal(1)
    assert session.get(Model, untouched.id).price_input_min is None


def test_retired_offers_leave_prices_throughput_and_count(session: Session) -> None:
    author, host, other, _router = _setup(session)
    model = Model(author=author, slug="lab/retiring", name="Retiring")
    _offer(session, model, host, "0.15", "0.60", throughput="29")
    _offer(session, model, other, "0.05", "0.20", throughput="96", status="retired")
    session.flush()

    refresh_rollups(session=session, model_ids=[model.id])

    stored = session.get(Model, model.id)
    assert stored is not None
    assert (stored.price_input_min, stored.throughput_max, stored.provider_count) == (
        Decimal("0.15"),
        Decimal("29"),
        1,
    )


def test_loaded_models_read_every_new_rollup_and_other_objects_stay_loaded(
    session: Session,
) -> None:
    author, host, other, _router = _setup(session)
    model = Model(author=author, slug="lab/loaded", name="Loaded")
    _offer(session, model, host, "2", "8", throughput="40")
    _offer(session, model, other, "1", "4", throughput="70")
    session.flush()
    endpoint = model.endpoints[0]

    refresh_rollups(session=session)

    assert "throughput_p50" in endpoint.__dict__
    assert "price_input_min" not in model.__dict__
    assert (
        model.price_input_min,
        model.price_output_min,
        model.throughput_max,
        model.provider_count,
    ) == (Decimal(1), Decimal(4), Decimal(70), 2)
