"""Who made a model, inferred from how providers name it.

Providers name the same lab many ways: OpenRouter's `mistralai/`, Hugging
Face's `meta-llama/`, Bedrock's `anthropic.` prefix, Cloudflare's `@cf/meta/`,
or no prefix at all (`llama-3.3-70b-versatile` on Groq). `infer_author` tries,
in order of reliability:

1. the namespace in the id, through `NAMESPACE_AUTHORS` (an unknown namespace
   becomes an author of its own: it is the publisher's name on the hub);
   namespaces that name a host, a provider or a tier (`HOST_NAMESPACES`:
   SiliconFlow's `Pro/`, a reseller's `siliconflow/`) say nothing of the lab;
2. the model family from the start of the id (`claude` -> anthropic, ...);
3. a lab's name written before the id (`cohere-embed-v3-english` on Azure,
   `openai-gpt-4o` on DigitalOcean; `model_keys.parse_model_ref` already
   splits the ones whose rest names that lab's family, and SAP's
   `anthropic--claude-4-sonnet`);
4. the provider itself when it only serves its own lab's models;
5. the lab a provider resells by default (Azure -> OpenAI);
6. otherwise "unknown" (grouping then adopts the lab of the same id where
   exactly one lab publishes it: OpenRouter's legacy bare `toppy-m-7b` is
   `undi95/toppy-m-7b`).

Author slugs are URL-safe: lowercase letters, digits and dashes. A lab's
display name is its proper name from `KNOWN_AUTHORS`, else the namespace as
the publisher capitalised it on the hub (`Sao10K`), else a readable form of the
slug (`aion-labs` -> `Aion Labs`): never the bare slug, which reads as a typo
in a list of labs.
"""

import re
from dataclasses import dataclass

UNKNOWN_AUTHOR = "unknown"


@dataclass(frozen=True)
class AuthorInfo:
    """Display name and home page of a lab."""

    name: str
    url: str | None = None


