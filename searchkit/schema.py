"""The whoosh schema and the mapping from (Article, Extraction) to an index document.

Facet fields are stored twice on purpose: as comma-separated KEYWORD fields holding the exact
canonical values (for filtering and counting) and as analysed TEXT fields (so that
`person:zelenskyy` finds "Volodymyr Zelenskyy" in the query language).
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from whoosh import fields
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer

from .models import Article, Extraction, GIVEN_FACETS

#: Bumped when the schema or the document mapping changes, so old indexes are rebuilt.
SCHEMA_VERSION = 2

#: Facet name -> the analysed TEXT field that the query language searches for it.
FACET_TEXT_FIELDS = {
    "people": "people_text",
    "places": "places_text",
    "orgs": "orgs_text",
    "event_types": "event_text",
    "tags": "tags_text",
}

#: Query-language prefixes -> field names (`person:Zelenskyy`, `event:"prisoner exchange"`).
FIELD_ALIASES = {
    "people_text": ["person", "people", "who"],
    "places_text": ["place", "places", "where"],
    "orgs_text": ["org", "orgs", "organisation", "organization"],
    "event_text": ["event", "events", "event_type"],
    "tags_text": ["tag", "tags", "topic"],
    "source": ["src"],
}

#: Text fields a plain query searches (their weights are in ranking.FIELD_WEIGHTS).
SEARCH_FIELDS = ("title", "text")


def _text_analyzer():
    return StemmingAnalyzer()


def build_schema() -> fields.Schema:
    """The whoosh schema every searchkit index uses."""
    def facet_keyword():
        return fields.KEYWORD(stored=True, commas=True, lowercase=False, scorable=False)

    def facet_text():
        return fields.TEXT(analyzer=StandardAnalyzer(stoplist=None), phrase=True)

    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        # A column, so re-indexing reads every id and hash without loading stored text.
        content_hash=fields.ID(stored=True, sortable=True),
        title=fields.TEXT(stored=True, analyzer=_text_analyzer()),
        text=fields.TEXT(stored=True, analyzer=_text_analyzer(), phrase=True),
        # Unstemmed words of title and text: the vocabulary "did you mean" draws from.
        words=fields.TEXT(analyzer=StandardAnalyzer(stoplist=None), phrase=False),
        date=fields.DATETIME(stored=True, sortable=True),
        source=fields.ID(stored=True),
        # Facet counting reads these terms' postings (see facets.FacetCache): the day of
        # the article and its sums of money as "CUR:value".
        day=fields.ID(),
        money=fields.KEYWORD(commas=True, lowercase=False, scorable=False),
        url=fields.STORED(),
        people=facet_keyword(),
        places=facet_keyword(),
        orgs=facet_keyword(),
        event_types=facet_keyword(),
        tags=facet_keyword(),
        people_text=facet_text(),
        places_text=facet_text(),
        orgs_text=facet_text(),
        event_text=facet_text(),
        tags_text=facet_text(),
        # Extraction details (mentions with offsets, amounts, events) as JSON for show/report.
        details=fields.STORED(),
        meta=fields.STORED(),
    )


def content_hash(article: Article, extract: bool, rules: str = "") -> str:
    """A hash of everything that decides an article's index document.

    `rules` fingerprints the user's alias and event files, so editing them re-extracts.
    Re-indexing skips an article whose hash is unchanged.
    """
    payload = json.dumps(
        [SCHEMA_VERSION, extract, rules, article.id, article.title, article.text, article.date,
         article.source, article.url, {k: list(v) for k, v in article.given.items()}],
        sort_keys=True, ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def parse_date(value: str | None) -> datetime | None:
    """The ISO 8601 date of an Article as a naive datetime (None when absent or invalid)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "")).replace(tzinfo=None)
    except ValueError:
        return None


def facet_values(article: Article, extraction: Extraction | None) -> dict[str, list[str]]:
    """Facet values of one article: what the record gave, then what extraction found."""
    found = extraction.facets() if extraction else {}
    values: dict[str, list[str]] = {}
    for name in GIVEN_FACETS:
        merged: list[str] = []
        for value in [*article.given.get(name, ()), *found.get(name, ())]:
            value = " ".join(str(value).replace(",", " ").split())
            if value and value not in merged:
                merged.append(value)
        values[name] = merged
    return values


def money_terms(extraction: Extraction | None) -> list[str]:
    """The sums of money of an extraction as unique "CUR:value" terms."""
    if extraction is None:
        return []
    terms = {f"{a.unit}:{a.value:.15g}" for a in extraction.amounts if a.kind == "money"}
    return sorted(terms)


def to_document(article: Article, extraction: Extraction | None, *, extract: bool = True,
                rules: str = "") -> dict[str, Any]:
    """The whoosh document for one article (pure: no I/O).

    >>> doc = to_document(Article(id="a1", text="Kyiv was hit."), None)
    >>> doc["id"], doc["text"]
    ('a1', 'Kyiv was hit.')
    """
    values = facet_values(article, extraction)
    details = extraction.to_dict() if extraction else {}
    doc: dict[str, Any] = {
        "id": article.id,
        "content_hash": content_hash(article, extract, rules),
        "title": article.title or "",
        "text": article.text,
        "words": f"{article.title or ''}\n{article.text}",
        "source": article.source or "",
        "url": article.url or "",
        "details": json.dumps(
            {k: details.get(k, []) for k in ("amounts", "mentions", "events")}, ensure_ascii=False
        ),
        "meta": json.dumps(dict(article.meta), ensure_ascii=False, default=str),
    }
    date = parse_date(article.date)
    if date is not None:
        doc["date"] = date
        doc["day"] = date.strftime("%Y-%m-%d")
    money = money_terms(extraction)
    if money:
        doc["money"] = ",".join(money)
    for name, vals in values.items():
        if vals:
            doc[name] = ",".join(vals)
            doc[FACET_TEXT_FIELDS[name]] = " ; ".join(vals)
    return doc
