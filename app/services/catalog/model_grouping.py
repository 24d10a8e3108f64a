"""Grouping genai-prices offers into one entry per real model.

Every offer (one provider's entry for a model) gets an author and a merge key
(`model_keys`). Offers are joined when, within one author:

- their keys are equal (`mistral-small-2603` at Mistral, OpenRouter's
  `mistralai/mistral-small-2603` and its `:batch` list);
- an offer's own `equals` aliases name the other's key with or without a date
  suffix (OpenRouter lists `anthropic/claude-sonnet-4.5-20250929` as an alias
  of `anthropic/claude-sonnet-4.5`, which is how Bedrock's dated id joins);
- a dated id (`claude-haiku-4-5-20251001`) has an undated first-party model
  (`claude-haiku-4-5`) and the lab does not price that date separately.

Two models the lab itself prices as separate entries are never joined, even
through a chain of aliases: that is the guard against wrong merges.
"""

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.services.catalog.author_aliases import FIRST_PARTY_PROVIDERS, UNKNOWN_AUTHOR, infer_author
from app.services.catalog.model_keys import (
    DatedKey,
    ParsedRef,
    merge_key,
    model_slug,
    parse_model_ref,
    readable_name,
    slug_part,
)
from app.services.catalog.model_resolver import Resolution, alias_table, resolve_id, serving_suffix
from app.sources.genai_prices import SOURCE_NAME, SourceOffer, SourceProvider

OPENROUTER = "openrouter"
_NAME_SUFFIX = re.compile(r"\s*\((free|batch|beta|extended|thinking|global|regional)\)$", re.I)


@dataclass
class PlacedOffer:
    """An offer with what grouping decided about it."""

    provider: SourceProvider
    offer: SourceOffer
    parsed: ParsedRef
    author: str
    key: DatedKey
    first_party: bool
    duplicate: bool = False
    resolution: Resolution | None = None

    @property
    def variant(self) -> str:
        """The endpoint variant: `free`, a region profile, a speed tier, a quantization, or ""."""
        serving = self.resolution.variant if self.resolution else ""
        return "-".join(part for part in (self.parsed.variant, serving) if part)

    @property
    def quantization(self) -> str | None:
        """The quantization the id names (`-fp8`), if any."""
        return self.resolution.quantization if self.resolution else None

    @property
    def bare_id(self) -> str:
        """The id of the model this offer serves, without serving-variant suffixes."""
        return self.resolution.bare_id if self.resolution else self.parsed.bare_id

    @property
    def own_slug(self) -> str:
        """The slug this offer's id would have as a model of its own."""
        return model_slug(self.author, self.parsed.bare_id)

    @property
    def provider_model_id(self) -> str:
        """The id to call the provider with; a batch list is a tier of the plain id."""
        return self.offer.model_id.removesuffix(":batch")

    @property
    def external_id(self) -> tuple[str, str]:
        """(source, id) naming this model at its source."""
        if self.provider.id == OPENROUTER:
            return OPENROUTER, self.provider_model_id
        return f"{SOURCE_NAME}:{self.provider.id}", self.offer.model_id


@dataclass
class ModelGroup:
    """One real model: its identity and every offer for it."""

    author: str
    namespace: str | None
    slug: str
    name: str
    description: str | None
    context_window: int | None
    deprecated: bool
    input_modalities: frozenset[str]
    output_modalities: frozenset[str]
    offers: list[PlacedOffer] = field(default_factory=list)

    def external_ids(self) -> list[tuple[str, str]]:
        """Ids at each source, first-party and OpenRouter first, without repeats."""
        return list(dict.fromkeys(o.external_id for o in _by_preference(self.offers)))

    def other_slugs(self) -> list[str]:
        """Slugs its offers' ids would have had as models of their own, for redirects."""
        return sorted({o.own_slug for o in self.offers} - {self.slug})


