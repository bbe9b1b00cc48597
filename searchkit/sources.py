"""Reading articles: files, folders and stdin in; Article (or Skipped) records out.

    >>> for item in read_articles(["seeds/"]):          # doctest: +SKIP
    ...     print(item.id, item.title) if isinstance(item, Article) else print(item)

Formats, chosen by file extension (case-insensitive):

- ``.txt``, ``.md``, ``.markdown``: one article. An optional front matter block at the top
  (``---`` line, ``key: value`` lines, ``---`` line) gives title/date/source/url/id and the
  facet fields; values may be quoted, lists written ``[a, b]``, as ``- item`` lines, or as a
  ";"/"|"-separated string. The rest of the file is the text. **Title rule**: without a
  front-matter title, the first non-blank line is the title (and is removed from the text)
  when it is a headline and body text follows it. A headline is a Markdown heading
  (``# Title`` or ``Title`` underlined with ``===``/``---``) or a line of at most 150
  characters that does not end like a sentence (``.`` ``,`` ``;`` ``:``). Otherwise the
  title is "" and the whole file is the text.
- ``.json``: an object (one article) or a list of objects.
- ``.jsonl``/``.ndjson``: one object a line, streamed; blank lines are ignored.
- ``.csv``/``.tsv``: a header row then one article a row; the delimiter (``,`` ``;`` tab)
  is taken from the header line.
- ``.html``/``.htm``: the main article text and its metadata (title, date, site name as
  source, canonical url, keywords as tags) via trafilatura; comments are left out.
- ``.xml``/``.rss``/``.atom``: an RSS or Atom feed (feedparser), one article per entry: text
  from the entry content (else summary) with HTML tags stripped, date from published
  (else updated), the feed title as source, entry categories as tags.
- a folder: every file of a known type below it, recursively, in sorted path order;
  hidden files and folders and unknown extensions are passed over silently (an unknown
  extension named explicitly as a path is reported as Skipped).
- ``-``: JSON Lines from stdin.

Record fields (JSON, JSONL, CSV, front matter; keys are matched case-insensitively):
``id``, ``title`` (or ``headline``), ``date`` (or ``published``, ``published_at``,
``pubdate``), ``source``, ``url`` (or ``link``), ``text`` (or ``body``, ``content``).
The facet fields ``people``, ``places``, ``orgs``, ``event_types``, ``tags`` (a list or a
";"/"|"-separated string) go into ``Article.given`` as tuples; every other field goes into
``Article.meta`` unchanged. JSON null becomes "" (title, source, url) or None (date).

**Ids** are stable across runs: the record's own ``id`` when it has one; else, for a file
holding one article, the slug of its path relative to the folder argument without the
extension (``seeds/2025/kyiv-attack.md`` read as ``seeds/`` -> ``2025-kyiv-attack``; the same
file named directly -> ``kyiv-attack``); for records of a multi-record file,
``<file-slug>-<n>`` where n is the line number (JSONL, CSV), the item number (JSON list) or
the entry number (feeds); for stdin records, ``doc-`` and a hash of title and text.
Ids are not de-duplicated here: a corpus may repeat an id (ukraine_war.jsonl does), and
what a repeat means (update, unchanged) is the index's call.

**Dates** are parsed with python-dateutil (month-first when ambiguous) into "YYYY-MM-DD"
when the input has no time of day, else "YYYY-MM-DDTHH:MM:SS" converted to UTC with the
offset dropped. A date that does not parse, or lacks year, month or day, becomes None (the
article is kept and the original string is put into ``meta["date_raw"]``).

**Bad input** never raises: an unreadable, empty, binary or malformed file, a broken line
or a record without text yields ``Skipped("path:line" or "path", reason)`` and reading goes
on. Only a path that does not exist raises SearchkitError, before anything is read.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import sys
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path, PurePath
from typing import Any, Iterable, Iterator, Mapping, TextIO

from .models import GIVEN_FACETS, Article, SearchkitError


@dataclass(frozen=True)
class Skipped:
    """An input that could not be read as an article, and why."""

    origin: str  # "path:line" or "path"
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


#: Record keys for each Article field, in order of preference.
FIELD_KEYS = {
    "id": ("id",),
    "title": ("title", "headline"),
    "date": ("date", "published", "published_at", "pubdate"),
    "source": ("source",),
    "url": ("url", "link"),
    "text": ("text", "body", "content"),
}
STDIN_ORIGIN = "<stdin>"
_SNIFF_BYTES = 8192
_MAX_HEADLINE = 150


# --------------------------------------------------------------------------- entry point


def read_articles(
    paths: Iterable[str], *, stdin: TextIO | None = None
) -> Iterator[Article | Skipped]:
    """Yield an Article for every readable record, a Skipped for every bad one, in input order.

    `paths` are files, folders, or "-" for JSON Lines on `stdin` (default `sys.stdin`).
    Raises SearchkitError at once when a path does not exist; nothing else raises.

    >>> [a.title for a in read_articles(["seeds/"]) if isinstance(a, Article)]  # doctest: +SKIP
    ['Escalating Tensions: Kyiv Faces Heavy Attacks Amid Ongoing Peace Talks']
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]  # one path given bare: do not iterate its characters
    targets = [os.fspath(p) for p in paths]
    for target in targets:
        if target != "-" and not _exists(target):
            raise SearchkitError(f"no such file or folder: {target}", exit_code=2)
    return _read_targets(targets, stdin)


