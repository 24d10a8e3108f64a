"""The `modelatlas` console script, and `collector_paused` for the imports that start it.

Importing the web app (SQLAlchemy, FastAPI, pydantic and our models, routes and
statements) took 2.1 s of CPU on a 2-core machine with the garbage collector on
and 1.4 s with it off. An import allocates objects that live as long as the
process, so each collection walks a growing heap and frees nothing, and a full
pass walks it all. The command line's own modules are imported with it paused
here, and `serve` imports the web app the same way; it collects as usual once
the command runs.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection inside the block; as it was before, after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def main() -> int:
    """Entry point of the `modelatlas` console script (`app.cli.main`, imported first)."""
    with collector_paused():
        from app.cli import main as run_command
    return run_command()
