"""Routes of the usage replay: `/replay`, what past usage cost at every provider.

`GET /replay` is the form; `POST /replay` reads the pasted log (field
`usage`) or the uploaded one (field `file`) as it streams in, keeping only
totals per model and day (`services.pricing.usage_records`) — the log itself is
never stored, in the database or on disk — then prices them
(`services.pricing.usage_replay`) and answers the result page, or with `format=csv`
the result as CSV.

A signed-in visitor can keep the replay as a saved workload: the result
page carries the log's average month as the calculator's fields
(`services.pricing.replay_workload`) in a form that posts to `POST /workloads`, the
same save as beside any calculator. Only those averages travel, never the log.

Because the body is streamed rather than parsed whole, the CSRF token must
be the form's first field (or the `X-CSRF-Token` header); it is checked
before a byte of the log is read (see `app.web.middleware.csrf`). The route takes a
turn at the database only for that check and for pricing, never while a
slow upload is arriving, so uploads cannot hold the turns page views need.
"""

from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from app.config import Settings
from app.services.pricing.replay_workload import ReplayWorkload, replay_workload
from app.services.pricing.saved_workloads import read_submitted_workload
from app.services.pricing.usage_records import (
    TooManyRowsError,
    UnreadableLogError,
    UsageReader,
    UsageTally,
)
from app.services.pricing.usage_replay import MAX_ALTERNATIVES, Replay, replay_usage
from app.services.pricing.workload import Presets
from app.web.middleware.csrf import (
    FORM_FIELD,
    HEADER,
    MISSING_OR_WRONG,
    token_checked_in_stream,
    verify_form_token,
)
from app.web.middleware.visitor import load_visitor
from app.web.render.replay_chart import monthly_chart
from app.web.render.replay_export import replay_csv, tally_as_csv
from app.web.routes.calculator import PresetsDep
from app.web.routes.deps import SettingsDep, TemplatesDep, get_session
from app.web.routes.streamed_form import FormError, StreamedForm
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)

REPLAY_PATH = "/replay"
# Room for the form around the log (token, field names, multipart headers).
FORM_OVERHEAD_BYTES = 64 * 1024
USAGE_FIELDS = ("usage", "file")
TEMPLATE = "replay/page.html"
# A session during a turn at the database, for the two moments the route needs one.
database_session = asynccontextmanager(get_session)


class UsageProblemError(ValueError):
    """The form was read but holds no usable log (answered 422 on the form)."""


@dataclass
class ReplayForm:
    """The replay form as it streams in: small fields, and each log read into its own tally.

    Its callbacks run in worker threads (the parser's). Log bytes that arrive
    after the token but before the route has checked it wait in `pending`
    (at most the rest of one chunk); log bytes before any token are refused.
    """

    settings: Settings
    token: str | None = None
    token_checked: bool = False
    values: dict[str, str] = field(default_factory=dict)
    received: int = 0
    readers: dict[str, UsageReader] = field(default_factory=dict)
    pending: list[tuple[str, bytes | None]] = field(default_factory=list)

    def field(self, name: str, value: str) -> None:
        if name == FORM_FIELD and self.token is None:
            self.token = value
            return
        self.values.setdefault(name, value)

    def stream_data(self, name: str, data: bytes) -> None:
        if self.token_checked:
            self._read(name, data)
        elif self.token is not None:
            self.pending.append((name, data))
        else:
            raise HTTPException(403, MISSING_OR_WRONG)

    def stream_end(self, name: str) -> None:
        if self.token_checked:
            self._end(name)
        else:
            self.pending.append((name, None))

    def token_verified(self) -> None:
        """Read what waited for the token's check."""
        self.token_checked = True
        pending, self.pending = self.pending, []
        for name, data in pending:
            if data is None:
                self._end(name)
            else:
                self._read(name, data)

    def _read(self, name: str, data: bytes) -> None:
        self.received += len(data)
        if self.received > self.settings.replay_max_bytes:
            raise HTTPException(413, _too_large(self.settings))
        reader = self.readers.get(name)
        if reader is None:
            # Each log gets a tally of its own: a second one is refused at the end, never mixed in.
            reader = UsageReader(UsageTally(), max_rows=self.settings.replay_max_rows)
            self.readers[name] = reader
        reader.feed(data)

    def _end(self, name: str) -> None:
        reader = self.readers.get(name)
        if reader is not None:
            reader.finish()

    def log_tally(self) -> UsageTally:
        """The tally of the one log sent; UsageProblemError when none (or two) were."""
        started = [reader for reader in self.readers.values() if reader.started]
        if not started:
            raise UsageProblemError("Paste usage records or choose a file to upload.")
        if len(started) > 1:
            raise UsageProblemError("Paste the usage or upload a file, not both.")
        return started[0].tally

    @property
    def alternatives(self) -> tuple[str, ...]:
        """The alternative models asked for, as written (comma or space separated)."""
        text = self.values.get("alternatives", "")
        ids = [part.strip() for part in text.replace(",", " ").split() if part.strip()]
        return tuple(dict.fromkeys(ids))[:MAX_ALTERNATIVES]