def _exists(path: str) -> bool:
    """Whether a path exists; a path we may not even stat counts (reading reports it)."""
    try:
        return Path(path).exists()
    except OSError:
        return True


def _read_targets(targets: list[str], stdin: TextIO | None) -> Iterator[Article | Skipped]:
    """Read each target in turn: stdin, a folder or a file."""
    for target in targets:
        if target == "-":
            yield from _read_stdin(stdin if stdin is not None else sys.stdin)
        elif Path(target).is_dir():
            yield from _read_folder(target)
        else:
            path = Path(target)
            yield from _read_file(path, slug=_slug(PurePath(path.name)), explicit=True)


# --------------------------------------------------------------------------- files and folders


def _read_folder(root: str) -> Iterator[Article | Skipped]:
    """Read every known file below `root`, sorted, leaving out hidden and unknown files."""
    errors: list[OSError] = []
    found: list[PurePath] = []
    for folder, dirs, files in os.walk(root, onerror=errors.append):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel_folder = PurePath(os.path.relpath(folder, root))
        for name in files:
            if not name.startswith(".") and _reader_for(name) is not None:
                found.append(rel_folder / name)
    for err in errors:
        yield Skipped(str(err.filename or root), f"cannot read folder: {err.strerror or err}")
    for rel in sorted(found, key=lambda p: p.parts):
        yield from _read_file(Path(root) / rel, slug=_slug(rel), explicit=False)


def _read_file(path: Path, *, slug: str, explicit: bool) -> Iterator[Article | Skipped]:
    """Read one file with the reader for its extension; never raises."""
    reader = _reader_for(path.name)
    if reader is None:
        if explicit:
            kind = path.suffix.lower() or "(no extension)"
            yield Skipped(str(path), f"unsupported file type {kind}; supported: {_supported()}")
        return
    if path.exists() and not path.is_file():
        # a FIFO or device would block or never end; only regular files are read
        yield Skipped(str(path), "not a regular file")
        return
    try:
        yield from reader(path, slug)
    except OSError as err:
        yield Skipped(str(path), f"cannot read file: {err.strerror or err}")
    except Exception as err:  # noqa: BLE001 - contract: one bad file never stops a run
        yield Skipped(str(path), f"could not read file ({type(err).__name__}: {err})")


def _reader_for(name: str):
    """The reader function for a file name, or None when the type is unknown."""
    return _READERS.get(PurePath(name).suffix.lower())


def _supported() -> str:
    return " ".join(sorted(_READERS))


