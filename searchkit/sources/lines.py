"""Line formats (JSON Lines, CSV, stdin) streamed as numbered text lines, each decoded alone.

UTF-16/32 (a byte-order mark, or the NUL pattern) is decoded as a stream. Anything else
is ASCII-compatible, so the bytes are cut at line breaks first and each line decoded on
its own: UTF-8 when it is valid UTF-8, else in the legacy charset guessed from the lines
of the first MiB that are not, else with its bad bytes escaped for the reader to refuse.
A file mixing UTF-8 lines with cp1252 ones loses neither.
"""
from __future__ import annotations

import io
import re
from typing import BinaryIO, Iterator

from .encoding import ESCAPE_BYTES, check_text, decodes, detect_legacy, mostly_utf8

#: How much of a stream decides its encoding.
SAMPLE_BYTES = 1 << 20
#: A longer line is refused unread (characters for UTF-16/32, else bytes).
MAX_LINE = 64 << 20
_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")


class TextLines:
    """The numbered lines of a byte stream as text; iterate for (number, text or None).

    `text` is None for a line longer than MAX_LINE (read past, never held). `warning` says
    what was guessed ("" when nothing was); `unreadable` is the reason to give for a line
    that still holds undecodable bytes (see encoding.has_bad_bytes). `split_cr`: a lone
    "\\r" ends a line too (CSV from old Macs), as Python's newline="" does.
    Raises NotText for an empty or binary stream. The stream need not be seekable.
    """

    def __init__(self, stream: BinaryIO, *, split_cr: bool = False):
        sample = stream.read(SAMPLE_BYTES)
        complete = len(sample) < SAMPLE_BYTES
        self._split_cr = split_cr
        self._stream = io.BufferedReader(_Replay(sample, stream))
        self._unicode = check_text(sample, complete=complete)
        self._legacy = None if self._unicode else _legacy_charset(sample, complete)
        if self._unicode:
            self.warning = self._unicode.guess
            self.unreadable = f"not valid {self._unicode.label} text (bytes that do not decode)"
        elif self._legacy:
            self.warning = f"not UTF-8; read as {self._legacy} (guessed)"
            self.unreadable = f"neither UTF-8 nor {self._legacy} text (bytes that do not decode)"
        else:
            self.warning = ""
            self.unreadable = "not UTF-8 text (bytes that do not decode)"

    def __iter__(self) -> Iterator[tuple[int, str | None]]:
        for number, line in enumerate(self._lines(), start=1):
            if number == 1 and line:
                line = line.lstrip("\ufeff")  # a second byte-order mark is no content either
            yield number, line

    def _lines(self) -> Iterator[str | None]:
        if self._unicode:
            text = io.TextIOWrapper(self._stream, encoding=self._unicode.codec,
                                    errors=ESCAPE_BYTES, newline="" if self._split_cr else "\n")
            yield from _bounded(text, ("\n", "\r"))
            return
        raw = _bounded(self._stream, (b"\n", b"\r"))
        if self._split_cr:
            raw = (piece for line in raw for piece in _cut_at_lone_cr(line))
        for line in raw:
            yield None if line is None else self._decode(line)

    def _decode(self, line: bytes) -> str:
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError:
            pass
        if self._legacy and not mostly_utf8(line):
            return line.decode(self._legacy, ESCAPE_BYTES)
        return line.decode("utf-8", ESCAPE_BYTES)


def _legacy_charset(sample: bytes, complete: bool) -> str | None:
    """The charset of the sample's lines that are not UTF-8, unless the sample is mostly
    UTF-8 (then those lines are damaged, and refused one by one)."""
    lines = sample.splitlines(keepends=True)
    if not complete:
        lines = lines[:-1]  # the head may end inside a character
    if mostly_utf8(b"".join(lines)):
        return None
    legacy = b"".join(line for line in lines if not decodes(line, "utf-8") and not mostly_utf8(line))
    return detect_legacy(legacy[:SAMPLE_BYTES // 4]) if legacy else None


def _bounded(stream, endings: tuple) -> Iterator:
    """The lines of a text or byte stream; one longer than MAX_LINE is read past and given
    as None, so an absurd line costs neither memory nor the lines after it."""
    while True:
        line = stream.readline(MAX_LINE)
        if not line:
            return
        if len(line) < MAX_LINE or line.endswith(endings):
            yield line
            continue
        while line and not line.endswith(endings):
            line = stream.readline(MAX_LINE)
        yield None


def _cut_at_lone_cr(line: bytes | None) -> list[bytes | None]:
    if line is None or b"\r" not in line:
        return [line]
    return [piece for piece in _LONE_CR.split(line) if piece]


class _Replay(io.RawIOBase):
    """A read-only raw stream: `head` first, then whatever is left of `rest`."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

