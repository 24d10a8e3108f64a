"""What is measured, on which server, and the target each figure must meet (issue 6).

Four servers run one after the other: the bare ASGI app (the ceiling),
Model Atlas as deployed (page cache on), Model Atlas with the page cache off,
for what a cache miss costs (figures it computes from the database are still
remembered per content version, see `services.publishing.computed_memo`), and Model
Atlas with every cache off, for a cold render from the database. Throughput
rows use many connections and are compared with the bare app's throughput
at the same connection count; latency rows use a single connection, so p50
is the time one request takes with nothing queued in front of it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.services.ingest.seed import REFERENCE_MODEL_SLUG

HELLO = "hello"
ATLAS = "atlas"
ATLAS_UNCACHED = "atlas, page cache off"
ATLAS_COLD = "atlas, every cache off"
# As deployed, run last: its writes (ratings, comments) would change what later rows serve.
ATLAS_WRITTEN_TO = "atlas, written to"
SERVERS = (HELLO, ATLAS, ATLAS_UNCACHED, ATLAS_COLD, ATLAS_WRITTEN_TO)

MODEL_PATH = f"/models/{REFERENCE_MODEL_SLUG}"
CALCULATOR_PATH = f"{MODEL_PATH}?preset=chatbot&output_tokens=800"
MY_PARTS_PATH = f"{MODEL_PATH}/community/me"
# Someone after a cheap long-context Llama: a search word and two filters.
CATALOG_PATH = "/?q=llama&min_context=128000&max_price=1"
HTMX = {"HX-Request": "true"}
MIXED_CONNECTIONS = 50
KB = 1000


@dataclass(frozen=True)
class Target:
    """A bound on a row: its throughput as a share of the bare app's, or its median latency."""

    kind: Literal["ratio", "p50", "p99"]
    bound: float

    def describe(self) -> str:
        if self.kind == "ratio":
            return f"≥ {self.bound:.2f}x hello"
        return f"{self.kind} ≤ {self.bound:g} ms"

    def met(self, *, ratio: float, p50_ms: float, p99_ms: float) -> bool:
        if self.kind == "ratio":
            return ratio >= self.bound
        return (p50_ms if self.kind == "p50" else p99_ms) <= self.bound


@dataclass(frozen=True)
class Scenario:
    """One URL loaded on one server with a fixed number of connections.

    `must_contain`/`must_not_contain` are checked on one response before the
    load starts, so a wrong answer (an error page, the whole page where a
    fragment was asked for, an anonymous view where a signed-in one was
    meant) is never measured as a fast one.
    """

    key: str
    label: str
    server: str
    path: str
    connections: int
    headers: Mapping[str, str] = field(default_factory=dict)
    target: Target | None = None
    must_contain: tuple[str, ...] = ()
    must_not_contain: tuple[str, ...] = ()
    script: str | None = None


@dataclass(frozen=True)
class PageLimit:
    """A bound on one of the model page's figures (`key`), in bytes or as a count."""

    key: str
    label: str
    limit: int
    unit: Literal["bytes", "count"]

    def describe(self) -> str:
        if self.unit == "bytes":
            return f"≤ {self.limit // KB} KB"
        return f"≤ {self.limit}"


PAGE_LIMITS = (
    PageLimit("html_bytes", "Model page HTML", 60 * KB, "bytes"),
    PageLimit("html_gzip_bytes", "Model page HTML, gzipped", 15 * KB, "bytes"),
    PageLimit("js_gzip_bytes", "All JavaScript on the page, gzipped", 20 * KB, "bytes"),
    PageLimit("third_party", "Requests to other origins", 0, "count"),
    PageLimit("short_lived", "Assets cached for less than 30 days", 0, "count"),
    PageLimit("unhashed", "Assets without a content hash in their name", 0, "count"),
)


