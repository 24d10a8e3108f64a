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

_HANDLER_NAME = "modelatlas-stderr"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
LOGGER_NAMES = ("app", "uvicorn")
# uvicorn's own logging config, if anything in the process applied it earlier, gives
# these their own handlers and stops them propagating: their lines would skip ours.
UVICORN_CHILDREN = ("uvicorn.error", "uvicorn.access")


def configure_logging(level: str) -> None:
    """Send `app.*` and `uvicorn.*` records at `level` and above to stderr (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
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