KNOWN_AUTHORS: dict[str, AuthorInfo] = {
    "01-ai": AuthorInfo("01.AI", "https://www.01.ai"),
    "agentica-org": AuthorInfo("Agentica"),
    "ai21": AuthorInfo("AI21 Labs", "https://www.ai21.com"),
    "ai4bharat": AuthorInfo("AI4Bharat"),
    "aisingapore": AuthorInfo("AI Singapore", "https://aisingapore.org"),
    "all-hands": AuthorInfo("All Hands AI", "https://www.all-hands.dev"),
    "allenai": AuthorInfo("Ai2", "https://allenai.org"),
    "amazon": AuthorInfo("Amazon", "https://aws.amazon.com/ai/generative-ai/nova/"),
    "anthracite-org": AuthorInfo("Anthracite"),
    "anthropic": AuthorInfo("Anthropic", "https://www.anthropic.com"),
    "arcee": AuthorInfo("Arcee AI", "https://www.arcee.ai"),
    "arliai": AuthorInfo("ArliAI"),
    "baai": AuthorInfo("BAAI", "https://www.baai.ac.cn"),
    "baichuan": AuthorInfo("Baichuan"),
    "baidu": AuthorInfo("Baidu", "https://yiyan.baidu.com"),
    "bsc-lt": AuthorInfo("Barcelona Supercomputing Center"),
    "bytedance": AuthorInfo("ByteDance Seed", "https://seed.bytedance.com"),
    "canopylabs": AuthorInfo("Canopy Labs"),
    "cloudflare": AuthorInfo("Cloudflare", "https://www.cloudflare.com"),
    "cognitivecomputations": AuthorInfo("Cognitive Computations"),
    "cohere": AuthorInfo("Cohere", "https://cohere.com"),
    "cursor": AuthorInfo("Cursor", "https://cursor.com"),
    "daily-co": AuthorInfo("Daily"),
    "deepcogito": AuthorInfo("Deep Cogito", "https://www.deepcogito.com"),
    "deepseek": AuthorInfo("DeepSeek", "https://www.deepseek.com"),
    "dicta-il": AuthorInfo("Dicta"),
    "eleutherai": AuthorInfo("EleutherAI", "https://www.eleuther.ai"),
    "elevenlabs": AuthorInfo("ElevenLabs", "https://elevenlabs.io"),
    "essentialai": AuthorInfo("Essential AI"),
    "google": AuthorInfo("Google", "https://ai.google.dev"),
    "huggingface": AuthorInfo("Hugging Face", "https://huggingface.co"),
    "huggingfaceh4": AuthorInfo("Hugging Face H4"),
    "ibm": AuthorInfo("IBM", "https://www.ibm.com/granite"),
    "inception": AuthorInfo("Inception", "https://www.inceptionlabs.ai"),
    "inclusionai": AuthorInfo("inclusionAI", "https://huggingface.co/inclusionAI"),
    "inference-net": AuthorInfo("Inference.net"),
    "inflection": AuthorInfo("Inflection AI", "https://inflection.ai"),
    "intfloat": AuthorInfo("intfloat"),
    "kwaipilot": AuthorInfo("Kwaipilot"),
    "latitudegames": AuthorInfo("Latitude"),
    "liquid": AuthorInfo("Liquid AI", "https://www.liquid.ai"),
    "lmsys": AuthorInfo("LMSYS", "https://lmsys.org"),
    "meituan": AuthorInfo("Meituan"),
    "meta": AuthorInfo("Meta", "https://ai.meta.com"),
    "microsoft": AuthorInfo("Microsoft", "https://ai.azure.com"),
    "minimax": AuthorInfo("MiniMax", "https://www.minimax.io"),
    "mistral": AuthorInfo("Mistral AI", "https://mistral.ai"),
    "moonshotai": AuthorInfo("Moonshot AI", "https://www.moonshot.ai"),
    "morph": AuthorInfo("Morph", "https://morphllm.com"),
    "neversleep": AuthorInfo("NeverSleep"),
    "nex-agi": AuthorInfo("Nex AGI"),
    "nousresearch": AuthorInfo("Nous Research", "https://nousresearch.com"),
    "nvidia": AuthorInfo("NVIDIA", "https://www.nvidia.com/en-us/ai/"),
    "open-orca": AuthorInfo("OpenOrca"),
    "openai": AuthorInfo("OpenAI", "https://openai.com"),
    "openchat": AuthorInfo("OpenChat"),
    "opengvlab": AuthorInfo("OpenGVLab"),
    "paddlepaddle": AuthorInfo("PaddlePaddle"),
    "perplexity": AuthorInfo("Perplexity", "https://www.perplexity.ai"),
    "pfnet": AuthorInfo("Preferred Networks"),
    "poolside": AuthorInfo("Poolside", "https://poolside.ai"),
    "prime-intellect": AuthorInfo("Prime Intellect"),
    "pygmalionai": AuthorInfo("PygmalionAI"),
    "qwen": AuthorInfo("Qwen", "https://qwen.ai"),
    "reka": AuthorInfo("Reka AI", "https://reka.ai"),
    "sakana": AuthorInfo("Sakana AI", "https://sakana.ai"),
    "sao10k": AuthorInfo("Sao10K"),
    "sarvamai": AuthorInfo("Sarvam AI"),
    "scb10x": AuthorInfo("SCB 10X"),
    "sentence-transformers": AuthorInfo("Sentence Transformers"),
    "sdaia": AuthorInfo("SDAIA", "https://sdaia.gov.sa"),
    "sentientagi": AuthorInfo("Sentient", "https://www.sentient.xyz"),
    "servicenow-ai": AuthorInfo("ServiceNow"),
    "snorkelai": AuthorInfo("Snorkel AI"),
    "speakleash": AuthorInfo("SpeakLeash"),
    "stabilityai": AuthorInfo("Stability AI", "https://stability.ai"),
    "steelskull": AuthorInfo("SteelSkull"),
    "stepfun": AuthorInfo("StepFun", "https://www.stepfun.com"),
    "tencent": AuthorInfo("Tencent", "https://hunyuan.tencent.com"),
    "thedrummer": AuthorInfo("TheDrummer"),
    "thinkingmachines": AuthorInfo("Thinking Machines", "https://thinkingmachines.ai"),
    "together": AuthorInfo("Together AI", "https://www.together.ai"),
    "upstage": AuthorInfo("Upstage", "https://www.upstage.ai"),
    "voyageai": AuthorInfo("Voyage AI", "https://www.voyageai.com"),
    "wizardlm": AuthorInfo("WizardLM"),
    "writer": AuthorInfo("Writer", "https://writer.com"),
    "xai": AuthorInfo("xAI", "https://x.ai"),
    "xiaomi": AuthorInfo("Xiaomi", "https://mimo.xiaomi.com"),
    "xwin-lm": AuthorInfo("Xwin-LM"),
    "zai": AuthorInfo("Z.ai", "https://z.ai"),
    UNKNOWN_AUTHOR: AuthorInfo("Unknown author"),
}

