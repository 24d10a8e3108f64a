"""Logging for a served process: one line per event on stderr, in one format for everything.

The app's loggers (`app.*`, whose request log lines are JSON, see
`app.web.middleware.request_log`) and uvicorn's (`uvicorn.error` for starting, stopping
and errors; its access log is off, the request log replaces it) share one
handler and formatter, so an operator's log reader parses a single shape of
line: `2026-12-02 08:00:00,000 INFO app.requests {...}`. uvicorn is started
with `log_config=None` so that it keeps this setup instead of installing its
own coloured formatter.
"""

import logging
import sys
import time

_HANDLER_NAME = "modelatlas-stderr"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# logging's default date and time format, to which the milliseconds are added.
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
LOGGER_NAMES = ("app", "uvicorn")
# uvicorn's own logging config, if anything in the process applied it earlier, gives
# these their own handlers and stops them propagating: their lines would skip ours.
UVICORN_CHILDREN = ("uvicorn.error", "uvicorn.access")


class LineFormatter(logging.Formatter):
    """`LOG_FORMAT`, with the date and time of day formatted once per second.

    Most lines of a busy server share their second with the line before, and
    formatting the time was the largest part of formatting a request's line.
    """

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT)
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        second = int(record.created)
        known, formatted = self._second
        if second != known:
            formatted = time.strftime(DATE_FORMAT, self.converter(record.created))
            self._second = (second, formatted)
        return f"{formatted},{int(record.msecs):03d}"


def configure_logging(level: str) -> None:
    """Send `app.*` and `uvicorn.*` records at `level` and above to stderr (idempotent).

    Records gather no thread, process or multiprocessing names: the one format
    prints none of them, and every request's line paid for them.
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(LineFormatter())
    for name in LOGGER_NAMES:
        logger = logging.getLogger(name)
        logger.setLevel(level.upper())
        if not any(existing.get_name() == _HANDLER_NAME for existing in logger.handlers):
            logger.addHandler(handler)
        logger.propagate = False
    for name in UVICORN_CHILDREN:
        child = logging.getLogger(name)
        child.handlers.clear()
        child.setLevel(logging.NOTSET)
        child.propagate = True
        child.disabled = False
