"""Which canonical model, and which serving variant of it, a provider's id names.

Rules first, then the reviewed table in `app/data/model_aliases.toml`:

1. `model_keys.parse_model_ref` removes the hosting spelling: organisation
   prefixes (`meta-llama/`, `@cf/meta/`, `accounts/fireworks/models/`),
   Bedrock's `meta.llama3-3-70b-instruct-v1:0`, `:free` / `:batch`;
   `merge_key` ignores case, separators and `llama3.1` vs `llama-3.1`.
2. A suffix naming how a host serves the model (`SERVING_SUFFIXES`: a speed
   tier such as Groq's `-versatile` or Together's `-instruct-turbo`, a
   quantization such as `-fp8` or `-awq`, Vertex AI's `-maas` (its
   model-as-a-service endpoint of an open model), Chutes' `-TEE` (the same checkpoint
   run inside a trusted execution environment), Together's `-tput` (its
   throughput-tuned deployment), an alias pointer `-latest` after a
   versioned id: `mistral-small-latest` follows whichever Small is newest,
   `claude-3-7-sonnet-latest` only Claude 3.7 Sonnet's snapshots) makes
   the offer an endpoint variant of the model named without it, but only
   when that model is known from another offer, the lab does not price the
   suffixed id as a model of its own (xAI's `grok-3-fast` is a model), and
   the table does not list it as distinct.
3. `[[alias]]` entries map an id to the id of the same model that rules
   cannot find (Bedrock's `r1` is `deepseek-r1`, Mistral's `open-mistral-7b`
   is `mistral-7b`). An alias taken back is listed as `[[withdrawn]]`, so an
   installed catalog releases what it merged (`catalog.withdrawn_aliases`).

What never merges: different checkpoints (a four-digit release number such
as R1's `-0528` is part of the key), sizes, `-thinking` and `-mini` models,
base and instruct models (`-instruct` is part of the key; an alias joins
them only where the lab released no base model or no source sells it). A
wrong merge shows one model's prices on another's page; a missed merge only
shows a model twice, so every rule errs towards keeping apart.
"""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.services.catalog.model_keys import DatedKey, merge_key

ALIASES_FILE = Path(__file__).resolve().parents[2] / "data" / "model_aliases.toml"


@dataclass(frozen=True)
class ServingSuffix:
    """A suffix that names a serving variant: what it becomes on the endpoint."""

    suffix: str
    keep: str
    variant: str
    quantization: str | None = None
    versioned_stem_only: bool = False


# Longest first: `-fp8-fast` before `-fast`. `keep` is the part of the suffix
# that still belongs to the model's id (`-instruct` of `-instruct-turbo`).
SERVING_SUFFIXES: tuple[ServingSuffix, ...] = (
    ServingSuffix("-instruct-turbo", "-instruct", "turbo"),
    ServingSuffix("-fp8-fast", "", "fp8-fast", "fp8"),
    ServingSuffix("-versatile", "", "versatile"),
    ServingSuffix("-specdec", "", "specdec"),
    ServingSuffix("-instant", "", "instant"),
    ServingSuffix("-fp8", "", "fp8", "fp8"),
    ServingSuffix("-awq", "", "awq", "awq"),
    ServingSuffix("-bf16", "", "bf16", "bf16"),
    ServingSuffix("-nvfp4", "", "nvfp4", "nvfp4"),
    ServingSuffix("-fast", "", "fast"),
    ServingSuffix("-maas", "", "maas"),
    ServingSuffix("-tee", "", "tee"),
    ServingSuffix("-tput", "", "tput"),
    ServingSuffix("-latest", "", "", versioned_stem_only=True),
)


@dataclass(frozen=True)
class AliasEntry:
    """One reviewed entry of the alias table."""

    author: str
    id: str
    reason: str
    canonical: str | None = None


@dataclass(frozen=True)
class WithdrawnAlias:
    """An alias an earlier release applied and this one takes back: `id` was read as `was`."""

    author: str
    id: str
    was: str
    reason: str


