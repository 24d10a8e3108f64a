"""The JSON API in OpenRouter's response shape, so OpenRouter clients can use Model Atlas.

See `app.web.render.api_schemas` for how our data maps onto OpenRouter's fields.
Errors are `{"error": {"code", "message"}}` (from `app.web.middleware.errors`).
"""

from typing import Annotated

from fastapi import HTTPException, Path

from app.services.publishing.api_queries import find_model_listing, list_model_listings
from app.web.render.api_schemas import (
    API_UNAVAILABLE,
    ModelEndpointsResponse,
    ModelList,
    json_error,
    model_endpoints,
    model_entry,
)
from app.web.routes.deps import SessionDep
from app.web.routes.unit_of_work import area_router

router = area_router(prefix="/api/v1", tags=["api"])


@router.get(
    "/models", name="api.models", response_model=ModelList, responses={503: API_UNAVAILABLE}
)
def list_models(session: SessionDep) -> ModelList:
    """Every model in the catalog, newest first, with its cheapest current price."""
    return ModelList(
        data=[model_entry(listing) for listing in list_model_listings(session=session)]
    )


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
