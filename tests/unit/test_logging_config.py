"""One log format: uvicorn's lines go through the handler and formatter of the request log."""

import io
import logging

import pytest

from app.logging_config import (
    LOG_FORMAT,
    LineFormatter,
    LineHandler,
    configure_logging,
    plain_line_writer,
)


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


def test_a_plain_line_written_directly_is_the_line_emit_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    handler = LineHandler()
    handler.setStream(stream)
    for moment in (1_764_000_000.001, 1_764_000_000.999, 1_764_000_001.5):
        monkeypatch.setattr("app.logging_config.time.time", lambda moment=moment: moment)
        record = logging.makeLogRecord(
            {
                "name": "app.requests",
                "levelno": logging.INFO,
                "levelname": "INFO",
                "msg": '{"event": "request"}',
                "created": moment,
                "msecs": (moment - int(moment)) * 1000,
            }
        )

        handler.write_info("app.requests", '{"event": "request"}')
        handler.emit(record)

        direct, emitted = stream.getvalue().splitlines()
        assert direct == emitted == logging.Formatter(LOG_FORMAT).format(record)
        stream.seek(0)
        stream.truncate()


@pytest.mark.usefixtures("clean_loggers")
def test_lines_go_straight_to_the_handler_only_when_nothing_else_would_see_them() -> None:
    requests = logging.getLogger("app.requests")
    app_logger = logging.getLogger("app")
    app_logger.handlers.clear()
    assert plain_line_writer(requests) is None, "logging not configured by us"

    configure_logging("info")
    writer = plain_line_writer(requests)
    assert writer is not None and writer.__self__ is app_logger.handlers[0]

    app_logger.addFilter(lambda record: True)
    assert plain_line_writer(requests) is None, "a filter on the way"
    app_logger.filters.clear()
    app_logger.addHandler(logging.NullHandler())
    assert plain_line_writer(requests) is None, "another handler"
    app_logger.handlers.pop()
    app_logger.propagate = True
    assert plain_line_writer(requests) is None, "the root's handlers too"
    app_logger.propagate = False
    app_logger.setLevel(logging.WARNING)
    assert plain_line_writer(requests) is None, "INFO is off"
