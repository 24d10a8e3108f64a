"""Recognising one model across the ids different providers give it.

`parse_model_ref` reads a provider's id into its parts: the namespace (the lab
or publisher: `mistralai/`, Bedrock's `anthropic.`, Cloudflare's `@cf/meta/`,
Synthetic's `hf:Qwen/`, a lab written before the id as DigitalOcean's
`openai-gpt-4o`),
the bare model id, an endpoint variant (`:free`, Bedrock's `global.`
cross-region profile, Fireworks' `-fast` router) and whether it is a batch
price list (OpenRouter's `:batch`).

`merge_key` turns a bare id into a comparison key that ignores spelling only:
case, `.`/`_`/`-` separators, `llama-3` vs `llama3`, Fireworks' `3p1` for
`3.1` (and its `llama-v3p1`), a trailing `.0` version (`claude-opus-4-0` is `claude-opus-4`),
the word order of Claude 4 and later (`claude-4.5-opus` is `claude-opus-4-5`). It
never drops words that could name another model (`-instruct`, `-turbo`,
`-latest`, four-digit release numbers; `model_resolver` decides which
suffixes name a serving variant), because a wrong merge puts one
model's prices on another's page, while a missed merge only shows a model
twice. An eight-digit date suffix, or Google's `-001` version, is kept apart
(`DatedKey`) so that a snapshot can join its undated model when the lab
itself prices them as one.
"""

import re
from dataclasses import dataclass

from app.services.catalog.author_aliases import (
    FAMILY_PATTERNS,
    NAMESPACE_AUTHORS,
    author_from_family,
)

# Variants OpenRouter (and some others) mark with a colon suffix.
_COLON_SUFFIX = re.compile(r"^(?P<id>.+):(?P<suffix>[a-z][a-z-]*)$")
_CLOUDFLARE = re.compile(r"^@(cf|hf)/(?P<ns>[^/]+)/(?P<id>.+)$")
_BEDROCK_REGION = re.compile(r"^(?P<region>global|regional|us-gov|us|eu|apac|au|jp|in|ca)\.")
_BEDROCK_VENDOR = re.compile(r"^(?P<ns>[a-z0-9-]+)\.(?P<id>.+)$")
_BEDROCK_PRE_RELEASE = re.compile(r"-v0:(\d+)$")
_BEDROCK_REVISION = re.compile(r"(-v\d+:\d+|-\d+:\d+|:\d+)$")
_FIREWORKS_DECIMAL = re.compile(r"(?<=\d)p(?=\d)")
_FIREWORKS_LLAMA_VERSION = re.compile(r"^llama-v(?=\d)")
_DATE_SUFFIX = re.compile(
    r"^(?P<base>.+?)[-@](?P<y>20\d\d)-?(?P<m>0[1-9]|1[0-2])-?(?P<d>0[1-9]|[12]\d|3[01])$"
)
# Google's stable-version suffix (`gemini-2.0-flash-001`), a snapshot like a date.
_VERSION_SUFFIX = re.compile(r"^(?P<base>.+)-(?P<version>00[1-9])$")
# A four-digit release number (`-2411` as YYMM, R1's `-0528` as MMDD) or Cohere's
# `-08-2024`: a checkpoint of its own, named by when it was released.
_RELEASE_SUFFIX = re.compile(
    r"^(?P<base>.+)-(?:(?:2[3-9])(?:0[1-9]|1[0-2])|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[1-9]|1[0-2])-20\d\d)$"
)
# Anthropic names models from Claude 4 on name first (`claude-opus-4-5`); some hosts
# keep the Claude 3 order (`claude-4.5-opus`). Applied to the dashed key.
_CLAUDE_NUMBER_FIRST = re.compile(
    r"^claude-(?P<version>[4-9](?:-\d)?)-(?P<name>opus|sonnet|haiku)$"
)
_TRAILING_ZERO_MINOR = re.compile(r"(?<=\d)-0$")
_LETTER_DASH_DIGIT = re.compile(r"(?<=[a-z])-(?=\d)")
_UNSAFE = re.compile(r"[^a-z0-9._-]+")

