"""The request log writes one JSON line per HTTP request with its status and size."""

import json
import logging
import re

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from app.logging_config import configure_logging
from app.web.middleware.request_log import RequestLogMiddleware, request_line


def _hello(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello", status_code=201)


def test_each_request_is_logged_as_one_json_line(caplog: pytest.LogCaptureFixture) -> None:
    app = RequestLogMiddleware(Starlette(routes=[Route("/hello", _hello)]))
    caplog.set_level(logging.INFO, logger="app.requests")

    TestClient(app).get("/hello?x=1")

    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "app.requests"]
    assert len(records) == 1
    line = records[0]
    assert line["method"] == "GET"
    assert line["path"] == "/hello"
    assert line["status"] == 201
    assert line["bytes"] == len("hello")
    assert line["ms"] >= 0


def test_nothing_is_logged_when_info_is_off(caplog: pytest.LogCaptureFixture) -> None:
    app = RequestLogMiddleware(Starlette(routes=[Route("/hello", _hello)]))
    caplog.set_level(logging.WARNING, logger="app.requests")

    TestClient(app).get("/hello")

    assert not [r for r in caplog.records if r.name == "app.requests"]


@pytest.mark.parametrize(
    ("method", "path", "ms"),
    [
        ("GET", "/models/mistral/mistral-small-2603", 0.12),
        ("POST", '/a "quoted"\\path\nwith é and \u2028', 1234.5),
        ("GET", "/", 0.0),
        ("GET", "/x", 1e-05),
    ],
)
def test_a_line_is_what_json_dumps_writes_for_its_object(method: str, path: str, ms: float) -> None:
    facts = {"event": "request", "method": method, "path": path, "status": 200, "ms": ms}

    line = request_line(method, path, 200, ms, 59_270)

    assert line == json.dumps({**facts, "bytes": 59_270})


@pytest.mark.usefixtures("clean_loggers")
def test_served_the_line_is_written_in_the_one_log_format(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info")
    app = RequestLogMiddleware(Starlette(routes=[Route("/hello", _hello)]))

    TestClient(app).get("/hello")

    (line,) = [line for line in capsys.readouterr().err.splitlines() if "app.requests" in line]
    found = re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO app\.requests (.*)", line)
    assert found is not None, line
    assert json.loads(found.group(1))["status"] == 201


@pytest.mark.usefixtures("clean_loggers")
def test_a_filter_on_the_request_log_still_sees_every_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info")
    seen: list[str] = []
    logging.getLogger("app.requests").addFilter(
        lambda record: seen.append(record.getMessage()) or "/private" not in record.getMessage()
    )
    app = RequestLogMiddleware(Starlette(routes=[Route("/hello", _hello)]))

    TestClient(app).get("/hello")
    TestClient(app).get("/private")

    assert [json.loads(message)["path"] for message in seen] == ["/hello", "/private"]
    logged = [line for line in capsys.readouterr().err.splitlines() if "app.requests" in line]
    assert len(logged) == 1 and '"/hello"' in logged[0]
