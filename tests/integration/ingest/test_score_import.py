"""`modelatlas import scores`: validation, the report, idempotence, the run log and the CLI.

The CSV files are fixtures under tests/fixtures/scores/ naming test models
(testlab/alpha, beta, gamma) that each test creates: no real scores ship.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope
from app.main import create_app
from app.models import BenchmarkScore, ExternalId, Model, RefreshRun
from app.services.ingest.score_import import SOURCE_NAME, ScoreImportReport, import_scores
from app.services.publishing.content_version import ContentChange, current_version, subscribe
from tests.support.cli import run_cli
from tests.support.community_data import make_model
from tests.support.database_templates import database_copy
from tests.support.metrics_refresh import seeded_database
from tests.support.page_cache import primed, settle

FIXTURES = Path(__file__).parents[2] / "fixtures" / "scores"
TODAY = date(2026, 4, 15)


def make_models(session: Session) -> dict[str, Model]:
    """alpha, beta and gamma; gamma also known by OpenRouter's id `testlab-or/gamma`."""
    models = {name: make_model(session, f"testlab/{name}") for name in ("alpha", "beta", "gamma")}
    session.add(
        ExternalId(model=models["gamma"], source="openrouter", external_id="testlab-or/gamma")
    )
    session.flush()
    return models


def run_import(session: Session, name: str, **options) -> ScoreImportReport:
    """Import as the command does: the import, then the commit (when pages' version moves)."""
    data = (FIXTURES / name).read_bytes()
    options = {"today": TODAY, **options}
    report = import_scores(session=session, data=data, file_name=name, **options)
    session.commit()
    return report


def stored(session: Session) -> set[tuple[str, str, Decimal, str, date | None]]:
    rows = session.execute(
        select(
            Model.slug,
            BenchmarkScore.benchmark,
            BenchmarkScore.score,
            BenchmarkScore.source,
            BenchmarkScore.measured_on,
        ).join(Model, Model.id == BenchmarkScore.model_id)
    )
    return {tuple(row) for row in rows}


GOOD = {
    ("testlab/alpha", "Reasoning Quiz", Decimal("71.2"), "Test Harness", date(2026, 3, 16)),
    ("testlab/beta", "Reasoning Quiz", Decimal("64.5"), "Test Harness", date(2026, 3, 16)),
    ("testlab/gamma", "Reasoning Quiz", Decimal("80"), "Test Harness", None),
    ("testlab/alpha", "Coding Drill", Decimal("0.42"), "Test Harness", date(2026, 2, 1)),
}


def test_a_good_file_imports_every_row_by_our_id_or_an_external_id(session: Session) -> None:
    make_models(session)

    report = run_import(session, "good.csv")

    assert stored(session) == GOOD
    assert (report.rows_read, report.created, report.updated, report.unchanged) == (4, 4, 0, 0)
    assert report.problems == []
    assert report.exit_code == 0
    assert report.summary_lines() == ["good.csv: 4 rows read: 4 created, 0 updated, 0 unchanged."]


def test_importing_the_same_file_twice_changes_nothing(session: Session) -> None:
    make_models(session)
    run_import(session, "good.csv")
    version = current_version(session)

    again = run_import(session, "good.csv")

    assert stored(session) == GOOD
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert current_version(session) == version, "an import that changed nothing bumped pages"
    assert again.exit_code == 0


def test_a_changed_score_or_date_updates_the_stored_row(session: Session) -> None:
    make_models(session)
    run_import(session, "good.csv")
    version = current_version(session)

    report = run_import(session, "changed.csv")

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert (
        "testlab/alpha",
        "Reasoning Quiz",
        Decimal("72"),
        "Test Harness",
        date(2026, 4, 1),
    ) in stored(session)
    assert len(stored(session)) == 4
    assert current_version(session) == version + 1


