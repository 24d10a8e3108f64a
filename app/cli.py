"""The `modelatlas` command: serve, migrate, seed and import.

Long imports show a progress bar on a terminal and plain lines elsewhere.
"""

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app import migrate
from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope
from app.logging_config import configure_logging
from app.services.genai_import import ProgressCallback, import_genai_prices
from app.services.seed import seed_reference

console = Console(stderr=True)


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback]:
    """A progress callback drawing a bar on a terminal (rich hides it when not a TTY)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def _load_settings() -> Settings:
    try:
        return Settings()
    except ValueError as error:
        console.print(f"[red]Configuration error:[/red] {error}")
        raise SystemExit(2) from error


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, populate an empty catalog, then serve with uvicorn."""
    import uvicorn

    from app.main import create_app
    from app.services.bootstrap import prepare_database

    settings = _load_settings()
    configure_logging(settings.log_level)
    with progress_bar("Importing genai-prices") as progress:
        prepare_database(settings, echo=console.print, progress=progress)
    console.print(f"Serving Model Atlas on http://{args.host}:{args.port}/")
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=True,
    )
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    """Apply every pending migration."""
    settings = _load_settings()
    migrate.upgrade(settings.database_url)
    console.print("Database schema is up to date.")
    return 0


def _with_session(work: Callable[..., object]) -> object:
    settings = _load_settings()
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return work(session)
    finally:
        engine.dispose()


def cmd_seed(_args: argparse.Namespace) -> int:
    """Insert (or restore) the reference model entry."""
    created = _with_session(lambda session: seed_reference(session=session))
    console.print("Seeded the reference model." if created else "Reference model already present.")
    return 0


def cmd_import_genai_prices(_args: argparse.Namespace) -> int:
    """Import or update the catalog from the genai-prices package."""
    with progress_bar("Importing genai-prices") as progress:
        report = _with_session(
            lambda session: import_genai_prices(session=session, progress=progress)
        )
    console.print(report.summary())  # type: ignore[attr-defined]
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="modelatlas", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, populate if empty, and serve HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    serve.set_defaults(handler=cmd_serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations").set_defaults(
        handler=cmd_db_upgrade
    )

    commands.add_parser("seed", help="insert the reference model").set_defaults(handler=cmd_seed)

    importer = commands.add_parser("import", help="import catalog data from a source")
    sources = importer.add_subparsers(dest="source", required=True)
    sources.add_parser("genai-prices", help="prices and models from genai-prices").set_defaults(
        handler=cmd_import_genai_prices
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `modelatlas` console script."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
