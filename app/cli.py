"""The `modelatlas` command: serve, migrate, seed, import and refresh.

Long imports show a progress bar on a terminal and plain lines elsewhere.
"""

import argparse
import getpass
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

# Each command imports the rest of what it uses when it runs: the database layer, the
# importers and the web app are about a second of CPU, which `--help`, a usage error or a
# refused setting need not pay.
from app.config import Settings
from app.console import collector_paused
from app.logging_config import configure_logging
from app.worker_processes import page_cache_note, rate_limit_refusal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.ingest.genai_import import ProgressCallback

console = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

SCORES_HELP = """Import benchmark scores from a CSV file whose first line names the columns:

  model,benchmark,score,source,date
  mistral/mistral-small-2603,MMLU-Pro,71.2,Mistral AI,2026-03-16

model is our model id (author/model) or an external id (e.g. OpenRouter's);
an external id naming different models at different sources is rejected as
ambiguous. date is YYYY-MM-DD or empty. Rows are keyed by model, benchmark
and source: importing again updates changed scores and changes nothing else.

Every row is checked and each rejected one reported with its line number;
the good rows are imported anyway unless --strict is given.
Exit status: 0 all rows imported or already present, 1 some rows rejected,
2 the file itself rejected (unreadable, not UTF-8, empty, no usable header)."""


