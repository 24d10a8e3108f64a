"""A fake OpenRouter API: a real HTTP server on 127.0.0.1, run in a thread, for tests and the bench.

It answers `GET /api/v1/models` and `GET /api/v1/models/{author}/{slug}/endpoints`
from recorded-format fixtures (`tests/fixtures/openrouter/`: the model list,
and one endpoints answer per model, shaped as the API reference documents
them), or from a generator of N models x M endpoints for load runs.

Faults are switches on `fake.faults`, each limited to paths ending with
`faults.paths` (every path by default; `/api/v1/models` is the list only):

- `delay_seconds`: answer late (a client with a shorter timeout times out);
- `hold`: answer only once this event is set (or after HOLD_LIMIT_SECONDS), so a
  test decides when a request in flight ends;
- `status` (+ `fail_times`, `retry_after`): answer 500, 429... instead, for
  the first `fail_times` requests or all of them, with a `Retry-After` header;
- `truncate`: send only the first half of the JSON, with a matching length;
- `renamed_field`: rename one field in every endpoint item (a format change);
- `empty_model_list`: list no models;

and `patch_endpoint` / `null_latency` change one provider's endpoint item.
Every request is recorded (path, Authorization header, time) in `requests`.

`python -m tests.support.fake_openrouter --models 1000 --endpoints 3` serves the
generated catalog in its own process and prints its base URL (the bench uses it).
"""

import argparse
import contextlib
import copy
import json
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

FIXTURES = Path(__file__).parent.parent / "fixtures" / "openrouter"
API_PREFIX = "/api/v1"
MODELS_PATH = f"{API_PREFIX}/models"
GENERATED_PROVIDERS = (
    ("DeepInfra", "deepinfra"),
    ("Together", "together"),
    ("Fireworks", "fireworks"),
    ("Groq", "groq"),
    ("Novita", "novita"),
    ("Nebius AI Studio", "nebius"),
    ("Parasail", "parasail"),
    ("Lambda", "lambda"),
    ("Hyperbolic", "hyperbolic"),
    ("Cerebras", "cerebras"),
)


# A held request is answered after this long even if never released: a failing test
# must not leave the fake's threads waiting forever.
HOLD_LIMIT_SECONDS = 60.0


@dataclass
class Faults:
    """What goes wrong, and where (`paths` ends the request paths it applies to)."""

    paths: str = ""
    delay_seconds: float = 0.0
    hold: threading.Event | None = None
    status: int | None = None
    fail_times: int | None = None
    retry_after: str | None = None
    truncate: bool = False
    renamed_field: tuple[str, str] | None = None
    empty_model_list: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    authorization: str | None
    at: float