def _too_large(settings: Settings) -> str:
    return (
        f"The usage log is larger than {settings.replay_max_bytes:,} bytes, the most a replay "
        "reads. Split it by month and replay each part."
    )


@router.get(REPLAY_PATH, response_class=HTMLResponse, name="replay.page")
def replay_page(request: Request, templates: TemplatesDep, settings: SettingsDep) -> Response:
    """The replay form."""
    return _form_page(request, templates, settings)


@router.post(REPLAY_PATH, response_class=HTMLResponse, name="replay.submit")
@token_checked_in_stream
async def replay_submit(
    request: Request, templates: TemplatesDep, settings: SettingsDep, presets: PresetsDep
) -> Response:
    """Read the log as it streams in, price it, and answer the result (HTML, or CSV)."""
    form = ReplayForm(settings=settings, token=request.headers.get(HEADER) or None)
    try:
        if form.token is not None:
            await _check_token(request, form)
        parser = StreamedForm(
            request.headers.get("content-type"), streamed=USAGE_FIELDS, fields=form
        )
        async for chunk in request.stream():
            await run_in_threadpool(parser.write, chunk)
            await _check_token(request, form)
        await run_in_threadpool(parser.finish)
        await _check_token(request, form)
        if not form.token_checked:
            raise HTTPException(403, MISSING_OR_WRONG)
        tally = form.log_tally()
    except FormError as problem:
        if not form.token_checked:
            raise HTTPException(403, MISSING_OR_WRONG) from None
        raise HTTPException(problem.status_code, str(problem)) from None
    except TooManyRowsError as problem:
        raise HTTPException(
            413,
            f"The usage log has more than {problem.limit:,} rows, the most a replay reads. "
            "Split it by month and replay each part.",
        ) from None
    except ClientDisconnect:
        raise HTTPException(400, "The upload ended before the whole form arrived.") from None
    except (UnreadableLogError, UsageProblemError) as problem:
        return _form_page(
            request,
            templates,
            settings,
            error=str(problem),
            alternatives=form.alternatives,
            status_code=422,
        )
    async with database_session(request) as session:
        replay = await run_in_threadpool(
            replay_usage, session=session, tally=tally, alternatives=form.alternatives
        )
        signed_in = (await run_in_threadpool(load_visitor, request, session)).user is not None
    if form.values.get("format") == "csv":
        return Response(
            content=replay_csv(replay),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="modelatlas-replay.csv"'},
        )
    saving = _saving(replay, presets, signed_in=signed_in)
    return _result_page(request, templates, settings, replay, form.alternatives, saving)


async def _check_token(request: Request, form: ReplayForm) -> None:
    """Check a token that arrived and is not checked yet (403 if wrong), then read on."""
    if form.token is None or form.token_checked:
        return
    async with database_session(request) as session:
        await run_in_threadpool(verify_form_token, request, session, form.token)
    await run_in_threadpool(form.token_verified)


@dataclass(frozen=True)
class Saving:
    """What the result page offers for keeping the replay as a workload.

    `workload` is the log's average month when the calculator accepts it;
    `problems` say why not when it does not (none when the log has no request).
    """

    signed_in: bool
    workload: ReplayWorkload | None
    problems: tuple[str, ...] = ()


def _saving(replay: Replay, presets: Presets, *, signed_in: bool) -> Saving:
    derived = replay_workload(replay.tally)
    if derived is None:
        return Saving(signed_in=signed_in, workload=None)
    checked = read_submitted_workload(derived.fields, presets=presets)
    if checked.workload is None:
        return Saving(signed_in=signed_in, workload=None, problems=checked.problems)
    return Saving(signed_in=signed_in, workload=derived)


def _form_page(
    request: Request,
    templates: TemplatesDep,
    settings: Settings,
    *,
    error: str | None = None,
    alternatives: tuple[str, ...] = (),
    status_code: int = 200,
) -> Response:
    return templates.TemplateResponse(
        request,
        TEMPLATE,
        {
            "settings": settings,
            "error": error,
            "replay": None,
            "alternatives": ", ".join(alternatives),
        },
        status_code=status_code,
    )


def _result_page(
    request: Request,
    templates: TemplatesDep,
    settings: Settings,
    replay: Replay,
    alternatives: tuple[str, ...],
    saving: Saving,
) -> Response:
    return templates.TemplateResponse(
        request,
        TEMPLATE,
        {
            "settings": settings,
            "error": None,
            "replay": replay,
            "chart": monthly_chart(replay.by_month()),
            "totals_csv": tally_as_csv(replay.tally),
            "alternatives": ", ".join(alternatives),
            "saving": saving,
        },
    )