@dataclass(frozen=True)
class AliasTable:
    """The alias table, keyed by (author, merge key) for lookups."""

    aliases: dict[tuple[str, str], str]
    distinct: frozenset[tuple[str, str]]
    entries: tuple[AliasEntry, ...]
    withdrawn: tuple[WithdrawnAlias, ...] = ()

    def canonical(self, author: str, key: DatedKey) -> DatedKey:
        """The key of the model an id names after the table's aliases."""
        found = self.aliases.get((author, key.full))
        return key if found is None else merge_key(found)

    def canonical_id(self, author: str, bare_id: str) -> str:
        """The id of the model a bare id names after the table's aliases."""
        return self.aliases.get((author, merge_key(bare_id).full), bare_id)

    def is_distinct(self, author: str, key: DatedKey) -> bool:
        """True when the table keeps this id apart from the variant rules."""
        return (author, key.full) in self.distinct


def read_alias_table(path: Path = ALIASES_FILE) -> AliasTable:
    """Parse the alias table; a malformed entry raises ValueError naming it."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries: list[AliasEntry] = []
    for kind in ("alias", "distinct"):
        for raw in data.get(kind, []):
            try:
                entry = AliasEntry(
                    author=raw["author"],
                    id=raw["id"],
                    reason=raw["reason"],
                    canonical=raw["canonical"] if kind == "alias" else None,
                )
            except KeyError as error:
                raise ValueError(f"{path.name}: {kind} entry {raw!r} lacks {error}") from error
            entries.append(entry)
    try:
        withdrawn = tuple(
            WithdrawnAlias(author=raw["author"], id=raw["id"], was=raw["was"], reason=raw["reason"])
            for raw in data.get("withdrawn", [])
        )
    except KeyError as error:
        raise ValueError(f"{path.name}: a withdrawn entry lacks {error}") from error
    return AliasTable(
        aliases={
            (e.author, merge_key(e.id).full): e.canonical
            for e in entries
            if e.canonical is not None
        },
        distinct=frozenset(
            (e.author, merge_key(e.id).full) for e in entries if e.canonical is None
        ),
        entries=tuple(entries),
        withdrawn=withdrawn,
    )


@cache
def alias_table() -> AliasTable:
    """The shipped alias table, read once."""
    return read_alias_table()


def serving_suffix(bare_id: str) -> tuple[str, ServingSuffix] | None:
    """The id without a serving-variant suffix, and that suffix; None when it has none."""
    lowered = bare_id.lower()
    for rule in SERVING_SUFFIXES:
        if lowered.endswith(rule.suffix) and len(lowered) > len(rule.suffix):
            return bare_id[: -len(rule.suffix)] + rule.keep, rule
    return None


@dataclass(frozen=True)
class Resolution:
    """Where an id lands: its model's key and bare id, and the endpoint variant."""

    key: DatedKey
    bare_id: str
    variant: str
    quantization: str | None


def resolve_id(
    *,
    author: str,
    bare_id: str,
    known: set[tuple[str, str]],
    lab_models: set[tuple[str, str]],
    table: AliasTable | None = None,
) -> Resolution:
    """The canonical model key and serving variant of one bare id (rules 2 and 3 above).

    `known` holds the (author, key) of every model named by some source
    without a suffix (after aliases); `lab_models` the ids labs price
    themselves. Both decide whether a suffix is a variant (module docstring).
    """
    table = table or alias_table()
    own = table.canonical(author, merge_key(bare_id))
    split = serving_suffix(bare_id)
    unchanged = Resolution(
        key=own, bare_id=table.canonical_id(author, bare_id), variant="", quantization=None
    )
    split = serving_suffix(bare_id)
    if split is None or table.is_distinct(author, merge_key(bare_id)):
        return unchanged
    stem, rule = split
    stem_key = table.canonical(author, merge_key(stem))
    if rule.versioned_stem_only and not any(c.isdigit() for c in stem):
        return unchanged
    if (author, stem_key.full) not in known or (
        rule.suffix != "-latest" and (author, merge_key(bare_id).full) in lab_models
    ):
        return unchanged
    return Resolution(
        key=stem_key,
        bare_id=table.canonical_id(author, stem),
        variant=rule.variant,
        quantization=rule.quantization,
    )
