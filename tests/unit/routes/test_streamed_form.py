"""Reading a form as it streams in: small fields whole, streamed fields in order, any chunking."""

from urllib.parse import urlencode

import httpx
import pytest

from app.web.routes.streamed_form import SMALL_FIELD_BYTES, FormError, StreamedForm


class Recorder:
    """What the parser handed over, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, bytes | str]] = []

    def field(self, name: str, value: str) -> None:
        self.events.append(("field", name, value))

    def stream_data(self, name: str, data: bytes) -> None:
        if self.events and self.events[-1][:2] == ("data", name):
            self.events[-1] = ("data", name, self.events[-1][2] + data)
        else:
            self.events.append(("data", name, data))

    def stream_end(self, name: str) -> None:
        self.events.append(("end", name, b""))


def parse(content_type: str, body: bytes, chunk: int) -> list[tuple[str, str, bytes | str]]:
    recorder = Recorder()
    form = StreamedForm(content_type, streamed={"usage", "file"}, fields=recorder)
    for start in range(0, len(body), chunk):
        form.write(body[start : start + chunk])
    form.finish()
    return recorder.events


LOG = b'{"model": "m", "created": 1764504000}\r\n--not-a-boundary\r\n' * 50


@pytest.mark.parametrize("chunk", [1, 7, 64, 100_000])
def test_a_multipart_form_streams_its_log_in_order_whatever_the_chunks(chunk: int) -> None:
    request = httpx.Request(
        "POST",
        "http://x/replay",
        data={"csrf_token": "t0ken", "alternatives": "a/b, ç/d"},
        files={"file": ("usage.jsonl", LOG, "application/jsonl")},
    )
    body = request.read()

    events = parse(request.headers["content-type"], body, chunk)

    assert events == [
        ("field", "csrf_token", "t0ken"),
        ("field", "alternatives", "a/b, ç/d"),
        ("data", "file", LOG),
        ("end", "file", b""),
    ]


@pytest.mark.parametrize("chunk", [1, 5, 100_000])
def test_an_urlencoded_form_decodes_each_field(chunk: int) -> None:
    body = urlencode({"csrf_token": "t+k", "usage": "a,b\nç 1%"}).encode()

    events = parse("application/x-www-form-urlencoded", body, chunk)

    assert events == [
        ("field", "csrf_token", "t+k"),
        ("data", "usage", "a,b\nç 1%".encode()),
        ("end", "usage", b""),
    ]


def test_a_long_small_field_or_another_content_type_is_refused() -> None:
    with pytest.raises(FormError):
        parse(
            "application/x-www-form-urlencoded",
            b"alternatives=" + b"x" * (SMALL_FIELD_BYTES + 1),
            4096,
        )
    with pytest.raises(FormError) as refused:
        StreamedForm("application/json", streamed=set(), fields=Recorder())
    assert refused.value.status_code == 415
    with pytest.raises(FormError):
        StreamedForm("multipart/form-data", streamed=set(), fields=Recorder())
