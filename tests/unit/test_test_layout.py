"""The test tree's layout: shared code lives in tests/support, tests never import each other.

A test module that imports another depends on a file kept for other tests:
moving, renaming or trimming those tests breaks it, and nothing in the imported
file says it is shared. Code that several tests need goes in a `tests/support/`
module named for what it provides; fixtures go in a `conftest.py`, which pytest
finds on its own and no module imports.
"""

import ast
from pathlib import Path

import pytest

TESTS_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "tests"
SUPPORT = "tests.support"
FILES_ALLOWED_OUTSIDE_SUPPORT = frozenset({"__init__.py", "conftest.py"})


def _module_name(path: Path, root: Path) -> str:
    parts = [PACKAGE, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every module `path` imports, relative imports made absolute.

    `from package import name` imports `package`, and `package.name` as well when
    that is a module of the test tree rather than a function or class.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    here = _module_name(path, root).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module))
            found.extend(
                (node.lineno, f"{module}.{alias.name}")
                for alias in node.names
                if _file_of(f"{module}.{alias.name}", root) is not None
            )
    return found


def _file_of(name: str, root: Path) -> Path | None:
    """The file of a test-tree module or package, or None for anything else."""
    if not _is_test_tree_module(name):
        return None
    path = root.joinpath(*name.split(".")[1:])
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _is_test_tree_module(name: str) -> bool:
    return name == PACKAGE or name.startswith(f"{PACKAGE}.")


def _is_support(name: str) -> bool:
    return name == SUPPORT or name.startswith(f"{SUPPORT}.")


def imports_outside_support(root: Path) -> list[str]:
    """Every import, anywhere under `root`, of a test-tree module that is not in tests/support.

    A package's `__init__` (`tests`, `tests.unit`) may be imported; a test, a
    conftest or a helper outside tests/support may not.
    """
    wrong = []
    for path in sorted(root.rglob("*.py")):
        for line, name in _imported_modules(path, root):
            if not _is_test_tree_module(name) or _is_support(name):
                continue
            found = _file_of(name, root)
            if found is not None and found.name == "__init__.py":
                continue
            wrong.append(f"{path.relative_to(root.parent)}:{line} imports {name}")
    return wrong


def misplaced_modules(root: Path) -> list[str]:
    """Python files that are neither tests, conftests, package markers nor in tests/support."""
    support = root / "support"
    wrong = []
    for path in sorted(root.rglob("*.py")):
        if path.is_relative_to(support):
            continue
        allowed = path.name in FILES_ALLOWED_OUTSIDE_SUPPORT or (
            path.parent != root and path.name.startswith("test_")
        )
        if not allowed:
            wrong.append(str(path.relative_to(root.parent)))
    return wrong


def test_no_module_of_the_test_tree_imports_a_test_or_a_conftest() -> None:
    wrong = imports_outside_support(TESTS_ROOT)
    assert not wrong, (
        "move what these import into a tests/support/ module (or a conftest.py fixture):\n"
        + "\n".join(wrong)
    )


def test_helper_modules_live_in_tests_support() -> None:
    wrong = misplaced_modules(TESTS_ROOT)
    assert not wrong, (
        "only __init__.py and conftest.py sit at the root of tests/, and only tests "
        "beside them in its folders; move these into tests/support/:\n" + "\n".join(wrong)
    )


def _tree(root: Path, files: dict[str, str]) -> Path:
    tests = root / PACKAGE
    for relative in ["__init__.py", "unit/__init__.py", "support/__init__.py", *files]:
        path = tests / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files.get(relative, ""))
    return tests


@pytest.mark.parametrize(
    ("statement", "imported"),
    [
        ("from tests.unit.test_other import helper", "tests.unit.test_other"),
        ("from tests.unit import test_other", "tests.unit.test_other"),
        ("import tests.unit.test_other", "tests.unit.test_other"),
        ("from .test_other import helper", "tests.unit.test_other"),
        ("from . import test_other", "tests.unit.test_other"),
        ("from tests.unit.conftest import Thing", "tests.unit.conftest"),
        ("from tests import helpers", "tests.helpers"),
        ("from tests.helpers import helper", "tests.helpers"),
    ],
)
def test_an_import_of_a_test_a_conftest_or_a_stray_helper_is_found(
    tmp_path: Path, statement: str, imported: str
) -> None:
    tests = _tree(
        tmp_path,
        {
            "unit/test_one.py": f"{statement}\n",
            "unit/test_other.py": "def helper(): ...\n",
            "unit/conftest.py": "class Thing: ...\n",
            "helpers.py": "def helper(): ...\n",
        },
    )
    assert imports_outside_support(tests) == [f"tests/unit/test_one.py:1 imports {imported}"]


@pytest.mark.parametrize(
    "statement",
    [
        "from tests.support.cli import run_cli",
        "from tests.support import cli",
        "import tests.support.cli",
        "import app.models",
        "from app.models import Model",
    ],
)
def test_imports_from_tests_support_and_the_app_are_fine(tmp_path: Path, statement: str) -> None:
    tests = _tree(tmp_path, {"unit/test_one.py": f"{statement}\n", "support/cli.py": ""})
    assert imports_outside_support(tests) == []


def test_a_helper_beside_the_tests_is_found_and_support_modules_are_not(tmp_path: Path) -> None:
    tests = _tree(
        tmp_path,
        {
            "conftest.py": "",
            "helpers.py": "",
            "test_at_the_root.py": "",
            "unit/conftest.py": "",
            "unit/test_one.py": "",
            "unit/layout.py": "",
            "support/cli.py": "",
            "support/deeper/things.py": "",
        },
    )
    assert misplaced_modules(tests) == [
        "tests/helpers.py",
        "tests/test_at_the_root.py",
        "tests/unit/layout.py",
    ]
