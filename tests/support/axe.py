"""Running the vendored axe-core in a page and failing on serious or critical violations.

axe-core lives in the test tree only (tests/support/vendor/, see its README): the app
never serves it. The pages send a strict Content-Security-Policy (`script-src
'self'`, no inline script), so a `<script>` tag with axe's source would be
blocked; `page.evaluate` runs the source through the DevTools protocol instead,
which Chromium does not subject to the page's CSP. The policy stays in force
for everything the page itself does, so these runs also see the page as a
visitor's browser renders it.

The rules run are the WCAG 2.0/2.1/2.2 A and AA rules plus axe's best
practices. Only serious and critical findings fail a test; the message lists
each rule with its impact, the elements it hit (CSS selectors) and the URL of
its explanation, so a failure says what to fix without rerunning anything.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE_DIRECTORY = Path(__file__).parent / "vendor" / "axe-core-4.14.1"
RULE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
TARGETS_SHOWN = 8
RUN_AXE = """
async (tags) => {
  const results = await window.axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((violation) => ({
    rule: violation.id,
    impact: violation.impact,
    help: violation.help,
    help_url: violation.helpUrl,
    targets: violation.nodes.map((node) => node.target.join(" ")),
    summary: violation.nodes[0] ? violation.nodes[0].failureSummary : "",
  }));
}
"""


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on a page, with every element that breaks it."""

    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]
    summary: str

    def describe(self) -> str:
        shown = "\n".join(f"      {target}" for target in self.targets[:TARGETS_SHOWN])
        more = len(self.targets) - TARGETS_SHOWN
        rest = f"\n      … and {more} more" if more > 0 else ""
        first = " ".join(self.summary.split())
        return (
            f"  [{self.impact}] {self.rule}: {self.help}\n    {self.help_url}\n"
            f"    first failure: {first}\n    elements:\n{shown}{rest}"
        )


@cache
def axe_source() -> str:
    """The vendored axe-core bundle, read once per test run."""
    return (AXE_DIRECTORY / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[Violation]:
    """Every violation axe finds in the page as it is now (any impact)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(RUN_AXE, list(RULE_TAGS))
    return [
        Violation(
            rule=item["rule"],
            impact=item["impact"] or "unknown",
            help=item["help"],
            help_url=item["help_url"],
            targets=tuple(item["targets"]),
            summary=item["summary"] or "",
        )
        for item in found
    ]


def assert_accessible(page: Page, where: str) -> None:
    """Fail with a readable list if axe finds a serious or critical violation in the page."""
    blocking = [v for v in axe_violations(page) if v.impact in BLOCKING_IMPACTS]
    if blocking:
        details = "\n".join(violation.describe() for violation in blocking)
        raise AssertionError(
            f"axe-core found {len(blocking)} serious or critical rule(s) broken on {where}:\n"
            f"{details}"
        )
