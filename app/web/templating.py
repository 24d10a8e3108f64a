"""The Jinja environment: one place for template settings, filters and globals.

`Jinja2Blocks` renders either a whole page or one named block of it, which is
how an HTMX request and a plain request share a route and a template.
"""

from jinja2_fragments.fastapi import Jinja2Blocks

from app.paths import TEMPLATES_DIR
from app.web import formatting
from app.web.csrf import csrf_token
from app.web.sparkline import endpoint_sparklines

HTMX_SCRIPT = "vendor/htmx-2.0.11.min.js"
HTMX_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"


def make_templates() -> Jinja2Blocks:
    """Templates with autoescaping on and our formatting filters installed."""
    templates = Jinja2Blocks(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(
        price_fixed=formatting.price_fixed,
        price_short=formatting.price_short,
        tokens_short=formatting.tokens_short,
        number_short=formatting.number_short,
        iso_date=formatting.iso_date,
        utc_timestamp=formatting.utc_timestamp,
        window_words=formatting.window_words,
        duration_words=formatting.duration_words,
        count_short=formatting.count_short,
        percent=formatting.percent,
        money=formatting.money,
        token_count=formatting.token_count,
    )
    env.globals.update(
        NOT_KNOWN=formatting.NOT_KNOWN,
        HTMX_SCRIPT=HTMX_SCRIPT,
        HTMX_INTEGRITY=HTMX_INTEGRITY,
        endpoint_sparklines=endpoint_sparklines,
        csrf_token=csrf_token,
    )
    return templates