class _Groups:
    """Union-find over (author, key) nodes that refuses to join two first-party models."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}
        self.first_party: dict[tuple[str, str], set[str]] = {}

    def add(self, node: tuple[str, str], *, first_party: bool) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.first_party[node] = set()
        if first_party:
            self.first_party[self.find(node)].add(node[1])

    def find(self, node: tuple[str, str]) -> tuple[str, str]:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def join(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self.first_party[root_a] and self.first_party[root_b]:
            return
        self.parent[root_b] = root_a
        self.first_party[root_a] |= self.first_party[root_b]


def group_offers(providers: Iterable[SourceProvider]) -> list[ModelGroup]:
    """Every offer of every provider, grouped into models, sorted by slug."""
    placed = [_place(provider, offer) for provider in providers for offer in provider.offers]
    _adopt_authors(placed)
    _resolve(placed)
    groups = _Groups()
    for item in placed:
        groups.add((item.author, item.key.full), first_party=item.first_party)
    first_party_keys = {(p.author, p.key.full) for p in placed if p.first_party}
    for item in placed:
        for alias in _alias_keys(item):
            groups.add((item.author, alias.full), first_party=False)
            groups.join((item.author, item.key.full), (item.author, alias.full))
    for item in placed:
        undated = (item.author, item.key.base)
        if item.key.date and undated in first_party_keys:
            groups.join(undated, (item.author, item.key.full))
    members: dict[tuple[str, str], list[PlacedOffer]] = {}
    for item in placed:
        members.setdefault(groups.find((item.author, item.key.full)), []).append(item)
    built = [_build_group(offers) for offers in members.values()]
    _make_slugs_unique(built)
    return sorted(built, key=lambda g: g.slug)


def _place(provider: SourceProvider, offer: SourceOffer) -> PlacedOffer:
    parsed = parse_model_ref(provider.id, offer.model_id)
    author = infer_author(
        provider_id=provider.id,
        namespace=parsed.namespace,
        model_id=parsed.bare_id,
        fallback_providers=provider.fallback_providers,
    )
    return PlacedOffer(
        provider=provider,
        offer=offer,
        parsed=parsed,
        author=author,
        key=merge_key(parsed.bare_id),
        first_party=FIRST_PARTY_PROVIDERS.get(provider.id) == author and not parsed.variant,
    )


def _adopt_authors(placed: list[PlacedOffer]) -> None:
    """An id listed without its lab takes the lab that publishes the same id, if only one does.

    The publisher's namespace (`neversleep/llama-3-lumimaid-70b`) is better
    evidence than a family guessed from the id's start (`llama` -> Meta), so
    an offer without a namespace, not sold by its own lab, takes the one lab
    whose namespaced ids spell the same key; an unknown lab takes any one lab
    that lists the key. A host that files other labs' models under its own
    namespace (Perplexity's `perplexity/kimi-k3`) is read the same way, so
    only its own models (`perplexity/sonar`) stay under its name.
    """
    namespaced: dict[str, set[str]] = {}
    known: dict[str, set[str]] = {}
    for item in placed:
        if item.author != UNKNOWN_AUTHOR:
            known.setdefault(item.key.full, set()).add(item.author)
            if item.parsed.namespace and not _in_host_namespace(item):
                namespaced.setdefault(item.key.full, set()).add(item.author)
    for item in placed:
        if item.parsed.namespace and not _in_host_namespace(item):
            continue
        if item.first_party and not item.parsed.namespace:
            continue
        labs = known if item.author == UNKNOWN_AUTHOR else namespaced
        found = labs.get(item.key.full, set()) - {item.author}
        if len(found) == 1 and (item.author == UNKNOWN_AUTHOR or len(labs[item.key.full]) == 1):
            (item.author,) = found
            item.first_party = False


def _in_host_namespace(item: PlacedOffer) -> bool:
    """True when the id's namespace is the serving provider's own lab (`perplexity/...`)."""
    return FIRST_PARTY_PROVIDERS.get(item.provider.id) == item.author


def _resolve(placed: list[PlacedOffer]) -> None:
    """Re-key every offer to its canonical model and serving variant (`model_resolver`)."""
    table = alias_table()
    known = {
        (p.author, table.canonical(p.author, p.key).full)
        for p in placed
        if serving_suffix(p.parsed.bare_id) is None
    }
    lab_models = {(p.author, p.key.full) for p in placed if p.first_party}
    for item in placed:
        item.resolution = resolve_id(
            author=item.author,
            bare_id=item.parsed.bare_id,
            known=known,
            lab_models=lab_models,
            table=table,
        )
        item.key = item.resolution.key
        item.first_party = item.first_party and not item.resolution.variant


def _alias_keys(item: PlacedOffer) -> list[DatedKey]:
    """Aliases of an offer that name the same model, at most with another date."""
    keys = []
    for alias in item.offer.aliases:
        parsed = parse_model_ref(item.provider.id, alias)
        key = merge_key(parsed.bare_id)
        if (
            parsed.namespace
            and infer_author(
                provider_id=item.provider.id, namespace=parsed.namespace, model_id=parsed.bare_id
            )
            != item.author
        ):
            continue
        if key != item.key and key.base == item.key.base:
            keys.append(key)
    return keys


def _by_preference(offers: list[PlacedOffer]) -> list[PlacedOffer]:
    """First-party plain offers first, then OpenRouter, then the rest, each in source order."""

    def rank(item: PlacedOffer) -> tuple[int, int, int]:
        source_rank = 0 if item.first_party else 1 if item.provider.id == OPENROUTER else 2
        return (
            source_rank,
            int(bool(item.variant or item.parsed.batch)),
            len(item.key.full),
        )

    return sorted(offers, key=rank)


def _build_group(offers: list[PlacedOffer]) -> ModelGroup:
    preferred = _by_preference(offers)
    lead = preferred[0]
    # Some first-party entries carry lowercase working names ("gpt 4o",
    # "ft:gpt 4o"): those are not names, and one built from the id reads better.
    names = [
        name
        for name in (_NAME_SUFFIX.sub("", o.offer.name) for o in preferred if o.offer.name)
        if name != name.lower() and not name.startswith("ft:")
    ]
    windows = [o.offer.context_window for o in offers if o.offer.context_window]
    namespaces = Counter(o.parsed.namespace for o in offers if o.parsed.namespace)
    group = ModelGroup(
        author=lead.author,
        namespace=namespaces.most_common(1)[0][0] if namespaces else None,
        slug=model_slug(lead.author, lead.bare_id),
        name=names[0] if names else readable_name(lead.bare_id),
        description=next((o.offer.description for o in preferred if o.offer.description), None),
        context_window=max(windows, default=None),
        deprecated=all(o.offer.deprecated for o in offers),
        input_modalities=frozenset().union(*(o.offer.input_modalities for o in offers)),
        output_modalities=frozenset().union(*(o.offer.output_modalities for o in offers)),
        offers=offers,
    )
    _mark_duplicates(group)
    return group


def _mark_duplicates(group: ModelGroup) -> None:
    """One endpoint per (provider, variant).

    A provider listing the model twice under two spellings (OpenRouter's legacy
    bare or dashed ids, Together's `Meta-` prefix) keeps its current entry and
    marks the other a duplicate.
    """
    taken: set[tuple[str, str]] = set()
    plain = [o for o in group.offers if not o.parsed.batch]
    for item in sorted(plain, key=_keeper_rank):
        slot = (item.provider.id, item.variant)
        item.duplicate = slot in taken
        taken.add(slot)


def _keeper_rank(item: PlacedOffer) -> tuple[bool, bool, bool]:
    """Current entries first: not deprecated, namespaced, and named (legacy ones lack names)."""
    return (item.offer.deprecated, item.parsed.namespace is None, item.offer.name is None)


def _make_slugs_unique(groups: list[ModelGroup]) -> None:
    """Distinct models whose ids spell the same slug get the first provider's name appended."""
    seen: Counter[str] = Counter(g.slug for g in groups)
    for group in groups:
        if seen[group.slug] > 1:
            seen[group.slug] -= 1
            group.slug = f"{group.slug}-{slug_part(group.offers[0].provider.id)}"
