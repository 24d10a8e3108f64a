"""The order the suite runs in, chosen for pytest-xdist's `--dist load`.

`--dist load` gives each process a share of consecutive tests at the start
(a quarter of its part of the run) and, as it works through them, further
shares that shrink towards the end. A process cannot hand on a test it was
given, so what sits in the first shares, and what comes last, sets how long
the run waits for its slowest process. In order:

1. The browser tests. Each process that runs any of them starts its own
   server (a first start, import and all) and its own browser, so they stay
   one block on one process; it is the longest block, so it starts first.
2. The unit tests. They fill the rest of that first process's first share
   with tests that take milliseconds, instead of slow ones it could not pass on.
3. The integration tests at the top of tests/integration: the command line,
   real servers, several processes, migrations. Slow, so early, while
   shares are large and the other processes take the rest.
4. The integration folders: many short tests, so the processes run out of
   work at nearly the same moment.

Within each group tests keep the order pytest collected them in, so a
module's tests stay together and its module-scoped fixtures are set up once
per process that runs them.
"""

from pathlib import Path

import pytest

BROWSER, UNIT, WHOLE_APPLICATION, INTEGRATION_FOLDERS, OTHER = range(5)


def group(test_path: Path, tests_root: Path) -> int:
    """Which of the groups above a test file belongs to (OTHER: outside those folders)."""
    try:
        parts = test_path.relative_to(tests_root).parts
    except ValueError:
        return OTHER
    if parts[0] == "e2e":
        return BROWSER
    if parts[0] == "unit":
        return UNIT
    if parts[0] == "integration":
        return WHOLE_APPLICATION if len(parts) == 2 else INTEGRATION_FOLDERS
    return OTHER


def put_in_run_order(items: list[pytest.Item], tests_root: Path) -> None:
    """Sort `items` in place by group; the sort is stable, so each group keeps its order."""
    items.sort(key=lambda item: group(item.path, tests_root))
