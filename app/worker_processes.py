"""What several worker processes of one `serve` must share, and what each may keep for itself.

`serve --workers N` runs N copies of the app, each in its own process with
its own memory. Anything kept in that memory is kept N times, and nothing one
process notes there is seen by another:

- Rate-limit counters in `memory://` would be counted once per process, so
  together the workers would allow N times every limit (failed sign-ins
  included). That defeats the limits, so `serve` refuses it unless told
  otherwise; Redis shares one count.
- The in-process page cache stays correct: a write made through one worker
  moves the content version in the database, and every other worker's cache
  reads that version at most `page_cache_check_seconds` apart and empties
  itself when it moved (the same path by which a cron refresh's writes reach
  a single process). The workers only each hold their own copy of the pages,
  and a write reaches the others' after that interval rather than at once, so
  `serve` says so and goes on; Redis shares one cache and its evictions.
- Everything computed per process from the database (the computed memo) is
  keyed by the content version read in the same transaction, so it is never
  stale, whichever process wrote.
"""

from urllib.parse import urlsplit

from app.config import Settings

MIB = 1024 * 1024


def counted_in_process(storage_url: str) -> bool:
    """True for a `limits` storage URL that keeps its counters in this process's memory."""
    return urlsplit(storage_url).scheme == "memory"


def rate_limit_refusal(settings: Settings, workers: int) -> str | None:
    """Why `workers` processes must not count rate limits as `settings` say; None when they may."""
    if workers < 2 or not counted_in_process(settings.rate_limit_storage_url):
        return None
    return (
        f"--workers {workers} with MODELATLAS_RATE_LIMIT_STORAGE_URL="
        f"{settings.rate_limit_storage_url} would count rate limits in each worker's own memory: "
        f"each process would allow the full limit, so together they would allow {workers} times "
        "as many failed sign-ins, sign-ups, comments, ratings and exports. "
        "Set MODELATLAS_RATE_LIMIT_STORAGE_URL=redis://HOST:6379/0 so that the workers share "
        "one count, or pass --allow-per-process-limits to accept limits per process."
    )


def page_cache_note(settings: Settings, workers: int) -> str | None:
    """What `workers` processes each keeping their own page cache means; None when they don't."""
    if workers < 2 or not settings.page_cache or settings.page_cache_url:
        return None
    check = settings.page_cache_check_seconds
    within = "at their next cached answer" if check == 0 else f"within {check:g} s"
    return (
        f"Each of the {workers} workers keeps its own page cache (MODELATLAS_PAGE_CACHE_URL is "
        f"empty), of up to {settings.page_cache_max_bytes / MIB:g} MiB: a write through one "
        f"worker reaches the others' cached pages {within} "
        "(MODELATLAS_PAGE_CACHE_CHECK_SECONDS), when they next read the content version. "
        "Set MODELATLAS_PAGE_CACHE_URL=redis://HOST:6379/0 for one cache that all share."
    )
