"""The options of a long `<select>`, escaped once and only marked selected per request.

The catalog's lab and provider filters offer every lab and provider: some four
hundred options at ten times today's catalog, whose names, slugs and counts
the template escaped one by one on every request, a fifth of the page's time.
They change only with the catalog, so their markup is built once per catalog
version (remembered by the request's snapshot, as the lists themselves are)
and a request only marks the option it selected.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup

from app.services.catalog.catalog_page import CatalogListing
from app.services.publishing.snapshot import Snapshot

# Markup.format escapes what it fills in.
_OPTION = Markup('<option value="{}">{}</option>')
_SELECTED_OPTION = Markup('<option value="{}" selected>{}</option>')
_SEPARATOR = Markup("\n")


@dataclass(frozen=True, slots=True)
class SelectOptions:
    """`<option>` elements, each for a value and its label, in order."""

    choices: tuple[tuple[str, str], ...]
    positions: dict[str, int]
    options: tuple[Markup, ...]
    unselected: Markup

    @classmethod
    def of(cls, choices: Iterable[tuple[str, str]]) -> "SelectOptions":
        """Options for (value, label) pairs; a value appears once."""
        pairs = tuple(choices)
        options = tuple(_OPTION.format(value, label) for value, label in pairs)
        return cls(
            choices=pairs,
            positions={value: index for index, (value, _) in enumerate(pairs)},
            options=options,
            unselected=_SEPARATOR.join(options),
        )

    def html(self, selected: str | None) -> Markup:
        """Every option, the one whose value is `selected` (if any) marked selected."""
        index = self.positions.get(selected) if selected is not None else None
        if index is None:
            return self.unselected
        marked = _SELECTED_OPTION.format(*self.choices[index])
        return _SEPARATOR.join((*self.options[:index], marked, *self.options[index + 1 :]))


@dataclass(frozen=True, slots=True)
class CatalogFilterOptions:
    """The lab and provider filters' options of the catalog page."""

    authors: SelectOptions
    providers: SelectOptions


def catalog_filter_options(listing: CatalogListing, snapshot: Snapshot) -> CatalogFilterOptions:
    """The options of `listing`'s lab and provider lists, remembered per catalog version."""
    return snapshot.remember(
        "catalog-filter-options",
        lambda: CatalogFilterOptions(
            authors=SelectOptions.of(
                (author.slug, f"{author.name} ({author.model_count})") for author in listing.authors
            ),
            providers=SelectOptions.of(
                (provider.slug, f"{provider.name} ({provider.model_count})")
                for provider in listing.providers
            ),
        ),
        catalog_only=True,
    )
