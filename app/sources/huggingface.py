"""Adoption figures of model repositories from the Hugging Face Hub API.

`GET {base}/api/models/{repo_id}` answers a JSON object describing the
repository. Its `downloads` is the count over the last 30 days (the Hub's
all-time figure is a separate, opt-in `downloadsAllTime`) and `likes` the
current number of likes. Asking for `expand=downloads&expand=likes` makes the
Hub return only those fields (plus `id` and `_id`) instead of the full file
listing, which keeps every answer small; the parser accepts either shape.

One failing repository (404, 5xx, timeout, garbage) is reported as a
`HubFailure` and never stops the others. This module knows nothing of the
database; `services.ingest.popularity` stores what it returns.
"""

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, NonNegativeInt, ValidationError

SOURCE_NAME = "huggingface"

# Requests in flight at once: enough to finish a few hundred repositories in
# seconds, few enough to stay well inside the Hub's anonymous rate limit.
MAX_CONCURRENT_REQUESTS = 4
# The expanded answer is under a kilobyte; anything far larger is not the answer we asked for.
MAX_RESPONSE_BYTES = 256 * 1024
EXPANDED_FIELDS = ("downloads", "likes")


@dataclass(frozen=True)
class HubStats:
    """A repository's downloads over the last 30 days and its likes."""

    repo_id: str
    downloads: int
    likes: int


@dataclass(frozen=True)
class HubFailure:
    """Why one repository's figures could not be read, as a short reason code."""

    repo_id: str
    reason: str


class _ModelInfo(BaseModel):
    """The fields we read from the Hub's model info; both are always present in a real answer.

    The rest of the object is ignored, so the full (unexpanded) answer parses too.
    """

    model_config = ConfigDict(extra="ignore", strict=True)

    downloads: NonNegativeInt
    likes: NonNegativeInt


class _ResponseTooLargeError(Exception):
    """The body went past `MAX_RESPONSE_BYTES`."""


def fetch_hub_stats(
    repo_ids: Iterable[str],
    *,
    base_url: str,
    timeout_seconds: float,
    token: str = "",
    concurrency: int = MAX_CONCURRENT_REQUESTS,
) -> list[HubStats | HubFailure]:
    """Downloads and likes of each repository, in the order given; failures are returned too."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=timeout_seconds,
            follow_redirects=True,
        )
    except httpx.InvalidURL:  # a misconfigured base URL fails every repository, like an outage
        return [HubFailure(repo_id, "invalid_base_url") for repo_id in repo_ids]
    with client, ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(lambda repo_id: _fetch_one(client, repo_id), repo_ids))


def _fetch_one(client: httpx.Client, repo_id: str) -> HubStats | HubFailure:
    """One repository's figures, or the reason they could not be read."""
    path = f"/api/models/{quote(repo_id, safe='/')}"
    try:
        with client.stream("GET", path, params=[("expand", f) for f in EXPANDED_FIELDS]) as resp:
            if resp.status_code != httpx.codes.OK:
                return HubFailure(repo_id, f"http_{resp.status_code}")
            body = _read_capped(resp)
    except httpx.TimeoutException:
        return HubFailure(repo_id, "timeout")
    except httpx.HTTPError:
        return HubFailure(repo_id, "unreachable")
    except _ResponseTooLargeError:
        return HubFailure(repo_id, "too_large")
    try:
        info = _ModelInfo.model_validate_json(body)
    except ValidationError:
        return HubFailure(repo_id, "invalid_response")
    return HubStats(repo_id=repo_id, downloads=info.downloads, likes=info.likes)


def _read_capped(response: httpx.Response) -> bytes:
    """The response body, refusing to hold more than `MAX_RESPONSE_BYTES` of it."""
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > MAX_RESPONSE_BYTES:
            raise _ResponseTooLargeError
    return bytes(body)
