"""The invisible characters that change the order text is drawn in, refused where people type.

Refused: the explicit directional formatting characters of the Unicode
Bidirectional Algorithm (UAX #9): the embeddings LRE and RLE (U+202A, U+202B)
and their end PDF (U+202C), the overrides LRO and RLO (U+202D, U+202E), and
the isolates LRI, RLI, FSI and their end PDI (U+2066 to U+2069). An override
draws the characters after it in the opposite order, so a comment or a name
can show "exe.gnp" as "png.exe", or a link text that reads as one address
while holding another (the "Trojan Source" trick); an embedding or isolate
left open drags the text around it along.

Allowed: the implicit marks LRM and RLM (U+200E, U+200F) and the Arabic
letter mark ALM (U+061C). Each is an invisible letter with a direction: it
can only decide which side neutral characters next to it (punctuation,
spaces, a number's sign) go, never reverse a run of letters. They are what
writers of Hebrew, Arabic or Persian use to put a full stop or a Latin
product name in the right place in mixed text, and what their keyboards and
input methods insert. Right-to-left letters themselves need no control
character at all: the algorithm orders them by their own direction, and
comments are shown with `dir="auto"` and names in `<bdi>`, so each is laid
out on its own. The joiners ZWJ and ZWNJ (U+200D, U+200C) do not reorder
anything and are needed by Persian spelling and emoji, so they stay too.
"""

DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def first_direction_control(text: str) -> int | None:
    """The index of the first refused direction control in `text`, or None when there is none."""
    return next((index for index, char in enumerate(text) if char in DIRECTION_CONTROLS), None)
