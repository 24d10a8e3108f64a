"""Static files under content-hashed names, so browsers may keep them for a year.

At start the app reads every file under `static/` once and names each one
after its content: `css/app.css` becomes `css/app.3f2a9c1e04bd.css`. Pages
link the hashed name (the `static_url` template global); a changed file gets a
new name, so a year-long `immutable` cache can never serve a stale stylesheet,
and a returning visitor's browser asks for no asset at all.

The plain names keep working (bookmarks, the favicon redirect, tools) with a
short cache and ETag revalidation. A hashed name that no longer matches any
file's content is a 404, never the current file under an immutable header.
Changed files are picked up at the next start, like changed code.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_URL_PREFIX = "/static"
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
REVALIDATED_CACHE_CONTROL = "public, max-age=300"
# Hex digits of the SHA-256 kept in a name: collisions between two versions of
# one file are what matter, and 48 bits make them out of the question.
HASH_LENGTH = 12


@dataclass(frozen=True)
class StaticManifest:
    """Each static file's path (`css/app.css`) and its content-hashed name, both ways."""

    hashed_by_path: Mapping[str, str]
    path_by_hashed: Mapping[str, str]

    @classmethod
    def of_directory(cls, directory: Path) -> "StaticManifest":
        """Hash every file under `directory` (read once, at start)."""
        hashed_by_path = {}
        for file in sorted(directory.rglob("*")):
            if file.is_file():
                path = file.relative_to(directory).as_posix()
                hashed_by_path[path] = hashed_name(path, file.read_bytes())
        return cls(
            hashed_by_path=hashed_by_path,
            path_by_hashed={hashed: path for path, hashed in hashed_by_path.items()},
        )

    def url(self, path: str) -> str:
        """The cache-forever URL of a static file; KeyError for a file that does not exist.

        Failing loudly means a typo in a template breaks its test instead of a
        browser quietly getting a 404.
        """
        return f"{STATIC_URL_PREFIX}/{self.hashed_by_path[path]}"


def hashed_name(path: str, content: bytes) -> str:
    """`vendor/htmx-2.0.11.min.js` -> `vendor/htmx-2.0.11.min.<hash>.js` (hash of `content`)."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    posix = PurePosixPath(path)
    if not posix.suffix:
        return f"{path}.{digest}"
    return str(posix.with_name(f"{posix.stem}.{digest}{posix.suffix}"))


class HashedStaticFiles(StaticFiles):
    """StaticFiles that also answers the manifest's hashed names, with cache headers on both."""

    def __init__(self, *, directory: Path, manifest: StaticManifest) -> None:
        super().__init__(directory=directory)
        self.manifest = manifest

    async def get_response(self, path: str, scope: Scope) -> Response:
        original = self.manifest.path_by_hashed.get(Path(path).as_posix())
        if original is None:
            response = await super().get_response(path, scope)
            response.headers["Cache-Control"] = REVALIDATED_CACHE_CONTROL
        else:
            response = await super().get_response(original, scope)
            response.headers["Cache-Control"] = IMMUTABLE_CACHE_CONTROL
        return response