# Namespaces (hub organisations, OpenRouter prefixes, Bedrock vendors) that
# spell a known lab differently, and labs whose name hosts write before their
# own models' bare ids (`venice-uncensored-1-2`), so that the name is read.
# A leading "~" (OpenRouter's "latest" pointer) is removed before lookup.
NAMESPACE_AUTHORS: dict[str, str] = {
    "01-ai": "01-ai",
    "zero-one-ai": "01-ai",
    "ai21": "ai21",
    "ai21labs": "ai21",
    "ai21-labs": "ai21",
    "aion-labs": "aion-labs",
    "alibaba": "qwen",
    "allenai": "allenai",
    "amazon": "amazon",
    "anthropic": "anthropic",
    "arcee-ai": "arcee",
    "baai": "baai",
    "bytedance-seed": "bytedance",
    "bytedance-research": "bytedance",
    "codellama": "meta",
    "cohere": "cohere",
    "coherelabs": "cohere",
    "cohereforai": "cohere",
    "deepseek": "deepseek",
    "deepseek-ai": "deepseek",
    "facebook": "meta",
    "google": "google",
    "ibm": "ibm",
    "ibm-granite": "ibm",
    "kimi": "moonshotai",
    "lucidquery": "lucidquery",
    "meta": "meta",
    "meta-llama": "meta",
    "meta-models": "meta",
    "minimax": "minimax",
    "minimaxai": "minimax",
    "mistral": "mistral",
    "mistral-ai": "mistral",
    "mistralai": "mistral",
    "moonshot": "moonshotai",
    "moonshotai": "moonshotai",
    "nousresearch": "nousresearch",
    "nvidia": "nvidia",
    "openai": "openai",
    "perplexity": "perplexity",
    "primeintellect": "prime-intellect",
    "qwen": "qwen",
    "rekaai": "reka",
    "ricursiveai": "ricursive-ai",
    "stepfun-ai": "stepfun",
    "thudm": "zai",
    "togethercomputer": "together",
    "venice": "venice",
    "x-ai": "xai",
    "xai": "xai",
    "xiaomi": "xiaomi",
    "xiaomimimo": "xiaomi",
    "xpersona": "xpersona",
    "z-ai": "zai",
    "zai": "zai",
    "zai-org": "zai",
    "zhipuai": "zai",
}

