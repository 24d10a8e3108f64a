"""The console script's imports run with the garbage collector paused, and only they do."""

import gc
from collections.abc import Iterator

import pytest

from app.console import collector_paused


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    """The collector on for the test, and as it was after it."""
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


@pytest.mark.usefixtures("collector_enabled")
def test_the_collector_is_paused_inside_and_back_on_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_an_error_inside_still_turns_it_back_on() -> None:
    with pytest.raises(ImportError), collector_paused():
        raise ImportError("no module named nowhere")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_a_collector_paused_before_stays_paused() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
