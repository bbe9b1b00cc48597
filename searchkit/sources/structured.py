"""Structured records: JSON, JSON Lines (files and stdin), CSV and TSV."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Iterator, TextIO

from ..models import Article
from .records import (
    FIELD_KEYS,
    _SNIFF_BYTES,
    Skipped,
    _Bad,
    _BadLine,
    _article_or_skip,
    _check_head,
    _decode,
    _guard,
    _json_kind,
    _read_bytes,
)

STDIN_ORIGIN = "<stdin>"


# --------------------------------------------------------------------------- JSON and JSON Lines


def _read_json(path: Path, slug: str) -> Iterator[Article | Skipped]:
    """A .json file: one object, or a list of objects (origin: the line each item starts on)."""
    origin = str(path)

    def read():
        text = _decode(_read_bytes(path))
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise _BadLine(err.lineno, f"invalid JSON: {err.msg} (column {err.colno})") from None
        if isinstance(data, dict):
            yield _article_or_skip(data, origin=origin, default_id=slug)
        elif isinstance(data, list):
            if not data:
                raise _Bad("empty JSON list: no articles")
            for number, (item, line) in enumerate(zip(data, _item_lines(text)), start=1):
                yield _article_or_skip(item, origin=f"{origin}:{line}", default_id=f"{slug}-{number}")
        else:
            raise _Bad(f"expected a JSON object or a list of objects, got {_json_kind(data)}")

    yield from _guard(origin, read)


def _item_lines(text: str) -> Iterator[int]:
    """The line on which each item of a valid top-level JSON list starts."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    pos = ws.match(text, text.index("[") + 1).end()
    line = text.count("\n", 0, pos) + 1
    while text[pos] != "]":
        yield line
        _, end = decoder.raw_decode(text, pos)
        after = ws.match(text, end).end()
        if text[after] == ",":
            after = ws.match(text, after + 1).end()
        line += text.count("\n", pos, after)
        pos = after


def _read_jsonl(path: Path, slug: str) -> Iterator[Article | Skipped]:
    """A .jsonl file, streamed line by line: origin and fallback id carry the line number."""
    origin = str(path)
    with open(path, "rb") as fh:
        try:
            _check_head(fh.read(_SNIFF_BYTES))
        except _Bad as bad:
            yield Skipped(origin, str(bad))
            return
        fh.seek(0)
        for number, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield Skipped(f"{origin}:{number}", "not UTF-8 text")
                continue
            item = _json_line(line, origin=f"{origin}:{number}", default_id=f"{slug}-{number}")
            if item is not None:
                yield item


def _read_stdin(stream: TextIO) -> Iterator[Article | Skipped]:
    """JSON Lines from a text stream; records without an id get a content hash id."""
    number = 0
    try:
        for number, line in enumerate(stream, start=1):
            item = _json_line(line.lstrip("\ufeff"), origin=f"{STDIN_ORIGIN}:{number}", default_id=None)
            if item is not None:
                yield item
    except UnicodeDecodeError:
        yield Skipped(f"{STDIN_ORIGIN}:{number + 1}", "not UTF-8 text; stopped reading stdin")


def _json_line(line: str, *, origin: str, default_id: str | None) -> Article | Skipped | None:
    """One JSON Lines line as an Article or Skipped; None for a blank line."""
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        return Skipped(origin, f"invalid JSON: {err.msg} (column {err.colno})")
    return _article_or_skip(record, origin=origin, default_id=default_id)


# --------------------------------------------------------------------------- CSV


def _read_csv(path: Path, slug: str) -> Iterator[Article | Skipped]:
    """A .csv/.tsv file with a header row, streamed; origin and fallback id carry the line."""
    origin = str(path)
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    try:
        _check_head(head)
    except _Bad as bad:
        yield Skipped(origin, str(bad))
        return
    _raise_csv_field_limit()
    # surrogateescape: a bad byte spoils only its own row, reported below, not the file
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=_delimiter(path, head))
        yield from _csv_rows(reader, origin, slug)


def _csv_rows(reader, origin: str, slug: str) -> Iterator[Article | Skipped]:
    """Turn the rows after the header into Articles or Skipped."""
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            yield Skipped(f"{origin}:1", "no header row")
            return
        if not {name.lower() for name in header} & set(FIELD_KEYS["text"]):
            # one clear message instead of a "no text" for every row
            yield Skipped(f"{origin}:1", "no 'text', 'body' or 'content' column in the header")
            return
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if any(cell.strip() for cell in row):
                yield _csv_row(header, row, origin=f"{origin}:{line}", default_id=f"{slug}-{line}")
    except csv.Error as err:
        yield Skipped(f"{origin}:{reader.line_num}", f"malformed CSV: {err}")


def _csv_row(header: list[str], row: list[str], *, origin: str, default_id: str) -> Article | Skipped:
    """One CSV row as an Article, or Skipped when it is malformed."""
    if any(_has_bad_bytes(cell) for cell in row):
        return Skipped(origin, "not UTF-8 text")
    if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
        return Skipped(origin, f"row has {len(row)} cells but the header has {len(header)}")
    record = {name: cell for name, cell in zip(header, row) if name}
    return _article_or_skip(record, origin=origin, default_id=default_id)


def _delimiter(path: Path, head: bytes) -> str:
    """Tab for .tsv; else whichever of , ; tab the header line uses most (comma on a tie)."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    return max((",", ";", "\t"), key=first.count)


def _has_bad_bytes(cell: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in cell)


def _raise_csv_field_limit() -> None:
    """Allow whole articles in one cell (the csv default stops at 128 KiB)."""
    if csv.field_size_limit() < 2**31 - 1:
        csv.field_size_limit(2**31 - 1)
