"""Running the installed `modelatlas` console script as a user does: a separate process."""

import os
import subprocess
from pathlib import Path

from tests.support.executables import modelatlas_executable


def cli_environment(database_url: str, **environment: str) -> dict[str, str]:
    """This process's environment without its MODELATLAS_ settings, plus the database, test
    mode, plain unwrapped output and the settings given here."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MODELATLAS_")}
    return env | {
        "MODELATLAS_DATABASE_URL": database_url,
        "MODELATLAS_ENVIRONMENT": "test",
        "NO_COLOR": "1",
        "COLUMNS": "1000",
        **environment,
    }


def run_cli(
    *args: str, database_url: str, cwd: Path, **environment: str
) -> subprocess.CompletedProcess[str]:
    """Run `modelatlas *args` as a separate process in `cwd` on `database_url`, with only
    the MODELATLAS_ settings given here (none from the caller's environment)."""
    return subprocess.run(
        [modelatlas_executable(), *args],
        cwd=cwd,
        env=cli_environment(database_url, **environment),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