def _slug(rel: PurePath) -> str:
    """A stable id from a relative path: lower-case words joined by "-", no extension.

    >>> _slug(PurePath("2025/Kyiv Attack.md"))
    '2025-kyiv-attack'
    """
    stem = rel.with_suffix("") if rel.suffix else rel
    text = unicodedata.normalize("NFKC", "-".join(stem.parts)).lower()
    slug = re.sub(r"[\W_]+", "-", text).strip("-")
    return slug or "file-" + hashlib.sha256(str(rel).encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- bytes to text


class _Bad(Exception):
    """A record or file that cannot be read; the message is the Skipped reason."""


def _read_bytes(path: Path) -> bytes:
    """The whole file, refused when it is empty or binary."""
    data = path.read_bytes()
    _check_head(data)
    return data


def _check_head(head: bytes) -> None:
    """Refuse an empty or binary file from its first bytes."""
    if not head.strip():
        raise _Bad("empty file")
    if b"\x00" in head[:_SNIFF_BYTES] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Bad("binary file (contains NUL bytes)")


def _decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (BOM allowed) or UTF-16 with a BOM; else a clear reason."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise _Bad(f"not UTF-8 text (byte 0x{data[err.start]:02x} on line {line})") from None


def _guard(origin: str, read) -> Iterator[Article | Skipped]:
    """Run `read()` (a generator function), turning a _Bad into a Skipped for `origin`.

    The origin gets the line number when the problem knows it.
    """
    try:
        yield from read()
    except _BadLine as bad:
        yield Skipped(f"{origin}:{bad.line}", str(bad))
    except _Bad as bad:
        yield Skipped(origin, str(bad))


class _BadLine(_Bad):
    """A _Bad that knows the line it happened on."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


# --------------------------------------------------------------------------- records


def _record_to_article(record: Mapping[str, Any], *, origin: str, default_id: str | None) -> Article:
    """Build an Article from a record's fields; raises _Bad when it has no usable text.

    `default_id` is used when the record has no id; None means a content hash.
    """
    core, meta = _split_fields(record)
    text = _as_text(core.get("text"))
    if not text:
        raise _Bad("no text (expected a non-empty 'text', 'body' or 'content' field)")
    text = _with_dateline(text, _as_str(meta.get("dateline")))
    title = " ".join(_as_str(core.get("title")).split())
    raw_date = core.get("date")
    date = normalise_date(raw_date)
    if date is None and raw_date not in (None, ""):
        meta["date_raw"] = raw_date
    given = {k: _as_list(meta.pop(k)) for k in GIVEN_FACETS if k in meta}
    return Article(
        id=_as_str(core.get("id")) or default_id or _content_id(title, text),
        text=text,
        title=title,
        date=date,
        source=" ".join(_as_str(core.get("source")).split()),
        url=_as_str(core.get("url")),
        origin=origin,
        given=given,
        meta=meta,
    )


def _with_dateline(text: str, dateline: str) -> str:
    """The text opened by its dateline ("NEW YORK, March 3 -"), as wire copy prints it.

    Some archives (Reuters-21578) keep the dateline apart; it names where the story is
    from, which the places facet needs. The field also stays in `meta`.
    """
    dateline = " ".join(dateline.split())
    if not dateline or text.lstrip().startswith(dateline):
        return text
    return f"{dateline} {text}"


def _split_fields(record: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a record into Article fields (first non-empty alias wins) and everything else."""
    by_lower: dict[str, str] = {}
    for key in record:
        by_lower.setdefault(str(key).strip().lower(), key)
    core: dict[str, Any] = {}
    used: set[str] = set()
    for name, aliases in FIELD_KEYS.items():
        for alias in aliases:
            key = by_lower.get(alias)
            if key is not None and record[key] not in (None, ""):
                core[name] = record[key]
                used.add(key)
                break
        else:
            # a present but empty/null field is consumed too, so it does not land in meta
            key = next((by_lower[a] for a in aliases if a in by_lower), None)
            if key is not None:
                used.add(key)
    meta = {}
    for key, value in record.items():
        if key in used:
            continue
        lower = str(key).strip().lower()
        meta[lower if lower in GIVEN_FACETS else key] = value
    return core, meta


def _as_str(value: Any) -> str:
    """A scalar field as a stripped string; null is ""."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_as_str(v) for v in value).strip()
    return str(value).strip()


def _as_text(value: Any) -> str:
    """The article text: a string (or a list of paragraphs), newlines normalised."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "\n\n".join(_as_str(v) for v in value)
    elif isinstance(value, dict):
        raise _Bad("the text field holds an object, expected a string")
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _as_list(value: Any) -> tuple[str, ...]:
    """A facet field (list, or string separated by ";" or "|") as unique stripped strings."""
    if value is None:
        return ()
    items = value if isinstance(value, (list, tuple)) else re.split(r"[;|]", str(value))
    out: list[str] = []
    for item in items:
        text = " ".join(_as_str(item).split())
        if text and text not in out:
            out.append(text)
    return tuple(out)


def _content_id(title: str, text: str) -> str:
    """An id from the content, for records that carry none and have no path."""
    return "doc-" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:16]


