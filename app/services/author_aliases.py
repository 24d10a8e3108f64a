"""Who made a model, inferred from how providers name it.

Providers name the same lab many ways: OpenRouter's `mistralai/`, Hugging
Face's `meta-llama/`, Bedrock's `anthropic.` prefix, Cloudflare's `@cf/meta/`,
or no prefix at all (`llama-3.3-70b-versatile` on Groq). `infer_author` tries,
in order of reliability:

1. the namespace in the id, through `NAMESPACE_AUTHORS` (an unknown namespace
   becomes an author of its own: it is the publisher's name on the hub);
2. the model family from the start of the id (`claude` -> anthropic, ...);
3. the provider itself when it only serves its own lab's models;
4. the lab a provider resells by default (Azure -> OpenAI);
5. otherwise "unknown".

Author slugs are URL-safe: lowercase letters, digits and dashes.
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
    "ai21": AuthorInfo("AI21 Labs", "https://www.ai21.com"),
    "allenai": AuthorInfo("Ai2", "https://allenai.org"),
    "amazon": AuthorInfo("Amazon", "https://aws.amazon.com/ai/generative-ai/nova/"),
    "anthropic": AuthorInfo("Anthropic", "https://www.anthropic.com"),
    "arcee": AuthorInfo("Arcee AI", "https://www.arcee.ai"),
    "baai": AuthorInfo("BAAI", "https://www.baai.ac.cn"),
    "baidu": AuthorInfo("Baidu", "https://yiyan.baidu.com"),
    "bytedance": AuthorInfo("ByteDance Seed", "https://seed.bytedance.com"),
    "cohere": AuthorInfo("Cohere", "https://cohere.com"),
    "cursor": AuthorInfo("Cursor", "https://cursor.com"),
    "deepseek": AuthorInfo("DeepSeek", "https://www.deepseek.com"),
    "elevenlabs": AuthorInfo("ElevenLabs", "https://elevenlabs.io"),
    "google": AuthorInfo("Google", "https://ai.google.dev"),
    "ibm": AuthorInfo("IBM", "https://www.ibm.com/granite"),
    "inclusionai": AuthorInfo("inclusionAI", "https://huggingface.co/inclusionAI"),
    "liquid": AuthorInfo("Liquid AI", "https://www.liquid.ai"),
    "meta": AuthorInfo("Meta", "https://ai.meta.com"),
    "microsoft": AuthorInfo("Microsoft", "https://ai.azure.com"),
    "minimax": AuthorInfo("MiniMax", "https://www.minimax.io"),
    "mistral": AuthorInfo("Mistral AI", "https://mistral.ai"),
    "moonshotai": AuthorInfo("Moonshot AI", "https://www.moonshot.ai"),
    "nousresearch": AuthorInfo("Nous Research", "https://nousresearch.com"),
    "nvidia": AuthorInfo("NVIDIA", "https://www.nvidia.com/en-us/ai/"),
    "openai": AuthorInfo("OpenAI", "https://openai.com"),
    "perplexity": AuthorInfo("Perplexity", "https://www.perplexity.ai"),
    "qwen": AuthorInfo("Qwen (Alibaba)", "https://qwen.ai"),
    "stepfun": AuthorInfo("StepFun", "https://www.stepfun.com"),
    "tencent": AuthorInfo("Tencent", "https://hunyuan.tencent.com"),
    "thinkingmachines": AuthorInfo("Thinking Machines", "https://thinkingmachines.ai"),
    "upstage": AuthorInfo("Upstage", "https://www.upstage.ai"),
    "voyageai": AuthorInfo("Voyage AI", "https://www.voyageai.com"),
    "writer": AuthorInfo("Writer", "https://writer.com"),
    "xai": AuthorInfo("xAI", "https://x.ai"),
    "xiaomi": AuthorInfo("Xiaomi", "https://mimo.xiaomi.com"),
    "zai": AuthorInfo("Z.ai", "https://z.ai"),
    UNKNOWN_AUTHOR: AuthorInfo("Unknown author"),
}

# Namespaces (hub organisations, OpenRouter prefixes, Bedrock vendors) that
# spell a known lab differently. A leading "~" (OpenRouter's "latest" pointer)
# is removed before lookup.
NAMESPACE_AUTHORS: dict[str, str] = {
    "01-ai": "01-ai",
    "zero-one-ai": "01-ai",
    "ai21": "ai21",
    "ai21labs": "ai21",
    "alibaba": "qwen",
    "allenai": "allenai",
    "amazon": "amazon",
    "anthropic": "anthropic",
    "arcee-ai": "arcee",
    "baai": "baai",
    "bytedance-seed": "bytedance",
    "bytedance-research": "bytedance",
    "cohere": "cohere",
    "coherelabs": "cohere",
    "cohereforai": "cohere",
    "deepseek": "deepseek",
    "deepseek-ai": "deepseek",
    "facebook": "meta",
    "google": "google",
    "ibm": "ibm",
    "ibm-granite": "ibm",
    "meta": "meta",
    "meta-llama": "meta",
    "meta-models": "meta",
    "minimax": "minimax",
    "minimaxai": "minimax",
    "mistral": "mistral",
    "mistralai": "mistral",
    "moonshotai": "moonshotai",
    "nousresearch": "nousresearch",
    "nvidia": "nvidia",
    "openai": "openai",
    "perplexity": "perplexity",
    "qwen": "qwen",
    "rekaai": "reka",
    "stepfun-ai": "stepfun",
    "thudm": "zai",
    "x-ai": "xai",
    "xai": "xai",
    "xiaomi": "xiaomi",
    "xiaomimimo": "xiaomi",
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
        (r"^(qwen|qwq|qvq)", "qwen"),
        (r"^deepseek", "deepseek"),
        (r"^grok", "xai"),
        (r"^(command|c4ai|aya)", "cohere"),
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

# Namespaces that name a hosting path, not a lab (`accounts/fireworks/models/x`).
HOST_NAMESPACES = frozenset({"accounts", "fireworks", "openrouter", "routers", "models"})

_UNSAFE = re.compile(r"[^a-z0-9]+")


def author_slug(name: str) -> str:
    """A URL-safe author slug for a namespace or name: `Sao10K` -> `sao10k`."""
    return _UNSAFE.sub("-", name.lower()).strip("-") or UNKNOWN_AUTHOR


def author_from_namespace(namespace: str) -> str | None:
    """The author a namespace stands for, None for hosting paths."""
    cleaned = namespace.lower().lstrip("~")
    if not cleaned or cleaned in HOST_NAMESPACES:
        return None
    return NAMESPACE_AUTHORS.get(cleaned, author_slug(cleaned))


def author_from_family(model_id: str) -> str | None:
    """The lab whose model family the bare id names, if recognisable."""
    lowered = model_id.lower()
    return next((author for pattern, author in FAMILY_PATTERNS if pattern.match(lowered)), None)


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
    if author := FIRST_PARTY_PROVIDERS.get(provider_id):
        return author
    for fallback in fallback_providers:
        if author := FIRST_PARTY_PROVIDERS.get(fallback):
            return author
    return UNKNOWN_AUTHOR


def author_info(slug: str, *, namespace: str | None = None) -> AuthorInfo:
    """Name and URL for an author slug; unknown labs are named after their namespace."""
    if slug in KNOWN_AUTHORS:
        return KNOWN_AUTHORS[slug]
    return AuthorInfo(namespace.lstrip("~") if namespace else slug)
