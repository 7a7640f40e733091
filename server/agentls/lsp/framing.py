"""The LSP base protocol's framing, read so that one bad frame costs that frame only.

`Content-Length: N\\r\\n\\r\\n` then N bytes of JSON. A header that is missing, negative or not
a number gets an error, and reading resumes at the next `Content-Length: <digits>` line
(a JSON body cannot contain one: its strings hold no raw line breaks). A count that is off
(a client counting characters instead of UTF-8 bytes, or off by one) is recovered from the
JSON itself: a body cut short is completed from the bytes before the next header, a body
with extra bytes after its JSON value gives them back to the next frame, and a body whose
promised bytes stop coming once its JSON is whole is taken after STALL seconds.

Runs on a reader thread: every call may block on the file descriptor.
"""

from __future__ import annotations

import json
import os
import re
import select
from dataclasses import dataclass, field
from typing import Any

READ_SIZE = 1 << 16
MAX_MESSAGE = 64 << 20  # bytes; a larger message is skipped with an error
MAX_HEADER_LINE = 8 << 10
# How long the bytes a Content-Length promised may pause before a body that is already whole
# JSON is taken as it is; and how long to wait for the rest of a body cut short.
STALL = 0.5
SHORT_WAIT = 0.05
_NAME = b"content-length"
# A resynchronisation point: only a header line that is well formed.
_HEADER = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*\r?\n", re.IGNORECASE)
_HEADER_OVERLAP = 64
# A client counting UTF-16 units or code points understates a UTF-8 body at most fourfold.
_MAX_UNDERSTATEMENT = 4


_UNPARSED = object()


@dataclass(frozen=True)
class Body:
    data: bytes
    mismatch: str | None = None  # how the Content-Length was off, when it was and we coped
    # The JSON, when reading had to parse it anyway (so it is not parsed twice).
    value: Any = field(default=_UNPARSED, compare=False, repr=False)

    @property
    def parsed(self) -> bool:
        return self.value is not _UNPARSED


@dataclass(frozen=True)
class BadHeader:
    message: str


@dataclass(frozen=True)
class Oversized:
    length: int


Frame = Body | BadHeader | Oversized


class FrameReader:
    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buf = bytearray()
        self._eof = False
        self._resync = False

    # ---- the stream ----------------------------------------------------------------------

    def _fill(self, timeout: float | None = None) -> bool:
        """Read what is there (waiting at most `timeout`, or for ever); False if nothing came."""
        if self._eof:
            return False
        if timeout is not None:
            ready, _, _ = select.select([self._fd], [], [], timeout)
            if not ready:
                return False
        data = os.read(self._fd, READ_SIZE)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    def _readline(self) -> bytes | None:
        """A line with its end, at most MAX_HEADER_LINE bytes of one; None at the end."""
        start = 0
        while True:
            end = self._buf.find(b"\n", start)
            if end >= 0 and end < MAX_HEADER_LINE:
                return self._take(end + 1)
            if len(self._buf) >= MAX_HEADER_LINE:
                return self._take(MAX_HEADER_LINE)
            start = len(self._buf)
            if not self._fill():
                return self._take(len(self._buf)) if self._buf else None

    def _take(self, n: int) -> bytes:
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    # ---- frames --------------------------------------------------------------------------

    def read(self) -> Frame | None:
        """The next frame; None at the end of the stream."""
        if self._resync and not self._skip_to_header():
            return None
        self._resync = False
        value: bytes | None = None
        seen = False
        while True:
            line = self._readline()
            if line is None:
                return None
            line = line.rstrip(b"\r\n")
            if not line:
                if seen:
                    break
                continue  # blank lines between frames
            seen = True
            # `…}Content-Length:` too: junk, or the tail of a body longer than it said.
            at = line.lower().rfind(_NAME)
            rest = line[at + len(_NAME) :].lstrip(b" \t") if at >= 0 else b""
            if rest.startswith(b":"):
                value = rest[1:].strip()
        if value is None or not value.isdigit():
            self._resync = True
            said = "no Content-Length header" if value is None else f"Content-Length {value!r}"
            return BadHeader(
                f"Parse error: a frame with {said}, which is not a number of bytes; skipped "
                "to the next `Content-Length:` header"
            )
        length = int(value)
        if length > MAX_MESSAGE:
            return Oversized(length)
        return self._body(length)

    def skip(self, length: int) -> bool:
        """Drop `length` bytes, so the next frame is read right; False at the end."""
        while length > 0:
            if not self._buf and not self._fill():
                return False
            dropped = min(length, len(self._buf))
            del self._buf[:dropped]
            length -= dropped
        return True

    def _skip_to_header(self) -> bool:
        while True:
            match = _HEADER.search(self._buf)
            if match is not None:
                del self._buf[: match.start()]
                return True
            del self._buf[: max(0, len(self._buf) - _HEADER_OVERLAP)]
            if not self._fill():
                return False

    def _body(self, length: int) -> Body | None:
        while len(self._buf) < length:
            if self._fill(STALL):
                continue
            if self._eof:
                return None
            whole = _json_prefix(bytes(self._buf))
            if whole is not None:  # the promised bytes stopped coming after whole JSON
                return Body(self._take(whole), f"said {length} bytes, sent {whole}")
        body = self._take(length)
        try:
            value = json.loads(body)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":  # said too much: the rest is the next frame's
                end = len(exc.doc[: exc.pos].encode())
                self._buf[:0] = body[end:]
                return Body(body[:end], f"said {length} bytes, the JSON took {end}")
            return self._completed(body) or Body(body)
        except (ValueError, RecursionError):
            return Body(body)  # not JSON at all (or too deep): answered as such
        return Body(body, value=value)

    def _completed(self, body: bytes) -> Body | None:
        """`body` plus the bytes up to the next header, if together they are JSON: a count
        that was short (characters counted instead of bytes)."""
        limit = min(MAX_MESSAGE, max(READ_SIZE, _MAX_UNDERSTATEMENT * len(body)))
        searched = 0
        while True:
            match = _HEADER.search(self._buf, max(0, searched - _HEADER_OVERLAP))
            if match is not None:
                end = match.start()
                break
            searched = len(self._buf)
            if searched > limit or not self._fill(SHORT_WAIT):
                end = min(searched, limit)
                break
        if end == 0:
            return None
        candidate = body + self._buf[:end]
        try:
            value = json.loads(candidate)
        except (ValueError, RecursionError):
            return None
        del self._buf[:end]
        mismatch = f"said {len(body)} bytes, sent {len(candidate)}"
        return Body(bytes(candidate), mismatch, value)


def _json_prefix(data: bytes) -> int | None:
    """The length in bytes of the whole JSON value `data` starts with, if it has one."""
    try:
        text = data.decode()
        stripped = text.lstrip()
        _value, end = json.JSONDecoder().raw_decode(stripped)
    except (ValueError, RecursionError):
        return None
    return len(text[: len(text) - len(stripped) + end].encode())
