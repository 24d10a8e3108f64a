"""`/healthz`: 200 while the database answers, 503 within two seconds when it does not.

Load balancers call it often and act on its answer, so it must answer even
when the database hangs: the check runs in a worker thread and the route
waits for it at most `HEALTH_TIMEOUT_SECONDS`. Checks never pile up behind
a hung database: while one is running, later calls wait for the same one.
The answer says only "database unavailable"; the driver's reason (which
names hosts, ports and databases) goes to the log.
"""

import asyncio

from fastapi import Request, Response, status
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.services.publishing.health import database_problem
from app.web.render.api_schemas import HealthReport
from app.web.routes.unit_of_work import area_router

router = area_router(tags=["operations"])

HEALTH_TIMEOUT_SECONDS = 2.0
UNAVAILABLE = "database unavailable"


@router.get(
    "/healthz",
    name="health.check",
    response_model=HealthReport,
    responses={503: {"model": HealthReport, "description": "The database did not answer."}},
)
async def health_check(request: Request, response: Response) -> HealthReport:
    """Check the database with `SELECT 1`; 503 when it fails or is slow, so orchestrators wait."""
    check = _running_check(request)
    try:
        healthy = await asyncio.wait_for(asyncio.shield(check), HEALTH_TIMEOUT_SECONDS)
    except TimeoutError:
        healthy = False
    if healthy:
        return HealthReport(status="ok", database="ok")
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthReport(status="error", database=UNAVAILABLE)


def _running_check(request: Request) -> "asyncio.Future[bool]":
    """The check in progress, or a new one: one thread at most waits on the database."""
    state = request.app.state
    running: asyncio.Future[bool] | None = getattr(state, "health_check", None)
    if running is None or running.done() or running.get_loop() is not asyncio.get_running_loop():
        running = asyncio.ensure_future(run_in_threadpool(_database_answers, state.session_factory))
        state.health_check = running
    return running


def _database_answers(session_factory: sessionmaker[Session]) -> bool:
    with session_factory() as session:
        return database_problem(session=session) is None
