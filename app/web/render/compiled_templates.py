"""Templates compiled once per process, whichever of its Jinja environments loads them first.

Every app builds its own environment (`make_templates`), and an environment
compiles each template the first time it is used: parsing it and generating
and compiling its Python is some 0.15 s for the catalog page and 0.35 s for
the model page, several times what rendering it then costs. `serve` builds one
app per process, but the test suite builds one per test (`app.main` is made
for that), and each of its hundreds of apps compiled the same templates again.

The compiled code depends only on the template's source and on how the
environment compiles (`AtlasEnvironment`, the same for every app), not on its
filters and globals, which are looked up when a template runs. So the code is
kept per template name and source checksum, in memory: a changed template
file (`auto_reload` in development) has another checksum and is compiled again.
"""

from types import CodeType

from jinja2.bccache import Bucket, BytecodeCache


class CompiledTemplates(BytecodeCache):
    """Jinja's bytecode cache, kept in this process's memory as code objects."""

    def __init__(self) -> None:
        self._compiled: dict[str, tuple[str, CodeType]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self._compiled.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._compiled[bucket.key] = (bucket.checksum, bucket.code)


# One per process: every environment `make_templates` builds compiles the same way.
COMPILED_TEMPLATES = CompiledTemplates()