def test_unmatched_ids_are_listed_and_the_other_rows_imported(session: Session) -> None:
    make_models(session)

    report = run_import(session, "unmatched.csv")

    assert {slug for slug, *_ in stored(session)} == {"testlab/alpha", "testlab/beta"}
    assert report.unmatched_ids == ["nolab/ghost", "nolab/phantom"]
    assert [(p.line, p.reason) for p in report.problems] == [
        (3, "unmatched model id"),
        (5, "unmatched model id"),
    ]
    assert report.exit_code == 1
    lines = report.summary_lines()
    assert (
        lines[0]
        == "unmatched.csv: 4 rows read: 2 created, 0 updated, 0 unchanged; 2 rows rejected."
    )
    assert "  line 3: model: no model has the id 'nolab/ghost'" in lines
    assert "Unmatched model ids: nolab/ghost, nolab/phantom" in lines
    assert lines[-1] == "The other rows were imported; fix these and import the file again."


def test_strict_imports_nothing_when_a_row_is_rejected(session: Session) -> None:
    make_models(session)

    report = run_import(session, "unmatched.csv", strict=True)

    assert stored(session) == set()
    assert not report.written
    assert report.exit_code == 1
    assert report.summary_lines()[0].startswith(
        "unmatched.csv: 4 rows read: nothing written (2 rows would have changed)"
    )
    assert report.summary_lines()[-1].startswith("Nothing was imported (--strict)")
    run = session.scalars(select(RefreshRun).where(RefreshRun.source == SOURCE_NAME)).one()
    assert (run.status, run.error) == ("failed", "2 rows rejected; --strict wrote nothing")


def test_bad_numbers_dates_and_missing_values_are_reported_by_line(session: Session) -> None:
    make_models(session)

    report = run_import(session, "bad_values.csv")

    assert [(p.line, p.reason, p.detail) for p in report.problems] == [
        (2, "bad score", "score: 'seventy' is not a number"),
        (3, "bad score", "score: '64,5' is not a number"),
        (4, "bad score", "score: 'NaN' is not a number"),
        (5, "bad score", "score: '1e12' is out of range"),
        (6, "bad date", "date: '16/03/2026' is not a YYYY-MM-DD date"),
        (7, "bad date", "date: '2026-02-30' is not a YYYY-MM-DD date"),
        (8, "missing source", "source: empty"),
        (9, "wrong number of fields", "4 fields; the header has 5"),
    ]
    assert stored(session) == {
        ("testlab/beta", "Reading", Decimal("48.5"), "Test Harness", date(2026, 3, 16))
    }
    assert report.rejected == 8
    assert report.exit_code == 1


def test_a_date_in_the_future_is_rejected(session: Session) -> None:
    make_models(session)

    report = run_import(session, "good.csv", today=date(2026, 3, 1))

    assert [(p.line, p.detail) for p in report.problems] == [
        (2, "date: 2026-03-16 is in the future"),
        (3, "date: 2026-03-16 is in the future"),
    ]


