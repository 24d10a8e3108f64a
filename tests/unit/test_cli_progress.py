"""The import progress bar of the command line: drawn once there is progress, never empty."""

import io

import pytest
from rich.console import Console

from app import cli


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What a terminal would show of the command line's console."""
    screen = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=screen, force_terminal=True, width=80))
    return screen


def test_nothing_is_drawn_when_nothing_is_imported(terminal: io.StringIO) -> None:
    with cli.progress_bar("Importing genai-prices"):
        pass

    assert terminal.getvalue() == ""


def test_the_bar_shows_the_label_and_the_count_once_there_is_progress(
    terminal: io.StringIO,
) -> None:
    with cli.progress_bar("Importing genai-prices") as progress:
        progress(50, 200)
        progress(200, 200)

    shown = terminal.getvalue()
    assert "Importing genai-prices" in shown
    assert "200/200" in shown
