"""Display names and comments refuse the same text-direction controls and keep the same marks."""

import pytest

from app.services.accounts.account_actions import display_name_problem
from app.services.community.comments import InvalidCommentError, clean_body
from app.services.community.direction_controls import DIRECTION_CONTROLS, first_direction_control

EXPLICIT_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
IMPLICIT_MARKS = {"LRM": "\u200e", "RLM": "\u200f", "ALM": "\u061c"}


def test_the_refused_set_is_the_explicit_formatting_characters_of_uax_9() -> None:
    assert frozenset(EXPLICIT_CONTROLS) == DIRECTION_CONTROLS


@pytest.mark.parametrize("control", EXPLICIT_CONTROLS)
def test_names_and_comments_both_refuse_an_explicit_control(control: str) -> None:
    assert display_name_problem(f"Ann{control}x") is not None
    with pytest.raises(InvalidCommentError):
        clean_body(f"Ann{control}x")


@pytest.mark.parametrize("mark", IMPLICIT_MARKS.values(), ids=IMPLICIT_MARKS.keys())
def test_names_and_comments_both_keep_an_implicit_mark(mark: str) -> None:
    name = f"\u05e9\u05e8\u05d4 (Sarah){mark}"
    assert display_name_problem(name) is None
    assert clean_body(name) == name


@pytest.mark.parametrize(
    ("text", "index"),
    [("", None), ("plain", None), ("\u202e", 0), ("ab\u2066c\u202ad", 2), ("\u200f\u200e", None)],
)
def test_first_direction_control_finds_the_first_one(text: str, index: int | None) -> None:
    assert first_direction_control(text) == index
