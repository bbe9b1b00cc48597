"""Searching an index: parse the query, match, filter, count facets, rank, highlight, suggest.

`build_query()` is pure (request -> whoosh query) so `searchkit query --explain` can print
it; `Index.run()` does the rest. spaCy is never imported here: a query starts fast.
"""
from __future__ import annotations

import calendar
import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from whoosh import qparser, query as wq

from . import index as index_store
from .arrays import COMPLETE_MARK, IndexArrays, arrays_path
from .facets import FACETS
from .models import ALL_FACETS, GIVEN_FACETS, FacetValue, Hit, SearchkitError, SearchRequest, SearchResult
from .ranking import Evaluator, top_documents
from .snippets import make_snippet
from .schema import FIELD_ALIASES, SEARCH_FIELDS

_SORTS = ("relevance", "newest", "oldest")


def open_index(index_dir: str | Path = "index") -> "Index":
    """Open the index in `index_dir` for searching.

    >>> open_index("index").search("prisoner exchange").total   # doctest: +SKIP
    1
    """
    return Index(index_dir)


def build_query(request: SearchRequest, schema) -> wq.Query:
    """The whoosh query for the text of a request (pure; filters are applied separately).

    Words must all match (`match="any"`: any, ranked by how many); "quoted phrases",
    -exclusion, OR, field prefixes (person:, place:, org:, event:, tag:, title:, source:)
    and fuzzy terms (word~) are understood.

    >>> from searchkit.schema import build_schema
    >>> str(build_query(SearchRequest("prisoner exchange"), build_schema()))
    '((title:prison OR text:prison) AND (title:exchang OR text:exchang))'
    """
    text = (request.text or "").strip()
    if not text:
        return wq.Every()
    group = qparser.OrGroup if request.match == "any" else qparser.AndGroup
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, group=group)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(qparser.PlusMinusPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    return parser.parse(text)


class Index:
    """An open searchkit index: `search()`, `run()`, `get()`, `facet_values()`, `stats()`."""

    def __init__(self, index_dir: str | Path = "index"):
        self.dir = Path(index_dir)
        self._ix = index_store.open_existing(self.dir)
        self._schema = self._ix.schema  # whoosh re-reads the schema from disk on every access
        self._searcher = None
        self._state = None
        self._generation = None

    # ------------------------------------------------------------ public API

    def search(self, text: str = "", *, filters: dict[str, Sequence[str]] | None = None,
               facets: Sequence[str] = ALL_FACETS, limit: int = 10, page: int = 1,
               sort: str = "relevance", match: str = "all", date_from: str | None = None,
               date_to: str | None = None, amount_min: float | None = None,
               amount_max: float | None = None, currency: str | None = None,
               like: str | None = None, facet_limit: int | None = 10) -> SearchResult:
        """Search the index: the exact total, one page of ranked hits and facet counts.

        >>> res = ix.search("prisoner exchange", filters={"places": ["Kyiv"]})  # doctest: +SKIP
        >>> res.total, res.hits[0].title, res.facets["people"][0].value        # doctest: +SKIP
        """
        request = SearchRequest(
            text=text, filters={k: tuple(v) for k, v in (filters or {}).items() if v},
            date_from=date_from, date_to=date_to, amount_min=amount_min, amount_max=amount_max,
            currency=currency, match=match, sort=sort, limit=limit, page=page,
            facets=tuple(facets), facet_limit=facet_limit, like=like)
        return self.run(request)

    def run(self, request: SearchRequest) -> SearchResult:
        """Answer a SearchRequest (see `search` for the keyword form)."""
        _validate(request)
        searcher, arrays, evaluator = self._open()
        q = self._query(request, searcher)
        matched, scores = evaluator.evaluate(q)
        ranged = matched & _range_mask(request, arrays)
        masks = {name: FACETS[name].mask(arrays, values)
                 for name, values in request.filters.items()}
        final = ranged.copy()
        for mask in masks.values():
            final &= mask
        total = int(final.sum())
        page = self._page(request, final, scores, arrays)
        terms = {text for field, text in evaluator.positive_terms(q) if field in SEARCH_FIELDS}
        hits = [_hit(searcher.stored_fields(int(d)), float(scores[d]), terms, self._schema)
                for d in page]
        counts = {name: self._count(name, request, arrays, ranged, masks)
                  for name in request.facets}
        suggestion = self._suggest(request.text, searcher) if total == 0 else None
        return SearchResult(request=request, total=total, hits=tuple(hits), facets=counts,
                            suggestion=suggestion, query=str(q))

    def explain(self, request: SearchRequest) -> str:
        """The parsed query and filters of a request, as `query --explain` prints them."""
        _validate(request)
        lines = [f"query: {self._query(request, self._open()[0])}"]
        for name, values in request.filters.items():
            lines.append(f"filter {name}: any of {', '.join(values)}")
        for label, value in (("from", request.date_from), ("to", request.date_to),
                             ("amount >=", request.amount_min), ("amount <=", request.amount_max),
                             ("currency", request.currency), ("like", request.like)):
            if value is not None:
                lines.append(f"{label} {value}")
        lines.append(f"match {request.match}, sort {request.sort}")
        return "\n".join(lines)

    def get(self, article_id: str) -> dict[str, Any] | None:
        """The stored article with its extraction details, or None when the id is unknown."""
        searcher = self._open()[0]
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            return None
        return stored_article(searcher.stored_fields(docnum))

    def facet_values(self, field: str, limit: int | None = None) -> list[FacetValue]:
        """Every value of one facet over the whole index, most frequent first."""
        if field not in FACETS:
            raise SearchkitError(
                f"unknown facet {field!r}: choose from {', '.join(FACETS)}", exit_code=2)
        result = self.run(SearchRequest(facets=(field,), facet_limit=limit, limit=0))
        return list(result.facets[field])

    def doc_count(self) -> int:
        """How many articles the index holds."""
        return self._open()[0].doc_count()

    def stats(self) -> dict[str, Any]:
        """Article count, distinct values per facet, and index size on disk."""
        cache = self._open()[1]
        values = {name: int(len(np.unique(col.ords[cache.live[col.docs]])))
                  for name, col in cache.lists.items()}
        values["amounts"] = len(self.facet_values("amounts"))
        size = sum(p.stat().st_size for p in self.dir.rglob("*") if p.is_file())
        return {"index": str(self.dir), "articles": self.doc_count(), "facet_values": values,
                "dated_articles": int(((cache.days >= 0) & cache.live).sum()),
                "size_bytes": size}

    def check(self) -> list[str]:
        """Read every stored article back; a list of problems (empty when all is well)."""
        searcher, cache, _ = self._open()
        problems = []
        for docnum, fields in searcher.reader().iter_docs():
            try:
                stored_article(fields)
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(f"article {fields.get('id', docnum)!r}: unreadable ({exc})")
        if int(cache.live.sum()) != searcher.doc_count():
            problems.append("the search arrays are out of date: rebuilt on the next query")
            (arrays_path(self.dir, self._generation) / COMPLETE_MARK).unlink(missing_ok=True)
        return problems

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    # ------------------------------------------------------------ internals

    def _open(self):
        """The searcher, arrays and evaluator of the newest index generation."""
        generation = self._ix.latest_generation()
        if self._searcher is None or generation != self._generation:
            self.close()
            self._searcher = self._ix.searcher()
            arrays = IndexArrays.load(self._searcher.reader(), self.dir, generation)
            self._state = (arrays, Evaluator(arrays, self._searcher))
            self._generation = generation
        return (self._searcher, *self._state)

    def _query(self, request: SearchRequest, searcher) -> wq.Query:
        if request.like:
            return self._like_query(request.like, searcher)
        return build_query(request, self._schema)

    def _like_query(self, article_id: str, searcher) -> wq.Query:
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise SearchkitError(f"no article with id {article_id!r} in the index", exit_code=2)
        terms = searcher.key_terms([docnum], "text", numterms=25)
        similar = wq.Or([wq.Term("text", word, boost=weight) for word, weight in terms])
        return wq.AndNot(similar, wq.Term("id", article_id))

    @staticmethod
    def _page(request: SearchRequest, final: np.ndarray, scores: np.ndarray, arrays):
        """The docnums of the requested page, best first (ties in index order)."""
        wanted = request.page * request.limit
        if request.sort == "relevance" and scores.any():
            best = top_documents(final, scores, wanted)
        else:
            # Newest first when asked, or when there is nothing to rank by.
            best = top_documents(final, arrays.date_keys, wanted,
                                 descending=request.sort != "oldest")
        return best[(request.page - 1) * request.limit:]

    def _count(self, name, request, cache, ranged, masks) -> tuple[FacetValue, ...]:
        """Counts of one facet under every filter except its own (multi-select)."""
        docs = ranged.copy()
        for other, mask in masks.items():
            if other != name:
                docs &= mask
        return FACETS[name].count(cache, docs, request.filters.get(name, ()),
                                  request.facet_limit)

    def _suggest(self, text: str, searcher) -> str | None:
        """"Did you mean": each unknown word replaced by the closest word of the index."""
        words = re.findall(r"\w+", (text or "").lower())
        if not words:
            return None
        corrector = searcher.corrector("words")
        reader = searcher.reader()
        fixed = []
        for word in words:
            if reader.frequency("words", word) > 0:
                fixed.append(word)
            else:
                fixed.append((corrector.suggest(word, limit=1, maxdist=2) or [word])[0])
        suggestion = " ".join(fixed)
        return suggestion if suggestion != " ".join(words) else None


def stored_article(fields: dict[str, Any]) -> dict[str, Any]:
    """A stored whoosh document as the plain dict `Index.get()` returns."""
    details = json.loads(fields.get("details") or "{}")
    when = fields.get("date")
    return {
        "id": fields["id"], "title": fields.get("title", ""), "date": _iso(when),
        "source": fields.get("source", ""), "url": fields.get("url", ""),
        "text": fields.get("text", ""),
        **{name: _split(fields.get(name)) for name in GIVEN_FACETS},
        "amounts": details.get("amounts", []), "mentions": details.get("mentions", []),
        "events": details.get("events", []), "meta": json.loads(fields.get("meta") or "{}"),
    }


def display_title(title: str, text: str, width: int = 90) -> str:
    """The title, or the opening words of the text for articles that came without one."""
    if title:
        return title
    first = " ".join(text.split())
    return first if len(first) <= width else first[:width].rsplit(" ", 1)[0] + "…"


def _hit(fields: dict[str, Any], score: float, terms: set[str], schema) -> Hit:
    text = fields.get("text", "")
    money = json.loads(fields.get("details") or "{}").get("amounts", [])
    return Hit(
        id=fields["id"], title=display_title(fields.get("title", ""), text),
        date=_iso(fields.get("date")), source=fields.get("source", ""),
        url=fields.get("url", ""), score=round(score, 4),
        snippet=make_snippet(text, terms, schema["text"].analyzer),
        **{name: tuple(_split(fields.get(name))) for name in GIVEN_FACETS},
        amounts=tuple({k: a[k] for k in ("text", "value", "unit", "kind")} for a in money),
    )


def _split(value) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _iso(when) -> str | None:
    if not when:
        return None
    if when.hour or when.minute or when.second:
        return when.isoformat(timespec="seconds")
    return when.date().isoformat()


def _validate(request: SearchRequest) -> None:
    problems = []
    if request.match not in ("all", "any"):
        problems.append(f"--match must be all or any, not {request.match!r}")
    if request.sort not in _SORTS:
        problems.append(f"--sort must be one of {', '.join(_SORTS)}, not {request.sort!r}")
    if request.page < 1 or request.limit < 0:
        problems.append("--page must be 1 or more and --limit 0 or more")
    unknown = [name for name in [*request.filters, *request.facets] if name not in FACETS]
    if unknown:
        problems.append(f"unknown facet {unknown[0]!r}: choose from {', '.join(FACETS)}")
    for bound in (request.date_from, request.date_to):
        if bound is not None:
            parse_day(bound)
    if problems:
        raise SearchkitError("; ".join(problems), exit_code=2)


def parse_day(value: str, *, end: bool = False) -> int:
    """A date bound (YYYY, YYYY-MM or YYYY-MM-DD) as days since 1970-01-01.

    An end bound covers its whole year or month: parse_day("2024", end=True) is 2024-12-31.
    """
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", value.strip())
    try:
        if not match:
            raise ValueError
        year, month, day = int(match[1]), match[2], match[3]
        if month is None:
            when = date(year, 12, 31) if end else date(year, 1, 1)
        elif day is None:
            last = calendar.monthrange(year, int(month))[1]
            when = date(year, int(month), last if end else 1)
        else:
            when = date(year, int(month), int(day))
    except ValueError:
        raise SearchkitError(
            f"invalid date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD", exit_code=2) from None
    return (when - date(1970, 1, 1)).days


def _range_mask(request: SearchRequest, cache: IndexArrays) -> np.ndarray:
    """Documents inside the date and amount ranges of the request (all when none is set)."""
    mask = cache.live.copy()
    if request.date_from or request.date_to:
        days = cache.days
        mask &= days >= 0
        if request.date_from:
            mask &= days >= parse_day(request.date_from)
        if request.date_to:
            mask &= days <= parse_day(request.date_to, end=True)
    if request.amount_min is not None or request.amount_max is not None or request.currency:
        money = cache.money
        ok = np.ones(len(money.docs), dtype=bool)
        if request.currency and len(money.docs):
            ok &= money.currencies[money.cur] == request.currency.upper()
        if request.amount_min is not None:
            ok &= money.values >= request.amount_min
        if request.amount_max is not None:
            ok &= money.values <= request.amount_max
        mask &= cache.docs_with(money.docs[ok])
    return mask
