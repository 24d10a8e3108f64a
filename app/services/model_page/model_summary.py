"""A plain one-sentence summary of a model, composed by Model Atlas from its known facts.

No offline source describes most models, and inventing a lab's prose would
be worse than saying nothing. What we can say truthfully is what the facts
already on the page say, in one sentence: "An open-weights reasoning model
by DeepSeek, released January 2025, with a 128K-token context window,
served by 9 providers." It adds no claim the facts do not make, so it is
shown (and exported) as composed, apart from any description a source wrote.

The sentence is composed when it is read, never stored: it follows every
change of the facts it repeats, and an import that changes no fact changes
no summary.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

SUMMARY_COMPOSED = "composed"
SUMMARY_CURATED = "curated"


@dataclass(frozen=True)
class SummaryFacts:
    """The facts a composed summary repeats; None (or 0 providers) is not known."""

    author_name: str
    weights: str | None
    reasoning: bool | None
    released_at: date | None
    context_window: int | None
    provider_count: int


def compose_summary(facts: SummaryFacts) -> str | None:
    """The sentence, or None when too little is known to say more than who made the model."""
    described = facts.weights is not None or facts.reasoning is True
    if not (described or facts.released_at or facts.context_window or facts.provider_count):
        return None
    kind = []
    if facts.weights is not None:
        kind.append(f"{facts.weights}-weights")
    if facts.reasoning:
        kind.append("reasoning")
    kind.append("model")
    words = " ".join(kind)
    article = "An" if words[0] in "aeiou" else "A"
    parts = [f"{article} {words} by {facts.author_name}"]
    if facts.released_at:
        parts.append(f"released {facts.released_at:%B %Y}")
    if facts.context_window:
        parts.append(f"with a {token_count_short(facts.context_window)}-token context window")
    if facts.provider_count:
        plural = "" if facts.provider_count == 1 else "s"
        parts.append(f"served by {facts.provider_count} provider{plural}")
    return ", ".join(parts) + "."


def token_count_short(count: int) -> str:
    """A token count the way catalogs print context windows: `262K`, `1.05M`, `512`."""
    thousands = (Decimal(count) / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if thousands >= 1000:
        millions = (Decimal(count) / 1_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{format(millions.normalize(), 'f')}M"
    if count >= 1_000:
        return f"{thousands}K"
    return str(count)