# Model families recognisable from the start of a bare id, tried in order.
FAMILY_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), author)
    for pattern, author in (
        (r"^claude", "anthropic"),
        (
            r"^(gpt|chatgpt|codex|dall-e|whisper|tts-1|sora|davinci|babbage|text-embedding-(3|ada))",
            "openai",
        ),
        (r"^o[1-9](-|$)", "openai"),
        (r"^(gemini|gemma|learnlm|imagen|veo)", "google"),
        (r"^(meta-llama|llama|codellama|muse-)", "meta"),
        (
            r"^(open-)?(mistral|mixtral|codestral|ministral|magistral|devstral|pixtral|voxtral)",
            "mistral",
        ),
        (r"^(qwen|qwq|qvq|tongyi)", "qwen"),
        (r"^deepseek", "deepseek"),
        (r"^grok", "xai"),
        (r"^(command|c4ai|aya|embed-(v-?\d|english|multilingual))", "cohere"),
        (r"^(kimi|moonshot)", "moonshotai"),
        (r"^(zai-)?(glm|chatglm|autoglm|cogview)", "zai"),
        (r"^(phi-|mai-|wizardlm)", "microsoft"),
        (r"^(nova|titan)", "amazon"),
        (r"^jamba", "ai21"),
        (r"^(minimax|abab)", "minimax"),
        (r"^ernie", "baidu"),
        (r"^(hunyuan|hy\d)", "tencent"),
        (r"^mimo", "xiaomi"),
        (r"^(nemotron|llama-\d[._]\d-nemotron)", "nvidia"),
        (r"^granite", "ibm"),
        (r"^(sonar|r1-1776)", "perplexity"),
        (r"^trinity", "arcee"),
        (r"^(hermes|deephermes)", "nousresearch"),
        (r"^olmo", "allenai"),
        (r"^solar", "upstage"),
        (r"^palmyra", "writer"),
        (r"^lfm", "liquid"),
        (r"^inkling", "thinkingmachines"),
        (r"^(eleven_|eleven-)", "elevenlabs"),
        (r"^(voyage|rerank-)", "voyageai"),
        (r"^bge", "baai"),
        (r"^(seed-|doubao)", "bytedance"),
        (r"^step-", "stepfun"),
        (r"^yi-", "01-ai"),
        (r"^reka", "reka"),
        (r"^(arcee|virtuoso|caller-|spotlight|maestro-)", "arcee"),
        (r"^internvl", "opengvlab"),
        (r"^dolphin", "cognitivecomputations"),
        (r"^mercury", "inception"),
        (r"^sarvam", "sarvamai"),
        (r"^dobby-", "sentientagi"),
        (r"^(valkyrie|anubis|cydonia|rocinante|skyfall|unslopnemo)-", "thedrummer"),
        (r"^(ming|ling|ring)-", "inclusionai"),
        (r"^aion-", "aion-labs"),
        (r"^intellect-\d", "prime-intellect"),
        (r"^stable-diffusion", "stabilityai"),
        (r"^(multilingual-)?e5-", "intfloat"),
        (r"^(all-mini-?lm|all-mpnet|multi-qa-)", "sentence-transformers"),
        (r"^venice-", "venice"),
        (r"^lucid(query|nova)-", "lucidquery"),
        (r"^morph-v\d", "morph"),
        (r"^xpersona-", "xpersona"),
        (r"^olafangensan-", "olafangensan"),
        (r"^allam-", "sdaia"),
    )
)

# Providers that serve their own lab's models under bare ids.
FIRST_PARTY_PROVIDERS: dict[str, str] = {
    "anthropic": "anthropic",
    "arcee": "arcee",
    "cohere": "cohere",
    "cursor": "cursor",
    "deepseek": "deepseek",
    "elevenlabs": "elevenlabs",
    "google": "google",
    "meta": "meta",
    "minimax": "minimax",
    "mistral": "mistral",
    "moonshotai": "moonshotai",
    "openai": "openai",
    "openai-decisions": "openai",
    "perplexity": "perplexity",
    "voyageai": "voyageai",
    "x-ai": "xai",
    "zai": "zai",
    "zhipuai": "zai",
}

# Namespaces that name a hosting path, a provider or a service tier, not a lab
# (`accounts/fireworks/models/x`, SiliconFlow's `Pro/deepseek-ai/DeepSeek-R1`,
# a reseller's `siliconflow/deepseek-v3.2`, DataRobot's `public/deepseek-r1`).
HOST_NAMESPACES = frozenset(
    {"accounts", "openrouter", "routers", "models", "pro", "public", "siliconflow"}
)
# Hugging Face's repository prefix (`hf:deepseek-ai/DeepSeek-R1`), not part of the org.
HUB_PREFIX = "hf:"

_UNSAFE = re.compile(r"[^a-z0-9]+")
_NAME_ABBREVIATIONS = frozenset({"ai", "agi", "llm", "lm", "ml", "nlp"})


