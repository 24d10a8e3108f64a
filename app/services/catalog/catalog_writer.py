"""The one way any source creates or finds labs, providers, models and endpoints.

Every writer of catalog rows (the genai-prices import, the metrics refresh,
the seed, the models.dev import) goes through `CatalogWriter`, so a lab, a
provider or a model is recognised the same way whichever source names it
first. Before this module each writer had its own rule and the catalog
showed one provider twice under two spellings.

Identity rules:

- **Provider**: `provider_key` of its slug or of its name (lowercase,
  letters and digits only, a few upstream spellings aliased), so
  `huggingface_groq`, `huggingface-groq` and OpenRouter's `Amazon Bedrock` /
  our `aws` meet. Display names come from `known_providers`.
- **Lab**: the author slug `model_resolver` infers from the id.
- **Model**: an external id at the source first, then the canonical slug the
  resolver gives, then a redirect (`model_redirects`: a merged model's old
  slug, or another id's, now answered by its canonical model), then a stored
  slug with the same merge key (`gpt-5-1` finds `openai/gpt-5.1`).
- **Endpoint**: (model, provider, variant). A variant that a source marks
  as only the quantization's name meets a plain endpoint of that
  quantization, so a seeded offer and the upstream's tagged one for it
  (`venice` vs `venice/fp8`) are one endpoint.

Public API (keyword-only where it takes options; nothing commits):

    writer = CatalogWriter(session=session)
    writer.provider(source_id, name=..., kind=..., url=..., api_base=..., description=...)
    writer.find_provider(tag_or_name, ...)         # None when unknown
    writer.author(slug, namespace=...)
    writer.model_by_external_id(source, external_id) / writer.model_by_slug(slug)
    writer.find_model_for_offer(provider_id, model_id)  # -> OfferPlace(model, variant, ...)
    writer.new_model(author_slug=..., bare_id=..., name=..., namespace=..., **columns)
    writer.link_external_id(model, source, external_id)
    writer.endpoint(model=..., provider=..., variant=..., provider_model_id=..., quantization=...)

`created` counts the rows made, by kind ("authors", "providers", "models",
"endpoints"); pass a run's own Counter to have them in its report.

Rows are loaded once, in a handful of queries, when first needed; new rows
are added to the session and indexed at once, so a run of thousands of
offers issues no query per offer.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, ExternalId, Model, ModelRedirect, Provider
from app.services.catalog.author_aliases import FIRST_PARTY_PROVIDERS, author_info, infer_author
from app.services.catalog.known_providers import provider_display_name
from app.services.catalog.model_keys import (
    ParsedRef,
    merge_key,
    model_slug,
    parse_model_ref,
    slug_part,
)
from app.services.catalog.model_resolver import alias_table, serving_suffix

# Upstream provider names or tags that differ from the provider slugs we store.
PROVIDER_ALIASES = {"amazonbedrock": "aws", "googleaistudio": "google", "googlevertex": "google"}
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
# IN lists are sent in chunks well under SQLite's bound-parameter limit.
_CHUNK = 500


def provider_key(text: str) -> str:
    """How providers are recognised across sources: `Google AI Studio` -> `google`."""
    key = _NOT_ALPHANUMERIC.sub("", text.lower())
    return PROVIDER_ALIASES.get(key, key)


def provider_slug(source_id: str) -> str:
    """A source's provider id as our URL slug (`huggingface_groq` -> `huggingface-groq`)."""
    return slug_part(source_id.replace("_", "-"))[:80]


@dataclass(frozen=True)
class OfferPlace:
    """Where a provider's id lands: the model, and the endpoint variant and quantization."""

    model: Model
    variant: str
    quantization: str | None


