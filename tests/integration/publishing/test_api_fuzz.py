"""Every operation of the OpenAPI document, fuzzed with schemathesis against the real app.

Each operation in `/openapi.json` gets the document's own examples, schemathesis'
coverage cases (each enum value, missing and malformed parameters, methods the
operation does not list), then `MAX_EXAMPLES` generated requests. They go to an
app reading the imported catalog, on SQLite or PostgreSQL as the test run is.
Every answer must be no 5xx and must match the document: a documented status,
content type, headers and body. Bounded so the whole module takes well under a
minute of the test run.
"""

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from app.config import Settings
from app.main import create_app

# Random requests per operation, on top of its examples and coverage cases.
MAX_EXAMPLES = 25
# A full export takes about a second, and its coverage cases already walk through
# every format and table: fewer random ones there keep the run short.
EXPORT_MAX_EXAMPLES = 5

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": MAX_EXAMPLES},
        "operations": [
            {
                "include-path": "/api/v1/export",
                "generation": {"max-examples": EXPORT_MAX_EXAMPLES},
            }
        ],
    }
)

# The operations are needed when the module is collected, so the document comes from an
# app of its own, whose database is never opened; the requests go to the `client`
# fixture's app. (Loading the document from a fixture's app with
# `schemathesis.pytest.from_fixture` fails on pytest 9.2, which removed `Node._nodeid`.)
schema = schemathesis.openapi.from_dict(
    create_app(Settings(environment="test", database_url="sqlite://")).openapi(), config=CONFIG
)


@schema.parametrize()
# One app per operation serves all of its examples: every operation only reads.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_its_document_says(
    case: schemathesis.Case, client: TestClient
) -> None:
    case.call_and_validate(app=client.app)