# Synthetic's `hf:Qwen/Qwen3-...`: a Hugging Face repository id behind a scheme.
_HUB_SCHEME = "hf:"
# Provider-specific id spellings that are hosting details, not model names.
_ID_PREFIXES = {
    "databricks": ("databricks-", "system.ai."),
}
# Google Vertex AI's pointer to a model's default version (`claude-opus-4-6@default`).
_VERTEX_DEFAULT = "@default"
# Venice writes GPT-5.2 as `gpt-52` (`openai-gpt-52-codex`); no GPT has a two-digit major.
_VENICE_GPT_VERSION = re.compile(r"^gpt-(\d)(\d)(?=-|$)")
# Suffixes that name a provider's speed or region router for a model it also
# serves plainly; they become endpoint variants.
_ROUTER_SUFFIXES = {
    "fireworks": ("-ultrafast", "-fast", "-us"),
    "baseten": ("-fast",),
}
# Same model, redundant lab prefix in the bare id.
_KEY_PREFIXES = (("meta-llama-", "llama-"), ("zai-glm-", "glm-"))


@dataclass(frozen=True)
class ParsedRef:
    """A provider's model id read into its parts (all lowercase)."""

    namespace: str | None
    bare_id: str
    variant: str
    batch: bool


@dataclass(frozen=True)
class DatedKey:
    """A merge key split into the undated key and an eight-digit date, if any."""

    base: str
    date: str | None

    @property
    def full(self) -> str:
        return f"{self.base}@{self.date}" if self.date else self.base


def parse_model_ref(provider_id: str, ref: str) -> ParsedRef:
    """Split a provider's model id into namespace, bare id, variant and batch flag."""
    rest = ref.strip().lower()
    variant = ""
    batch = False
    if match := _COLON_SUFFIX.match(rest):
        rest = match["id"]
        if match["suffix"] == "batch":
            batch = True
        else:
            variant = match["suffix"]
    namespace: str | None = None
    rest = rest.removeprefix(_HUB_SCHEME)
    if match := _CLOUDFLARE.match(rest):
        namespace, rest = match["ns"], match["id"]
    elif "/" in rest:
        parts = rest.split("/")
        # The publisher is the segment before the id: SiliconFlow's `Pro/deepseek-ai/...`
        # names a tier first, Fireworks' `accounts/fireworks/models/...` a path.
        namespace, rest = parts[-2], parts[-1]
        if parts[0] == "accounts":
            namespace = None
    if provider_id == "aws":
        namespace, rest, variant = _parse_bedrock(rest, namespace, variant)
    if namespace is None:
        namespace, rest = _lab_prefix(rest)
    for prefix in _ID_PREFIXES.get(provider_id, ()):
        rest = rest.removeprefix(prefix)
    rest = rest.removesuffix(_VERTEX_DEFAULT)
    if provider_id == "venice":
        rest = _VENICE_GPT_VERSION.sub(r"gpt-\1.\2", rest)
    if provider_id == "fireworks":
        rest = _FIREWORKS_LLAMA_VERSION.sub("llama-", _FIREWORKS_DECIMAL.sub(".", rest))
    for suffix in _ROUTER_SUFFIXES.get(provider_id, ()):
        if rest.endswith(suffix) and not variant:
            rest, variant = rest.removesuffix(suffix), suffix.lstrip("-")
            break
    return ParsedRef(namespace=namespace, bare_id=rest, variant=variant, batch=batch)


# Namespaces, and labs' own slugs (Venice's `aion-labs-aion-2-0`), longest first.
_LAB_PREFIXES = sorted(
    {*NAMESPACE_AUTHORS.items(), *((author, author) for _, author in FAMILY_PATTERNS)},
    key=lambda pair: (-len(pair[0]), pair),
)


def _lab_prefix(bare_id: str) -> tuple[str | None, str]:
    """A lab written before the id with dashes (`openai-gpt-4o`, `anthropic--claude-3-opus`,
    `zai-org-glm-4.6`) as the namespace, and the id without it.

    DigitalOcean, Venice, Azure and SAP AI Core spell ids so. The prefix counts
    only when it is a lab's namespace and the rest is a model family of that
    same lab, so `mistral-large` and `minimax-m2` keep their names.
    """
    for prefix, author in _LAB_PREFIXES:
        rest = bare_id.removeprefix(f"{prefix}-").lstrip("-")
        if len(rest) < len(bare_id) - len(prefix) and author_from_family(rest) == author:
            return prefix, rest
    return None, bare_id


def _parse_bedrock(rest: str, namespace: str | None, variant: str) -> tuple[str | None, str, str]:
    """Bedrock ids: `[region.]vendor.model[-vN:M]`; the region profile is a variant."""
    if match := _BEDROCK_REGION.match(rest):
        rest = rest[match.end() :]
        variant = variant or match["region"]
    if namespace is None and (match := _BEDROCK_VENDOR.match(rest)):
        namespace, rest = match["ns"], match["id"]
    rest = _BEDROCK_PRE_RELEASE.sub(r"-v0.\1", rest)
    return namespace, _BEDROCK_REVISION.sub("", rest), variant


