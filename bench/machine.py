"""The machine and software a run measured, recorded next to its figures.

Throughput figures mean little without the CPU, the versions, and which
event loop and HTTP parser uvicorn picked (uvloop and httptools, when
installed, change the ceiling as much as any change to the app).
"""

import importlib.util
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from app.db import make_engine

PACKAGES = ("uvicorn", "fastapi", "starlette", "sqlalchemy", "jinja2")


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The first `model name` of /proc/cpuinfo, or the platform's processor name."""
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name":
                return value.strip()
    return platform.processor() or "unknown"


def uvicorn_stack() -> str:
    """What uvicorn's `auto` settings choose here: uvloop or asyncio, httptools or h11."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} + {parser}"


def database_description(url: str) -> str:
    """Backend and server version, e.g. `sqlite 3.40.1` or `postgresql 16.4`."""
    engine = make_engine(url)
    try:
        with engine.connect():
            numbers = engine.dialect.server_version_info or ()
        return f"{make_url(url).get_backend_name()} {'.'.join(map(str, numbers))}"
    finally:
        engine.dispose()


def wrk_version(executable: str) -> str:
    """wrk's version line (`wrk -v` prints it before its usage, and exits 1)."""
    output = subprocess.run(  # noqa: S603 - the wrk found on PATH, a fixed flag
        [executable, "-v"], capture_output=True, text=True, check=False
    )
    first_line = (output.stdout or output.stderr).splitlines()[0]
    return first_line.partition(" Copyright")[0].strip()


def code_revision(repository: Path) -> str:
    """The commit measured, and whether uncommitted changes were measured with it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, read only
            cwd=repository,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=repository,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} with uncommitted changes" if changes else commit


def describe_host(*, database_url: str) -> dict[str, Any]:
    """When, on what and with which code and database a run in this process measured."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_revision(Path(__file__).resolve().parents[1]),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": {name: version(name) for name in PACKAGES},
        "database": database_description(database_url),
    }


def describe_machine(*, database_url: str, wrk: str) -> dict[str, Any]:
    """Everything RESULTS.md states about where and with what the figures were measured."""
    return describe_host(database_url=database_url) | {
        "uvicorn_stack": uvicorn_stack(),
        "wrk": wrk_version(wrk),
    }


def peak_rss_bytes(pid: int | None = None) -> int:
    """A process's peak resident set size so far (VmHWM; this process's when `pid` is None).

    Read from /proc rather than `getrusage`: Linux carries ru_maxrss across
    exec, so a child started by a big parent would report the parent's peak.
    """
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise SystemExit(f"/proc/{pid or 'self'}/status has no VmHWM line")
