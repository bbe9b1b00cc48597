"""Records to Articles: field aliases, given facets, dateline, ids; whole files read as text."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Callable, Mapping

from ..models import GIVEN_FACETS, Article
from .dates import normalise_date
from .encoding import NotText, _encodable, decode_whole
from .messages import Notice, Skipped, _Bad, describe_error

#: Record keys for each Article field, in order of preference.
FIELD_KEYS = {
    "id": ("id",),
    "title": ("title", "headline"),
    "date": ("date", "published", "published_at", "pubdate"),
    "source": ("source",),
    "url": ("url", "link"),
    "text": ("text", "body", "content"),
}
#: Formats read whole (text, JSON, HTML, feeds) stop here; JSON Lines and CSV stream any size.
MAX_WHOLE_FILE_BYTES = 512 << 20
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# --------------------------------------------------------------------------- whole files


def _read_bytes(path: Path) -> bytes:
    """The whole file, refused when it is too large to read at once."""
    size = path.stat().st_size
    if size > MAX_WHOLE_FILE_BYTES:
        raise _Bad(f"file too large to read whole ({size / 2**20:,.0f} MiB, the limit is "
                   f"{MAX_WHOLE_FILE_BYTES >> 20} MiB); split it, or use JSON Lines")
    return path.read_bytes()


def _read_text(path: Path, *, find_declared: Callable[[bytes], str | None] | None = None
               ) -> tuple[str, list[Notice]]:
    """The whole file as text, and a Notice for each assumption made to decode it.

    `find_declared` reads the encoding the document declares itself (XML), if any.
    """
    data = _read_bytes(path)
    try:
        declared = find_declared(data) if find_declared else None
        text, warnings = decode_whole(data, declared=declared)
    except NotText as err:
        raise _Bad(str(err)) from None
    return text, [Notice(str(path), warning) for warning in warnings]


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
    """_record_to_article, with every refusal and every error turned into a Skipped."""
    if not isinstance(record, dict):
        return Skipped(origin, f"expected a JSON object, got {_json_kind(record)}")
    try:
        return _record_to_article(_valid_text(record), origin=origin, default_id=default_id)
    except _Bad as bad:
        return Skipped(origin, str(bad))
    except Exception as err:  # noqa: BLE001 - one record never costs the others
        return Skipped(origin, describe_error(err))


def _valid_text(value: Any) -> Any:
    """`value` with lone surrogates (JSON "\\ud800" escapes) replaced by U+FFFD, at any depth.

    They are not text: no UTF-8 encoder, hence no index, would take them.
    """
    if isinstance(value, str):
        return value if value.isascii() or _encodable(value) else _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_valid_text(k): _valid_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_valid_text(v) for v in value]
    return value


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return kinds.get(type(value), "a number")