def author_slug(name: str) -> str:
    """A URL-safe author slug for a namespace or name: `Sao10K` -> `sao10k`."""
    return _UNSAFE.sub("-", name.lower()).strip("-") or UNKNOWN_AUTHOR


def author_from_namespace(namespace: str) -> str | None:
    """The author a namespace stands for, None for hosting paths.

    `arcee_ai` and `arcee-ai` are one namespace: hosts differ in the separator.
    """
    cleaned = namespace.lower().lstrip("~").removeprefix(HUB_PREFIX).replace("_", "-")
    if not cleaned or cleaned in HOST_NAMESPACES:
        return None
    return NAMESPACE_AUTHORS.get(cleaned, author_slug(cleaned))


def author_from_family(model_id: str) -> str | None:
    """The lab whose model family the bare id names, if recognisable."""
    lowered = model_id.lower()
    return next((author for pattern, author in FAMILY_PATTERNS if pattern.match(lowered)), None)


# Lab names as hosts write them before a bare id, longest first so that
# `zai-org-glm-4.6` reads `zai-org` and not `zai`.
_ORG_PREFIXES: tuple[str, ...] = tuple(
    sorted(
        (set(NAMESPACE_AUTHORS) | set(KNOWN_AUTHORS)) - {UNKNOWN_AUTHOR},
        key=lambda name: (-len(name), name),
    )
)


def _org_prefixes(model_id: str) -> list[tuple[str, str, str]]:
    """(organisation, separator, rest) for each lab name the id starts with, longest first."""
    lowered = model_id.lower()
    found = []
    for org in _ORG_PREFIXES:
        for separator in ("--", "-"):
            rest = lowered.removeprefix(org + separator)
            if rest != lowered and rest[:1].isalnum():
                found.append((org, separator, rest))
    return found


def author_from_id_prefix(model_id: str) -> str | None:
    """The lab whose name a bare id starts with (`cohere-embed-v3-english` -> cohere)."""
    for org, _separator, _rest in _org_prefixes(model_id):
        if author := author_from_namespace(org):
            return author
    return None


def superseded_author(slug: str) -> bool:
    """True for an author slug the rules no longer give a model: "unknown", a host or
    tier word (`pro`), a provider-prefixed org (`hf-deepseek-ai`) or another spelling
    of a known lab (`mistral-ai`). Models stored under one are attributed again."""
    if slug == UNKNOWN_AUTHOR:
        return True
    namespace = HUB_PREFIX + slug.removeprefix("hf-") if slug.startswith("hf-") else slug
    return author_from_namespace(namespace) != slug


def infer_author(
    *,
    provider_id: str,
    namespace: str | None,
    model_id: str,
    fallback_providers: tuple[str, ...] = (),
) -> str:
    """The author slug of a model as one provider lists it (see the module docstring)."""
    if namespace and (author := author_from_namespace(namespace)):
        return author
    if author := author_from_family(model_id):
        return author
    if author := author_from_id_prefix(model_id):
        return author
    if author := FIRST_PARTY_PROVIDERS.get(provider_id):
        return author
    for fallback in fallback_providers:
        if author := FIRST_PARTY_PROVIDERS.get(fallback):
            return author
    return UNKNOWN_AUTHOR


def author_info(slug: str, *, namespace: str | None = None) -> AuthorInfo:
    """Name and URL for an author slug (see the module docstring for the name's sources)."""
    if slug in KNOWN_AUTHORS:
        return KNOWN_AUTHORS[slug]
    spelled = (namespace or "").lstrip("~")
    if spelled != spelled.lower():
        return AuthorInfo(spelled)
    return AuthorInfo(name_from_slug(slug))


def name_from_slug(slug: str) -> str:
    """A lab name to show when nothing better is known: `aion-labs` -> `Aion Labs`.

    Each dash-separated word gets a capital, and the abbreviations labs put in
    their names are written in capitals (`swiss-ai` -> `Swiss AI`).
    """
    return " ".join(
        word.upper() if word in _NAME_ABBREVIATIONS else word[:1].upper() + word[1:]
        for word in slug.split("-")
        if word
    )