def _article_or_skip(record: Any, *, origin: str, default_id: str | None) -> Article | Skipped:
    """_record_to_article, with every refusal turned into a Skipped."""
    if not isinstance(record, dict):
        return Skipped(origin, f"expected a JSON object, got {_json_kind(record)}")
    try:
        return _record_to_article(record, origin=origin, default_id=default_id)
    except _Bad as bad:
        return Skipped(origin, str(bad))


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return kinds.get(type(value), "a number")


# --------------------------------------------------------------------------- dates

_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(2001, 2, 2, 1, 1, 1)
# Zone abbreviations common in feeds that dateutil does not know by itself.
_TZINFOS = {
    "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
    "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
    "BST": 3600, "CET": 3600, "CEST": 7200, "EET": 7200, "EEST": 10800, "MSK": 10800,
}


def normalise_date(value: Any) -> str | None:
    """A date in a common format as ISO 8601: "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS" (UTC).

    Returns None when the value is empty, does not parse, or lacks a year, month or day.

    >>> normalise_date("26-FEB-1987 15:01:01.79"), normalise_date("May 24, 2025")
    ('1987-02-26T15:01:01', '2025-05-24')
    >>> normalise_date("Sat, 24 May 2025 09:00:00 +0300"), normalise_date("soon")
    ('2025-05-24T06:00:00', None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(value)
    if isinstance(value, datetime):
        return _format(value, has_time=True)
    text = str(value).strip()
    if not text:
        return None
    from dateutil import parser  # imported here: only reading needs it

    # Strict first; then fuzzy, which passes over stray words ("Updated 24 May 2025",
    # Reuters' "27-MAR-1987 02:17:09.88T C") - only for short strings, to keep it sane.
    for fuzzy in (False, True) if len(text) <= 64 else (False,):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # unknown zone names: parsed as naive
                a = parser.parse(text, default=_DEFAULT_A, tzinfos=_TZINFOS, fuzzy=fuzzy)
                b = parser.parse(text, default=_DEFAULT_B, tzinfos=_TZINFOS, fuzzy=fuzzy)
        except (ValueError, OverflowError, TypeError):
            continue
        # Parsing with two different defaults shows which parts the text really gave.
        if (a.year, a.month, a.day) != (b.year, b.month, b.day):
            return None
        return _format(a, has_time=a.hour == b.hour)
    return None


def _from_epoch(seconds: float) -> str | None:
    """Unix time (seconds, or milliseconds when large) as an ISO 8601 UTC string."""
    if seconds > 1e11:
        seconds /= 1000
    try:
        return _format(datetime.fromtimestamp(seconds, tz=timezone.utc), has_time=True)
    except (OverflowError, OSError, ValueError):
        return None


def _format(moment: datetime, *, has_time: bool) -> str:
    """ISO 8601 without offset: UTC time when the moment has a zone; date only if no time."""
    if moment.tzinfo is not None and has_time:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    if not has_time:
        return moment.strftime("%Y-%m-%d")
    return moment.replace(microsecond=0, tzinfo=None).isoformat()


# --------------------------------------------------------------------------- text and Markdown


def _read_textfile(path: Path, slug: str) -> Iterator[Article | Skipped]:
    """A .txt or .md file: optional front matter, a headline title, then the text."""

    def read():
        fields, body = _front_matter(_decode(_read_bytes(path)))
        if not _as_str(fields.get("title")):
            fields["title"], body = _split_headline(body)
        for key in ("text", "body", "content"):
            if key in fields:  # the file body is the text; a stray field is kept as metadata
                fields[f"front_matter_{key}"] = fields.pop(key)
        if not body.strip():
            raise _Bad("no text after the title and front matter")
        fields["text"] = body
        yield _article_or_skip(fields, origin=str(path), default_id=slug)

    yield from _guard(str(path), read)


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split `---` front matter from the body: (fields, body)."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise _Bad("front matter opened with '---' on line 1 is never closed")
    fields: dict[str, Any] = {}
    key = None
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = re.match(r"\s*-\s+(.*)$", line)
        if item and key is not None and isinstance(fields[key], list):
            fields[key].append(_unquote(item.group(1)))
            continue
        pair = re.match(r"([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$", line.rstrip())
        if not pair:
            raise _BadLine(number, "front matter line is not 'key: value'")
        key, raw = pair.group(1).lower(), (pair.group(2) or "").strip()
        fields[key] = _front_value(raw) if raw else []  # empty: a "- item" list may follow
    for name, value in fields.items():
        if value == [] and name not in GIVEN_FACETS:
            fields[name] = ""
    return fields, "\n".join(lines[end + 1:])


def _front_value(raw: str) -> Any:
    """One front matter value: an inline [list] or a (possibly quoted) scalar."""
    if raw.startswith("[") and raw.endswith("]"):
        parts = re.findall(r"\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|[^,]+)\s*(?:,|$)", raw[1:-1])
        return [_unquote(p) for p in parts if p.strip()]
    return _unquote(raw)


def _unquote(raw: str) -> str:
    """Strip YAML-style quotes: "..." (with backslash escapes) or '...' ('' is a quote)."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        try:
            return json.loads(raw)
        except ValueError:
            return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    return raw


