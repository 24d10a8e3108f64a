"""Ratings services: parsing stars, one row per person and model, the summary's figures."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Rating
from app.services.community.community_page import load_rating_summary
from app.services.community.ratings import InvalidRatingError, parse_stars, rate_model, rating_of
from tests.support.community_data import make_model, make_user


@pytest.mark.parametrize(("raw", "stars"), [("1", 1), ("5", 5), (" 4 ", 4)])
def test_parse_stars_accepts_one_to_five(raw: str, stars: int) -> None:
    assert parse_stars(raw) == stars


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "Choose from 1 to 5 stars."),
        ("", "Choose from 1 to 5 stars."),
        ("0", "A rating is a whole number of stars from 1 to 5."),
        ("6", "A rating is a whole number of stars from 1 to 5."),
        ("-1", "A rating is a whole number of stars from 1 to 5."),
        ("4.5", "A rating is a whole number of stars from 1 to 5."),
        ("٤", "A rating is a whole number of stars from 1 to 5."),
        ("five", "A rating is a whole number of stars from 1 to 5."),
        ("9" * 400, "A rating is a whole number of stars from 1 to 5."),
    ],
)
def test_parse_stars_refuses_anything_else(raw: str | None, message: str) -> None:
    with pytest.raises(InvalidRatingError) as refused:
        parse_stars(raw)
    assert str(refused.value) == message


def test_rating_again_updates_the_one_row(session: Session) -> None:
    model = make_model(session)
    ada = make_user(session, "Ada")
    rate_model(session=session, model_id=model.id, user_id=ada.id, stars=2)
    first = session.scalars(select(Rating)).one()
    created_at = first.created_at
    rate_model(session=session, model_id=model.id, user_id=ada.id, stars=5)
    session.expire_all()
    rows = session.scalars(select(Rating)).all()
    assert [(row.user_id, row.stars) for row in rows] == [(ada.id, 5)]
    assert rows[0].created_at == created_at
    assert rows[0].updated_at >= created_at
    assert rating_of(session=session, model_id=model.id, user_id=ada.id) == 5


def test_rating_of_is_none_before_rating_and_per_model(session: Session) -> None:
    rated, other = make_model(session, "lab/rated"), make_model(session, "lab/other")
    ada = make_user(session, "Ada")
    rate_model(session=session, model_id=rated.id, user_id=ada.id, stars=3)
    assert rating_of(session=session, model_id=other.id, user_id=ada.id) is None
    assert rating_of(session=session, model_id=rated.id, user_id=ada.id) == 3


def test_rate_model_refuses_out_of_range_stars(session: Session) -> None:
    model = make_model(session)
    ada = make_user(session, "Ada")
    with pytest.raises(InvalidRatingError):
        rate_model(session=session, model_id=model.id, user_id=ada.id, stars=6)
    assert session.scalar(select(func.count()).select_from(Rating)) == 0


def test_summary_counts_averages_and_histograms(session: Session) -> None:
    model, other = make_model(session, "lab/rated"), make_model(session, "lab/other")
    for number, stars in enumerate([5, 5, 4, 2, 5, 1], start=1):
        user = make_user(session, f"User{number}")
        rate_model(session=session, model_id=model.id, user_id=user.id, stars=stars)
        rate_model(session=session, model_id=other.id, user_id=user.id, stars=1)
    summary = load_rating_summary(session=session, model_id=model.id)
    assert summary.count == 6
    assert summary.average == Decimal("3.7")  # 22 / 6 = 3.666...
    assert [(bar.stars, bar.count) for bar in summary.histogram] == [
        (5, 3),
        (4, 1),
        (3, 0),
        (2, 1),
        (1, 1),
    ]


def test_summary_of_an_unrated_model(session: Session) -> None:
    summary = load_rating_summary(session=session, model_id=make_model(session).id)
    assert summary.count == 0
    assert summary.average is None
    assert [bar.count for bar in summary.histogram] == [0, 0, 0, 0, 0]


def test_average_rounds_half_up(session: Session) -> None:
    model = make_model(session)
    for number, stars in enumerate([4, 5, 4, 4], start=1):  # 17 / 4 = 4.25
        user = make_user(session, f"User{number}")
        rate_model(session=session, model_id=model.id, user_id=user.id, stars=stars)
    assert load_rating_summary(session=session, model_id=model.id).average == Decimal("4.3")
