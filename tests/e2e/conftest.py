"""Browser tests: the real `modelatlas serve` process, driven by Debian's Chromium.

The server starts once per test process on a free port against an empty throwaway
database, so its first start (migrate, seed, import) is part of what is tested
and timed. The browser is the system's `/usr/bin/chromium`; Playwright never
downloads one. Without it the layer is skipped on a developer's machine and
fails in CI, where it must run.
"""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.support import first_start as first_start_figure
from tests.support.databases import backend, throwaway_database
from tests.support.executables import modelatlas_executable
from tests.support.page_layout import assert_page_reads_well
from tests.support.served_app import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# Generous: the first start imports both catalogs while the other test process keeps the
# same cores busy, and a PostgreSQL server shares them too.
SERVER_START_TIMEOUT_SECONDS = 180
FAILED_CALL = pytest.StashKey[bool]()


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run them")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def artifacts_dir(pytestconfig: pytest.Config) -> Path:
    directory = pytestconfig.rootpath / "test-artifacts"
    directory.mkdir(exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def artifact_path(artifacts_dir: Path) -> Callable[[str], Path]:
    """Where to save an artifact; PostgreSQL runs add a suffix so both CI passes keep theirs."""
    suffix = "" if backend() == "sqlite" else f"-{backend()}"

    def path(name: str) -> Path:
        stem, _, extension = name.rpartition(".")
        return artifacts_dir / f"{stem}{suffix}.{extension}"

    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(process: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"modelatlas serve exited with {process.returncode} before it was healthy:\n"
                f"{log.read_text(errors='replace')}"
            )
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(
        f"/healthz did not answer 200 within {SERVER_START_TIMEOUT_SECONDS} s; server output:\n"
        f"{log.read_text(errors='replace')}"
    )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory,
    pytestconfig: pytest.Config,
    artifact_path: Callable[[str], Path],
) -> Iterator[LiveServer]:
    """`modelatlas serve` on a free port, from a scratch directory, on an empty database."""
    workdir = tmp_path_factory.mktemp("e2e-server")
    log = workdir / "server.log"
    with throwaway_database(workdir, "e2e") as database_url:
        env = {key: value for key, value in os.environ.items() if not key.startswith("MODELATLAS_")}
        env["MODELATLAS_DATABASE_URL"] = database_url
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        with log.open("w") as output:
            process = subprocess.Popen(
                [modelatlas_executable(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=workdir,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_healthy(process, base_url, log)
            first_start = time.monotonic() - started
            first_start_figure.record(pytestconfig, first_start)
            yield LiveServer(base_url=base_url, first_start_seconds=first_start)
        finally:
            _stop(process)
            # One server per xdist worker (gw0, gw1): each keeps its own log.
            worker = os.environ.get("PYTEST_XDIST_WORKER", "")
            shutil.copyfile(log, artifact_path(f"server{'-' if worker else ''}{worker}.log"))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED_CALL] = True
    return report


@pytest.fixture
def page(
    browser: Browser, request: pytest.FixtureRequest, artifact_path: Callable[[str], Path]
) -> Iterator[Page]:
    """A fresh browser context per test; a failing test leaves a screenshot behind.

    The page a passing test ends on must fit the window and write its figures the one
    way (tests/support/page_layout.py), whatever clicks and typing brought it there.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
        if not request.node.stash.get(FAILED_CALL, False) and _shows_html(page):
            assert_page_reads_well(page, f"the page {request.node.name} ended on ({page.url})")
    finally:
        if request.node.stash.get(FAILED_CALL, False):
            page.screenshot(path=artifact_path(f"failed-{request.node.name}.png"), full_page=True)
        context.close()


def _shows_html(page: Page) -> bool:
    return page.url.startswith("http") and page.evaluate("document.contentType") == "text/html"
