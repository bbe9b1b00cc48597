"""One typed encoding of an article for the index, made once per article.

`from_article(article, extraction)` turns what the reader and extraction produced into a
`Row`: the analysed terms of title and text, the date as seconds since 1970 (UTC), names
with their kinds, event types with confidences, tags, sums of money as numbers, and the
payload whoosh stores (the article and its extraction, from which the row can be made
again without NLP: that is how `check --repair` rebuilds an index). The column files and
the stored document are both written from the Row; nothing downstream renders a value to
a string and parses it back.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from typing import Any, Mapping

from .. import facetspec
from ..models import Amount, Article, Event, Extraction, Mention
from . import analysis

#: Bumped whenever a Row is made differently, so that re-indexing re-makes every row.
ROW_VERSION = 3
#: The date column's value for an undated article.
NO_DATE = -(2 ** 63)
#: Names, tags and types longer than this are cut (they are values, not texts).
MAX_VALUE_CHARS = 200
#: The kinds of name a row holds.
NAME_KINDS = tuple(spec.entity_kind for spec in facetspec.NAME_FACETS)
#: Facet fields of a record that give names, and the kind each gives.
GIVEN_NAME_KINDS = {spec.record_field: spec.entity_kind for spec in facetspec.NAME_FACETS}
_EPOCH = datetime(1970, 1, 1)
_LINE_SUFFIX = re.compile(r":\d+$")


@dataclass(frozen=True)
class Row:
    """An article as the index holds it (see the module docstring)."""

    id: str
    content_hash: str
    date: int  # seconds since 1970-01-01 UTC, NO_DATE when undated
    source: str
    origin_path: str  # the file the article was read from ("" for stdin)
    title_terms: tuple[str, ...]
    text_terms: tuple[str, ...]
    words: frozenset[str]  # surface words of title and text ("did you mean" draws on them)
    names: tuple[tuple[str, str], ...]  # (value, kind), unique, first seen first
    events: tuple[tuple[str, float, bool, bool], ...]  # (type, confidence, attached, main)
    tags: tuple[str, ...]
    money: tuple[tuple[str, float], ...]  # (currency, value)
    acronyms: tuple[tuple[str, str], ...]  # (short, long) defined in the text: "NATO" ...
    payload: Mapping[str, Any]  # what whoosh stores: see `payload()`


def from_article(article: Article, extraction: Extraction | None, *, extract: bool = True,
                 rules: str = "") -> Row:
    """The Row of one article (pure: no I/O).

    >>> row = from_article(Article(id="a1", text="Kyiv was hit.", date="2024-01-02"), None)
    >>> row.text_terms, row.date
    (('kyiv', 'wa', 'hit'), 1704153600)
    """
    title_words = analysis.surface_words(article.title or "")
    text_words = analysis.surface_words(article.text)
    return Row(
        id=article.id,
        content_hash=content_hash(article, extract, rules),
        date=date_seconds(article.date),
        source=_value(article.source or ""),
        origin_path=origin_path(article.origin),
        title_terms=tuple(analysis.terms(title_words)),
        text_terms=tuple(analysis.terms(text_words)),
        # Interned: the same words recur across a batch's articles (a 5,000-row batch kept
        # ~50 MB of copies of them).
        words=frozenset(map(sys.intern, title_words)) | frozenset(map(sys.intern, text_words)),
        names=_names(article, extraction),
        events=_events(article, extraction),
        tags=_unique(_value(t) for t in article.given.get(facetspec.TAGS.record_field, ())),
        money=tuple(sorted({(a.unit, float(a.value)) for a in (extraction.amounts if extraction else ())
                            if a.kind == "money"})),
        acronyms=tuple(dict.fromkeys((_value(s), _value(l)) for s, l in
                                     getattr(extraction, "acronyms", ()) or ())),
        payload=payload(article, extraction, extract=extract, rules=rules),
    )


def from_payload(stored: Mapping[str, Any]) -> Row:
    """The Row again from what whoosh stored (no NLP): `check --repair` uses it."""
    article, extraction = restore(stored)
    return from_article(article, extraction, extract=stored.get("extract", True),
                        rules=stored.get("rules", ""))


def payload(article: Article, extraction: Extraction | None, *, extract: bool,
            rules: str) -> dict[str, Any]:
    """The stored form of an article and its extraction (plain dicts and lists)."""
    record = {f.name: getattr(article, f.name) for f in fields(Article)}  # asdict deep-copies
    record["given"] = {k: list(v) for k, v in article.given.items()}
    record["meta"] = dict(article.meta)
    return {"article": record, "extraction": asdict(extraction) if extraction else None,
            "extract": extract, "rules": rules}


def restore(stored: Mapping[str, Any]) -> tuple[Article, Extraction | None]:
    """(Article, Extraction) from a payload; unknown keys are ignored, missing ones default."""
    article = restore_article(stored)
    found = stored.get("extraction")
    if found is None:
        return article, None
    extraction = _build(Extraction, {
        **found,
        "mentions": tuple(_build(Mention, m) for m in found.get("mentions", ())),
        "amounts": tuple(_build(Amount, a) for a in found.get("amounts", ())),
        "events": tuple(_build(Event, e) for e in found.get("events", ())),
    })
    return article, extraction


def restore_article(stored: Mapping[str, Any]) -> Article:
    """The Article of a payload alone (a search hit needs no mention objects)."""
    record = dict(stored["article"])
    record["given"] = {k: tuple(v) for k, v in (record.get("given") or {}).items()}
    return _build(Article, record)


def stored_amounts(stored: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    """A payload's amounts as a hit lists them: text, value, unit and kind."""
    found = stored.get("extraction") or {}
    return tuple({k: a.get(k) for k in ("text", "value", "unit", "kind")}
                 for a in found.get("amounts", ()))


