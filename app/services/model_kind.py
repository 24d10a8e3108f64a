"""Whether a model answers chat requests, judged from what it takes in and gives back.

The quick start's examples call the chat-completions API, which only chat
models serve: text in, text out. An embedding model (text in, vectors out,
so no output modality), a text-to-speech model (audio out) or a transcription
or OCR model (audio or documents in, no text prompt) has another API, and an
example that cannot work is worse than none. Many imported models have no
modalities recorded at all; for them the answer is "not known".
"""

from collections.abc import Collection


def takes_chat_requests(inputs: Collection[str], outputs: Collection[str]) -> bool | None:
    """True for text in and text out, False when the known modalities rule chat out,
    None when no modality is known."""
    if not inputs and not outputs:
        return None
    return "text" in inputs and "text" in outputs
