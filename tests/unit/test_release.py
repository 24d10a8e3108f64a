"""The release fingerprint: what changes it, and what does not."""

from pathlib import Path

from app.paths import STATIC_DIR
from app.release import FINGERPRINT_LENGTH, files_digest, release_fingerprint
from app.web.caching.static_files import StaticManifest


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_changed_file_changes_the_digest_and_bytecode_does_not(tmp_path: Path) -> None:
    root = _tree(tmp_path / "a", {"app/page.py": "x = 1\n", "templates/page.html": "<p>\n"})
    before = files_digest([root])

    _tree(root, {"app/__pycache__/page.cpython-311.pyc": "compiled"})
    assert files_digest([root]) == before

    _tree(root, {"templates/page.html": "<p class=new>\n"})
    assert files_digest([root]) != before


def test_the_same_bytes_under_another_name_or_split_otherwise_differ(tmp_path: Path) -> None:
    one = files_digest([_tree(tmp_path / "one", {"a.py": "ab", "b.py": "c"})])
    moved = files_digest([_tree(tmp_path / "moved", {"a.py": "a", "b.py": "bc"})])
    renamed = files_digest([_tree(tmp_path / "renamed", {"a.py": "ab", "c.py": "c"})])

    assert len({one, moved, renamed}) == 3


def test_the_fingerprint_follows_the_static_files_names() -> None:
    names = StaticManifest.of_directory(STATIC_DIR).hashed_by_path
    changed = {**names, "css/app.css": "css/app.000000000000.css"}

    fingerprint = release_fingerprint(names)
    assert len(fingerprint) == FINGERPRINT_LENGTH
    assert release_fingerprint(dict(names)) == fingerprint
    assert release_fingerprint(changed) != fingerprint
