"""The app each worker process of `serve --workers N` builds for itself.

With several workers, uvicorn starts each one as a fresh interpreter (spawn)
that imports the app by name (`WORKER_APP_FACTORY`): nothing the command built
crosses over. So a worker reads its settings from the environment, as the
command did (the command writes there what its own options change), sends its
log lines where the command's go (a fresh interpreter has no handler), builds
its app and freezes what it built. Migrations and first-start imports are not
repeated: the command ran them once, before it started any worker.
"""

import gc

from fastapi import FastAPI

from app.config import Settings
from app.logging_config import configure_logging
from app.main import create_app

WORKER_APP_FACTORY = "app.served_app:create_worker_app"
# Net allocations of container objects between two young collections (Python's default
# is 700). A request's objects are nearly all freed by its end: collected every 700, those
# alive at that moment are walked, promoted and walked again in the next generation. At
# 20,000, 1.2% fewer instructions a cold model page (`python -m bench.instructions`), and
# the young generation a collection walks is still a few MB.
YOUNG_COLLECTION_THRESHOLD = 20_000


def create_worker_app() -> FastAPI:
    """One worker's app, from the settings in the environment."""
    settings = Settings()
    configure_logging(settings.log_level)
    app = create_app(settings)
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Leave everything that exists now out of the garbage collector's full passes, and
    collect the young generation less often (`YOUNG_COLLECTION_THRESHOLD`).

    What exists when serving starts lives as long as the process. Frozen, it is
    not walked by the collector's full passes, which otherwise walk it every
    few hundred model pages and pause the worker each time.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD)
