"""Records to Articles: field aliases, given facets, dateline, ids; the refusals readers share."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..models import GIVEN_FACETS, Article
from .dates import normalise_date


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
_SNIFF_BYTES = 8192


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
