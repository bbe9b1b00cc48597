"""What reading reports besides articles: Skipped inputs and Notices, always one line each.

Readers raise `_Bad` (or `_BadLine`) for input they refuse; `_guard` turns that, and any
other exception, into a Skipped with a human reason from `describe_error`.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Iterator

# Characters that would break a message over lines or disguise it on a terminal: C0 and C1
# controls, Unicode line separators, bidirectional overrides, and lone surrogates (bytes of
# a file name that is not UTF-8).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_WITH_LINE = re.compile(r"(.*):(\d+)", re.DOTALL)


def one_line(text: str) -> str:
    """`text` with control characters escaped as Python writes them, so it prints as one line.

    >>> one_line("bad\\nname.jsonl:3: no text")
    'bad\\\\nname.jsonl:3: no text'
    """
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    char = match.group()
    if "\udc80" <= char <= "\udcff":
        return f"\\x{ord(char) - 0xDC00:02x}"  # the raw byte os.fsdecode() escaped
    return repr(char)[1:-1]


@dataclass(frozen=True)
class Skipped:
    """An input that could not be read as an article, and why.

    `origin` is "path:line", or "path" when the problem is the whole file.
    """

    origin: str
    reason: str

    def __str__(self) -> str:
        return one_line(f"{self.origin}: {self.reason}")

    @property
    def path(self) -> str:
        """The file (or "<stdin>") part of the origin."""
        match = _WITH_LINE.fullmatch(self.origin)
        return match.group(1) if match else self.origin

    @property
    def line(self) -> int | None:
        """The line number part of the origin, None when the whole file is meant."""
        match = _WITH_LINE.fullmatch(self.origin)
        return int(match.group(2)) if match else None

    def to_json(self) -> str:
        """One JSON Lines record: {"path", "line", "reason"} (line null for a whole file)."""
        record = {"path": self.path, "line": self.line, "reason": self.reason}
        text = json.dumps(record, ensure_ascii=False)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a file name that is not UTF-8: keep it as \udcXX escapes
            return json.dumps(record)
        return text


@dataclass(frozen=True)
class Notice:
    """Something the reader had to assume while reading, such as a guessed encoding."""

    origin: str
    message: str

    def __str__(self) -> str:
        return one_line(f"{self.origin}: {self.message}")


class _Bad(Exception):
    """A record or file that cannot be read; the message is the Skipped reason."""


class _BadLine(_Bad):
    """A _Bad that knows the line it happened on."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


def _guard(origin: str, read) -> Iterator:
    """Run `read()` (a generator function); a refusal or any error ends it as one Skipped.

    The origin gets the line number when the problem knows it.
    """
    try:
        yield from read()
    except _BadLine as bad:
        yield Skipped(f"{origin}:{bad.line}", str(bad))
    except _Bad as bad:
        yield Skipped(origin, str(bad))
    except Exception as err:  # noqa: BLE001 - contract: one bad input never stops a run
        yield Skipped(origin, describe_error(err))


def describe_error(err: BaseException) -> str:
    """A reason in words for an exception raised while reading or mapping one input."""
    if isinstance(err, RecursionError):
        return "nested too deeply to read (more levels than Python's recursion limit)"
    if isinstance(err, MemoryError):
        return "too large to hold in memory"
    if isinstance(err, UnicodeError):
        return f"not valid text ({err})"
    if isinstance(err, OSError):
        return f"cannot read file: {err.strerror or err}"
    if isinstance(err, ValueError) and "integer string conversion" in str(err):
        return (f"holds a number of more than {sys.get_int_max_str_digits()} digits, "
                "too long to read as a number")
    detail = str(err)
    if len(detail) > 200:
        detail = detail[:200] + "..."
    return f"could not be read ({type(err).__name__}: {detail})" if detail else (
        f"could not be read ({type(err).__name__})")
