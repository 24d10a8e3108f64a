"""How long the usage replay takes for a big log: `python -m bench.replay_speed`.

Builds a catalog database as `serve` does on first start (migrations, seed,
genai-prices import) in `bench/.scratch/replay.db`, or uses the one named by
`--database-url` (which must already hold the catalog), then generates a
usage log of `--rows` rows (100,000 by default) over 90 days and 20 models of
the catalog, named as logs name them (OpenRouter ids, provider ids, slugs),
with cached and reasoning tokens, and times it:

- `service`: reading the log and pricing it, in this process;
- `request`: `POST /replay` with the log as an uploaded file through the
  whole app (every middleware, the streamed form, the result page), over
  httpx's ASGI transport (no socket), in JSON Lines and in CSV.

The figures go to `bench/results-replay.json` and `bench/RESULTS-replay.md`
(`--json`, `--markdown`; `python -m bench.report --replay` re-renders the
Markdown), with the machine, the code and `--conditions`.

Each figure is the median of `--repetitions` runs. The target is 2 s for
100,000 rows. The app's size limit is raised for the JSON Lines log, which
is larger than the default 20 MB at 100,000 rows of full usage objects.
Not part of the test suite.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from app import migrate
from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope
from app.main import create_app
from app.models import Endpoint, ExternalId, Model, Price
from app.services.ingest.genai_import import import_genai_prices
from app.services.ingest.seed import seed_reference
from app.services.pricing.usage_records import UsageReader, UsageTally
from app.services.pricing.usage_replay import replay_usage
from bench.machine import describe_host
from bench.report import (
    DEFAULT_REPLAY_JSON,
    DEFAULT_REPLAY_MARKDOWN,
    replay_table,
    write_replay_results,
)

SCRATCH = Path(__file__).resolve().parent / ".scratch"
TARGET_SECONDS = 2.0
MODELS = 20
DAYS = 90
FORM_TOKEN = 'name="csrf_token" value="'  # noqa: S105 - the form field, not a secret


def build_catalog(url: str) -> None:
    """Migrations, seed and the genai-prices import, as a first `serve` does."""
    migrate.upgrade(url)
    factory = make_session_factory(make_engine(url))
    with session_scope(factory) as session:
        seed_reference(session=session)
    with session_scope(factory) as session:
        import_genai_prices(session=session)


def model_ids(url: str) -> list[str]:
    """Ids of priced models as a log would write them: OpenRouter's, a provider's, or our slug."""
    factory = make_session_factory(make_engine(url))
    with factory() as session:
        priced = (
            select(Model.id, Model.slug)
            .where(Model.id.in_(select(Endpoint.model_id).join(Price)))
            .order_by(Model.id)
            .limit(MODELS)
        )
        models = session.execute(priced).all()
        ids = [model_id for model_id, _ in models]
        external = dict(
            session.execute(
                select(ExternalId.model_id, ExternalId.external_id).where(
                    ExternalId.model_id.in_(ids), ExternalId.source == "openrouter"
                )
            ).all()
        )
        provider = dict(
            session.execute(
                select(Endpoint.model_id, Endpoint.provider_model_id).where(
                    Endpoint.model_id.in_(ids)
                )
            ).all()
        )
    names = []
    for index, (model_id, slug) in enumerate(models):
        choices = [slug, external.get(model_id), provider.get(model_id)]
        names.append(choices[index % 3] or slug)
    return names


def usage_log(rows: int, names: list[str], *, csv: bool) -> bytes:
    """A generated log: one response-like record (or CSV row) per request."""
    generator = random.Random(20261202)
    start = datetime.now(UTC) - timedelta(days=DAYS)
    lines = (
        ["date,model,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,requests"]
        if csv
        else []
    )
    for number in range(rows):
        moment = start + timedelta(seconds=generator.randrange(DAYS * 86_400))
        prompt = generator.randrange(100, 20_000)
        cached = generator.randrange(0, prompt)
        completion = generator.randrange(10, 2_000)
        reasoning = generator.randrange(0, completion)
        model = names[number % len(names)]
        if csv:
            lines.append(f"{moment.date()},{model},{prompt},{cached},{completion},{reasoning},1")
            continue
        lines.append(
            json.dumps(
                {
                    "id": f"gen-{number}",
                    "object": "chat.completion",
                    "created": int(moment.timestamp()),
                    "model": model,
                    "usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                        "prompt_tokens_details": {"cached_tokens": cached},
                        "completion_tokens_details": {"reasoning_tokens": reasoning},
                    },
                }
            )
        )
    return ("\n".join(lines) + "\n").encode()


def timed(repetitions: int, run: Callable[[], object]) -> tuple[float, float]:
    """The median wall time of `run` and the median CPU time this process spent on it, in s.

    On a machine shared with other work the wall time includes waiting for a
    core; the CPU time (every thread of the process) says what the run itself costs.
    """
    walls, cpus = [], []
    for _ in range(repetitions):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    return statistics.median(walls), statistics.median(cpus)


def service_run(url: str, log: bytes, rows: int) -> Callable[[], object]:
    factory = make_session_factory(make_engine(url))

    def run() -> object:
        tally = UsageTally()
        reader = UsageReader(tally, max_rows=rows + 1)
        for start in range(0, len(log), 65_536):
            reader.feed(log[start : start + 65_536])
        reader.finish()
        with factory() as session:
            return replay_usage(session=session, tally=tally)

    return run


def request_run(url: str, log: bytes, filename: str) -> Callable[[], object]:
    settings = Settings(
        database_url=url,
        environment="production",
        secret_key=os.urandom(32).hex(),
        auto_populate=False,
        replay_max_bytes=len(log) + 1,
        replay_max_rows=10_000_000,
    )
    app = create_app(settings)

    async def post() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            form = await client.get("/replay")
            token = form.text.split(FORM_TOKEN, 1)[1].split('"', 1)[0]
            response = await client.post(
                "/replay", data={"csrf_token": token}, files={"file": (filename, log)}
            )
            assert response.status_code == 200, response.text[:300]

    def run() -> object:
        return asyncio.run(post())

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database that already holds the catalog")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--conditions", default="", help="how loaded the machine was, in words")
    parser.add_argument("--json", type=Path, default=DEFAULT_REPLAY_JSON)
    parser.add_argument("--markdown", type=Path, default=DEFAULT_REPLAY_MARKDOWN)
    args = parser.parse_args()
    url = args.database_url
    if url is None:
        SCRATCH.mkdir(exist_ok=True)
        path = SCRATCH / "replay.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            build_catalog(url)
    names = model_ids(url)
    print(
        f"{args.rows:,} rows over {DAYS} days and {len(names)} models, median of "
        f"{args.repetitions}; target {TARGET_SECONDS} s"
    )
    runs = []
    for label, csv in (("JSON Lines", False), ("CSV", True)):
        log = usage_log(args.rows, names, csv=csv)
        service, service_cpu = timed(args.repetitions, service_run(url, log, args.rows))
        request, request_cpu = timed(
            args.repetitions, request_run(url, log, "usage.csv" if csv else "usage.jsonl")
        )
        runs.append(
            {
                "format": label,
                "megabytes": len(log) / 1e6,
                "service_seconds": service,
                "service_cpu_seconds": service_cpu,
                "request_seconds": request,
                "request_cpu_seconds": request_cpu,
                "passed": request <= TARGET_SECONDS,
            }
        )
    results = {
        "machine": describe_host(database_url=url),
        "conditions": args.conditions,
        "rows": args.rows,
        "days": DAYS,
        "models": len(names),
        "repetitions": args.repetitions,
        "target_seconds": TARGET_SECONDS,
        "runs": runs,
    }
    write_replay_results(results, json_path=args.json, markdown_path=args.markdown)
    print(replay_table(results))
    print(f"wrote {args.json} and {args.markdown}")


if __name__ == "__main__":
    main()
