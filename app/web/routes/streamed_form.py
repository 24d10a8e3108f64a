"""Reading a form as it streams in, for a field too large to hold whole (a usage log).

Starlette's `request.form()` keeps every field in memory and writes uploaded
files of more than 1 MB to a temporary file on disk. A usage log may be tens
of megabytes and must never touch the disk, so a route that takes one parses
its body itself: small fields arrive whole (`FormFields.field`), and the
fields it names as streamed arrive in pieces as the body does
(`FormFields.stream_data`, then `stream_end`), to be consumed at once.

Both encodings a browser sends are read: `multipart/form-data` (a form with
a file input) streams part by part; `application/x-www-form-urlencoded` holds
one field at a time, because percent-encoding can only be decoded whole.
"""

from collections.abc import Collection
from typing import Protocol
from urllib.parse import unquote_plus, unquote_to_bytes

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, QuerystringParser, parse_options_header

MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
# A small field (a token, a list of model ids) longer than this is not one.
SMALL_FIELD_BYTES = 64 * 1024


class FormError(ValueError):
    """The body is not a form this parser can read (answered 400 or 415)."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


class FormFields(Protocol):
    """What a streamed form is handed, in the order the fields arrive."""

    def field(self, name: str, value: str) -> None:
        """A small field, whole."""

    def stream_data(self, name: str, data: bytes) -> None:
        """The next bytes of a streamed field."""

    def stream_end(self, name: str) -> None:
        """A streamed field has ended."""


class StreamedForm:
    """Parses one request body fed with `write` and closed with `finish` (synchronous)."""

    def __init__(
        self, content_type: str | None, *, streamed: Collection[str], fields: FormFields
    ) -> None:
        self.streamed = frozenset(streamed)
        self.fields = fields
        media_type, options = parse_options_header(content_type or "")
        self._name = b""
        self._data = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._header_field = b""
        self._header_value = b""
        self._part_name = ""
        if media_type == MULTIPART.encode():
            boundary = options.get(b"boundary")
            if not boundary:
                raise FormError("The multipart form names no boundary.")
            self._parser: MultipartParser | QuerystringParser = MultipartParser(
                boundary,
                {
                    "on_part_begin": self._part_begin,
                    "on_header_field": self._header_field_data,
                    "on_header_value": self._header_value_data,
                    "on_header_end": self._header_end,
                    "on_headers_finished": self._headers_finished,
                    "on_part_data": self._part_data,
                    "on_part_end": self._part_end,
                },
            )
        elif media_type == URLENCODED.encode():
            self._parser = QuerystringParser(
                {
                    "on_field_start": self._field_start,
                    "on_field_name": self._field_name,
                    "on_field_data": self._field_data,
                    "on_field_end": self._field_end,
                }
            )
        else:
            raise FormError(f"Send a form ({MULTIPART} or {URLENCODED}).", status_code=415)

    def write(self, chunk: bytes) -> None:
        """Parse the next chunk of the body; the handler's callbacks run from here."""
        try:
            self._parser.write(chunk)
        except FormParserError as problem:
            raise FormError(f"The form could not be read: {problem}") from None

    def finish(self) -> None:
        try:
            self._parser.finalize()
        except FormParserError as problem:
            raise FormError(f"The form could not be read: {problem}") from None

    def _small(self, data: bytes) -> None:
        if len(self._data) + len(data) > SMALL_FIELD_BYTES:
            raise FormError("A form field is too long.")
        self._data += data

    # multipart/form-data

    def _part_begin(self) -> None:
        self._headers = {}
        self._data = bytearray()
        self._part_name = ""

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        if name is None:
            raise FormError("A form part has no name.")
        self._part_name = name.decode("utf-8", "replace")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_name in self.streamed:
            self.fields.stream_data(self._part_name, data[start:end])
        else:
            self._small(data[start:end])

    def _part_end(self) -> None:
        if self._part_name in self.streamed:
            self.fields.stream_end(self._part_name)
        else:
            self.fields.field(self._part_name, self._data.decode("utf-8", "replace"))

    # application/x-www-form-urlencoded

    def _field_start(self) -> None:
        self._name = b""
        self._data = bytearray()

    def _field_name(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def _field_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]
        name = unquote_plus(self._name.decode("latin-1"))
        if name not in self.streamed and len(self._data) > SMALL_FIELD_BYTES:
            raise FormError("A form field is too long.")

    def _field_end(self) -> None:
        name = unquote_plus(self._name.decode("latin-1"), encoding="utf-8", errors="replace")
        value = unquote_to_bytes(bytes(self._data).replace(b"+", b" "))
        if name in self.streamed:
            self.fields.stream_data(name, value)
            self.fields.stream_end(name)
        else:
            self.fields.field(name, value.decode("utf-8", "replace"))
