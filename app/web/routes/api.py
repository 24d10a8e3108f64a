"""The JSON API in OpenRouter's response shape, so OpenRouter clients can use Model Atlas.

See `app.web.render.api_schemas` for how our data maps onto OpenRouter's fields.
Errors are `{"error": {"code", "message"}}` (from `app.web.middleware.errors`).
"""

from collections.abc import Iterator, Sequence
from functools import partial
from typing import Annotated

from fastapi import HTTPException, Path, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.services.publishing.api_queries import (
    find_model_listing,
    listings_in_chunks,
    model_ids_newest_first,
)
from app.services.publishing.content_version import CATALOG, current_version
from app.web.caching.etags import IfNoneMatch, etag_matches, release_etag
from app.web.middleware.rate_limit import client_ip, enforce
from app.web.render.api_schemas import (
    API_UNAVAILABLE,
    RETRY_AFTER,
    ModelEndpointsResponse,
    ModelList,
    json_error,
    model_endpoints,
    model_entry,
)
from app.web.routes.deps import SessionDep
from app.web.routes.streamed_reads import read_while_streaming
from app.web.routes.unit_of_work import area_router

router = area_router(prefix="/api/v1", tags=["api"])


# Clients may keep the list, and must ask again before using it: an unchanged list costs
# them a 304 and us one query.
MODEL_LIST_CACHE_CONTROL = "no-cache"


@router.get(
    "/models",
    name="api.models",
    response_model=ModelList,
    responses={
        304: {"description": "Unchanged since the answer whose ETag `If-None-Match` names."},
        422: json_error("Invalid request headers."),
        429: {**json_error("Too many full answers to one address."), "headers": RETRY_AFTER},
        503: API_UNAVAILABLE,
    },
)
def list_models(
    request: Request, session: SessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    """Every model in the catalog, newest first, with its cheapest current price.

    Send the ETag of an earlier answer in `If-None-Match` to get 304 while the
    catalog has not changed. Full answers count against a rate limit per client
    address (`MODELATLAS_RATE_LIMIT_MODEL_LISTS_PER_IP`); a 304 does not.
    """
    etag = release_etag(request, "models", current_version(session, CATALOG))
    headers = {"ETag": etag, "Cache-Control": MODEL_LIST_CACHE_CONTROL}
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    enforce(request, "model_lists_per_ip", client_ip(request))
    model_ids = model_ids_newest_first(session=session)
    return StreamingResponse(
        read_while_streaming(request, partial(_model_list_chunks, model_ids=model_ids)),
        media_type="application/json",
        headers=headers,
    )


def _model_list_chunks(session: Session, model_ids: Sequence[int]) -> Iterator[str]:
    """`ModelList`'s JSON, a chunk of models at a time, as `ModelList` would write it whole."""
    yield '{"data":['
    separator = ""
    for listings in listings_in_chunks(session=session, model_ids=model_ids):
        if listings:
            yield separator + ",".join(model_entry(each).model_dump_json() for each in listings)
            separator = ","
    yield "]}"


@router.get(
    "/models/{author}/{slug}/endpoints",
    name="api.model_endpoints",
    response_model=ModelEndpointsResponse,
    responses={
        404: json_error("No model with this id."),
        422: json_error("Invalid path parameters."),
        503: API_UNAVAILABLE,
    },
)
def list_model_endpoints(
    author: Annotated[str, Path(examples=["mistral"])],
    slug: Annotated[str, Path(examples=["mistral-small-2603"])],
    session: SessionDep,
) -> ModelEndpointsResponse:
    """Every provider's offer of one model, fastest first.

    The id is our slug (`mistral/mistral-small-2603`), the model's OpenRouter
    id (`mistralai/mistral-small-2603`), or a slug it had before a merge.
    """
    listing = find_model_listing(session=session, slug=f"{author}/{slug}")
    if listing is None:
        raise HTTPException(404, f"No model with id {author}/{slug} in this catalog.")
    return ModelEndpointsResponse(data=model_endpoints(listing))