def content_hash(article: Article, extract: bool, rules: str = "") -> str:
    """A hash of everything that decides an article's row; unchanged articles are skipped.

    `rules` fingerprints the user's alias and event files, so editing them re-extracts.
    """
    text = json.dumps(
        [ROW_VERSION, extract, rules, article.id, article.title, article.text, article.date,
         article.source, article.url, {k: list(v) for k, v in article.given.items()}],
        sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def date_seconds(value: str | None) -> int:
    """An ISO 8601 date or date-time as seconds since 1970 UTC (NO_DATE when absent/invalid).

    >>> date_seconds("1970-01-02"), date_seconds(None) == NO_DATE
    (86400, True)
    """
    if not value:
        return NO_DATE
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return NO_DATE
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return int((when - _EPOCH).total_seconds())


def date_text(seconds: int) -> str | None:
    """The display form of a date column value: "YYYY-MM-DD", with the time when it has one."""
    if seconds == NO_DATE:
        return None
    days, rest = divmod(int(seconds), 86400)
    day = datetime.fromordinal(_EPOCH.toordinal() + days)
    if not rest:
        return day.date().isoformat()
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc).replace(tzinfo=None).isoformat(
        timespec="seconds")


def origin_path(origin: str) -> str:
    """The file an Article was read from, as an absolute path (its origin is "path:line" or
    "path"); "" for stdin."""
    path = _LINE_SUFFIX.sub("", origin or "")
    return "" if path in ("", "<stdin>", "-") else os.path.abspath(path)


# ---------------------------------------------------------------- values


def _names(article: Article, extraction: Extraction | None) -> tuple[tuple[str, str], ...]:
    given = [(_value(v), kind) for field, kind in GIVEN_NAME_KINDS.items()
             for v in article.given.get(field, ())]
    found = [(_value(m.canonical), m.kind) for m in (extraction.mentions if extraction else ())
             if m.kind in NAME_KINDS]
    return _unique(pair for pair in given + found if pair[0])


def _events(article: Article, extraction: Extraction | None):
    """(type, confidence, attached, main) per event type: the record's own types are sure;
    extraction gives each type its best confidence, attached when `facets()` lists it."""
    best: dict[str, float] = {}
    for value in article.given.get(facetspec.EVENTS.record_field, ()):
        if _value(value):
            best[_value(value)] = 1.0
    attached = set(best)
    main = None
    if extraction is not None:
        for event in extraction.events:
            name = _value(event.type)
            best[name] = max(best.get(name, 0.0), float(event.confidence))
        listed = [_value(t) for t in extraction.facets().get(facetspec.EVENTS.name, ())]
        attached.update(listed)
        main = _value(getattr(extraction, "main_event", None) or "") or (listed[0] if listed else None)
    if main is None and attached:
        main = max(attached, key=lambda t: (best[t], t))
    return tuple((name, round(conf, 4), name in attached, name == main)
                 for name, conf in best.items())


def _value(value: Any) -> str:
    return " ".join(str(value).split())[:MAX_VALUE_CHARS]


def _unique(items) -> tuple:
    seen: dict = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return tuple(seen)


def _build(cls, data: Mapping[str, Any]):
    names = _field_names(cls)
    return cls(**{k: v for k, v in data.items() if k in names})


@functools.cache
def _field_names(cls) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))
