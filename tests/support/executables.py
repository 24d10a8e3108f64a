"""Finding the `modelatlas` console script that the tests run as a real process."""

import shutil
import sys
from pathlib import Path

import pytest


def modelatlas_executable() -> str:
    """The console script installed beside this interpreter (the venv's), else the one on PATH."""
    beside_interpreter = shutil.which("modelatlas", path=str(Path(sys.executable).parent))
    found = beside_interpreter or shutil.which("modelatlas")
    if found is None:
        pytest.fail("the `modelatlas` console script is not installed: pip install -e '.[test]'")
    return found