def test_repeated_rows_count_once_and_conflicting_ones_are_rejected(session: Session) -> None:
    make_models(session)

    report = run_import(session, "duplicates.csv")

    # alpha twice with equal values (71.2 = 71.20); gamma by external id, then by our id
    # with the benchmark's name in another case and spacing; beta with two different scores.
    assert stored(session) == {
        ("testlab/alpha", "Reasoning Quiz", Decimal("71.2"), "Test Harness", date(2026, 3, 16)),
        ("testlab/gamma", "Reasoning Quiz", Decimal("80"), "Test Harness", None),
    }
    assert report.duplicates == 2
    assert [(p.line, p.reason) for p in report.problems] == [
        (6, "conflicting rows"),
        (7, "conflicting rows"),
    ]
    assert "lines 6, 7 give different scores or dates for testlab/beta" in report.problems[0].detail

    again = run_import(session, "duplicates.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_benchmark_keeps_its_stored_spelling(session: Session) -> None:
    make_models(session)
    run_import(session, "good.csv")

    run_import(session, "duplicates.csv")

    benchmarks = set(session.scalars(select(BenchmarkScore.benchmark)))
    assert benchmarks == {"Reasoning Quiz", "Coding Drill"}


def test_an_external_id_naming_two_models_is_ambiguous(session: Session) -> None:
    models = make_models(session)
    session.add_all(
        [
            ExternalId(model=models["alpha"], source="openrouter", external_id="shared-id"),
            ExternalId(model=models["beta"], source="huggingface", external_id="shared-id"),
        ]
    )
    session.flush()

    report = run_import(session, "ambiguous.csv")

    assert [(p.line, p.reason) for p in report.problems] == [(2, "ambiguous model id")]
    assert report.problems[0].detail == (
        "model: 'shared-id' is an external id of several models "
        "(testlab/alpha at openrouter; testlab/beta at huggingface); use our model id"
    )
    assert {slug for slug, *_ in stored(session)} == {"testlab/alpha"}


def test_a_byte_order_mark_aliases_and_extra_columns_are_accepted(session: Session) -> None:
    make_models(session)

    report = run_import(session, "bom_aliases.csv")

    assert report.created == 1
    assert report.ignored_columns == ("Notes",)
    assert "Ignored columns: Notes." in report.summary_lines()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "the file is empty; its first line must name the columns"),
        ("header_only.csv", "it has a header but no rows"),
        (
            "missing_columns.csv",
            "the header lacks the columns benchmark, date; "
            "the first line must name the columns model,benchmark,score,source,date",
        ),
        ("latin1.csv", "it is not UTF-8 text (byte 0xe9 on line 2); save it as UTF-8 CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_rejected_whole(
    session: Session, name: str, message: str
) -> None:
    make_models(session)

    report = run_import(session, name)

    assert report.file_error == message
    assert report.exit_code == 2
    assert report.summary_lines() == [f"{name}: nothing imported: {message}"]
    assert stored(session) == set()
    run = session.scalars(select(RefreshRun).where(RefreshRun.source == SOURCE_NAME)).one()
    assert (run.status, run.error) == ("failed", message)


def test_each_run_is_logged_with_its_counts(session: Session) -> None:
    make_models(session)

    run_import(session, "unmatched.csv")

    run = session.scalars(select(RefreshRun).where(RefreshRun.source == SOURCE_NAME)).one()
    assert run.status == "ok"
    assert run.finished_at is not None
    assert run.counts == {
        "file": "unmatched.csv",
        "rows": 4,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "repeated rows": 0,
        "rejected": {"unmatched model id": 2},
        "unmatched ids": ["nolab/ghost", "nolab/phantom"],
    }


def test_an_import_marks_changed_the_pages_of_every_model_sharing_its_benchmarks(
    session: Session,
) -> None:
    """gamma, already scored on Reasoning Quiz, gains points on its chart; delta does not."""
    models = make_models(session)
    delta = make_model(session, "testlab/delta")
    session.add_all(
        [
            BenchmarkScore(
                model_id=models["gamma"].id,
                benchmark="Reasoning Quiz",
                score=Decimal(70),
                source="Elsewhere",
            ),
            BenchmarkScore(
                model_id=delta.id, benchmark="Coding Drill", score=Decimal(1), source="Elsewhere"
            ),
        ]
    )
    session.commit()
    listener = ChangeRecorder()
    subscribe(listener)

    run_import(session, "changed.csv")
    session.commit()

    [change] = listener.changes
    assert change.model_slugs == {"testlab/alpha", "testlab/beta", "testlab/gamma"}


class ChangeRecorder:
    def __init__(self) -> None:
        self.changes: list[ContentChange] = []

    def content_changed(self, change: ContentChange) -> None:
        self.changes.append(change)


# --- the command, run as a user runs it ---------------------------------------------------


@pytest.fixture
def database_with_models(tmp_path: Path) -> str:
    with database_copy("migrated", tmp_path, "scores_cli") as url:
        engine = make_engine(url)
        try:
            with session_scope(make_session_factory(engine)) as session:
                make_models(session)
        finally:
            engine.dispose()
        yield url


