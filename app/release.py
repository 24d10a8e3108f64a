"""Which release is running: a fingerprint of the code, data files and templates it serves.

Some answers outlive the process that made them: pages in the Redis page
cache, and the copies clients keep of the export and the model list behind
their ETags. Whether such an answer is still current depends on the data,
which the content version tracks, and on the code that wrote it: a deploy
that changes a template or a column of the export gives other bytes for the
same data. The package's version string stays "0.1.0" across such deploys,
so those keys carry this fingerprint instead, and a new release neither
serves an old release's page nor answers 304 to a copy in the old format.

Static files are named after their content already (`StaticManifest`); their
names are part of the fingerprint, as a page links them by name.
"""

import hashlib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from app.paths import TEMPLATES_DIR

_PACKAGE_DIR = Path(__file__).resolve().parent
# Hex digits kept: enough that two releases of one site never share one.
FINGERPRINT_LENGTH = 12


def release_fingerprint(static_names: Mapping[str, str]) -> str:
    """A short hash of every file of the `app` package and the templates, and of the
    static files' content-hashed names (`StaticManifest.hashed_by_path`)."""
    digest = hashlib.blake2b(_sources_digest(), digest_size=16)
    for path, hashed in sorted(static_names.items()):
        digest.update(f"{path}\0{hashed}\0".encode())
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


@cache
def _sources_digest() -> bytes:
    """The package's files and the templates, read once per process: code read at start
    does not change before the next."""
    return files_digest((_PACKAGE_DIR, TEMPLATES_DIR))


def files_digest(roots: Iterable[Path]) -> bytes:
    """A digest of every file under `roots`: each one's path within its root and content.

    Some 1.6 MB for the package and the templates, read in some 10 ms.
    Compiled bytecode is left out: it follows from the sources and differs
    between machines.
    """
    digest = hashlib.blake2b(digest_size=16)
    for root in roots:
        for file in sorted(root.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                content = file.read_bytes()
                name = file.relative_to(root).as_posix()
                digest.update(f"{name}\0{len(content)}\0".encode() + content)
    return digest.digest()
