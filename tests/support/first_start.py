"""How long the browser tests' server took to become healthy on its first start.

The e2e fixture records it in the process that started the server; under
pytest-xdist that is a worker, which hands it to the process that started the
run with the rest of its output, so the run's summary can report it either way.
"""

import pytest

from tests.support.databases import backend

FIRST_START_SECONDS = pytest.StashKey[float]()
_WORKER_OUTPUT_KEY = "e2e_first_start_seconds"


def record(config: pytest.Config, seconds: float) -> None:
    """Keep `seconds` for the summary of this run."""
    config.stash[FIRST_START_SECONDS] = seconds
    worker_output = getattr(config, "workeroutput", None)
    if worker_output is not None:
        worker_output[_WORKER_OUTPUT_KEY] = seconds


def take_from_worker(config: pytest.Config, worker_output: dict) -> None:
    """Keep what a finished xdist worker recorded, if it ran the browser tests."""
    if _WORKER_OUTPUT_KEY in worker_output:
        config.stash[FIRST_START_SECONDS] = worker_output[_WORKER_OUTPUT_KEY]


def summary_line(config: pytest.Config) -> str | None:
    seconds = config.stash.get(FIRST_START_SECONDS, None)
    if seconds is None:
        return None
    return (
        f"e2e: modelatlas serve first start on an empty {backend()} database "
        f"(migrate, seed, import) became healthy in {seconds:.1f} s"
    )