@dataclass(frozen=True)
class DatedName:
    """An id that ends in a date: the undated id it is dated from, and what the date means.

    `snapshot` is True for a full date (`-2024-08-06`, `-20241022`) or Google's
    `-001`, which labs give a frozen snapshot that an undated alias points to;
    False for a shorter release number (`-0528`, `-2411`, `-08-2024`), which names
    a checkpoint of its own.
    """

    base: str
    snapshot: bool


def dated_name(bare_id: str) -> DatedName | None:
    """The undated id a dated id belongs to (`gpt-4o-2024-08-06` -> `gpt-4o`); None if undated.

    The same suffixes `merge_key` keeps apart or in the key; nothing is
    merged by this, it only says which ids are one line of releases.
    """
    lowered = bare_id.lower()
    for pattern in (_DATE_SUFFIX, _VERSION_SUFFIX):
        if match := pattern.match(lowered):
            return DatedName(base=match["base"], snapshot=True)
    if match := _RELEASE_SUFFIX.match(lowered):
        return DatedName(base=match["base"], snapshot=False)
    return None


def merge_key(bare_id: str) -> DatedKey:
    """The spelling-insensitive key of a bare model id, its date suffix kept apart."""
    base, date = bare_id.lower(), None
    if match := _DATE_SUFFIX.match(base):
        base, date = match["base"], f"{match['y']}{match['m']}{match['d']}"
    elif match := _VERSION_SUFFIX.match(base):
        base, date = match["base"], match["version"]
    key = _TRAILING_ZERO_MINOR.sub("", base.replace("_", "-").replace(".", "-"))
    key = _CLAUDE_NUMBER_FIRST.sub(r"claude-\g<name>-\g<version>", key)
    for prefix, replacement in _KEY_PREFIXES:
        if key.startswith(prefix):
            key = replacement + key.removeprefix(prefix)
    return DatedKey(base=_LETTER_DASH_DIGIT.sub("", key), date=date)


def slug_part(text: str) -> str:
    """A URL-safe slug segment: lowercase, `[a-z0-9._-]`, no leading/trailing punctuation."""
    return _UNSAFE.sub("-", text.lower()).strip("-._") or "model"


def model_slug(author: str, bare_id: str) -> str:
    """A model's slug from its lab and bare id: `meta/llama-3.3-70b-instruct`."""
    return f"{author}/{slug_part(bare_id)}"


# Words labs write in their own way; names built from ids use these spellings.
KNOWN_WORDS = {
    "ai": "AI",
    "api": "API",
    "chatgpt": "ChatGPT",
    "deepseek": "DeepSeek",
    "glm": "GLM",
    "gpt": "GPT",
    "gte": "GTE",
    "hd": "HD",
    "it": "IT",
    "llm": "LLM",
    "minimax": "MiniMax",
    "moe": "MoE",
    "ocr": "OCR",
    "openai": "OpenAI",
    "qwq": "QwQ",
    "tts": "TTS",
    "vl": "VL",
    "xai": "xAI",
}
_SIZE = re.compile(r"a?\d+(\.\d+)?[bkmt]")
_OPENAI_REASONING = re.compile(r"o\d")
_FINE_TUNED = re.compile(r"^ft:|\.ft$")


def readable_name(bare_id: str) -> str:
    """A display name from an id when no source states one.

    `llama-3.3-70b` -> `Llama 3.3 70B`, `gpt-4o-mini-tts` -> `GPT-4o Mini TTS`,
    `deepseek-v3.1` -> `DeepSeek V3.1`, `kimi-k2` -> `Kimi K2`; OpenAI's
    fine-tuning ids (`ft:gpt-4o`) read "(fine-tuned)".
    """
    fine_tuned = bool(_FINE_TUNED.search(bare_id))
    words: list[str] = []
    for word in re.split(r"[-_ ]+", _FINE_TUNED.sub("", bare_id)):
        lower = word.lower()
        if not word:
            continue
        if lower in KNOWN_WORDS:
            spelled = KNOWN_WORDS[lower]
        elif _SIZE.fullmatch(lower):
            spelled = lower.upper()
        elif word.islower() and word[0].isalpha() and not _OPENAI_REASONING.fullmatch(word):
            spelled = word[0].upper() + word[1:]
        else:
            spelled = word
        if words and words[-1] == "GPT" and spelled[:1].isdigit():
            words[-1] = f"GPT-{spelled}"
        else:
            words.append(spelled)
    name = " ".join(words)
    return f"{name} (fine-tuned)" if fine_tuned else name
