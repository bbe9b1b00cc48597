"""CSV and TSV: a header row, then one article a row; a broken row costs only itself.

Rows are parsed strictly, so a quote that is never closed shows up as an error instead of
silently swallowing the rows after it. Such a row is skipped, named by the line where the
quote opened, and parsing starts again on the next line.
"""
from __future__ import annotations

import csv
import re
from collections import deque
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator

from ..models import Article
from .encoding import NotText, has_bad_bytes
from .lines import MAX_LINE, TextLines
from .messages import Notice, Skipped, _Bad, _guard
from .records import FIELD_KEYS, _article_or_skip

Line = tuple[int, "str | None"]  # (line number, text); None for a line too long to read


def _read_csv(path: Path, slug: str) -> Iterator[Article | Skipped | Notice]:
    """A .csv/.tsv file with a header row, streamed; origin and fallback id carry the line."""
    origin = str(path)

    def read():
        _bound_csv_fields()
        with open(path, "rb") as stream:
            try:
                lines = TextLines(stream, split_cr=True)
            except NotText as err:
                raise _Bad(str(err)) from None
            if lines.warning:
                yield Notice(origin, lines.warning)
            numbered = iter(lines)
            first = next(numbered, (1, ""))
            delimiter = "\t" if path.suffix.lower() == ".tsv" else _delimiter(first[1] or "")
            rows = _rows(chain([first], numbered), delimiter)
            yield from _records(rows, lines.unreadable, origin, slug)

    yield from _guard(origin, read)


def _records(rows: Iterator["_Row"], unreadable: str, origin: str,
             slug: str) -> Iterator[Article | Skipped]:
    """The header, then an Article or Skipped for every row that is not blank.

    `unreadable` is the reason for a row holding bytes that did not decode.
    """
    head = next(rows)
    if head.problem:
        yield Skipped(f"{origin}:{head.line}", f"malformed CSV header: {head.problem}")
        return
    header = [name.strip() for name in head.cells]
    if not any(header):
        yield Skipped(f"{origin}:{head.line}", "no header row")
        return
    if not {name.lower() for name in header} & set(FIELD_KEYS["text"]):
        # one clear message instead of a "no text" for every row
        yield Skipped(f"{origin}:{head.line}", "no 'text', 'body' or 'content' column in the header")
        return
    for row in rows:
        where = f"{origin}:{row.line}"
        if row.problem:
            yield Skipped(where, row.problem)
        elif not any(cell.strip() for cell in row.cells):
            continue  # a blank line
        elif row.after_quote and len(row.cells) != len(header):
            cells = f"{len(row.cells)} cell" + ("" if len(row.cells) == 1 else "s")
            yield Skipped(where, f"not a whole row ({cells}, the header has {len(header)}); "
                                 f"it follows the unclosed quote of line {row.after_quote}")
        else:
            yield _row_article(header, row.cells, unreadable, origin=where,
                               default_id=f"{slug}-{row.line}")


def _row_article(header: list[str], cells: list[str], unreadable: str, *, origin: str,
                 default_id: str) -> Article | Skipped:
    """One CSV row as an Article, or Skipped when it is malformed."""
    if any("\x00" in cell for cell in cells):
        return Skipped(origin, "row contains NUL bytes")
    if any(has_bad_bytes(cell) for cell in cells):
        return Skipped(origin, unreadable)
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
        return Skipped(origin, f"row has {len(cells)} cells but the header has {len(header)}")
    record = {name: cell for name, cell in zip(header, cells) if name}
    return _article_or_skip(record, origin=origin, default_id=default_id)


def _delimiter(first_line: str) -> str:
    """Whichever of , ; tab the header line uses most (comma on a tie)."""
    return max((",", ";", "\t"), key=first_line.count)


def _bound_csv_fields() -> None:
    """Allow whole articles in one cell (the csv default stops at 128 KiB), but not more
    than a line may hold: a runaway quoted field then ends as an error, not in memory."""
    if csv.field_size_limit() < MAX_LINE:
        csv.field_size_limit(MAX_LINE)


# --------------------------------------------------------------------------- rows with recovery


class _Row:
    """A CSV record: its first line and cells, or the problem that broke it.

    `after_quote` is the line of an unclosed quote this row was re-read after (0 if none):
    such a row may be a piece of the broken one, so only a whole row is trusted.
    """

    def __init__(self, line: int, cells: list[str], problem: str = "", after_quote: int = 0):
        self.line, self.cells, self.problem, self.after_quote = line, cells, problem, after_quote


