"""The growth run's refresh writes into a new database of the run's backend, then drops it."""

from pathlib import Path

from sqlalchemy import inspect, make_url

from app.db import make_engine
from bench.growth import refresh_database
from tests.support.databases import backend, throwaway_database


def test_the_refresh_gets_an_empty_database_beside_the_runs_and_it_is_dropped(
    tmp_path: Path,
) -> None:
    with throwaway_database(tmp_path, "growth_run") as run_url:
        with refresh_database(run_url) as target:
            if backend() == "sqlite":
                assert target == "", "bench.refresh_memory makes a SQLite file of its own"
                return
            assert make_url(target).database == f"{make_url(run_url).database}_refresh"
            engine = make_engine(target)
            try:
                assert inspect(engine).get_table_names() == []
            finally:
                engine.dispose()

        admin = make_engine(run_url)
        try:
            with admin.connect() as connection:
                names = connection.exec_driver_sql("SELECT datname FROM pg_database").scalars()
                assert make_url(target).database not in set(names)
        finally:
            admin.dispose()
