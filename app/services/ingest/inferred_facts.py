"""Facts no source states but the catalog can soundly infer, kept with the lowest precedence.

Each rule is recorded under a source of its own, "inferred:<rule>", which
ranks with "inferred" (below every source that states the fact, see
`model_facts.precedence`), so the page can say which rule gave the value:

- `family` — open or closed weights from a lab's practice for a model
  family (`app/data/weights_by_family.toml`: Anthropic has released no
  Claude weights, Meta publishes Llama's). Only families whose lab settles
  the question are listed.
- `hf-repo` — open weights when a Hugging Face inference provider serves the
  model: those serve repositories of the Hub by their `org/name` id, so the
  weights are published there.
- `dated-id` — the release date a snapshot's id carries
  (`gpt-4o-2024-08-06`, `claude-3-5-sonnet-20241022`, and Zhipu's and
  ByteDance's six-digit `glm-4-flashx-250414`): labs name a snapshot after the
  day they release it. A four-digit number (`-0528`, `-2411`) lacks the year
  or the day, and the undated model's date cannot supply the year (an undated
  id often names the newest snapshot, released after older ones), so it
  gives nothing.

A model whose fact a rule no longer infers loses that fact (the rule states
None), so the inferences follow the catalog; unchanged ones write nothing.
"""

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, Model, Provider
from app.models.catalog import WEIGHTS
from app.services.catalog.model_keys import merge_key
from app.services.model_page.model_facts import FactBook

FAMILIES_FILE = Path(__file__).resolve().parents[2] / "data" / "weights_by_family.toml"
FAMILY_SOURCE = "inferred:family"
HF_REPO_SOURCE = "inferred:hf-repo"
DATED_ID_SOURCE = "inferred:dated-id"

# Hugging Face's own provider and its inference partners, as the catalog names them.
_HF_PROVIDER = re.compile(r"^huggingface(-.+)?$")
_HF_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# A YYMMDD snapshot date (`glm-4-flashx-250414`, `doubao-seed-1-6-250615`), from 2023 on.
_SIX_DIGIT_DATE = re.compile(r"-(?P<date>2[3-9](?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))$")


@dataclass(frozen=True)
class FamilyRule:
    """A lab's model family and whether its weights are open."""

    author: str
    pattern: re.Pattern[str]
    weights: str
    reason: str
    source: str


def read_families(path: Path = FAMILIES_FILE) -> tuple[FamilyRule, ...]:
    """The family rules, in file order; a malformed entry raises ValueError naming it."""
    rules = []
    for raw in tomllib.loads(path.read_text(encoding="utf-8")).get("family", []):
        try:
            rule = FamilyRule(
                author=raw["author"],
                pattern=re.compile(raw["pattern"]),
                weights=raw["weights"],
                reason=raw["reason"],
                source=raw["source"],
            )
        except (KeyError, re.error) as error:
            raise ValueError(f"{path.name}: entry {raw!r}: {error}") from error
        if rule.weights not in WEIGHTS or not rule.source.startswith("https://"):
            raise ValueError(f"{path.name}: entry {raw!r} has bad weights or no source URL")
        rules.append(rule)
    return tuple(rules)


@cache
def families() -> tuple[FamilyRule, ...]:
    """The shipped family rules, read once."""
    return read_families()


def family_weights(
    author: str, model_id: str, rules: Iterable[FamilyRule] | None = None
) -> str | None:
    """ "open" or "closed" by the first family rule of the lab matching the id; None if none."""
    for rule in families() if rules is None else rules:
        if rule.author == author and rule.pattern.match(model_id):
            return rule.weights
    return None


def serves_hf_repo(provider_slug: str, provider_model_id: str) -> bool:
    """True when a Hugging Face inference provider serves the model by its Hub repository."""
    return bool(_HF_PROVIDER.match(provider_slug) and _HF_REPO_ID.match(provider_model_id))


def dated_release(model_id: str) -> date | None:
    """The date a snapshot id ends with (`-2024-08-06`, `-20241022`, `-250414`), else None.

    Labs date a snapshot by the day it was fixed, which is its release day or
    a few days before (Claude Sonnet 4, `-20250514`, came out on 22 May).
    """
    found = merge_key(model_id).date
    if found is None and (short := _SIX_DIGIT_DATE.search(model_id)):
        found = f"20{short['date']}"
    if found is None or len(found) != 8:
        return None
    try:
        return date(int(found[:4]), int(found[4:6]), int(found[6:]))
    except ValueError:
        return None


def inferred_facts(*, author: str, model_id: str, hf_served: bool) -> dict[str, dict[str, Any]]:
    """Source -> the facts that rule infers of one model (None: it infers nothing)."""
    return {
        FAMILY_SOURCE: {"weights": family_weights(author, model_id)},
        HF_REPO_SOURCE: {"weights": "open" if hf_served else None},
        DATED_ID_SOURCE: {"released_at": dated_release(model_id)},
    }


def record_inferred_facts(*, session: Session, book: FactBook, seen_at: datetime) -> int:
    """Record every model's inferred facts in `book` and derive the models that hold any.

    Returns how many facts were written; the caller's `book` is flushed here.
    """
    hf_served: set[int] = set()
    for model_id, provider_slug, provider_model_id in session.execute(
        select(Endpoint.model_id, Provider.slug, Endpoint.provider_model_id).join(
            Provider, Provider.id == Endpoint.provider_id
        )
    ):
        if serves_hf_repo(provider_slug, provider_model_id):
            hf_served.add(model_id)
    written = 0
    touched: defaultdict[int, bool] = defaultdict(bool)
    models = session.execute(
        select(Model.id, Model.slug, Author.slug.label("author")).join(
            Author, Author.id == Model.author_id
        )
    ).all()
    for row in models:
        facts = inferred_facts(
            author=row.author, model_id=row.slug.partition("/")[2], hf_served=row.id in hf_served
        )
        for source, stated in facts.items():
            count = book.record(row.id, source, stated, seen_at=seen_at)
            written += count
            touched[row.id] |= bool(count)
    book.flush()
    changed = [model_id for model_id, wrote in touched.items() if wrote]
    for model in session.scalars(select(Model).where(Model.id.in_(changed))) if changed else ():
        book.derive(model)
    return written
