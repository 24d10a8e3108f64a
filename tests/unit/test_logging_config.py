"""One log format: uvicorn's lines go through the handler and formatter of the request log."""

import logging
from collections.abc import Iterator

import pytest

from app.logging_config import LOG_FORMAT, LineFormatter, configure_logging


@pytest.fixture
def clean_loggers() -> Iterator[None]:
    """Loggers are process-wide: put back what the test changes."""
    saved = {
        name: (logger.handlers[:], logger.level, logger.propagate, logger.disabled)
        for name in ("app", "uvicorn", "uvicorn.error", "uvicorn.access")
        for logger in [logging.getLogger(name)]
    }
    yield
    for name, (handlers, level, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled


@pytest.mark.usefixtures("clean_loggers")
def test_a_logging_config_applied_earlier_does_not_divert_uvicorns_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = logging.getLogger("uvicorn.error")
    error.addHandler(logging.NullHandler())
    error.propagate = False
    error.setLevel(logging.WARNING)

    configure_logging("info")
    error.info("Started server process [1]")

    assert (
        capsys.readouterr().err.split(" ", 2)[2]
        == "INFO uvicorn.error Started server process [1]\n"
    )


@pytest.mark.usefixtures("clean_loggers")
def test_uvicorn_and_the_app_log_through_one_handler_in_one_format(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("app", "uvicorn"):
        logging.getLogger(name).handlers.clear()

    configure_logging("info")
    configure_logging("info")
    logging.getLogger("uvicorn.error").info("Started server process [1]")
    logging.getLogger("app.requests").info('{"event": "request"}')

    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [
        "INFO uvicorn.error Started server process [1]",
        'INFO app.requests {"event": "request"}',
    ]
    (app_handler,) = logging.getLogger("app").handlers
    (uvicorn_handler,) = logging.getLogger("uvicorn").handlers
    assert app_handler.formatter is not None and app_handler.formatter._fmt == LOG_FORMAT
    assert uvicorn_handler.formatter is not None and uvicorn_handler.formatter._fmt == LOG_FORMAT


def test_the_time_of_day_is_formatted_as_logging_formats_it_across_seconds() -> None:
    ours, standard = LineFormatter(), logging.Formatter(LOG_FORMAT)
    created = [1_764_000_000.001, 1_764_000_000.999, 1_764_000_001.5, 1_764_000_000.25]
    for moment in created:
        record = logging.makeLogRecord({"msg": "x", "created": moment, "msecs": moment % 1 * 1000})

        assert ours.format(record) == standard.format(record)
