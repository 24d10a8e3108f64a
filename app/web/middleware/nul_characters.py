"""Refuse a NUL character (`%00`) in the address before any route reads it.

PostgreSQL text cannot hold U+0000 (psycopg refuses to send it), so a NUL in a
slug or a search failed inside the query: a 500, and only on PostgreSQL. No
slug, filter or search term of this site can contain one, so the request is
answered before the route runs, alike on both backends: 404 for a path (there
is nothing at such an address), 422 for a query parameter (invalid input, as
for any other value a parameter refuses).
"""

from fastapi import HTTPException, Request, status

NUL = "\x00"


async def refuse_nul_characters(request: Request) -> None:
    """A dependency of every route: 404 for a NUL in the path, 422 for one in the query."""
    if NUL in request.scope["path"]:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"{name.replace(NUL, '')}: a NUL character (%00) is not allowed here.",
            )
