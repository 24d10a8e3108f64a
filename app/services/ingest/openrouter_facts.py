"""What OpenRouter's model listing states about a model, kept as facts with source "openrouter".

The metrics refresh reads OpenRouter's listing anyway; besides prices and
figures it says what a model is: its description, when it was added
(`created`, the release date OpenRouter knows), its architecture's
modalities, context length, the top provider's maximum output, its Hugging
Face repository, knowledge cut-off, the date after which it may be removed
(`expiration_date`: the model is deprecated until then) and the parameters
its endpoints accept. Those are recorded for every listed model the catalog
has, not only the ones the refresh created, and the shown columns are
derived again by precedence (`services.model_page.model_facts`): OpenRouter ranks below
the curated seed, the lab's own offer and models.dev.

A capability is stated from `supported_parameters`: `tools` means tool
calling, `structured_outputs` structured outputs, `reasoning` or
`include_reasoning` reasoning; a list without them says OpenRouter's
endpoints do not offer it. An empty list states nothing.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import Model
from app.services.model_page.model_facts import FactBook, Modalities
from app.sources.openrouter import SOURCE_NAME, UpstreamModel

MODALITIES = frozenset({"text", "image", "audio", "video", "file"})
REASONING_PARAMETERS = frozenset({"reasoning", "include_reasoning"})
_MODELS_PER_BOOK = 500


def openrouter_facts(model: UpstreamModel) -> dict[str, Any]:
    """The facts one listing entry states, as model_facts fields (None: not stated)."""
    parameters = set(model.supported_parameters)
    inputs = frozenset(model.input_modalities) & MODALITIES
    outputs = frozenset(model.output_modalities) & MODALITIES
    _, colon, rest = model.name.partition(": ")
    return {
        "name": rest if colon and rest else model.name,
        "description": model.description,
        "released_at": model.listed_on,
        "context_window": model.context_window,
        "max_output": model.max_output,
        "knowledge_cutoff": model.knowledge_cutoff,
        "hf_repo_id": model.hugging_face_id,
        "modalities": Modalities(input=inputs, output=outputs) if inputs and outputs else None,
        "status": "deprecated" if model.expires_on else None,
        "deprecates_at": model.expires_on,
        "tool_calling": "tools" in parameters if parameters else None,
        "structured_outputs": "structured_outputs" in parameters if parameters else None,
        "reasoning": bool(parameters & REASONING_PARAMETERS) if parameters else None,
    }


def record_openrouter_facts(
    *, session: Session, placed: Iterable[tuple[Model, UpstreamModel]], seen_at: datetime
) -> int:
    """Record the listing's facts of each (flushed) model and derive its columns.

    A model listed under several ids (`x` and `x:free`) takes its facts from
    the plain id. Returns how many facts were written.
    """
    entries: dict[int, tuple[Model, UpstreamModel]] = {}
    for model, upstream in placed:
        kept = entries.get(model.id)
        if kept is None or (kept[1].variant and not upstream.variant):
            entries[model.id] = (model, upstream)
    written = 0
    # A few hundred models at a time, each chunk's derived columns flushed: a model's
    # facts concern it alone, and a whole listing's stored facts, modalities, new rows
    # and changed models at once held more than the rest of a refresh.
    placed_models = list(entries.values())
    for start in range(0, len(placed_models), _MODELS_PER_BOOK):
        chunk = placed_models[start : start + _MODELS_PER_BOOK]
        book = FactBook(session, model_ids=[model.id for model, _ in chunk])
        for model, upstream in chunk:
            written += book.record(
                model.id, SOURCE_NAME, openrouter_facts(upstream), seen_at=seen_at
            )
        book.flush()
        for model, _ in chunk:
            book.derive(model)
        session.flush()
    return written