def _split_headline(body: str) -> tuple[str, str]:
    """(title, rest) when the first non-blank line is a headline with text after it, else ("", body)."""
    lines = body.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return "", body
    line = lines[first].strip()
    heading = re.match(r"#{1,6}\s+(.*?)(?:\s+#+)?\s*$", line)
    following = lines[first + 1].strip() if first + 1 < len(lines) else ""
    if heading:
        title, rest = heading.group(1), lines[first + 1:]
    elif len(following) >= 3 and re.fullmatch(r"=+|-+", following):
        title, rest = line, lines[first + 2:]  # a setext heading: title underlined
    elif _is_headline(line):
        title, rest = line, lines[first + 1:]
    else:
        return "", body
    rest_text = "\n".join(rest)
    if not rest_text.strip() or not title.strip():
        return "", body  # a lone line is the text itself, not a title
    return title.strip(), rest_text


def _is_headline(line: str) -> bool:
    """A short line that does not end like a sentence or lead into one."""
    tail = line.rstrip("\"'\u201d\u2019)]*_")
    return 0 < len(line) <= _MAX_HEADLINE and not tail.endswith((".", ",", ";", ":"))


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


# --------------------------------------------------------------------------- HTML pages


def _read_html(path: Path, slug: str) -> Iterator[Article | Skipped]:
    """An .html page: main text and metadata via trafilatura (bytes in, so it finds the charset)."""

    def read():
        doc = _extract_html(_read_bytes(path))
        text = _as_text(doc.get("text")) if doc else ""
        if not text:
            raise _Bad("no article text found in the HTML page")
        title = _as_str(doc.get("title"))
        record = {
            "title": title,
            "date": doc.get("date"),
            "source": doc.get("sitename") or doc.get("hostname"),
            "url": doc.get("url"),
            "text": _drop_first_line_if(text, title),
            "tags": [t for tag in doc.get("tags") or [] for t in re.split(r"[,;|]", tag)],
        }
        for key in ("author", "description", "categories", "language"):
            if doc.get(key):
                record[key] = doc[key]
        yield _article_or_skip(record, origin=str(path), default_id=slug)

    yield from _guard(str(path), read)


