"""Two ids of one model: their names reduced to letters and digits compare equal."""

from hypothesis import given
from hypothesis import strategies as st

from app.services.pricing.calculator import _same_model_key


@given(st.text())
def test_a_name_keeps_exactly_its_letters_and_digits_casefolded(name: str) -> None:
    kept = "".join(character for character in name.casefold() if character.isalnum())
    assert _same_model_key(name) == kept


def test_punctuation_spacing_and_case_do_not_make_another_model() -> None:
    assert _same_model_key("Mistral Small 4") == _same_model_key("mistral-small_4")
    assert _same_model_key("Mistral Small 4") != _same_model_key("Mistral Small 3")
