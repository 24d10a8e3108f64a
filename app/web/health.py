"""`/healthz`: 200 while the database answers, 503 with the reason when it does not."""

from fastapi import APIRouter, Response, status

from app.services.health import database_problem
from app.web.api_schemas import HealthReport
from app.web.deps import SessionDep

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    name="health.check",
    response_model=HealthReport,
    responses={503: {"model": HealthReport, "description": "The database did not answer."}},
)
def health_check(session: SessionDep, response: Response) -> HealthReport:
    """Check the database with `SELECT 1`; answer 503 when it fails so orchestrators wait."""
    problem = database_problem(session=session)
    if problem is None:
        return HealthReport(status="ok", database="ok")
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthReport(status="error", database=problem)
