"""`freeze_startup_objects`: what a worker built is left out of full collections, and the
young generation is collected less often."""

import gc
from collections.abc import Iterator

import pytest

from app.served_app import YOUNG_COLLECTION_THRESHOLD, freeze_startup_objects


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """The test process's collector as it was: thresholds, and nothing frozen."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector_restored")
def test_startup_objects_are_frozen_and_young_collections_rarer() -> None:
    built_at_startup = [[] for _ in range(3)]
    freeze_startup_objects()
    assert gc.get_freeze_count() >= len(built_at_startup)
    young, middle, old = gc.get_threshold()
    assert young == YOUNG_COLLECTION_THRESHOLD > 700
    assert (middle, old) == (10, 10), "the older generations keep Python's thresholds"
