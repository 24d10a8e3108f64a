"""What we know about providers beyond what a source says: names, kinds, products.

Sources spell provider names from their ids ("Deepseek", "X AI",
"MoonshotAi", "HuggingFace (groq)"); `provider_display_name` gives the name
the company uses for itself (from its own site), falling back to the
source's name, then to a readable form of the id.

Routers resell other providers' endpoints (OpenRouter, Hugging Face's
router); they are listed apart from inference providers. Subscription
products (GitHub Copilot, Cursor) include models in a seat price or a
request allowance and sell no per-token API access, so their "prices" are
not offers a user can compare: sources' entries for them are not imported
as endpoints.
"""

from app.services.catalog.model_keys import readable_name

# Proper names, by the source's provider id with `_` read as `-`.
PROVIDER_NAMES: dict[str, str] = {
    "aws": "Amazon Bedrock",
    "azure": "Microsoft Azure",
    "cloudflare": "Cloudflare Workers AI",
    "deepseek": "DeepSeek",
    "fireworks": "Fireworks AI",
    "google": "Google",
    "huggingface": "Hugging Face",
    "moonshotai": "Moonshot AI",
    "ovhcloud": "OVHcloud AI Endpoints",
    "sambanova": "SambaNova",
    "nebius": "Nebius AI Studio",
    "nscale": "Nscale",
    "x-ai": "xAI",
    "xai": "xAI",
    "zai": "Z.ai",
    "zhipuai": "Zhipu AI",
    "publicai": "Public AI",
    "fireworks-ai": "Fireworks AI",
}

# Provider ids whose entries resell other providers' endpoints.
ROUTER_PREFIXES = ("openrouter", "huggingface_", "huggingface-")
HUGGINGFACE_PREFIXES = ("huggingface_", "huggingface-")

# Subscription products, by source provider id (see the module docstring).
SUBSCRIPTION_PRODUCTS = frozenset({"github-copilot", "cursor"})


def is_router(source_id: str) -> bool:
    """True for a provider id that names a router rather than a host."""
    return source_id.lower().startswith(ROUTER_PREFIXES)


def is_subscription_product(source_id: str) -> bool:
    """True for a provider id naming a subscription product, not an inference API."""
    return source_id.lower().replace("_", "-") in SUBSCRIPTION_PRODUCTS


def provider_display_name(source_id: str, source_name: str | None = None) -> str:
    """The provider's proper name (see the module docstring for the order of sources)."""
    key = source_id.lower().replace("_", "-")
    for prefix in HUGGINGFACE_PREFIXES:
        if key.startswith(prefix):
            host = key.removeprefix(prefix)
            return f"Hugging Face ({provider_display_name(host)})"
    if key in PROVIDER_NAMES:
        return PROVIDER_NAMES[key]
    return source_name or readable_name(key)