@contextmanager
def progress_bar(label: str) -> Iterator["ProgressCallback"]:
    """A progress callback drawing one bar for one import on a terminal (rich hides it
    when not a TTY).

    The bar appears with the first report of progress, so a `serve` that finds
    the catalog already imported prints no empty bar, and it is closed before the
    caller prints what the import did. The spinner keeps turning while an import
    writes what it has read, between its last report and its end.
    """
    progress = Progress(
        SpinnerColumn(finished_text="✓"),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    task: TaskID | None = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            progress.start()
            task = progress.add_task(label, total=total)
        progress.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if task is not None:
            progress.stop()


def _load_settings() -> Settings:
    try:
        return Settings()
    except ValueError as error:
        console.print(f"[red]Configuration error:[/red] {error}")
        raise SystemExit(2) from error


# How long uvicorn's supervisor waits for a worker to answer its ping before it kills the worker
# as hung and starts another. A new worker answers only once its interpreter has started and
# imported this command's modules, which on a busy machine can take longer than uvicorn's
# 5 s default: the supervisor would kill a worker that is merely starting, and its
# replacement may be just as slow.
# The ping is answered by a thread of its own, so a worker busy serving still answers at once;
# only a stuck process waits this long.
WORKER_HEALTHCHECK_SECONDS = 60


def _with_refresh_interval(settings: Settings, interval: timedelta) -> Settings:
    """The settings with the stale badge counting in `interval`, the one refreshes now run at.

    Also written to the environment, where worker processes read their settings.
    """
    minutes = max(1, math.ceil(interval.total_seconds() / 60))
    os.environ["MODELATLAS_REFRESH_INTERVAL_MINUTES"] = str(minutes)
    return settings.model_copy(update={"refresh_interval_minutes": minutes})


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, populate an empty catalog, then serve with uvicorn in one or more processes.

    The database is prepared once, here, before any worker starts; the
    background refresh (`--refresh-every`) also runs here, once, whatever the
    number of workers.
    """
    settings = _load_settings()
    if args.refresh_every is not None:
        settings = _with_refresh_interval(settings, args.refresh_every)
    configure_logging(settings.log_level)
    refusal = rate_limit_refusal(settings, args.workers)
    if refusal is not None and not args.allow_per_process_limits:
        console.print(f"[red]Configuration error:[/red] {escape(refusal)}")
        return 2
    # The web app's modules, imported once the settings are known to be served.
    with collector_paused():
        import uvicorn

        from app.main import create_app
        from app.served_app import WORKER_APP_FACTORY, freeze_startup_objects
        from app.services.ingest.bootstrap import prepare_database
        from app.services.ingest.refresh_metrics import PeriodicRefresh
        from app.services.pricing.workload import PresetsFileError

    try:
        # Built even when the workers build their own: a bad setting is refused before
        # anything is migrated.
        app = create_app(settings)
    except PresetsFileError as error:
        console.print(f"[red]Configuration error:[/red] {error}")
        return 2
    prepare_database(settings, echo=console.print, track=progress_bar)
    note = page_cache_note(settings, args.workers)
    if note is not None:
        console.print(note, markup=False)
    refresher = None
    if args.refresh_every is not None:
        refresher = PeriodicRefresh(settings=settings, interval=args.refresh_every)
        refresher.start()
        console.print(f"Refreshing metrics every {args.refresh_every} in the background.")
    processes = "one process" if args.workers == 1 else f"{args.workers} worker processes"
    console.print(f"Serving Model Atlas on http://{args.host}:{args.port}/ with {processes}")
    if args.workers == 1:
        freeze_startup_objects()
    try:
        uvicorn.run(
            app if args.workers == 1 else WORKER_APP_FACTORY,
            factory=args.workers > 1,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level=settings.log_level.lower(),
            # Our handler and format for uvicorn's lines too (see app.logging_config).
            log_config=None,
            access_log=False,
            # Forwarded headers are believed only from the proxies named in the settings:
            # anyone else could name any address and so reset their rate limits.
            proxy_headers=bool(settings.forwarded_allow_ips),
            forwarded_allow_ips=settings.forwarded_allow_ips or None,
            server_header=False,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
    finally:
        if refresher is not None:
            refresher.stop()
    return 0


def _interval(text: str) -> timedelta:
    """argparse type for --refresh-every: `30s`, `10m`, `1h`."""
    from app.services.ingest.refresh_metrics import parse_interval

    try:
        return parse_interval(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _worker_count(text: str) -> int:
    """argparse type for --workers: a whole number of processes, at least one."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return count


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    """Apply every pending migration."""
    from app import migrate

    settings = _load_settings()
    migrate.upgrade(settings.database_url)
    console.print("Database schema is up to date.")
    return 0


def _with_session(work: Callable[["Session"], T], *, then_deliver: bool = False) -> T:
    """Run `work` in one committed transaction; `then_deliver`: then send the webhook
    deliveries it queued (an import's change events), in this process."""
    from app import migrate
    from app.db import make_engine, make_session_factory, session_scope
    from app.services.publishing.webhook_delivery import deliver_after_job

    settings = _load_settings()
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        with session_scope(factory) as session:
            result = work(session)
        if then_deliver:
            deliver_after_job(factory, settings)
        return result
    finally:
        engine.dispose()


def cmd_seed(_args: argparse.Namespace) -> int:
    """Insert (or restore) the reference model entry."""
    from app.services.ingest.seed import seed_reference

    created = _with_session(lambda session: seed_reference(session=session))
    console.print("Seeded the reference model." if created else "Reference model already present.")
    return 0


def cmd_import_genai_prices(_args: argparse.Namespace) -> int:
    """Import or update the catalog from the genai-prices package."""
    from app.services.ingest.genai_import import import_genai_prices

    with progress_bar("Importing genai-prices") as progress:
        report = _with_session(
            lambda session: import_genai_prices(session=session, progress=progress),
            then_deliver=True,
        )
    console.print(report.summary())
    return 0


def cmd_import_models_dev(args: argparse.Namespace) -> int:
    """Import or update facts, offers and prices from a models.dev api.json.

    Exit 0 on success, 2 when the data could not be read or is not a
    models.dev catalog (nothing is written then).
    """
    import httpx

    from app.services.ingest.models_dev_import import import_models_dev
    from app.sources.models_dev import ModelsDevFormatError, load_catalog

    location = args.location
    try:
        catalog = load_catalog(location)
    except (OSError, httpx.HTTPError, ModelsDevFormatError) as error:
        console.print(f"Cannot read {location or 'the bundled copy'}: {error}", markup=False)
        return 2
    with progress_bar("Importing models.dev") as progress:
        report = _with_session(
            lambda session: import_models_dev(session=session, catalog=catalog, progress=progress),
            then_deliver=True,
        )
    console.print(report.summary(), markup=False)
    return 0


def cmd_import_scores(args: argparse.Namespace) -> int:
    """Import benchmark scores from a CSV file; the exit code says what was rejected."""
    from app.services.ingest.score_import import import_scores

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        console.print(f"Cannot read {path}: {error.strerror or error}", markup=False)
        return 2
    report = _with_session(
        lambda session: import_scores(
            session=session, data=data, file_name=path.name, strict=args.strict
        )
    )
    for line in report.summary_lines():
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    return report.exit_code


def cmd_report_coverage(_args: argparse.Namespace) -> int:
    """Print each fact's coverage over the priced text models and the "not known" facts per
    model page (`services.model_page.fact_coverage`)."""
    from app.services.model_page.fact_coverage import measure_coverage

    report = _with_session(lambda session: measure_coverage(session=session, pages=True))
    if not report.models:
        console.print(
            "No priced text models in this database: nothing to measure. Populate it first "
            "(`modelatlas serve` imports the catalog on its first start, or `modelatlas import`)."
        )
        return 1
    for line in report.lines():
        print(line)
    return 0


def _read_new_password(from_stdin: bool) -> str:
    """The first line of standard input, or a password typed twice at a hidden prompt.

    Never a command-line argument: those end up in shell history and `ps`.
    """
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        console.print(
            "[red]No terminal to ask for the password:[/red] pipe it in with --password-stdin."
        )
        raise SystemExit(2)
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        console.print("[red]The two passwords differ.[/red]")
        raise SystemExit(1)
    return password


def cmd_user_create(args: argparse.Namespace) -> int:
    """Create an account (an administrator with --admin) under the sign-up rules."""
    from app.services.accounts.account_actions import AccountDetailsError, create_user

    password = _read_new_password(args.password_stdin)
    try:
        _with_session(
            lambda session: create_user(
                session=session,
                email=args.email,
                display_name=args.display_name,
                password=password,
                is_admin=args.admin,
            )
        )
    except AccountDetailsError as problems:
        for field, message in problems.problems.items():
            console.print(f"[red]{field.replace('_', ' ')}:[/red] {message}")
        return 1
    kind = "administrator" if args.admin else "user"
    console.print(f"Created {kind} {args.email.strip().lower()}.")
    return 0


def cmd_refresh(_args: argparse.Namespace) -> int:
    """Refresh endpoint metrics and prices from OpenRouter once (for cron or a container).

    A new database is first prepared as `serve` prepares it (schema, then seed
    and genai-prices import when empty), so upstream ids match the catalog's
    models instead of creating every one as discovered.
    Exit 0 when the run succeeded or found another run holding the lock (it
    says so), 1 when it failed or aborted (the run log says why).
    """
    from app.services.ingest.bootstrap import prepare_database
    from app.services.ingest.refresh_metrics import run_refresh

    settings = _load_settings()
    configure_logging(settings.log_level)
    prepare_database(settings, echo=console.print)
    outcome = run_refresh(settings)
    console.print(outcome.summary())
    return 0 if outcome.succeeded else 1


def cmd_deliver(_args: argparse.Namespace) -> int:
    """Send the webhook deliveries that are due (for cron); exit 1 when any attempt failed."""
    from app import migrate
    from app.db import make_engine, make_session_factory
    from app.services.publishing.webhook_delivery import deliver_due

    settings = _load_settings()
    configure_logging(settings.log_level)
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        report = deliver_due(session_factory=make_session_factory(engine), settings=settings)
    finally:
        engine.dispose()
    console.print(report.summary(), markup=False)
    return 1 if report.failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="modelatlas", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, populate if empty, and serve HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    serve.add_argument(
        "--refresh-every",
        type=_interval,
        metavar="INTERVAL",
        help="also refresh metrics in the background every INTERVAL (30s, 10m, 1h)",
    )
    serve.add_argument(
        "--workers",
        type=_worker_count,
        default=1,
        metavar="N",
        help="serve from N processes (default 1); with N > 1, rate limits must be counted in "
        "Redis (MODELATLAS_RATE_LIMIT_STORAGE_URL=redis://...)",
    )
    serve.add_argument(
        "--allow-per-process-limits",
        action="store_true",
        help="with --workers N > 1, accept rate limits counted in each process's memory "
        "(together the workers allow N times each limit)",
    )
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
    models_dev = sources.add_parser(
        "models-dev", help="facts, offers and prices from models.dev's api.json"
    )
    models_dev.add_argument(
        "location",
        nargs="?",
        metavar="FILE|URL",
        help="an api.json (plain or .gz) or its URL, e.g. https://models.dev/api.json "
        "(default: the copy the models-dev package bundles)",
    )
    models_dev.set_defaults(handler=cmd_import_models_dev)
    scores = sources.add_parser(
        "scores",
        help="benchmark scores from a CSV file",
        description=SCORES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scores.add_argument("file", help="UTF-8 CSV with columns model,benchmark,score,source,date")
    scores.add_argument(
        "--strict", action="store_true", help="import nothing if any row is rejected"
    )
    scores.set_defaults(handler=cmd_import_scores)

    report = commands.add_parser("report", help="figures about the catalog")
    reports = report.add_subparsers(dest="report", required=True)
    reports.add_parser(
        "coverage", help="how many priced text models know each fact (release date, weights, …)"
    ).set_defaults(handler=cmd_report_coverage)

    commands.add_parser(
        "refresh", help="refresh endpoint metrics and prices from OpenRouter once"
    ).set_defaults(handler=cmd_refresh)

    commands.add_parser(
        "deliver", help="send the webhook deliveries that are due (retries included)"
    ).set_defaults(handler=cmd_deliver)

    user = commands.add_parser("user", help="manage accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    create = user_commands.add_parser(
        "create", help="create an account; the password is asked for, or read from stdin"
    )
    create.add_argument("--email", required=True, help="the account's email address")
    create.add_argument("--display-name", required=True, help="name shown on ratings, comments")
    create.add_argument("--admin", action="store_true", help="may hide and unhide comments")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(handler=cmd_user_create)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `modelatlas` console script."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
