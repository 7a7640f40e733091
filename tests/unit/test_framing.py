"""The frame reader against arbitrary damage: whatever comes before a well-formed frame, that
frame is read; whatever a Content-Length is off by, a whole JSON body is read as itself."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentls.lsp.framing import BadHeader, Body, FrameReader

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def frames_of(data: bytes, limit: int = 20) -> Iterator[object]:
    """What the reader makes of `data` followed by the end of the stream."""
    read_fd, write_fd = os.pipe()

    def feed() -> None:
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        reader = FrameReader(read_fd)
        for _ in range(limit):
            frame = reader.read()
            if frame is None:
                return
            yield frame
    finally:
        writer.join()
        os.close(read_fd)


def framed(body: bytes, length: int | None = None) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body) if length is None else length, body)


MESSAGE = json.dumps({"jsonrpc": "2.0", "id": "last", "method": "x", "params": {}}).encode()
TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


@SETTINGS
@given(junk=st.binary(max_size=300))
def test_any_junk_before_a_frame_costs_nothing_after_it(junk: bytes) -> None:
    frames = list(frames_of(junk + framed(MESSAGE)))
    assert frames and frames[-1] == Body(MESSAGE), frames


@SETTINGS
@given(text=TEXTS, delta=st.integers(-12, 12))
def test_a_miscounted_body_is_read_as_its_json(text: str, delta: int) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "x", "params": {"t": text}}).encode()
    length = max(0, len(body) + delta)
    frames = list(frames_of(framed(body, length) + framed(MESSAGE)))
    bodies = [f.data for f in frames if isinstance(f, Body)]
    assert bodies == [body, MESSAGE], frames


@SETTINGS
@given(text=TEXTS.filter(lambda t: len(t) != len(t.encode())))
def test_a_client_counting_characters_is_understood(text: str) -> None:
    messages = [
        json.dumps({"jsonrpc": "2.0", "id": n, "method": "x", "params": {"t": text}})
        for n in range(3)
    ]
    data = b"".join(framed(m.encode(), len(m)) for m in messages)
    bodies = [f.data for f in frames_of(data) if isinstance(f, Body)]
    assert bodies == [m.encode() for m in messages]


@pytest.mark.parametrize("value", [b"-5", b"abc", b"", b"1e3", b"0x10", b"\xff"])
def test_a_bad_length_is_an_error_then_the_next_frame_is_read(value: bytes) -> None:
    data = b"Content-Length: " + value + b"\r\n\r\n" + MESSAGE + framed(MESSAGE)
    frames = list(frames_of(data))
    assert isinstance(frames[0], BadHeader) and "Content-Length" in frames[0].message
    assert frames[1:] == [Body(MESSAGE)]


def test_a_correct_frame_that_is_not_json_is_passed_on_as_it_is() -> None:
    frames = list(frames_of(framed(b"not json") + framed(MESSAGE)))
    assert frames == [Body(b"not json"), Body(MESSAGE)]
