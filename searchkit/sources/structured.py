"""JSON and JSON Lines (files and stdin): every item and every line stands alone."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, TextIO

from ..models import Article
from .encoding import NotText, has_bad_bytes
from .lines import MAX_LINE, TextLines
from .messages import Notice, Skipped, _Bad, _BadLine, _guard, describe_error
from .records import _article_or_skip, _json_kind, _read_text

STDIN_ORIGIN = "<stdin>"
_NOT_UTF8 = "not UTF-8 text (bytes that do not decode)"
_JSON_SPACE = " \t\r\n"  # a line of anything else is not blank but bad JSON


# --------------------------------------------------------------------------- JSON Lines


def _read_jsonl(path: Path, slug: str) -> Iterator[Article | Skipped | Notice]:
    """A .jsonl file, streamed line by line: origin and fallback id carry the line number."""
    origin = str(path)

    def read():
        with open(path, "rb") as stream:
            yield from _json_lines(stream, origin, lambda number: f"{slug}-{number}")

    yield from _guard(origin, read)


def _read_stdin(stream: TextIO) -> Iterator[Article | Skipped | Notice]:
    """JSON Lines from stdin; records without an id get a content hash id.

    The bytes underneath are read when there are any, so the encoding is ours to find.
    """

    def read():
        binary = getattr(stream, "buffer", None)
        if binary is not None:
            yield from _json_lines(binary, STDIN_ORIGIN, lambda number: None)
            return
        for number, line in enumerate(stream, start=1):
            item = _json_line(line.lstrip("\ufeff") if number == 1 else line, _NOT_UTF8,
                              origin=f"{STDIN_ORIGIN}:{number}", default_id=None)
            if item is not None:
                yield item

    yield from _guard(STDIN_ORIGIN, read)


def _json_lines(stream: BinaryIO, origin: str,
                default_id: Callable[[int], str | None]) -> Iterator[Article | Skipped | Notice]:
    """Every line of a JSON Lines byte stream as an Article or a Skipped naming its line."""
    try:
        lines = TextLines(stream)
    except NotText as err:
        raise _Bad(str(err)) from None
    if lines.warning:
        yield Notice(origin, lines.warning)
    for number, line in lines:
        item = _json_line(line, lines.unreadable, origin=f"{origin}:{number}",
                          default_id=default_id(number))
        if item is not None:
            yield item


def _json_line(line: str | None, unreadable: str, *, origin: str,
               default_id: str | None) -> Article | Skipped | None:
    """One JSON Lines line as an Article or Skipped; None for a blank line.

    `unreadable` is the reason for a line holding bytes that did not decode.
    """
    if line is None:
        return Skipped(origin, f"line longer than {MAX_LINE >> 20} MiB; not read")
    if not line.strip(_JSON_SPACE):
        return None
    if has_bad_bytes(line):
        return Skipped(origin, unreadable)
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        return Skipped(origin, f"invalid JSON: {err.msg} (column {err.colno})")
    except Exception as err:  # noqa: BLE001 - deep nesting, huge numbers: this line only
        return Skipped(origin, describe_error(err))
    return _article_or_skip(record, origin=origin, default_id=default_id)


# --------------------------------------------------------------------------- JSON


def _read_json(path: Path, slug: str) -> Iterator[Article | Skipped | Notice]:
    """A .json file: one object, or a list of objects read item by item.

    Items of a list are cut apart without parsing them, so one broken, too deep or
    truncated item costs only itself (origin: the line the item starts on).
    """
    origin = str(path)

    def read():
        text, notices = _read_text(path)
        yield from notices
        start = _SPACE.match(text).end()
        if text.startswith("[", start):
            yield from _json_list(text, start, origin, slug)
        else:
            yield _json_document(text, origin, slug)

    yield from _guard(origin, read)


def _json_document(text: str, origin: str, slug: str) -> Article | Skipped:
    """A file holding one JSON value: an object is an article."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise _BadLine(err.lineno, f"invalid JSON: {err.msg} (column {err.colno})") from None
    if isinstance(data, dict):
        return _article_or_skip(data, origin=origin, default_id=slug)
    raise _Bad(f"expected a JSON object or a list of objects, got {_json_kind(data)}")