class _LineTooLong(Exception):
    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _rows(lines: Iterable[Line], delimiter: str) -> Iterator[_Row]:
    """Parse numbered lines into rows; after a broken row, parse again from a later line."""
    source = iter(lines)
    pending: deque[Line] = deque()  # lines taken by a broken row, to be read again
    suspect_until, quote_line = 0, 0  # lines up to here were swallowed by the quote of quote_line
    while True:
        taken: list[Line] = []
        reader = csv.reader(_feed(source, pending, taken), delimiter=delimiter, strict=True)
        try:
            for cells in reader:
                first = taken[0][0]
                yield _Row(first, cells, after_quote=quote_line if first <= suspect_until else 0)
                taken.clear()
            return
        except _LineTooLong as err:
            yield _Row(taken[0][0], [], f"line {err.line} is longer than {MAX_LINE >> 20} MiB; "
                                        "not read")
        except csv.Error as err:
            broken = _broken_row(taken, delimiter, str(err), source, pending)
            if not broken.problem and broken.line <= suspect_until:
                broken.after_quote = quote_line  # read leniently, still within a swallowed span
            yield broken
            if broken.problem and broken.after_quote:  # again from the line after the quote
                again = [line for line in taken if line[0] > broken.after_quote]
                pending.extendleft(reversed(again))
                suspect_until, quote_line = taken[-1][0], broken.after_quote


def _feed(source: Iterator[Line], pending: deque, taken: list[Line]) -> Iterator[str]:
    """The text of each line for csv.reader, remembering which lines the current row took."""
    while True:
        line = pending.popleft() if pending else next(source, None)
        if line is None:
            return
        taken.append(line)
        if line[1] is None:
            raise _LineTooLong(line[0])
        yield line[1]


def _broken_row(taken: list[Line], delimiter: str, error: str, source: Iterator[Line],
                pending: deque) -> _Row:
    """The row csv.reader refused: a quote never closed, or a quoting slip on one line.

    A quote that opens and goes wrong on the same line is read leniently (as spreadsheets
    do: `a,"b" c` is `a`, `b c`); a quote that runs over lines and never closes properly
    breaks the row, reported with the line it opened on (`after_quote`).
    """
    first = taken[0][0]
    opened, failed = _unclosed_quote(taken, delimiter)
    if opened is None or opened == failed:
        try:
            cells = next(csv.reader([text for _, text in taken], delimiter=delimiter), [])
        except csv.Error as err:
            return _Row(first, [], f"malformed CSV: {err}")
        return _Row(first, cells)
    if failed is not None:
        where = f"line {failed}: {error}"
    else:
        where = "the file ends inside it" if _at_end(source, pending) else error
    problem = f"a quoted field opened on line {opened} is never closed ({where})"
    return _Row(first, [], problem, after_quote=opened)


def _at_end(source: Iterator[Line], pending: deque) -> bool:
    """Whether no line is left to read (a line looked at is put back)."""
    if pending:
        return False
    line = next(source, None)
    if line is None:
        return True
    pending.append(line)
    return False


_START, _FIELD, _QUOTED, _QUOTE = range(4)  # field start, unquoted, quoted, quote in quoted


@lru_cache(maxsize=8)
def _special(delimiter: str) -> re.Pattern:
    return re.compile('["\r\n' + re.escape(delimiter) + "]")


def _unclosed_quote(taken: list[Line], delimiter: str) -> tuple[int | None, int | None]:
    """Follow strict CSV quoting over the lines of a refused row.

    Returns (line the failing quoted field opened on, line it failed on), the second None
    when the lines end inside the quotes; (None, None) when every quoted field closes.
    """
    state, opened = _START, None
    for number, text in taken:
        text = text or ""
        end = 0
        for match in chain(_special(delimiter).finditer(text), [None]):
            pos = match.start() if match else len(text)
            if pos > end:  # ordinary characters
                if state == _QUOTE:
                    return opened, number  # a closing quote followed by more text
                if state == _START:
                    state = _FIELD
            if match is None:
                break
            char, end = match.group(), pos + 1
            if state == _QUOTED:
                state = _QUOTE if char == '"' else _QUOTED
            elif state == _QUOTE:
                state = _QUOTED if char == '"' else _START
            elif char == '"':
                if state == _START:
                    state, opened = _QUOTED, number  # a quote inside a field is a plain character
            else:
                state = _START
    return (opened, None) if state == _QUOTED else (None, None)
