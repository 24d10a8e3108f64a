"""The computed memo: model page parts remembered per content version, forgotten by every write.

The integration tests render the model page with the page cache off twice,
by an app with the memo and one without, and require the same HTML after
each kind of write: a stale remembered part would show as a difference.
"""

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import utcnow
from app.main import create_app
from app.models import Author, Endpoint, Model, Price, User, UserSession
from app.services.accounts.sessions import revoke_all_sessions
from app.services.community.comments import add_comment
from app.services.community.ratings import rate_model
from app.services.publishing.computed_memo import ComputedMemo
from tests.support.auth import htmx_headers, sign_up, unique_email
from tests.support.community_data import make_user
from tests.support.community_pages import MODEL_PATH
from tests.support.sample_catalog import add_throughput_samples


class Calls:
    """A computation that counts how often it ran."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        self.count += 1
        return self.count


def test_a_value_is_computed_once_per_version(session: Session) -> None:
    memo, compute = ComputedMemo(), Calls()

    assert memo.get(session, "k", 1, compute) == 1
    assert memo.get(session, "k", 1, compute) == 1
    assert memo.get(session, "k", 2, compute) == 2
    assert memo.get(session, "k", 2, compute) == 2
    assert compute.count == 2


def test_hits_and_misses_are_counted(session: Session) -> None:
    memo = ComputedMemo()
    memo.get(session, "k", 1, Calls())
    memo.get(session, "k", 1, Calls())
    memo.peek("k", 1)
    memo.peek("other", 1)

    assert (memo.hits, memo.misses) == (2, 1)


def test_a_newer_version_forgets_everything_and_an_older_one_is_not_kept(
    session: Session,
) -> None:
    memo = ComputedMemo()
    memo.get(session, "a", 5, Calls())
    memo.get(session, "b", 5, Calls())
    assert len(memo) == 2

    memo.get(session, "a", 6, Calls())
    assert len(memo) == 1

    older = Calls()
    memo.get(session, "b", 5, older)
    memo.get(session, "b", 5, older)
    assert older.count == 2
    assert len(memo) == 1


def test_off_or_inside_an_uncommitted_write_nothing_is_kept(session: Session) -> None:
    off, compute = ComputedMemo(enabled=False), Calls()
    off.get(session, "k", 1, compute)
    off.get(session, "k", 1, compute)
    assert compute.count == 2

    memo, writing = ComputedMemo(), Calls()
    session.add(Author(slug="unsaved-lab", name="Unsaved Lab"))
    memo.get(session, "k", 1, writing)
    session.flush()
    memo.get(session, "k", 1, writing)
    assert writing.count == 2
    assert len(memo) == 0


def test_a_session_only_write_does_not_stop_the_memo(session: Session) -> None:
    user = User(email="memo@example.com", display_name="Memo", password_hash="x")
    session.add(user)
    session.flush()
    session.add(
        UserSession(token_hash="0" * 64, user_id=user.id, csrf_token="c", expires_at=utcnow())
    )
    memo, compute = ComputedMemo(), Calls()

    memo.get(session, "k", 1, compute)
    memo.get(session, "k", 1, compute)

    assert compute.count == 1


class Seconds:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_computed_again_after_the_maximum_age(session: Session) -> None:
    clock, compute = Seconds(), Calls()
    memo = ComputedMemo(max_age_seconds=60, clock=clock)
    memo.get(session, "k", 1, compute)

    clock.now += 60
    assert memo.get(session, "k", 1, compute) == 1
    assert memo.peek("k", 1) == 1

    clock.now += 1
    assert memo.peek("k", 1) is None
    assert memo.get(session, "k", 1, compute) == 2
    assert memo.get(session, "k", 1, compute) == 2
    assert compute.count == 2


def test_the_oldest_entry_goes_first_when_full(session: Session) -> None:
    memo = ComputedMemo(max_entries=2)
    first = Calls()
    memo.get(session, "first", 1, first)
    memo.get(session, "second", 1, Calls())
    memo.get(session, "third", 1, Calls())
    memo.get(session, "first", 1, first)
    assert first.count == 2
    assert len(memo) == 2


def _same_page(memo_clients: tuple[TestClient, TestClient], path: str = MODEL_PATH) -> str:
    remembering, computing = memo_clients
    remembered = remembering.get(path)
    computed = computing.get(path)
    assert remembered.status_code == computed.status_code == 200
    assert remembered.text == computed.text
    return remembered.text


def _reference_model(session: Session) -> Model:
    return session.scalars(select(Model).where(Model.slug == "mistral/mistral-small-2603")).one()


def test_ratings_and_comments_show_at_once(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session
) -> None:
    before = _same_page(memo_clients)
    model = _reference_model(catalog_session)
    reader = make_user(catalog_session, "Memo Reader")
    rate_model(session=catalog_session, model_id=model.id, user_id=reader.id, stars=2)
    add_comment(
        session=catalog_session, model_id=model.id, author=reader, body="Remembered nowhere."
    )
    catalog_session.commit()

    after = _same_page(memo_clients)

    assert after != before
    assert "Remembered nowhere." in after
    assert "Remembered nowhere." not in before


def test_a_price_change_reaches_the_calculator(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session
) -> None:
    before = _same_page(memo_clients)
    model = _reference_model(catalog_session)
    prices = catalog_session.scalars(
        select(Price)
        .join(Endpoint, Endpoint.id == Price.endpoint_id)
        .where(Endpoint.model_id == model.id, Price.effective_to.is_(None))
    ).all()
    for price in prices:
        price.input = (price.input or Decimal(0)) + Decimal(7)
    catalog_session.flush()
    catalog_session.commit()

    assert _same_page(memo_clients) != before


def test_new_samples_redraw_the_charts(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session
) -> None:
    before = _same_page(memo_clients)
    model = _reference_model(catalog_session)
    now = utcnow()
    add_throughput_samples(
        catalog_session,
        catalog_session.scalars(select(Endpoint).where(Endpoint.model_id == model.id)),
        now=now,
        throughput_hours_ago=((3, 40), (2, 90), (1, 60)),
    )
    catalog_session.commit()

    after = _same_page(memo_clients)

    assert after != before
    assert after.count('class="sparkline ') > before.count('class="sparkline ')


def test_my_parts_show_controls_for_a_comment_written_since(
    client: TestClient, catalog_session: Session
) -> None:
    email = unique_email()
    sign_up(client, email=email)
    me = f"{MODEL_PATH}/community/me"
    first = client.get(me, headers=htmx_headers())
    assert first.status_code == 200
    author = catalog_session.scalars(select(User).where(User.email == email)).one()
    comment = add_comment(
        session=catalog_session,
        model_id=_reference_model(catalog_session).id,
        author=author,
        body="Mine, so I may edit it.",
    )
    catalog_session.commit()

    second = client.get(me, headers=htmx_headers())

    slot = f'id="comment-{comment.id}-controls"'
    assert slot not in first.text
    assert slot in second.text


def _signed_in_reader(client: TestClient, catalog_session: Session) -> tuple[User, str]:
    email = unique_email()
    token = sign_up(client, email=email, display_name="First Name")
    return catalog_session.scalars(select(User).where(User.email == email)).one(), token


def test_my_parts_follow_my_rating_my_name_and_my_session(
    client: TestClient, catalog_session: Session
) -> None:
    me = f"{MODEL_PATH}/community/me"
    user, csrf = _signed_in_reader(client, catalog_session)
    first = client.get(me, headers=htmx_headers()).text
    assert client.get(me, headers=htmx_headers()).text == first
    assert "First Name" in first
    assert csrf in first
    assert 'value="4" checked' not in first

    rate_model(
        session=catalog_session,
        model_id=_reference_model(catalog_session).id,
        user_id=user.id,
        stars=4,
    )
    catalog_session.commit()
    rated = client.get(me, headers=htmx_headers()).text
    assert 'value="4" checked' in rated

    user.display_name = "Second Name"
    catalog_session.commit()
    renamed = client.get(me, headers=htmx_headers()).text
    assert "Second Name" in renamed
    assert "First Name" not in renamed


def test_a_revoked_session_gets_no_remembered_parts(
    client: TestClient, catalog_session: Session
) -> None:
    me = f"{MODEL_PATH}/community/me"
    user, csrf = _signed_in_reader(client, catalog_session)
    signed_in = client.get(me, headers=htmx_headers()).text
    assert csrf in signed_in

    revoke_all_sessions(session=catalog_session, user_id=user.id)
    catalog_session.commit()
    after = client.get(me, headers=htmx_headers())

    assert after.status_code == 200
    assert csrf not in after.text
    assert "Your comment as" not in after.text
    assert "Your comment as" in signed_in


def test_two_people_never_share_their_parts(
    settings: Settings, catalog_factory: sessionmaker[Session], catalog_session: Session
) -> None:
    me = f"{MODEL_PATH}/community/me"
    app = create_app(settings)
    app.state.session_factory = catalog_factory
    with TestClient(app) as one, TestClient(app) as other:
        _, one_token = _signed_in_reader(one, catalog_session)
        _, other_token = _signed_in_reader(other, catalog_session)
        one_parts = one.get(me, headers=htmx_headers()).text
        other_parts = other.get(me, headers=htmx_headers()).text

    assert one_token in one_parts
    assert other_token in other_parts
    assert one_token not in other_parts
