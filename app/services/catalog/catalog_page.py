"""The catalog page: what a visitor's search, filters and sort mean, and the models they select.

Parsing is kept apart from querying so that every odd value a visitor (or a
crawler) can put in the URL is handled in one pure place: a value we cannot
use is dropped with a message saying why, the other filters still apply, and
the page never fails. Querying reads only the per-model rollup columns
(`price_input_min`, `throughput_max`, ...) plus EXISTS subqueries for
modality and provider, so a page costs one statement whatever the filters:
the page of models with their labs and modalities, and how many match.
A search word matches anywhere in a name or slug, which no B-tree index can
seek: on SQLite the words' models are first looked up in a trigram index
(`services.catalog.search_index`), on PostgreSQL the trigram indexes serve
the ILIKE itself.

Two things are done once rather than on every request, as done each time they
would cost more than running the search. The lab and provider lists
of the filter dropdowns (which also say which `author`/`provider` values are
valid) depend only on catalog data, so they are remembered per catalog
version by the request's snapshot (see `services.publishing.snapshot`). And the
statements are built once per shape of search (how many words, which
filters, which sort) with bound parameters for the values, the way
`services.accounts.sessions` keeps its session lookup: building them (and their cache
keys) each time costs nearly as much as running them. The search
itself runs every time.

Without an explicit `sort`, models are listed by how many providers serve
them, most first: the first screen then shows the models people can actually
buy from several places (the ones worth comparing), not whatever happens to
start with "A". Ties and the `name` sort read A-Z.
"""

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import InternalTraversal

from app.models import Author, Endpoint, Model, ModelModality, Provider
from app.models.catalog import MODEL_STATUSES
from app.services.catalog.catalog_rows import CatalogRow, catalog_rows_statement, read_catalog_rows
from app.services.catalog.directory import (
    AuthorSummary,
    ProviderSummary,
    list_authors,
    list_providers,
)
from app.services.catalog.pagination import locate_page, page_links, requested_page
from app.services.catalog.search_index import in_search_index, indexed_words, match_expression
from app.services.publishing.snapshot import Snapshot

SORTS: dict[str, str] = {
    "providers": "Most providers",
    "name": "Name (A-Z)",
    "price": "Cheapest input price",
    "context": "Largest context",
    "newest": "Newest",
    "throughput": "Fastest throughput",
}
DEFAULT_SORT = "providers"
INPUT_MODALITIES = ("text", "image", "audio", "video", "file")
STATUSES = MODEL_STATUSES

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10
MAX_NUMBER_TEXT = 40
MAX_CONTEXT_FILTER = 100_000_000
MAX_PRICE_FILTER = Decimal(100_000)
MAX_SLUG_ECHO = 60

_TOKEN_COUNT = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?)(?P<unit>[km]?)")
_PRICE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_TOKEN_UNITS = {"": 1, "k": 1_000, "m": 1_000_000}
_TRUE_WORDS = frozenset({"1", "on", "true", "yes"})
_FALSE_WORDS = frozenset({"0", "off", "false", "no"})
# Search shapes whose statements are kept: a few hundred cover every filter combination
# people use; an odd one is rebuilt, at the cost of building its statement again.
STATEMENT_CACHE_SIZE = 256
_LIKE_ESCAPE = "/"

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class CatalogQuery:
    """A valid search: every field is either usable as is or at its "no filter" default."""

    q: str = ""
    author: str | None = None
    provider: str | None = None
    modality: str | None = None
    min_context: int | None = None
    max_price: Decimal | None = None
    open_weights: bool = False
    status: str | None = None
    sort: str = DEFAULT_SORT
    page: int = 1

    @property
    def words(self) -> list[str]:
        """The search words, each of which must appear in a model's name or slug."""
        return self.q.split()

    def query_string(self, *, page: int | None = None) -> str:
        """This search as URL parameters, defaults left out, on the given page."""
        page = self.page if page is None else page
        pairs = [
            ("q", self.q),
            ("author", self.author or ""),
            ("provider", self.provider or ""),
            ("modality", self.modality or ""),
            ("min_context", "" if self.min_context is None else str(self.min_context)),
            ("max_price", "" if self.max_price is None else format(self.max_price, "f")),
            ("open_weights", "1" if self.open_weights else ""),
            ("status", self.status or ""),
            ("sort", "" if self.sort == DEFAULT_SORT else self.sort),
            ("page", "" if page == 1 else str(page)),
        ]
        return urlencode([(name, value) for name, value in pairs if value])


