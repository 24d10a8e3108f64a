"""`listening`: a SQLAlchemy event listener for the length of a `with` block.

Tests watch what an engine, connection or session does (statements sent,
commits) for one step only; removing the listener in a `finally` keeps a
failing step from leaving it on for the tests after it.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event


@contextmanager
def listening(target: Any, identifier: str, listener: Callable[..., Any]) -> Iterator[None]:
    """`listener` on `target`'s `identifier` event inside the block, removed after it."""
    event.listen(target, identifier, listener)
    try:
        yield
    finally:
        event.remove(target, identifier, listener)
