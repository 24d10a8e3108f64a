"""Which tables pages show, declared once: a write to one of them changes the content version.

Every table of `Base.metadata` is either page content (`PAGE_CONTENT`) or not
(`NOT_PAGE_CONTENT`, each with the reason); a test fails on a table in neither,
so a new table cannot silently escape invalidation, nor silently cost every
cache its pages on each write (a sign-in must not empty the page cache).

Most content tables show on any page (prices and names reach other models'
charts and comparisons): a write to them changes every page. A few show on
some models' pages only, and say which (`PageContent.models_of`): a rating or
a comment shows on its model's pages, so posting one leaves the other pages
cached.

Each content table also says whose data it holds (`Data`): the catalog's
(models, offers, prices, facts, measurements, scores) or the community's
(ratings, comments, the names people sign them with). Every write moves the
pages' counter; only a write of catalog data moves the catalog's as well, so
figures computed from the catalog alone (comparable models, price and metric
histories) outlive the ratings and comments posted all day long.

`services.publishing.content_version` watches the writes; nothing here runs on its own.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import BenchmarkScore, Comment, Rating

Keys = tuple[Any, ...]


class Data(Enum):
    """Whose data a table holds, which decides the counters a write to it moves."""

    CATALOG = "catalog"
    COMMUNITY = "community"


@dataclass(frozen=True, kw_only=True)
class PageContent:
    """How a table's rows show on pages, and whose data they are.

    `data`: catalog or community (see `Data`); no default, so every table says.

    `keys` and `models_of`: when rows show on some models' pages only, the
    columns that tell which (read from each written row) and how to find those
    models' ids from them. `models_of` runs before the write reaches the
    database, so it still sees rows a delete is about to cascade to. Without
    them, any page may show the rows.

    `shown_columns`: when pages show only some columns, an update of the
    others changes no page (None: every column shows). `new_rows_shown`:
    False when a new row shows nowhere until some other row refers to it.
    """

    data: Data
    keys: tuple[str, ...] = ()
    models_of: Callable[[Session, Collection[Keys]], Collection[int]] | None = None
    shown_columns: frozenset[str] | None = None
    new_rows_shown: bool = True


def _their_models(_session: Session, keys: Collection[Keys]) -> Collection[int]:
    """Rows keyed by `(model_id,)`: they show on that model's pages."""
    return {model_id for (model_id,) in keys}


def _models_sharing_benchmarks(session: Session, keys: Collection[Keys]) -> Collection[int]:
    """A score moves its benchmark's chart, drawn on the page of every model scored on it."""
    benchmarks = sorted({benchmark for _, benchmark in keys})
    scored = select(BenchmarkScore.model_id).where(BenchmarkScore.benchmark.in_(benchmarks))
    return {model_id for model_id, _ in keys} | set(session.scalars(scored.distinct()))


def _models_people_spoke_of(session: Session, keys: Collection[Keys]) -> Collection[int]:
    """A person's name shows beside what they wrote: the models they rated or commented on."""
    ids = sorted({user_id for (user_id,) in keys})
    rated = session.scalars(select(Rating.model_id).where(Rating.user_id.in_(ids)))
    commented = session.scalars(select(Comment.model_id).where(Comment.user_id.in_(ids)))
    return set(rated) | set(commented)


ON_ANY_PAGE = PageContent(data=Data.CATALOG)
ON_THEIR_MODELS_PAGES = PageContent(data=Data.CATALOG, keys=("model_id",), models_of=_their_models)
COMMUNITY_ON_THEIR_MODELS_PAGES = PageContent(
    data=Data.COMMUNITY, keys=("model_id",), models_of=_their_models
)

# Popularity signals are Hugging Face's download and like counts, written by the
# refresh like any other figure a source publishes: catalog data, not what visitors post.
PAGE_CONTENT: Mapping[str, PageContent] = {
    "authors": ON_ANY_PAGE,
    "models": ON_ANY_PAGE,
    # A model's cost on a stored workload lists it among other models' comparable models.
    "model_workload_costs": ON_ANY_PAGE,
    "model_modalities": ON_ANY_PAGE,
    "model_facts": ON_ANY_PAGE,
    "model_redirects": ON_ANY_PAGE,
    "external_ids": ON_ANY_PAGE,
    "providers": ON_ANY_PAGE,
    "endpoints": ON_ANY_PAGE,
    "prices": ON_ANY_PAGE,
    "metric_samples": ON_ANY_PAGE,
    "metric_hours": ON_ANY_PAGE,
    "metric_charts": ON_ANY_PAGE,
    "benchmark_scores": PageContent(
        data=Data.CATALOG, keys=("model_id", "benchmark"), models_of=_models_sharing_benchmarks
    ),
    "popularity_signals": ON_THEIR_MODELS_PAGES,
    "ratings": COMMUNITY_ON_THEIR_MODELS_PAGES,
    "comments": COMMUNITY_ON_THEIR_MODELS_PAGES,
    # Written by the database's triggers, in the statement that writes a comment or rating
    # (which moves the version); declared for a write of its own, such as a recount.
    "model_community_counts": COMMUNITY_ON_THEIR_MODELS_PAGES,
    "users": PageContent(
        data=Data.COMMUNITY,
        keys=("id",),
        models_of=_models_people_spoke_of,
        shown_columns=frozenset({"display_name"}),
        new_rows_shown=False,
    ),
}

NOT_PAGE_CONTENT: Mapping[str, str] = {
    "user_sessions": "sign-ins and sign-outs; a signed-in visitor's parts check the session "
    "on every request instead",
    "job_leases": "who runs a job now; no page shows it",
    "refresh_runs": "read on every render of the model page (its last-refresh note) and "
    "never remembered; the status page that lists them is not cached",
    "content_versions": "the counter itself",
    "saved_workloads": "one person's own inputs; shown only in their signed-in parts, "
    "loaded by a request of their own and never remembered",
    "watches": "one person's watched models; shown only by their watch button and their "
    "watches page, loaded by a request of their own and never remembered",
    "change_events": "read by the watchers' private feeds and webhooks only; the public "
    "pages show the prices, offers and dates themselves",
    "feed_tokens": "a private feed's key; no page shows it",
    "webhooks": "one person's webhooks, shown only on their own watches page",
    "webhook_deliveries": "the webhooks' delivery log, shown only on the owner's watches page",
}


def page_content(table: str) -> PageContent | None:
    """How `table`'s rows show on pages, or None when no page shows them.

    A table declared in neither list counts as catalog data shown on any page:
    a stale page is worse than a cache emptied too often (and a test refuses
    such a table).
    """
    if table in NOT_PAGE_CONTENT:
        return None
    return PAGE_CONTENT.get(table, ON_ANY_PAGE)