def _extract_html(data: bytes) -> dict[str, Any] | None:
    """trafilatura's text and metadata of a page as a dict, or None when it finds none."""
    import trafilatura  # imported here: heavy, and only HTML needs it

    doc = trafilatura.bare_extraction(
        data,
        with_metadata=True,
        include_comments=False,
        # dates only from the page's metadata and markup, not guessed from the body text
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if doc is None:
        return None
    return doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)


def _drop_first_line_if(text: str, title: str) -> str:
    """The text without its first line when that line repeats the title (the page's <h1>)."""
    first, _, rest = text.partition("\n")
    if title and first.strip() == title and rest.strip():
        return rest.strip()
    return text


# --------------------------------------------------------------------------- RSS and Atom feeds


def _read_feed(path: Path, slug: str) -> Iterator[Article | Skipped]:
    """An RSS/Atom feed: one article per entry (origin: the file; reasons name the entry)."""
    origin = str(path)

    def read():
        import feedparser  # imported here: only feeds need it

        parsed = feedparser.parse(_read_bytes(path))
        if not parsed.entries:
            if not parsed.version:
                problem = parsed.get("bozo_exception")
                raise _Bad("not an RSS or Atom feed" + (f" ({problem})" if problem else ""))
            raise _Bad("feed has no entries")
        source = _strip_html(parsed.feed.get("title", ""))
        for number, entry in enumerate(parsed.entries, start=1):
            record = _entry_record(entry, source)
            item = _article_or_skip(record, origin=origin, default_id=f"{slug}-{number}")
            if isinstance(item, Skipped):
                item = Skipped(origin, f"entry {number}: {item.reason}")
            yield item

    yield from _guard(origin, read)


def _entry_record(entry: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The record fields of one feed entry."""
    record: dict[str, Any] = {
        "id": entry.get("id"),
        "title": _strip_html(entry.get("title", "")),
        "date": _entry_date(entry),
        "source": source,
        "url": entry.get("link"),
        "text": _entry_text(entry),
        "tags": [t.get("term") or t.get("label") for t in entry.get("tags") or []],
    }
    if entry.get("author"):
        record["author"] = entry["author"]
    return record


def _entry_date(entry: Mapping[str, Any]) -> str | None:
    """Published, else updated: our own parse of the string, else feedparser's UTC tuple."""
    for key in ("published", "updated"):
        date = normalise_date(entry.get(key))
        if date:
            return date
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return _format(datetime(*parsed[:6]), has_time=True)
    return None


def _entry_text(entry: Mapping[str, Any]) -> str:
    """The longest content block of an entry, else its summary, as plain text."""
    blocks = [c for c in entry.get("content") or [] if c.get("value")]
    if blocks:
        best = max(blocks, key=lambda c: len(c["value"]))
        value, kind = best["value"], best.get("type", "text/html")
    else:
        detail = entry.get("summary_detail") or {}
        value, kind = entry.get("summary", ""), detail.get("type", "text/html")
    return value.strip() if kind == "text/plain" else _strip_html(value)


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment; block tags become line breaks."""

    BLOCKS = {"p", "div", "br", "li", "ul", "ol", "tr", "blockquote", "pre", "section",
              "article", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "table"}
    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _strip_html(fragment: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, one paragraph a line."""
    if not fragment:
        return ""
    parser = _TextOnly()
    parser.feed(fragment)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------- registry

_READERS = {
    ".txt": _read_textfile,
    ".md": _read_textfile,
    ".markdown": _read_textfile,
    ".json": _read_json,
    ".jsonl": _read_jsonl,
    ".ndjson": _read_jsonl,
    ".csv": _read_csv,
    ".tsv": _read_csv,
    ".html": _read_html,
    ".htm": _read_html,
    ".xml": _read_feed,
    ".rss": _read_feed,
    ".atom": _read_feed,
}