def mixed_script(writers: Sequence[tuple[str, str]]) -> str:
    """A wrk Lua script: 7 in 10 requests view the model page anonymously, 3 in 10 write.

    Writes alternate between a rating and a comment, each by the next of the
    signed-in `writers` (cookie, CSRF token) in turn, as a plain form post.
    """
    people = ",\n".join(f'  {{"{cookie}", "{token}"}}' for cookie, token in writers)
    return f"""local writers = {{
{people}
}}
local page = "{MODEL_PATH}"
local count, writes = 0, 0
request = function()
  count = count + 1
  if count % 10 < 7 then
    return wrk.format("GET", page)
  end
  writes = writes + 1
  local person = writers[writes % #writers + 1]
  local headers = {{
    ["Cookie"] = person[1],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }}
  local form = "csrf_token=" .. person[2]
  if writes % 2 == 0 then
    return wrk.format("POST", page .. "/rating", headers, form .. "&stars=" .. (writes % 5 + 1))
  end
  local body = "&body=Measured+under+load+" .. writes
  return wrk.format("POST", page .. "/comments", headers, form .. body)
end
"""


def scenarios(
    *, connections: int, session_cookie: str, writers: Sequence[tuple[str, str]]
) -> list[Scenario]:
    """Every measured row, grouped by server in the order the servers run."""
    page = ("Mistral Small 4", "</html>")
    fragment = ("<html",)
    return [
        Scenario("hello", "Bare ASGI hello (ceiling)", HELLO, "/", connections),
        Scenario("hello_single", "Bare ASGI hello (ceiling)", HELLO, "/", 1),
        Scenario("hello_mixed", "Bare ASGI hello (ceiling)", HELLO, "/", MIXED_CONNECTIONS),
        Scenario(
            "model_page",
            "Model page, anonymous",
            ATLAS,
            MODEL_PATH,
            connections,
            target=Target("ratio", 0.30),
            must_contain=page,
        ),
        Scenario(
            "model_page_single", "Model page, anonymous", ATLAS, MODEL_PATH, 1, must_contain=page
        ),
        Scenario(
            "calculator",
            "Calculator fragment (HTMX)",
            ATLAS,
            CALCULATOR_PATH,
            connections,
            headers=HTMX,
            target=Target("ratio", 0.15),
            must_contain=('id="calculator-result"',),
            must_not_contain=fragment,
        ),
        Scenario(
            "signed_in",
            "Signed-in parts (community/me)",
            ATLAS,
            MY_PARTS_PATH,
            connections,
            headers={**HTMX, "Cookie": session_cookie},
            target=Target("ratio", 0.10),
            must_contain=("hx-swap-oob", 'name="body"'),
            must_not_contain=fragment,
        ),
        Scenario(
            "model_page_miss",
            "Model page, cache miss",
            ATLAS_UNCACHED,
            MODEL_PATH,
            1,
            target=Target("p50", 3),
            must_contain=page,
        ),
        Scenario(
            "model_page_miss_load",
            "Model page, cache miss",
            ATLAS_UNCACHED,
            MODEL_PATH,
            connections,
            must_contain=page,
        ),
        Scenario(
            "catalog_search",
            "Catalog: search + 2 filters",
            ATLAS_UNCACHED,
            CATALOG_PATH,
            1,
            target=Target("p50", 10),
            must_contain=('id="catalog-total"',),
        ),
        Scenario(
            "model_page_cold",
            "Model page, cold (no cache, no memo)",
            ATLAS_COLD,
            MODEL_PATH,
            1,
            target=Target("p50", 5),
            must_contain=page,
        ),
        Scenario(
            "signed_in_cold",
            "Signed-in parts, cold (no memo)",
            ATLAS_COLD,
            MY_PARTS_PATH,
            connections,
            headers={**HTMX, "Cookie": session_cookie},
            must_contain=("hx-swap-oob", 'name="body"'),
            must_not_contain=fragment,
        ),
        Scenario(
            "mixed_writes",
            "Mixed: 70% page views, 30% signed-in writes",
            ATLAS_WRITTEN_TO,
            MODEL_PATH,
            MIXED_CONNECTIONS,
            target=Target("p99", 1000),
            must_contain=page,
            script=mixed_script(writers),
        ),
    ]
