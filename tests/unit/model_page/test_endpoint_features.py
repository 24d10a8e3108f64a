"""Features an endpoint's supported parameters reveal, from the list or its stored JSON text."""

import json

import pytest

from app.services.model_page.model_page_loader import features_of, features_of_json


@pytest.mark.parametrize(
    ("parameters", "features"),
    [
        ([], ()),
        (["temperature", "top_p"], ()),
        (["include_reasoning", "tools"], ("tools", "reasoning")),
        (["structured_outputs", "tool_choice", "reasoning"], ("tools", "json", "reasoning")),
    ],
)
def test_the_stored_text_reveals_what_the_list_does(
    parameters: list[str], features: tuple[str, ...]
) -> None:
    assert features_of(parameters) == features
    assert features_of_json(json.dumps(parameters)) == features
    # As PostgreSQL prints a json value cast to text: spacing differs, features do not.
    assert features_of_json(json.dumps(parameters, separators=(",", ":"))) == features


def test_no_stored_parameters_reveal_no_feature() -> None:
    assert features_of_json(None) == ()
    assert features_of_json("") == ()
