"""The labs and providers in the catalog, each with what it makes or serves.

Every function here answers with one or two statements whatever the number of
labs, providers, models or endpoints: counts come from GROUP BY, an endpoint's
current price from an outer join on the one open standard-tier price row.
A provider's endpoints come a page at a time (a router serves a thousand),
the provider's counts giving the page count without a query of their own.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, Model, Price, Provider
from app.services.catalog.catalog_rows import CatalogRow, catalog_rows
from app.services.catalog.pagination import PagePlace, locate_page, requested_page

# id, slug, name, kind, url, endpoint count, distinct model count
_SummaryRow = tuple[int, str, str, str, str | None, int, int]


@dataclass(frozen=True, slots=True)
class AuthorSummary:
    """A lab and how many models of its the catalog holds."""

    slug: str
    name: str
    url: str | None
    model_count: int


@dataclass(frozen=True, slots=True)
class ProviderSummary:
    """A provider with how many endpoints it offers and how many distinct models they serve."""

    slug: str
    name: str
    kind: str
    url: str | None
    endpoint_count: int
    model_count: int


@dataclass(frozen=True, slots=True)
class AuthorPage:
    """A lab and all of its models, in catalog rows ordered by name."""

    author: AuthorSummary
    models: list[CatalogRow]


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """One model as a provider serves it, with its current standard-tier price.

    `context_window` is the endpoint's own limit when the provider states one
    and the model's otherwise, so the column is never blank for a known model.
    """

    model_slug: str
    model_name: str
    author_slug: str
    author_name: str
    provider_model_id: str
    variant: str
    context_window: int | None
    price_input: Decimal | None
    price_output: Decimal | None
    quantization: str | None
    throughput: Decimal | None

    @property
    def model_path_slug(self) -> str:
        """The model's part of its slug, as the model page's URL takes it."""
        return self.model_slug.removeprefix(f"{self.author_slug}/")


@dataclass(frozen=True, slots=True)
class ProviderPage:
    """A provider and one page of the endpoints it offers, ordered by model name.

    `messages` say why the page shown is not the one asked for (a page number
    that is not one, or past the end).
    """

    provider: ProviderSummary
    endpoints: list[EndpointRow]
    place: PagePlace
    messages: list[str]


def list_authors(*, session: Session) -> list[AuthorSummary]:
    """Every lab, by name, with its model count (zero included)."""
    statement = (
        select(Author.slug, Author.name, Author.url, func.count(Model.id))
        .outerjoin(Model, Model.author_id == Author.id)
        .group_by(Author.id, Author.slug, Author.name, Author.url)
        .order_by(func.lower(Author.name), Author.slug)
    )
    return [
        AuthorSummary(slug=slug, name=name, url=url, model_count=count)
        for slug, name, url, count in session.execute(statement)
    ]


def list_providers(*, session: Session) -> list[ProviderSummary]:
    """Every provider, by name, with its endpoint and distinct model counts."""
    statement = _provider_summaries().order_by(func.lower(Provider.name), Provider.slug)
    return [_provider_summary(row) for row in session.execute(statement)]


def author_page(*, session: Session, slug: str) -> AuthorPage | None:
    """The lab with this slug and its models, or None when there is no such lab."""
    author = session.scalar(select(Author).where(Author.slug == slug))
    if author is None:
        return None
    models = catalog_rows(
        session=session,
        where=[Model.author_id == author.id],
        order_by=[func.lower(Model.name), Model.id],
    )
    summary = AuthorSummary(
        slug=author.slug, name=author.name, url=author.url, model_count=len(models)
    )
    return AuthorPage(author=summary, models=models)


def provider_page(
    *, session: Session, slug: str, page: str | None = None, page_size: int
) -> ProviderPage | None:
    """The provider with this slug and one page of its endpoints, None when there is no such
    provider. `page` is the raw `?page=` value; a bad one falls back with a message.
    """
    found = session.execute(_provider_summaries().where(Provider.slug == slug)).one_or_none()
    if found is None:
        return None
    summary = _provider_summary(found)
    requested, note = requested_page(page)
    place = locate_page(requested=requested, total=summary.endpoint_count, page_size=page_size)
    statement = (
        select(
            Model.slug,
            Model.name,
            Author.slug,
            Author.name,
            Endpoint.provider_model_id,
            Endpoint.variant,
            func.coalesce(Endpoint.context_window, Model.context_window),
            Price.input,
            Price.output,
            Endpoint.quantization,
            Endpoint.throughput_p50,
        )
        .join(Model, Endpoint.model_id == Model.id)
        .join(Author, Model.author_id == Author.id)
        .outerjoin(Price, Price.current_standard_of(Endpoint.id))
        .where(Endpoint.provider_id == found.id)
        .order_by(func.lower(Model.name), Model.id, Endpoint.variant)
        .limit(page_size)
        .offset(place.offset)
    )
    return ProviderPage(
        provider=summary,
        endpoints=[EndpointRow(*row) for row in session.execute(statement)],
        place=place,
        messages=[message for message in (note, place.message) if message],
    )


def _provider_summaries() -> Select[*_SummaryRow]:
    """Providers with their endpoint and distinct model counts, one row each, unordered."""
    return (
        select(
            Provider.id,
            Provider.slug,
            Provider.name,
            Provider.kind,
            Provider.url,
            func.count(Endpoint.id).label("endpoint_count"),
            func.count(func.distinct(Endpoint.model_id)).label("model_count"),
        )
        .outerjoin(Endpoint, Endpoint.provider_id == Provider.id)
        .group_by(Provider.id, Provider.slug, Provider.name, Provider.kind, Provider.url)
    )


def _provider_summary(row: Row[*_SummaryRow]) -> ProviderSummary:
    return ProviderSummary(
        slug=row.slug,
        name=row.name,
        kind=row.kind,
        url=row.url,
        endpoint_count=row.endpoint_count,
        model_count=row.model_count,
    )
