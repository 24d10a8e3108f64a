"""The first start as its caller sees it: one tracked import at a time, then its sentence.

Two imports: genai-prices, then models.dev.

`prepare_database` runs each import inside `track(label)` (the command line's
progress bar) and says what the import did only once that is closed, so no
summary prints above a bar that is redrawn afterwards.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from app.config import Settings
from app.db import make_engine
from app.models import ModelWorkloadCost
from app.services.ingest.bootstrap import prepare_database
from app.services.ingest.genai_import import ProgressCallback
from app.services.pricing.stored_workload_costs import stored_workload_keys
from tests.support.database_templates import database_copy
from tests.support.databases import throwaway_database

SUMMARY = re.compile(
    r"^[\d,]+ models from \d+ providers imported from genai-prices; [\d,]+ price entries skipped"
    r" \([\d,]+ not priced per token, .*\) — see /status\.$"
)


class Recorder:
    """What a terminal would show, in order: lines, and bars opened, advanced and closed."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.open_bars = 0

    def echo(self, line: str) -> None:
        self.events.append(("line while a bar is open" if self.open_bars else "line", line))

    @contextmanager
    def track(self, label: str) -> Iterator[ProgressCallback]:
        self.events.append(("bar", label))
        self.open_bars += 1
        reports: list[tuple[int, int]] = []
        try:
            yield lambda done, total: reports.append((done, total))
        finally:
            self.open_bars -= 1
            self.events.append(("bar closed at", reports[-1] if reports else None))


def test_each_import_gets_a_bar_and_then_one_sentence(tmp_path: Path) -> None:
    with throwaway_database(tmp_path, "first-start") as url:
        settings = Settings(database_url=url, environment="test")
        first, again = Recorder(), Recorder()

        report = prepare_database(settings, echo=first.echo, track=first.track)
        repeat = prepare_database(settings, echo=again.echo, track=again.track)

    assert report is not None and repeat is None
    kinds = [kind for kind, _ in first.events]
    assert kinds == ["line", "line", "bar", "bar closed at", "line", "bar", "bar closed at", "line"]
    assert first.events[2] == ("bar", "Importing genai-prices")
    done, total = first.events[3][1]
    # Every step done, and as many as the bundled catalog's models: the real catalog, not a sample.
    assert done == total > 900
    assert SUMMARY.match(first.events[4][1]), first.events[4][1]
    assert first.events[5] == ("bar", "Importing models.dev")
    assert first.events[7][1].startswith("models.dev: ")
    assert again.events == [("line", "Upgrading the database schema…")]


@pytest.mark.parametrize("missing", ["every workload", "one workload"])
def test_a_start_works_out_the_stored_workload_costs_when_a_workload_has_none(
    tmp_path: Path, missing: str
) -> None:
    """As after the upgrade that made their table (migration 0018), or after a preset was added
    to the bundled ones: then once, not every start."""
    with database_copy("seeded", tmp_path, "no-stored-costs") as url:
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                gone = delete(ModelWorkloadCost)
                if missing == "one workload":
                    gone = gone.where(ModelWorkloadCost.workload_key == min(stored_workload_keys()))
                connection.execute(gone)
            settings = Settings(database_url=url, environment="test")
            first, again = Recorder(), Recorder()

            report = prepare_database(settings, echo=first.echo, track=first.track)
            repeat = prepare_database(settings, echo=again.echo, track=again.track)

            with engine.connect() as connection:
                keys = set(connection.scalars(select(ModelWorkloadCost.workload_key)))
        finally:
            engine.dispose()

    assert report is None and repeat is None
    assert first.events[-1] == ("line", "Worked out each model's cost on the default workload.")
    assert again.events == [("line", "Upgrading the database schema…")]
    assert keys == stored_workload_keys()