def test_cli_imports_a_good_file_and_exits_0(database_with_models: str, tmp_path: Path) -> None:
    result = run_cli(
        "import",
        "scores",
        str(FIXTURES / "good.csv"),
        database_url=database_with_models,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "good.csv: 4 rows read: 4 created, 0 updated, 0 unchanged." in result.stderr

    again = run_cli(
        "import",
        "scores",
        str(FIXTURES / "good.csv"),
        database_url=database_with_models,
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    assert "4 rows read: 0 created, 0 updated, 4 unchanged." in again.stderr


def test_cli_exits_1_listing_rejected_rows_and_keeps_the_good_ones(
    database_with_models: str, tmp_path: Path
) -> None:
    result = run_cli(
        "import",
        "scores",
        str(FIXTURES / "unmatched.csv"),
        database_url=database_with_models,
        cwd=tmp_path,
    )

    assert result.returncode == 1
    assert "2 created" in result.stderr
    assert "line 3: model: no model has the id 'nolab/ghost'" in result.stderr
    assert "Unmatched model ids: nolab/ghost, nolab/phantom" in result.stderr


def test_cli_exits_2_for_an_unreadable_or_missing_file(
    database_with_models: str, tmp_path: Path
) -> None:
    latin1 = run_cli(
        "import",
        "scores",
        str(FIXTURES / "latin1.csv"),
        database_url=database_with_models,
        cwd=tmp_path,
    )
    missing = run_cli(
        "import",
        "scores",
        str(tmp_path / "nope.csv"),
        database_url=database_with_models,
        cwd=tmp_path,
    )

    assert latin1.returncode == 2
    assert "latin1.csv: nothing imported: it is not UTF-8 text" in latin1.stderr
    assert missing.returncode == 2
    assert "Cannot read" in missing.stderr and "nope.csv" in missing.stderr


def test_cli_help_documents_the_format_and_exit_codes(tmp_path: Path) -> None:
    result = run_cli("import", "scores", "--help", database_url="sqlite://", cwd=tmp_path)

    assert result.returncode == 0
    assert "model,benchmark,score,source,date" in result.stdout
    assert "--strict" in result.stdout
    assert "Exit status: 0" in result.stdout


# --- the page cache, on a database of its own (the import commits) ------------------------


def test_an_import_shows_at_once_on_cached_model_pages(tmp_path: Path) -> None:
    with seeded_database(tmp_path, "scores_cache") as database:
        with session_scope(database.factory) as session:
            make_models(session)
        reader = TestClient(create_app(Settings(environment="test", database_url=database.url)))
        settle(reader.app)
        engine = reader.app.state.engine
        before = {
            name: primed(reader, f"/models/testlab/{name}", engine).text
            for name in ("alpha", "gamma")
        }
        assert all("no benchmark scores recorded yet" in page for page in before.values())

        with session_scope(database.factory) as session:
            run_import(session, "good.csv")

        alpha = reader.get("/models/testlab/alpha").text
        gamma = reader.get("/models/testlab/gamma").text
        assert "no benchmark scores recorded yet" not in alpha
        assert "Coding Drill" in alpha
        assert "3 of the 3 models scored on Reasoning Quiz have no known price" in gamma


def test_the_status_page_lists_an_import_with_its_rejected_rows(
    client: TestClient, catalog_session: Session
) -> None:
    make_models(catalog_session)
    run_import(catalog_session, "unmatched.csv")
    catalog_session.commit()
    run_id = catalog_session.scalar(select(RefreshRun.id).where(RefreshRun.source == SOURCE_NAME))

    row = BeautifulSoup(client.get("/status").text, "html.parser").find(id=f"run-{run_id}")

    assert row is not None
    words = " ".join(row.get_text().split())
    assert words.startswith("benchmark-scores")
    assert "unmatched ids nolab/ghost, nolab/phantom" in words
    assert "unmatched model id 2" in words