class CatalogWriter:
    """Catalog rows by identity, loaded once per run, and the find-or-create steps on them."""

    def __init__(self, *, session: Session, created: Counter[str] | None = None) -> None:
        self.session = session
        self.created: Counter[str] = Counter() if created is None else created
        self.authors: dict[str, Author] = {a.slug: a for a in session.scalars(select(Author))}
        self.providers: dict[str, Provider] = {}
        self.provider_slugs: set[str] = set()
        for provider in session.scalars(select(Provider).order_by(Provider.id)):
            self._index_provider(provider)
        self._models_by_slug: dict[str, Model] | None = None
        self._models_by_id: dict[int, Model] = {}
        self._models_by_key: dict[tuple[str, str], Model] = {}
        self._external_ids: dict[tuple[str, str], Model] | None = None
        self._redirects: dict[str, int] | None = None
        self.endpoints: dict[tuple[int, int, str], Endpoint] = {}

    # --- Providers -------------------------------------------------------------------------

    def _index_provider(self, provider: Provider) -> None:
        self.provider_slugs.add(provider.slug)
        for key in (provider_key(provider.slug), provider_key(provider.name)):
            self.providers.setdefault(key, provider)

    def find_provider(self, *names: str) -> Provider | None:
        """The stored provider any of `names` (slug, tag or display name) identifies."""
        for name in names:
            if name and (found := self.providers.get(provider_key(name))):
                return found
        return None

    def provider(
        self,
        source_id: str,
        *,
        name: str | None = None,
        kind: str = "inference",
        url: str | None = None,
        api_base: str | None = None,
        description: str | None = None,
    ) -> Provider:
        """The provider a source calls `source_id`, created if new, blank fields filled."""
        found = self.find_provider(source_id, *([name] if name else []))
        fields = {"url": url, "api_base": api_base, "description": description}
        if found is not None:
            if fill_blanks(found, fields):
                self.session.add(found)
            return found
        slug, n = provider_slug(source_id), 2
        while slug in self.provider_slugs:
            slug, n = f"{provider_slug(source_id)[:76]}-{n}", n + 1
        provider = Provider(
            slug=slug,
            name=provider_display_name(source_id, name),
            kind=kind,
            **{k: v for k, v in fields.items() if v is not None},
        )
        self.session.add(provider)
        self._index_provider(provider)
        self.created["providers"] += 1
        return provider

    # --- Labs ------------------------------------------------------------------------------

    def author(self, slug: str, *, namespace: str | None = None) -> Author:
        """The lab with this slug, created with its known name when new."""
        author = self.authors.get(slug)
        if author is None:
            info = author_info(slug, namespace=namespace)
            author = self.authors[slug] = Author(slug=slug, name=info.name, url=info.url)
            self.session.add(author)
            self.created["authors"] += 1
        return author

    # --- Models ----------------------------------------------------------------------------

    @property
    def models_by_slug(self) -> dict[str, Model]:
        """Every stored model by slug (loaded on first use)."""
        if self._models_by_slug is None:
            models = list(self.session.scalars(select(Model).order_by(Model.id)))
            self._models_by_slug = {m.slug: m for m in models}
            self._models_by_id = {m.id: m for m in models}
            for model in models:
                self._models_by_key.setdefault(_slug_key(model.slug), model)
        return self._models_by_slug

    @property
    def models_by_id(self) -> dict[int, Model]:
        """Every stored model by id (loaded with `models_by_slug`)."""
        _ = self.models_by_slug
        return self._models_by_id

    @property
    def external_ids(self) -> dict[tuple[str, str], Model]:
        """(source, external id) -> model, for every stored or newly linked external id."""
        if self._external_ids is None:
            by_id = self.models_by_id
            self._external_ids = {
                (source, external_id): by_id[model_id]
                for source, external_id, model_id in self.session.execute(
                    select(ExternalId.source, ExternalId.external_id, ExternalId.model_id)
                )
            }
        return self._external_ids

    @property
    def redirects(self) -> dict[str, int]:
        """Redirected slug -> id of the model it answers with (`model_redirects`)."""
        if self._redirects is None:
            rows = self.session.execute(select(ModelRedirect.old_slug, ModelRedirect.model_id))
            self._redirects = {old_slug: model_id for old_slug, model_id in rows}
        return self._redirects

    def model_by_external_id(self, source: str, external_id: str) -> Model | None:
        """The model a source's id was linked to."""
        return self.external_ids.get((source, external_id))

    def model_by_slug(self, slug: str) -> Model | None:
        """The model with this slug, or the canonical model an old merged slug now names,
        or the model whose slug is this one spelt otherwise (`gpt-5-1` for `gpt-5.1`)."""
        found = self.models_by_slug.get(slug)
        if found is None and slug in self.redirects:
            found = self.models_by_id.get(self.redirects[slug])
        if found is None:
            found = self._models_by_key.get(_slug_key(slug))
        return found

    def find_model_for_offer(self, provider_id: str, model_id: str) -> OfferPlace | None:
        """Our model for a provider's id, and the endpoint variant the id names; None if unknown.

        For sources that place offers on models the catalog already has (the
        models.dev import): the provider's spelling is read as the resolver
        reads it (`model_keys.parse_model_ref`, the lab, the alias table, a
        serving-variant suffix whose model is stored), then looked up by slug
        or redirect, so every id the genai-prices import has seen finds its page.
        """
        return self._find(*_read_id(provider_id, model_id))

    def _find(self, author: str, parsed: ParsedRef) -> OfferPlace | None:
        """`find_model_for_offer` for an id already read (`_read_id`)."""
        own_slug = _canonical_slug(author, parsed.bare_id)
        if own := self.models_by_slug.get(own_slug):
            return OfferPlace(model=own, variant=parsed.variant, quantization=None)
        if stem := self._serving_stem(author, parsed):
            return stem
        if redirected := self.model_by_slug(own_slug):
            return OfferPlace(model=redirected, variant=parsed.variant, quantization=None)
        return None

    def _serving_stem(self, author: str, parsed: ParsedRef) -> OfferPlace | None:
        """The stored model an id names once its serving-variant suffix is read as a variant
        (`-fp8`, `-TEE`), with that variant; None without such a suffix or model."""
        split = serving_suffix(parsed.bare_id)
        if split is None:
            return None
        stem, rule = split
        found = self.model_by_slug(_canonical_slug(author, stem))
        if found is None:
            return None
        variant = "-".join(part for part in (parsed.variant, rule.variant) if part)
        return OfferPlace(model=found, variant=variant, quantization=rule.quantization)

    def _place_anew(self, model: Model, provider_id: str, model_id: str) -> OfferPlace | None:
        """Where an id of `model` would go if the model did not exist yet: as the resolver
        reads it, or on the model its serving-variant suffix names when it named `model`
        only by having made it, unless the lab sells the suffixed id itself or the alias
        table keeps it apart (xAI's `grok-3-fast` is a model), as in a new catalog."""
        author, parsed = _read_id(provider_id, model_id)
        place = self._find(author, parsed)
        if place is None or place.model is not model:
            return place
        if FIRST_PARTY_PROVIDERS.get(provider_id) == author or alias_table().is_distinct(
            author, merge_key(parsed.bare_id)
        ):
            return place
        stem = self._serving_stem(author, parsed)
        return place if stem is None or stem.model is model else stem

    def respelled_models(
        self, source: str, provider_slug: Callable[[str], str]
    ) -> list[tuple[Model, Model]]:
        """(model, the stored model it is) for each model a rule now reads as another one.

        A model whose every external id is `source`'s (`models.dev:<provider>`),
        and whose ids the resolver all places on one other stored model, was
        made before a rule could read the host's spelling: `unknown/openai-gpt-4o`,
        or `openai/gpt-5-1` beside the first-stored `openai/gpt-5.1`, or Chutes'
        `deepseek-r1-0528-tee` before `-TEE` read as a serving variant. The caller
        merges it (`merge_models`), so an upgraded catalog loses the copies a
        fresh one never has. Models any other source names are left alone.
        """
        ids_of: dict[Model, list[tuple[str, str]]] = {}
        for (id_source, external_id), model in self.external_ids.items():
            ids_of.setdefault(model, []).append((id_source, external_id))
        found = []
        for model, ids in ids_of.items():
            if not all(id_source.startswith(f"{source}:") for id_source, _ in ids):
                continue
            places = [
                self._place_anew(model, provider_slug(id_source.partition(":")[2]), external_id)
                for id_source, external_id in ids
            ]
            first_spelt = self._models_by_key.get(_slug_key(model.slug), model)
            targets = {
                None if place is None else first_spelt if place.model is model else place.model
                for place in places
            }
            if len(targets) == 1 and (target := targets.pop()) not in (None, model):
                found.append((model, target))
        merged = {model for model, _ in found}
        return [(model, target) for model, target in found if target not in merged]

    def unique_model_slug(self, wanted: str) -> str:
        """`wanted`, or `wanted-2`, `-3`… when taken by another model or an old merged slug."""
        slug, n = wanted, 2
        while slug in self.models_by_slug or slug in self.redirects:
            slug, n = f"{wanted}-{n}", n + 1
        return slug

    def new_model(
        self,
        *,
        author_slug: str,
        bare_id: str,
        name: str,
        namespace: str | None = None,
        slug: str | None = None,
        **columns: Any,
    ) -> Model:
        """A new model under its lab, at a free slug (`author/bare-id` unless `slug` is given)."""
        author = self.author(author_slug, namespace=namespace)
        unique = self.unique_model_slug(slug or model_slug(author.slug, bare_id))
        columns.setdefault("recommended_for", [])
        model = Model(author=author, slug=unique, name=name[:300], **columns)
        self.session.add(model)
        self.models_by_slug[unique] = model
        self._models_by_key.setdefault(_slug_key(unique), model)
        self.created["models"] += 1
        return model

    def link_external_id(self, model: Model, source: str, external_id: str) -> bool:
        """Record the model's id at a source unless that id is already linked; True if added."""
        key = (source, external_id)
        if key in self.external_ids:
            return False
        model.external_ids.append(ExternalId(source=source, external_id=external_id))
        self.external_ids[key] = model
        return True

    # --- Endpoints -------------------------------------------------------------------------

    def load_endpoints(self, model_ids: Iterable[int] | None = None) -> None:
        """Index the stored endpoints of these models (of every model when None)."""
        query = select(Endpoint)
        if model_ids is None:
            batches: Iterable[list[int] | None] = [None]
        else:
            ids = sorted(set(model_ids))
            batches = [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
        for batch in batches:
            rows = self.session.scalars(
                query if batch is None else query.where(Endpoint.model_id.in_(batch))
            )
            for endpoint in rows:
                self.endpoints[(endpoint.model_id, endpoint.provider_id, endpoint.variant)] = (
                    endpoint
                )

    def find_endpoint(
        self,
        *,
        model: Model,
        provider: Provider,
        variant: str,
        quantization_tag: str | None = None,
    ) -> Endpoint | None:
        """The stored endpoint for this offer.

        `quantization_tag` is the quantization when the source's variant only
        names it (OpenRouter's `venice/fp8`): a plain endpoint of that
        quantization at the provider is then the same offer.
        """
        if model.id is None or provider.id is None:
            return None
        exact = self.endpoints.get((model.id, provider.id, variant))
        if exact is not None or not variant or variant != quantization_tag:
            return exact
        plain = self.endpoints.get((model.id, provider.id, ""))
        if plain is not None and plain.quantization == quantization_tag:
            return plain
        return None

    def endpoint(
        self,
        *,
        model: Model,
        provider: Provider,
        variant: str,
        provider_model_id: str,
        quantization: str | None = None,
        variant_names_quantization: bool = False,
        **columns: Any,
    ) -> tuple[Endpoint, bool]:
        """The endpoint for this offer, created when new; True when it was created.

        `variant_names_quantization`: the variant is only the quantization's
        name (see `find_endpoint`).
        """
        found = self.find_endpoint(
            model=model,
            provider=provider,
            variant=variant,
            quantization_tag=quantization if variant_names_quantization else None,
        )
        if found is not None:
            return found, False
        endpoint = Endpoint(
            model=model,
            provider=provider,
            variant=variant[:40],
            provider_model_id=provider_model_id,
            quantization=quantization,
            **columns,
        )
        self.session.add(endpoint)
        if model.id is not None and provider.id is not None:
            self.endpoints[(model.id, provider.id, variant)] = endpoint
        self.created["endpoints"] += 1
        return endpoint, True


def _read_id(provider_id: str, model_id: str) -> tuple[str, ParsedRef]:
    """A provider's model id read as the resolver reads it: its lab, and its parts."""
    parsed = parse_model_ref(provider_id, model_id)
    return infer_author(
        provider_id=provider_id, namespace=parsed.namespace, model_id=parsed.bare_id
    ), parsed


def _canonical_slug(author: str, bare_id: str) -> str:
    """The slug of the model a lab's bare id names after the alias table."""
    return model_slug(author, alias_table().canonical_id(author, bare_id))


def _slug_key(slug: str) -> tuple[str, str]:
    """A model slug as the resolver compares ids: its lab and the merge key of its id."""
    author, _, bare_id = slug.partition("/")
    return author, merge_key(bare_id).full


def fill_blanks(row: object, values: dict[str, Any]) -> bool:
    """Set the given attributes where the row has none; True when anything was set."""
    changed = False
    for name, value in values.items():
        if value is not None and getattr(row, name) in (None, ""):
            setattr(row, name, value)
            changed = True
    return changed
