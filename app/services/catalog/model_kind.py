"""Whether a model answers chat requests, judged from what it takes in and gives back.

The quick start's examples call the chat-completions API, which only chat
models serve: text in, text out. An embedding model (text in, vectors out,
so no output modality), a text-to-speech model (audio out) or a transcription
or OCR model (audio or documents in, no text prompt) has another API, and an
example that cannot work is worse than none. Many imported models have no
modalities recorded at all; for them the answer is "not known".
"""

import re
from collections.abc import Collection


def takes_chat_requests(inputs: Collection[str], outputs: Collection[str]) -> bool | None:
    """True for text in and text out, False when the known modalities rule chat out,
    None when no modality is known."""
    if not inputs and not outputs:
        return None
    return "text" in inputs and "text" in outputs


# Words in a model's id naming a model that answers no prompt with text of its own:
# embeddings and rerankers return vectors or scores (some sources list their output
# as "text"), transcription models turn audio into its words, speech models speak.
_NOT_TEXT_GENERATION = re.compile(r"embed|rerank|whisper|transcri|(?:^|[-_.])tts(?:[-_.]|$)")


def generates_text(
    bare_id: str, inputs: Collection[str], outputs: Collection[str], *, bills_output: bool
) -> bool:
    """True for a model that writes text in answer to a prompt: the catalog's text models.

    Its id must not name an embedding, rerank, transcription or speech model;
    then its stated output modalities must include text (and its input be more
    than audio alone), or, where no source states them, it must be billed for
    output tokens (`bills_output`), which a model that writes nothing is not.
    """
    if _NOT_TEXT_GENERATION.search(bare_id.lower()):
        return False
    if outputs:
        return "text" in outputs and set(inputs) != {"audio"}
    return bills_output
