"""Keeping open-weight models' Hugging Face downloads and likes up to date.

Called by the metrics refresh job inside its transaction. Only models with
`weights == "open"` and a Hugging Face repository id are polled: closed
models have no community download count to speak of. Each model keeps one
`PopularitySignal` row per source, overwritten with the latest figures — the
page shows the current adoption, not its history.

A repository that fails (gone, 5xx, timeout, garbage) is counted and its
previous figures are kept; a Hub that cannot be reached at all yields counts
with every repository failed, never an exception, so the price and metrics
refresh around it still commits.
"""

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Model, PopularitySignal
from app.sources.huggingface import SOURCE_NAME, HubFailure, HubStats, fetch_hub_stats


def refresh_popularity(*, session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Fetch and store downloads and likes of every open-weight model with a Hub id.

    Returns `polled` (repositories asked), `updated` (signals written or
    refreshed), `failed` (repositories that gave no figures) and one
    `failed_<reason>` count per reason (`failed_http_404`, `failed_timeout`...).
    Flushes but does not commit.
    """
    repos = _open_weight_repos(session=session)
    results = fetch_hub_stats(
        repos,
        base_url=settings.hf_base_url,
        timeout_seconds=settings.hf_timeout_seconds,
        token=settings.hf_token,
    )
    stats = {result.repo_id: result for result in results if isinstance(result, HubStats)}
    failures = Counter(result.reason for result in results if isinstance(result, HubFailure))
    updated = _store(session=session, stats=stats, models=repos, now=now)
    counts = {"polled": len(repos), "updated": updated, "failed": sum(failures.values())}
    counts.update({f"failed_{reason}": n for reason, n in sorted(failures.items())})
    return counts


def _open_weight_repos(*, session: Session) -> dict[str, list[int]]:
    """Hub repository id -> ids of the models whose popularity it measures.

    Two models sharing a repository (an alias, a variant) both get its
    figures, from one request.
    """
    rows = session.execute(
        select(Model.hf_repo_id, Model.id)
        .where(Model.weights == "open", Model.hf_repo_id.is_not(None), Model.hf_repo_id != "")
        .order_by(Model.id)
    )
    repos: dict[str, list[int]] = {}
    for repo_id, model_id in rows:
        assert repo_id is not None  # the query keeps only models that name a repository
        repos.setdefault(repo_id.strip(), []).append(model_id)
    return repos


def _store(
    *, session: Session, stats: dict[str, HubStats], models: dict[str, list[int]], now: datetime
) -> int:
    """Upsert one signal per model that got figures; returns how many were written."""
    model_ids = {model_id: hub for repo_id, hub in stats.items() for model_id in models[repo_id]}
    if not model_ids:
        return 0
    existing = {
        signal.model_id: signal
        for signal in session.scalars(
            select(PopularitySignal).where(
                PopularitySignal.source == SOURCE_NAME,
                PopularitySignal.model_id.in_(model_ids),
            )
        )
    }
    for model_id, hub in model_ids.items():
        signal = existing.get(model_id)
        if signal is None:
            signal = PopularitySignal(model_id=model_id, source=SOURCE_NAME)
            session.add(signal)
        signal.downloads = hub.downloads
        signal.likes = hub.likes
        signal.measured_at = now
    session.flush()
    return len(model_ids)
