"""Moving models stored under a lab the rules no longer give to the lab they now read.

An install imported before an attribution rule improved keeps its models
where the old rule put them (`unknown/anthropic--claude-4-sonnet`,
`pro/deepseek-r1`, `mistral-ai/codestral-2501`): the importers find a stored
model by its ids at the sources before reading the id again, so a better
rule alone would never reach it. `reattribute_models` runs before an import
and reads each such model's source ids with today's rules:

- the model the ids now name exists: the two are merged
  (`model_redirects.merge_models`, which records the old slug);
- it does not: the model moves to its lab under the slug the rules give, and
  its old slug is kept as a redirect, so links given out keep working.

Only models under a superseded author (`author_aliases.superseded_author`)
are read again; a model whose ids still name no lab stays where it is.
"""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Author, Model, ModelRedirect
from app.services.catalog.author_aliases import infer_author, superseded_author
from app.services.catalog.catalog_writer import CatalogWriter
from app.services.catalog.model_keys import model_slug, parse_model_ref
from app.services.catalog.model_redirects import merge_models
from app.services.catalog.model_resolver import alias_table

REATTRIBUTED_REASON = "moved to the lab its id names"


def reattribute_models(*, session: Session, provider_slug: Callable[[str], str]) -> int:
    """Move or merge every model under a superseded author whose ids now name a lab.

    `provider_slug` maps the provider part of an external id's source
    (`models.dev:amazon-bedrock`) to the provider id the rules read ids of
    (`aws`). Returns how many models moved or merged. Flushes, never commits.
    """
    superseded = [a.id for a in session.scalars(select(Author)) if superseded_author(a.slug)]
    if not superseded:
        return 0
    models = list(
        session.scalars(
            select(Model)
            .where(Model.author_id.in_(superseded))
            .options(selectinload(Model.external_ids), selectinload(Model.author))
            .order_by(Model.id)
        )
    )
    writer = CatalogWriter(session=session)
    moved = 0
    for model in models:
        target = _target(model, provider_slug)
        if target is None:
            continue
        author, bare_id, provider_id, external_id = target
        place = writer.find_model_for_offer(provider_id, external_id)
        if place is not None and place.model is not model:
            merge_models(session=session, old=model, canonical=place.model)
            writer = CatalogWriter(session=session)
        else:
            _move(writer, model, author=author, bare_id=bare_id)
        moved += 1
    session.flush()
    return moved


def _target(model: Model, provider_slug: Callable[[str], str]) -> tuple[str, str, str, str] | None:
    """(lab, bare id, provider, external id) of the first source id that now names a lab."""
    for external in sorted(model.external_ids, key=lambda e: (e.source, e.external_id)):
        provider_id = provider_slug(external.source.partition(":")[2])
        parsed = parse_model_ref(provider_id, external.external_id)
        author = infer_author(
            provider_id=provider_id, namespace=parsed.namespace, model_id=parsed.bare_id
        )
        if not superseded_author(author) and author != model.author.slug:
            bare_id = alias_table().canonical_id(author, parsed.bare_id)
            return author, bare_id, provider_id, external.external_id
    return None


def _move(writer: CatalogWriter, model: Model, *, author: str, bare_id: str) -> None:
    """Give the model its lab and slug; its old slug answers as a redirect."""
    old_slug = model.slug
    new_slug = writer.unique_model_slug(model_slug(author, bare_id))
    model.author = writer.author(author)
    model.slug = new_slug
    del writer.models_by_slug[old_slug]
    writer.models_by_slug[new_slug] = model
    writer.redirects[old_slug] = model.id
    writer.session.add(
        ModelRedirect(old_slug=old_slug, model_id=model.id, reason=REATTRIBUTED_REASON)
    )