@dataclass
class FakeOpenRouter:
    """The server and what it serves. Use as a context manager: it starts and stops the thread."""

    fixtures: Path = FIXTURES
    faults: Faults = field(default_factory=Faults)
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.models: list[dict[str, Any]] = _read(self.fixtures / "models.json")["data"]
        self.endpoints: dict[str, dict[str, Any]] = {}
        for path in sorted((self.fixtures / "endpoints").glob("*.json")):
            answer = _read(path)
            self.endpoints[answer["data"]["id"]] = answer
        self.generated_endpoints = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._failures_served = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- Running -----------------------------------------------------------------------------

    def __enter__(self) -> "FakeOpenRouter":
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-openrouter",
            daemon=True,
        ).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        """What `MODELATLAS_OPENROUTER_BASE_URL` should be set to."""
        assert self._server is not None, "start the fake first (with FakeOpenRouter() as fake)"
        return f"http://127.0.0.1:{self._server.server_address[1]}{API_PREFIX}"

    def requests_to(self, ending: str) -> list[RecordedRequest]:
        """The recorded requests whose path ends with `ending` (`/api/v1/models`: the list)."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(ending)]

    # --- Changing what is served -------------------------------------------------------------

    def patch_endpoint(self, model_id: str, provider: str, /, **fields: Any) -> None:
        """Set `fields` (any, `provider_name` too) on one provider's endpoint item of one model."""
        for item in self.endpoints[model_id]["data"]["endpoints"]:
            if item["provider_name"] == provider:
                item.update(fields)
                return
        raise KeyError(f"{model_id} has no endpoint by {provider}")

    def null_latency(self, model_id: str, provider_name: str) -> None:
        """Answer `latency_last_30m: null` for one endpoint (as for anonymous calls)."""
        self.patch_endpoint(model_id, provider_name, latency_last_30m=None)

    def generate(self, models: int, endpoints_per_model: int) -> None:
        """Serve `models` synthetic models with `endpoints_per_model` endpoints each instead."""
        if not 0 < endpoints_per_model <= len(GENERATED_PROVIDERS):
            raise ValueError(f"1 to {len(GENERATED_PROVIDERS)} endpoints per model")
        self.models = [_generated_model(n) for n in range(models)]
        self.endpoints = {}
        self.generated_endpoints = endpoints_per_model

    # --- Answering ---------------------------------------------------------------------------

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a GET of `path`, faults applied."""
        faults = self.faults
        applies = path.endswith(faults.paths)
        if applies and faults.delay_seconds:
            time.sleep(faults.delay_seconds)
        if applies and faults.hold is not None:
            faults.hold.wait(HOLD_LIMIT_SECONDS)
        if applies and faults.status is not None and self._take_failure():
            headers = {"Retry-After": faults.retry_after} if faults.retry_after else {}
            return faults.status, headers, _error_body(faults.status, "simulated failure")
        document = self._document(path)
        if document is None:
            return 404, {}, _error_body(404, f"no route for {path}")
        body = json.dumps(document).encode()
        if applies and faults.truncate:
            body = body[: len(body) // 2]
        return 200, {}, body

    def _take_failure(self) -> bool:
        with self._lock:
            if (
                self.faults.fail_times is not None
                and self._failures_served >= self.faults.fail_times
            ):
                return False
            self._failures_served += 1
            return True

    def _document(self, path: str) -> dict[str, Any] | None:
        if path == MODELS_PATH:
            return {"data": [] if self.faults.empty_model_list else self.models}
        prefix, suffix = f"{MODELS_PATH}/", "/endpoints"
        if not (path.startswith(prefix) and path.endswith(suffix)):
            return None
        model_id = unquote(path[len(prefix) : -len(suffix)])
        if self.generated_endpoints:
            answer = _generated_endpoints(model_id, self.generated_endpoints)
        else:
            answer = self.endpoints.get(model_id)
        if answer is None:
            return None
        if self.faults.renamed_field:
            old, new = self.faults.renamed_field
            answer = copy.deepcopy(answer)
            for item in answer["data"]["endpoints"]:
                item[new] = item.pop(old)
        return answer

    @contextlib.contextmanager
    def counting_in_flight(self) -> Iterator[None]:
        """Track how many requests are being answered at once (`max_in_flight`)."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def record(self, path: str, authorization: str | None) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(path, authorization, time.monotonic()))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeOpenRouter

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client gives up on a slow answer; report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, each answer waits for a delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        fake = self.server.fake
        path = urlsplit(self.path).path
        fake.record(path, self.headers.get("Authorization"))
        with fake.counting_in_flight():
            status, headers, body = fake.answer(path)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `fake.requests` instead."""


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _error_body(status: int, message: str) -> bytes:
    return json.dumps({"error": {"code": status, "message": message}}).encode()


def _generated_model(n: int) -> dict[str, Any]:
    model_id = f"gen-lab-{n % 40:02d}/gen-model-{n:05d}"
    return {
        "id": model_id,
        "canonical_slug": model_id,
        "hugging_face_id": None,
        "name": f"Gen Lab {n % 40}: Gen Model {n}",
        "created": 1_700_000_000 + n,
        "description": f"Synthetic model number {n} for load runs.",
        "context_length": 32_768 * (1 + n % 8),
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {"prompt": "0.0000001", "completion": "0.0000002"},
        "top_provider": {"context_length": 32_768, "max_completion_tokens": 8192},
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "temperature"],
    }


def _generated_endpoints(model_id: str, count: int) -> dict[str, Any] | None:
    if not model_id.startswith("gen-lab-"):
        return None
    n = int(model_id.rsplit("-", 1)[1])
    endpoints = []
    for k in range(count):
        name, tag = GENERATED_PROVIDERS[(n + k) % len(GENERATED_PROVIDERS)]
        speed = 20 + (n * 7 + k * 13) % 180
        latency = 150 + (n * 11 + k * 17) % 900
        endpoints.append(
            {
                "name": f"{name} | {model_id}",
                "model_id": model_id,
                "model_name": f"Gen Model {n}",
                "context_length": 32_768,
                "pricing": {
                    "prompt": f"0.000000{1 + (n + k) % 9}",
                    "completion": f"0.00000{1 + (n + 2 * k) % 9}",
                    "discount": 0,
                },
                "provider_name": name,
                "tag": tag,
                "quantization": "fp8",
                "max_completion_tokens": 8192,
                "max_prompt_tokens": None,
                "supported_parameters": ["max_tokens", "temperature", "tools"],
                "status": 0,
                "uptime_last_30m": 99.5,
                "latency_last_30m": {
                    "p50": latency,
                    "p75": latency * 1.2,
                    "p90": latency * 1.5,
                    "p99": latency * 3,
                },
                "throughput_last_30m": {
                    "p50": speed,
                    "p75": speed * 0.9,
                    "p90": speed * 0.75,
                    "p99": speed * 0.5,
                },
            }
        )
    return {"data": {"id": model_id, "name": f"Gen Model {n}", "endpoints": endpoints}}


def main() -> None:
    """Serve a generated catalog until interrupted, printing the base URL first."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--endpoints", type=int, default=3)
    args = parser.parse_args()
    fake = FakeOpenRouter()
    fake.generate(args.models, args.endpoints)
    with fake:
        print(fake.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