def _json_list(text: str, start: int, origin: str, slug: str) -> Iterator[Article | Skipped | Notice]:
    """Each item of the top-level list at text[start] as an Article or a Skipped."""
    number = 0
    for number, piece in enumerate(_list_items(text, start), start=1):
        where = f"{origin}:{piece.line}"
        if piece.problem:
            yield (Notice if piece.harmless else Skipped)(where, piece.problem)
        else:
            yield _json_item(piece, where, default_id=f"{slug}-{number}")
    if number == 0:
        raise _Bad("empty JSON list: no articles")


def _json_item(piece: "_Piece", where: str, *, default_id: str) -> Article | Skipped:
    try:
        record = json.loads(piece.text)
    except json.JSONDecodeError as err:
        if err.lineno == 1:
            at = f"column {piece.column + err.colno - 1}"
        else:
            at = f"line {piece.line + err.lineno - 1}, column {err.colno}"
        return Skipped(where, f"invalid JSON: {err.msg} ({at})")
    except Exception as err:  # noqa: BLE001 - deep nesting, huge numbers: this item only
        return Skipped(where, describe_error(err))
    return _article_or_skip(record, origin=where, default_id=default_id)


_SPACE = re.compile(r"[ \t\n\r]*")
# A string (possibly cut short by the end of the file), or a bracket or comma.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{},]')
_OPENER = {"]": "[", "}": "{"}


class _Piece:
    """One item of a JSON list as text, where it starts, or what is wrong with it."""

    def __init__(self, text: str, line: int, column: int, problem: str = "",
                 harmless: bool = False):
        self.text, self.line, self.column = text, line, column
        self.problem, self.harmless = problem, harmless


def _list_items(text: str, start: int) -> Iterator[_Piece]:
    """Cut the list at text[start] into items at its top-level commas, without recursion.

    Brackets are matched on a stack (a mismatched closer closes what it matches), so an
    item's inner errors stay inside it; an item the file ends in is reported as cut short.
    """
    where = _Positions(text)
    stack: list[str] = []
    item_start = start + 1
    for match in _TOKEN.finditer(text, item_start):
        char = match.group()[0]
        if char in "[{":
            stack.append(char)
        elif char in "]}" and stack:
            _close(stack, _OPENER[char])
        elif char == "]" or (char == "," and not stack):
            piece = _piece(text, item_start, match.start(), where)
            if piece is not None:
                yield piece
            item_start = match.end()
            if char == "]":
                yield from _after_list(text, item_start, where)
                return
    rest = _piece(text, item_start, len(text), where)
    if rest is not None and stack:
        yield _Piece("", rest.line, rest.column,
                     "the file ends inside this item (cut short?); the items before it were read")
        return
    if rest is not None:
        yield rest  # whole, though no "]" follows it
    line, column = where.at(len(text))
    yield _Piece("", line, column, 'the JSON list is never closed ("]" missing); '
                 "every item in it was read", harmless=True)


def _close(stack: list[str], opener: str) -> None:
    """Pop up to and including the matching opener; a closer that matches none is ignored."""
    if opener in stack:
        while stack.pop() != opener:
            pass


def _piece(text: str, begin: int, end: int, where: "_Positions") -> _Piece | None:
    """The item between two top-level separators, or None when it is blank."""
    lead = _SPACE.match(text, begin, end).end()
    if lead == end:
        return None  # "[]", or a stray comma: nothing is lost
    line, column = where.at(lead)
    return _Piece(text[lead:end], line, column)


def _after_list(text: str, end: int, where: "_Positions") -> Iterator[_Piece]:
    """Anything but blanks after the closing bracket is data we did not read."""
    lead = _SPACE.match(text, end).end()
    if lead < len(text):
        line, column = where.at(lead)
        yield _Piece("", line, column, "data after the end of the JSON list; not read")


class _Positions:
    """Line and column of increasing positions in a text, counted incrementally."""

    def __init__(self, text: str):
        self.text, self.pos, self.line, self.line_start = text, 0, 1, 0

    def at(self, pos: int) -> tuple[int, int]:
        self.line += self.text.count("\n", self.pos, pos)
        newline = self.text.rfind("\n", self.pos, pos)
        if newline >= 0:
            self.line_start = newline + 1
        self.pos = pos
        return self.line, pos - self.line_start + 1
