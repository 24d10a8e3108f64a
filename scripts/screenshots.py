"""Screenshots of the main pages on a phone and a laptop, light and dark, for the README.

Run it against a served catalog (a fresh `modelatlas serve` shows what a new
install shows):

    python scripts/screenshots.py --base-url http://127.0.0.1:8000

It drives Debian's Chromium (`/usr/bin/chromium`, as the browser tests do;
Playwright never downloads a browser) and writes one PNG per page, width and
colour scheme to docs/screenshots/, named `<page>-<width>-<scheme>.png`. Each
is the first screen a visitor sees at that address: the model page's is its
providers table, the part that changes most between a phone and a laptop.
"""

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
MODELS = "mistral/mistral-small-2603,openai/gpt-4o-mini"
PAGES = {
    "catalog": "/",
    "model-page": "/models/mistral/mistral-small-2603#providers",
    "calculator": f"/calculator?models={MODELS}",
    "compare": f"/compare?models={MODELS}",
    "api-docs": "/docs",
}
VIEWPORTS = {390: 844, 1366: 900}
SCHEMES = ("light", "dark")
OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _settle(page: Page, name: str) -> None:
    """Wait for htmx's per-visitor parts and, on /docs, for Swagger UI to draw."""
    page.wait_for_load_state("networkidle")
    if name == "api-docs":
        page.locator("#swagger-ui .opblock").first.wait_for()


def take_screenshots(base_url: str, output: Path) -> list[Path]:
    """Every page at every width in both schemes; returns the files written."""
    output.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width, height in VIEWPORTS.items():
                for scheme in SCHEMES:
                    context = browser.new_context(
                        viewport={"width": width, "height": height}, color_scheme=scheme
                    )
                    page = context.new_page()
                    for name, path in PAGES.items():
                        page.goto(f"{base_url.rstrip('/')}{path}")
                        _settle(page, name)
                        target = output / f"{name}-{width}-{scheme}.png"
                        page.screenshot(path=target)
                        written.append(target)
                    context.close()
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    for path in take_screenshots(args.base_url, args.output):
        print(path)


if __name__ == "__main__":
    main()