@dataclass(frozen=True, slots=True)
class FilterMessage:
    """Why a parameter was ignored or changed, attached to the form field it came from."""

    field: str
    text: str


@dataclass(frozen=True, slots=True)
class CatalogPage:
    """One page of matching models and where it sits in the whole result."""

    rows: list[CatalogRow]
    total: int
    number: int
    page_count: int
    page_size: int
    messages: list[FilterMessage] = field(default_factory=list)

    @property
    def first_position(self) -> int:
        """1-based position of the first row on this page (0 when nothing matched)."""
        return (self.number - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last_position(self) -> int:
        """1-based position of the last row on this page."""
        return (self.number - 1) * self.page_size + len(self.rows)

    @property
    def nearby_pages(self) -> list[int | None]:
        """Page numbers to link: first, last and two either side of this one; None marks a gap."""
        return page_links(current=self.number, count=self.page_count)


@dataclass(frozen=True, slots=True)
class CatalogListing:
    """Everything the catalog page shows: the form's state, its messages and the results."""

    query: CatalogQuery
    form: dict[str, str]
    messages: list[FilterMessage]
    page: CatalogPage
    authors: tuple[AuthorSummary, ...]
    providers: tuple[ProviderSummary, ...]

    def page_query_string(self, page: int) -> str:
        """URL parameters for another page of the same search."""
        return self.query.query_string(page=page)


@dataclass(frozen=True, slots=True)
class CatalogFacets:
    """The labs and providers the filters offer, and their slugs for checking a request's.

    Immutable: one value serves every request while the catalog version lasts.
    """

    authors: tuple[AuthorSummary, ...]
    providers: tuple[ProviderSummary, ...]
    author_slugs: frozenset[str]
    provider_slugs: frozenset[str]


def catalog_facets(*, session: Session, snapshot: Snapshot | None = None) -> CatalogFacets:
    """Every lab and provider, remembered by `snapshot` under the catalog version when given.

    Ratings and comments, which move only the pages version, change neither list.
    """
    if snapshot is None:
        return _load_facets(session)
    return snapshot.remember("catalog-facets", lambda: _load_facets(session), catalog_only=True)


def _load_facets(session: Session) -> CatalogFacets:
    authors = tuple(list_authors(session=session))
    providers = tuple(list_providers(session=session))
    return CatalogFacets(
        authors=authors,
        providers=providers,
        author_slugs=frozenset(author.slug for author in authors),
        provider_slugs=frozenset(provider.slug for provider in providers),
    )


def parse_catalog_query(
    *,
    params: Mapping[str, str],
    author_slugs: Collection[str],
    provider_slugs: Collection[str],
) -> tuple[CatalogQuery, list[FilterMessage]]:
    """Turn raw URL parameters into a valid query and a message for each value we dropped.

    Blank values mean "no filter" (a submitted form sends every field);
    parameters we do not know are ignored without comment.
    """
    messages: list[FilterMessage] = []

    def parsed(name: str, parse: Callable[[str], _T]) -> _T | None:
        text = (params.get(name) or "").strip()
        if not text:
            return None
        try:
            return parse(text)
        except IgnoredValueError as ignored:
            messages.append(FilterMessage(field=name, text=str(ignored)))
            return None

    q, q_notes = _search_text(params.get("q") or "")
    messages.extend(FilterMessage(field="q", text=text) for text in q_notes)
    page, page_note = requested_page(params.get("page"))
    if page_note:
        messages.append(FilterMessage(field="page", text=page_note))
    query = CatalogQuery(
        q=q,
        author=parsed("author", partial(_known_slug, known=author_slugs, kind="lab")),
        provider=parsed("provider", partial(_known_slug, known=provider_slugs, kind="provider")),
        modality=parsed("modality", _modality),
        min_context=parsed("min_context", _min_context),
        max_price=parsed("max_price", _max_price),
        open_weights=parsed("open_weights", _switch) or False,
        status=parsed("status", _status),
        sort=parsed("sort", _sort) or DEFAULT_SORT,
        page=page,
    )
    return query, messages


def search_catalog(*, session: Session, query: CatalogQuery, page_size: int) -> CatalogPage:
    """The requested page of models matching the query (the last page when it is past the end).

    One statement: the page's rows carry the number of matches, counted by a
    window over the rows the page is sorted from, so the search's conditions
    are evaluated once. A page past the end has no rows to carry it: the count
    then runs on its own, and the last page is fetched.
    """
    shape = _SearchShape.of(query, dialect=session.get_bind().dialect.name)
    count, page_rows = _statements(shape)
    parameters = _parameters(query, shape)

    def fetch(offset: int) -> list[Row[Any]]:
        values = {**parameters, "limit": page_size, "offset": offset}
        return list(session.execute(page_rows, values))

    requested_offset = (query.page - 1) * page_size
    found = fetch(requested_offset)
    if found:
        total = found[0].total
    elif requested_offset:
        total = session.scalar(count, parameters) or 0
    else:
        total = 0
    place = locate_page(requested=query.page, total=total, page_size=page_size)
    if place.offset != requested_offset and total:
        found = fetch(place.offset)
    return CatalogPage(
        rows=read_catalog_rows(found),
        total=total,
        number=place.number,
        page_count=place.count,
        page_size=page_size,
        messages=[FilterMessage(field="page", text=place.message)] if place.message else [],
    )


def catalog_listing(
    *,
    session: Session,
    params: Mapping[str, str],
    page_size: int,
    snapshot: Snapshot | None = None,
) -> CatalogListing:
    """The catalog page for these URL parameters: choices, messages and one page of results.

    The choices (labs, providers) are remembered by `snapshot` when given; see `catalog_facets`.
    """
    facets = catalog_facets(session=session, snapshot=snapshot)
    query, messages = parse_catalog_query(
        params=params, author_slugs=facets.author_slugs, provider_slugs=facets.provider_slugs
    )
    page = search_catalog(session=session, query=query, page_size=page_size)
    return CatalogListing(
        query=replace(query, page=page.number),
        form={
            "q": query.q,
            "min_context": (params.get("min_context") or "").strip()[:MAX_NUMBER_TEXT],
            "max_price": (params.get("max_price") or "").strip()[:MAX_NUMBER_TEXT],
        },
        messages=messages + page.messages,
        page=page,
        authors=facets.authors,
        providers=facets.providers,
    )


_model = Model.__table__.c
_author = Author.__table__.c
_endpoint = Endpoint.__table__.c
_provider = Provider.__table__.c
_model_modality = ModelModality.__table__.c


@dataclass(frozen=True, slots=True)
class _SearchShape:
    """What a search's statements are made of: which filters it uses, not their values.

    `indexed` says the words' models are looked up in SQLite's trigram index
    (`services.catalog.search_index`) before LIKE checks them: on SQLite, when
    some word is long enough for it.
    """

    words: int
    indexed: bool
    author: bool
    provider: bool
    modality: bool
    min_context: bool
    max_price: bool
    open_weights: bool
    status: bool
    sort: str

    @classmethod
    def of(cls, query: CatalogQuery, *, dialect: str) -> "_SearchShape":
        return cls(
            words=len(query.words),
            indexed=dialect == "sqlite" and bool(indexed_words(query.words)),
            author=bool(query.author),
            provider=bool(query.provider),
            modality=bool(query.modality),
            min_context=query.min_context is not None,
            max_price=query.max_price is not None,
            open_weights=query.open_weights,
            status=bool(query.status),
            sort=query.sort,
        )


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def _statements(shape: _SearchShape) -> tuple[Select[int], Select[Any]]:
    """The count and the page of rows, each row with the count as `total`, for searches
    of this shape (built from table columns: as Core statements they skip the ORM's
    compilation step)."""
    conditions = _conditions(shape)
    count = select(func.count(_model.id)).where(*conditions)
    rows = (
        catalog_rows_statement(where=conditions, order_by=_order_by(shape.sort))
        .add_columns(func.count().over().label("total"))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )
    return count, rows


def _conditions(shape: _SearchShape) -> list[ColumnElement[bool]]:
    """The WHERE clause of a search of this shape; `_parameters` gives the values."""
    conditions: list[ColumnElement[bool]] = []
    if shape.indexed:
        conditions.append(in_search_index(_model.id, bindparam("indexed_words")))
    for index in range(shape.words):
        word: BindParameter[str] = bindparam(f"word{index}")
        conditions.append(or_(_Contains(_model.name, word), _Contains(_model.slug, word)))
    if shape.author:
        author_id = select(_author.id).where(_author.slug == bindparam("author")).scalar_subquery()
        conditions.append(_model.author_id == author_id)
    if shape.provider:
        conditions.append(
            exists()
            .where(_endpoint.model_id == _model.id)
            .where(_endpoint.provider_id == _provider.id, _provider.slug == bindparam("provider"))
        )
    if shape.modality:
        conditions.append(
            exists().where(
                and_(
                    _model_modality.model_id == _model.id,
                    _model_modality.direction == "input",
                    _model_modality.modality == bindparam("modality"),
                )
            )
        )
    if shape.min_context:
        conditions.append(_model.context_window >= bindparam("min_context"))
    if shape.max_price:
        conditions.append(_model.price_input_min <= bindparam("max_price"))
    if shape.open_weights:
        conditions.append(_model.weights == "open")
    if shape.status:
        conditions.append(_model.status == bindparam("status"))
    return conditions


class _Contains(ColumnElement[bool]):
    """`column` contains `word` (escaped as `_like_literal` escapes it), ignoring case.

    Elsewhere this is SQLAlchemy's `icontains` (ILIKE on PostgreSQL). On
    SQLite that would be `lower(column) LIKE lower(word)`; SQLite gets a plain
    LIKE instead: its LIKE already ignores the case of ASCII letters, and its
    `lower()` folds nothing else, so the matches are the same, without two
    function calls on every model a search reads (two thirds of the search's
    time at ten times today's catalog).
    """

    inherit_cache = True
    type = Boolean()
    # A comparison, as LIKE is: no `= 1` after it where booleans are integers.
    _is_implicitly_boolean = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("word", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[str], word: BindParameter[Any]) -> None:
        self.column = column
        self.word = word


@compiles(_Contains)
def _lower_contains(element: _Contains, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.icontains(element.word, escape=_LIKE_ESCAPE), **kw)


@compiles(_Contains, "sqlite")
def _sqlite_contains(element: _Contains, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.contains(element.word, escape=_LIKE_ESCAPE), **kw)


def _parameters(query: CatalogQuery, shape: _SearchShape) -> dict[str, Any]:
    """The values of a search, by the names `_conditions` binds them to in its shape."""
    parameters: dict[str, Any] = {
        f"word{index}": _like_literal(word) for index, word in enumerate(query.words)
    }
    if shape.indexed:
        parameters["indexed_words"] = match_expression(indexed_words(query.words))
    filters = {
        "author": query.author,
        "provider": query.provider,
        "modality": query.modality,
        "min_context": query.min_context,
        "max_price": query.max_price,
        "status": query.status,
    }
    parameters.update((name, value) for name, value in filters.items() if getattr(shape, name))
    return parameters


def _like_literal(word: str) -> str:
    """A word that LIKE matches literally: what SQLAlchemy's `autoescape` does, which only
    takes a value written into the statement, not a bound parameter."""
    escaped = word.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
    return escaped.replace("%", _LIKE_ESCAPE + "%").replace("_", _LIKE_ESCAPE + "_")


def _order_by(sort: str) -> list[Any]:
    """ORDER BY for a sort key; unknown figures last, then name and id so pages never overlap.

    The default order lists retired models last: no longer offered, they are
    history, not choices (a status filter or another sort still finds them).
    """
    tie_break = [func.lower(_model.name), _model.id]
    first = {
        "providers": [_model.provider_count.desc()],
        "price": [_model.price_input_min.asc().nulls_last()],
        "context": [_model.context_window.desc().nulls_last()],
        "newest": [func.coalesce(_model.api_available_at, _model.released_at).desc().nulls_last()],
        "throughput": [_model.throughput_max.desc().nulls_last()],
        "name": [],
    }[sort]
    if sort == DEFAULT_SORT:
        first = [(_model.status == "retired").asc(), *first]
    return first + tie_break


class IgnoredValueError(ValueError):
    """A parameter value the catalog cannot use; its text tells the visitor why."""


def _search_text(text: str) -> tuple[str, list[str]]:
    """The search with spacing normalised, repeated words dropped and its length capped."""
    notes = []
    q = " ".join(text.split())
    if len(q) > MAX_QUERY_LENGTH:
        q = q[:MAX_QUERY_LENGTH].rstrip()
        notes.append(f"Search text is limited to {MAX_QUERY_LENGTH} characters — shortened.")
    words = list(dict.fromkeys(q.split()))
    if len(words) > MAX_QUERY_WORDS:
        words = words[:MAX_QUERY_WORDS]
        notes.append(f"Only the first {MAX_QUERY_WORDS} different search words are used.")
    return " ".join(words), notes


def _known_slug(text: str, *, known: Collection[str], kind: str) -> str:
    """A lab or provider slug the catalog holds (matched case-insensitively)."""
    for slug in (text, text.lower()):
        if slug in known:
            return slug
    raise IgnoredValueError(f"There is no {kind} “{_echo(text)}” in the catalog — ignored.")


def _modality(text: str) -> str:
    modality = text.lower()
    if modality not in INPUT_MODALITIES:
        raise IgnoredValueError(f"Input must be one of: {', '.join(INPUT_MODALITIES)} — ignored.")
    return modality


def _status(text: str) -> str | None:
    status = text.lower()
    if status == "all":
        return None
    if status not in STATUSES:
        raise IgnoredValueError(f"Status must be one of: all, {', '.join(STATUSES)} — ignored.")
    return status


def _sort(text: str) -> str:
    sort = text.lower()
    if sort not in SORTS:
        raise IgnoredValueError(
            f"Sort must be one of: {', '.join(SORTS)} — "
            f"sorted by {SORTS[DEFAULT_SORT].lower()} instead."
        )
    return sort


def _switch(text: str) -> bool:
    """A checkbox: browsers send "on"; links may say 1/true/yes or 0/false/no/off."""
    value = text.lower()
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    raise IgnoredValueError("Open weights takes on or off — ignored.")


def _min_context(text: str) -> int | None:
    """`128000`, `128,000`, `128k`, `1m`, `1.5M tokens` as a token count; 0 means no filter."""
    compact = re.sub(r"[\s,_]", "", text.lower()).removesuffix("tokens")
    match = _TOKEN_COUNT.fullmatch(compact) if len(compact) <= MAX_NUMBER_TEXT else None
    tokens = Decimal(match["number"]) * _TOKEN_UNITS[match["unit"]] if match else None
    if tokens is None or tokens != tokens.to_integral_value():
        raise IgnoredValueError(
            "Minimum context must be a whole number of tokens, like 128000 or 128k — ignored."
        )
    if tokens > MAX_CONTEXT_FILTER:
        raise IgnoredValueError("Minimum context can be at most 100M tokens — ignored.")
    return int(tokens) or None


def _max_price(text: str) -> Decimal:
    """`0.5`, `$3`, `.25` as USD per 1M input tokens; 0 keeps only free models."""
    compact = re.sub(r"\s", "", text).removeprefix("$")
    if len(compact) > MAX_NUMBER_TEXT or not _PRICE.fullmatch(compact):
        raise IgnoredValueError(
            "Maximum price must be a number of US dollars per 1M input tokens, "
            "like 0.5 or 3 — ignored."
        )
    price = Decimal(compact)
    if price > MAX_PRICE_FILTER:
        raise IgnoredValueError(
            f"Maximum price can be at most ${MAX_PRICE_FILTER} per 1M — ignored."
        )
    return price


def _echo(text: str) -> str:
    """A visitor's value, cut short enough to quote back in a message."""
    return text if len(text) <= MAX_SLUG_ECHO else text[:MAX_SLUG_ECHO] + "…"
