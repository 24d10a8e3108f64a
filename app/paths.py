"""Where templates, static files and migrations live.

In a source checkout they sit beside the `app` package; a built wheel carries
them inside `app/_resources` (see `force-include` in pyproject.toml). Resolving
both here lets `pip install .` and an editable install behave the same.
"""

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the directory holding the project resource `name` (templates, static, ...)."""
    bundled = _PACKAGE_DIR / "_resources" / name
    if bundled.exists():
        return bundled
    return _PACKAGE_DIR.parent / name


TEMPLATES_DIR = resource_dir("templates")
STATIC_DIR = resource_dir("static")
MIGRATIONS_DIR = resource_dir("migrations")
