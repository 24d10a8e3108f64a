"""Logging for a served process: the app's loggers write one line per event to stderr.

The request log lines are already JSON (see `app.web.request_log`); this only
gives the `app` logger a handler and a level, once.
"""

import logging
import sys

_HANDLER_NAME = "modelatlas-stderr"


def configure_logging(level: str) -> None:
    """Send `app.*` log records at `level` and above to stderr (idempotent)."""
    logger = logging.getLogger("app")
    logger.setLevel(level.upper())
    if any(handler.get_name() == _HANDLER_NAME for handler in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
