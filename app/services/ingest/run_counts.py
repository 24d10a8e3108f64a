"""Words for the counters that import and refresh runs record, for people to read.

Runs store their counters under short keys that the code writing them knows
(`skipped.price key cache_write_1h_mtok`, `price variant speed=fast`); /status
and the first start's summary say what each key means instead. Keys nobody
has described yet are shown as stored, with underscores as spaces, so a job
can add a counter without touching this module.
"""

from collections import Counter
from collections.abc import Mapping

# genai-prices price keys the catalog does not store (it keeps prices per text token).
PRICE_KEY_WORDS = {
    "audio_hours": "hours of audio",
    "cache_audio_read_mtok": "cached audio input",
    "cache_image_read_mtok": "cached image input",
    "cache_write_1h_mtok": "cache writes kept for an hour",
    "input_annotated_document_kpages": "annotated document pages",
    "input_audio_hours": "hours of audio input",
    "input_audio_mtok": "audio input tokens",
    "input_document_kpages": "document pages",
    "input_image_mtok": "image input tokens",
    "input_mchars": "characters of input",
    "input_text_messages_kcount": "text messages",
    "input_video_mtok": "video input tokens",
    "output_audio_mtok": "audio output tokens",
    "output_citation_mtok": "citation tokens",
    "output_image_mtok": "image output tokens",
    "output_video_mtok": "video output tokens",
    "storage_searches_kcount": "file-store searches",
    "web_searches_kcount": "web searches",
}

OTHER_UNIT = "not per token"
VARIANT = "variant"
DUPLICATE = "duplicate"
NOT_YET = "not yet in force"
OTHER = "other"


def skip_reason(key: str) -> tuple[str, str]:
    """(words, kind) for why an import skipped a price entry; kind groups reasons for a summary."""
    if key.startswith("price key "):
        return f"priced by {_price_key(key.removeprefix('price key '))}", OTHER_UNIT
    if key.startswith("long-context tier of "):
        price_key = _price_key(key.removeprefix("long-context tier of "))
        return f"long-context price for {price_key}", OTHER_UNIT
    if key.startswith("price variant "):
        name, _, value = key.removeprefix("price variant ").partition("=")
        return f"{name.replace('_', ' ')} “{value}” variant of a price", VARIANT
    if key == "time-of-day price":
        return "price that changes with the time of day", VARIANT
    if key == "price tier beyond the first":
        return "volume price tier beyond the first", VARIANT
    if key.startswith("second ") and key.endswith(" for one endpoint"):
        return "second entry for the same model at the same provider", DUPLICATE
    if key == "scheduled price change not yet in force":
        return "scheduled price change not yet in force", NOT_YET
    return key.replace("_", " "), OTHER


def skipped_by_kind(skipped: Mapping[str, int]) -> Counter[str]:
    """How many entries were skipped for each kind of reason."""
    kinds: Counter[str] = Counter()
    for key, count in skipped.items():
        kinds[skip_reason(key)[1]] += count
    return kinds


def count_name(name: str) -> str:
    """A counter's dotted name (`created.models`, `skipped.price key …`) as words."""
    group, dot, key = name.partition(".")
    if not dot:
        return name.replace("_", " ")
    words = skip_reason(key)[0] if group == "skipped" else key.replace("_", " ")
    return f"{group.replace('_', ' ')}: {words}"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _price_key(key: str) -> str:
    return PRICE_KEY_WORDS.get(key, key.replace("_", " "))


KIND_WORDS = {
    OTHER_UNIT: "{n:,} not priced per token",
    VARIANT: "{n:,} variants such as speed tiers or regions",
    DUPLICATE: "{n:,} duplicates",
    NOT_YET: "{n:,} not yet in force",
    OTHER: "{n:,} for other reasons",
}


def import_summary(*, source: str, models: int, providers: int, skipped: Mapping[str, int]) -> str:
    """One sentence on what an import brought in and what it left out, for someone new to it.

    `1,121 models from 47 providers imported from genai-prices; 537 price entries skipped
    (352 not priced per token, 62 variants such as speed tiers or regions, …) — see /status.`
    """
    sentence = (
        f"{_plural(models, 'model')} from {_plural(providers, 'provider')} imported from {source}"
    )
    kinds = skipped_by_kind(skipped)
    total = sum(kinds.values())
    if not total:
        return f"{sentence}."
    parts = ", ".join(KIND_WORDS[kind].format(n=kinds[kind]) for kind in KIND_WORDS if kinds[kind])
    return f"{sentence}; {total:,} price entries skipped ({parts}) — see /status."
