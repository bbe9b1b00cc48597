"""Searching an index: parse the query, match, filter, count facets, rank, highlight, suggest.

`build_query()` is pure (request -> whoosh query) so `searchkit query --explain` can print
it; `Index.run()` does the rest on a snapshot of the store (store/snapshot.py), which it
never writes. spaCy is never imported here: a query starts fast.
"""
from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
from whoosh import qparser, query as wq

from . import facetspec, limits, store
from .facets import Facets
from .models import ALL_FACETS, FacetValue, Hit, SearchkitError, SearchRequest, SearchResult
from .ranking import Evaluator, relevance_order, top_documents, weigh_repeats
from .request_schema import parse_day
from .snippets import make_snippet
from .store import rows as row_codec
from .store.columns import TEXT_FIELDS
from .store.whoosh_store import parser_schema
from .resolve.boilerplate import blank
from .resolve.state import ReadTables
from .store import analysis
from .suggest import Suggester

#: Terms of an article that more-like-this searches for, and how much a shared entity
#: weighs against them (the terms' scores are BM25F, a few points each).
LIKE_TERMS = 25
ENTITY_WEIGHT = 0.5
#: Confidence thresholds whose bound facets an open index keeps.
FACETS_KEPT = 4
#: Hits built at a time by `iter_hits`.
STREAM_PAGE = 200


def open_index(index_dir: str | Path = "index") -> "Index":
    """Open the index in `index_dir` for searching.

    >>> open_index("index").search("prisoner exchange").total   # doctest: +SKIP
    1
    """
    return Index(index_dir)


_SCHEMA = parser_schema(facetspec.FACET_NAMES)


def build_query(request: SearchRequest, schema=None) -> wq.Query:
    """The whoosh query for the text of a request (pure; filters are applied separately).

    Words must all match (`match="any"`: any, ranked by how many); "quoted phrases",
    -exclusion, OR, field prefixes (person:, place:, org:, event:, tag:, source:, title:,
    month:, date:[2024-01 TO 2024-03]) and fuzzy terms (word~, word~2) are understood.

    >>> str(build_query(SearchRequest("prisoner exchange")))
    '((title:prison OR text:prison) AND (title:exchang OR text:exchang))'
    """
    text = (request.text or "").strip()
    if not text:
        return wq.Every()
    limits.check_text(text)
    try:
        parsed = _plain_words(text, request.match) if schema is None else None
        if parsed is None:
            parsed = _parser(request.match, schema).parse(text, normalize=False)
        q = weigh_repeats(parsed).normalize()
    except Exception as exc:  # noqa: BLE001 - whoosh's parser raises many kinds; all mean "bad query"
        raise limits.refuse("cannot read the query: check its operators (AND, OR, NOT, -), quotes "
                            f"and brackets (the parser failed: {type(exc).__name__}: {exc})") from None
    limits.check_query(q)
    return q


#: Query text that is plain words: letters and digits, no operator, prefix or quote.
_PLAIN = re.compile(r"[A-Za-z0-9]+(?: +[A-Za-z0-9]+)*")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


def _plain_words(text: str, match: str) -> wq.Query | None:
    """The tree whoosh's parser makes of plain words, made without it (its parse is a
    tenth of a faceted query's time), or None for anything else. Each word is sought in
    title and text; a stop word leaves an empty group, as in whoosh's tree.
    tests/test_search.py checks the two trees equal on random queries."""
    if not _PLAIN.fullmatch(text):
        return None
    words = text.split(" ")
    if _OPERATORS.intersection(words):
        return None
    group = wq.Or if match == "any" else wq.And
    return group([wq.Or([wq.Term(f, term) for term in analysis.analyse(word) for f in TEXT_FIELDS])
                  for word in words if word])


_PARSERS: dict[Any, qparser.QueryParser] = {}


def _parser(match: str, schema=None) -> qparser.QueryParser:
    """The query parser of a match mode (made once: whoosh builds its plugins per parser)."""
    key = (match, id(schema))
    if key not in _PARSERS:
        group = qparser.OrGroup if match == "any" else qparser.AndGroup
        parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema or _SCHEMA, group=group)
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parser.add_plugin(qparser.PlusMinusPlugin())
        aliases = {name: [p for p in facetspec.spec(name).prefixes if p != name]
                   for name in facetspec.FACET_NAMES}
        parser.add_plugin(qparser.FieldAliasPlugin({**aliases, "date": ["day"]}))
        _PARSERS[key] = parser
    return _PARSERS[key]


def request_from(options: dict[str, Any]) -> SearchRequest:
    """A SearchRequest from a mapping of the documented keys; SearchkitError (exit 2)
    listing every problem when there are any."""
    request, problems = SearchRequest.from_mapping(options)
    if problems:
        raise SearchkitError("; ".join(map(str, problems)), exit_code=2)
    return request


class Index:
    """An open searchkit index: `search()`, `iter_hits()`, `run()`, `get()`,
    `facet_values()`, `stats()`. It follows the index as writers commit."""

    def __init__(self, index_dir: str | Path = "index"):
        self.dir = Path(index_dir)
        self._snapshot = None
        self._state = None
        self._facets: dict[Any, Facets] = {}
        self._tables: ReadTables | None = None
        self._clusters = None
        self._suggester = None
        # Hits whose deferred fields are not filled yet, by id() (a Hit's hash would fill them)
        self._pending: weakref.WeakValueDictionary[int, Hit] = weakref.WeakValueDictionary()
        self._current()

    # ------------------------------------------------------------ public API

    def search(self, text: str = "", *, filters: dict[str, Sequence[str] | str] | None = None,
               facets: Sequence[str] | None = None, limit: int | None = 10, page: int = 1,
               sort: str = "relevance", match: str = "all", date_from: str | None = None,
               date_to: str | None = None, amount_min: float | None = None,
               amount_max: float | None = None, currency: str | None = None,
               like: str | None = None, facet_limit: int | None = 10,
               min_confidence: float | None = None, collapse: bool = True) -> SearchResult:
        """Search the index: the exact total, one page of ranked hits and facet counts.

        `limit=None` returns every hit. Filter values are forgiving (case, accents,
        variants); a value that matches nothing is named in `result.warnings`.

        >>> res = ix.search("prisoner exchange", filters={"places": "Kyiv"})  # doctest: +SKIP
        >>> res.total, res.hits[0].title, res.facets["people"][0].value     # doctest: +SKIP
        """
        options = dict(query=text, filters=filters, facets=facets, limit=limit, page=page,
                       sort=sort, match=match, date_from=date_from, date_to=date_to,
                       amount_min=amount_min, amount_max=amount_max, currency=currency,
                       like=like, facet_limit=facet_limit, min_confidence=min_confidence,
                       collapse=collapse)
        if facets is None:
            del options["facets"]
        return self.run(request_from(options))

    def iter_hits(self, text: str = "", **options) -> Iterator[Hit]:
        """Every hit of a search, best first, built lazily (constant memory per hit).

        Takes the keyword options of `search` (limit and page excepted).

        >>> for hit in ix.iter_hits("drone", match="any"):   # doctest: +SKIP
        ...     row = hit.to_row()
        """
        given = sorted(k for k in ("limit", "page") if k in options)
        if given:
            raise SearchkitError(f"iter_hits streams every hit and takes no {' or '.join(given)}: "
                                 "search(..., limit=N, page=P) returns one page", exit_code=2)
        request = request_from({"query": text, **options, "limit": None, "facets": ()})
        m = self._match(request)
        order, folded = self._folded(request, m, None)
        for start in range(0, len(order), STREAM_PAGE):
            for doc in order[start:start + STREAM_PAGE]:
                yield self._hit(m, int(doc), folded.get(int(doc), ()))

    def run(self, request: SearchRequest) -> SearchResult:
        """Answer a SearchRequest (see `search` for the keyword form)."""
        m = self._match(request)
        total = int(m.final.sum())
        wanted = None if request.limit is None else request.page * request.limit
        start = 0 if request.limit is None else (request.page - 1) * request.limit
        order, folded = self._folded(request, m, wanted)
        hits = [self._hit(m, int(d), folded.get(int(d), ())) for d in order[start:]]
        counts = {name: self._count(m, name, request.facet_limit)
                  for name in (ALL_FACETS if request.facets is None else request.facets)}
        suggestion = self._suggest(m.snapshot, request.text) if total == 0 and request.text else None
        return SearchResult(request=request, total=total, hits=tuple(hits), facets=counts,
                            suggestion=suggestion, query=str(m.query),
                            warnings=tuple(m.warnings))

    def explain(self, request: SearchRequest) -> str:
        """The parsed query and filters of a request, as `query --explain` prints them."""
        lines = [f"query: {self._query(request, self._current())}"]
        for name, values in request.filters.items():
            lines.append(f"filter {name}: any of {', '.join(values)}")
        for label, value in (("from", request.date_from), ("to", request.date_to),
                             ("amount >=", request.amount_min), ("amount <=", request.amount_max),
                             ("currency", request.currency), ("like", request.like),
                             ("min confidence", request.min_confidence)):
            if value is not None:
                lines.append(f"{label} {value}")
        lines.append(f"match {request.match}, sort {request.sort}")
        return "\n".join(lines)

    def get(self, article_id: str) -> dict[str, Any] | None:
        """The stored article with its facets and extraction details, or None."""
        snapshot = self._current()
        found = snapshot.find([article_id])
        if found[0] < 0:
            return None
        doc = int(found[0])
        article, extraction = row_codec.restore(snapshot.payload(doc))
        facets = self._bound(snapshot, None)
        details = extraction.to_dict() if extraction else {}
        return {
            "id": article.id, "title": article.title, "date": row_codec.date_text(int(snapshot.dates[doc])),
            "source": article.source, "url": article.url, "text": article.text,
            **{s.name: facets[s.name].hit_values(doc) for s in facetspec.FACETS
               if s.kind in ("names", "values", "events") and s.name != "sources"},
            "main_event": facets[facetspec.EVENTS.name].main_event(doc),
            "amounts": details.get("amounts", []), "mentions": details.get("mentions", []),
            "events": details.get("events", []), "meta": dict(article.meta),
        }

    def facet_values(self, field: str, limit: int | None = None, *,
                     min_confidence: float | None = None) -> list[FacetValue]:
        """Every value of one facet over the whole index, most frequent first."""
        if field not in facetspec.BY_NAME:
            raise SearchkitError(
                f"unknown facet {field!r}: choose from {', '.join(facetspec.FACET_NAMES)}", exit_code=2)
        result = self.run(SearchRequest(facets=(field,), facet_limit=limit, limit=0,
                                        min_confidence=min_confidence))
        return list(result.facets[field])

    def entities(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The index's entities (one per real person, place, organisation), most articles
        first: {"id", "kind", "value", "articles", "variants": {spelling: articles}}.

        >>> ix.entities("person")[0]["value"]   # doctest: +SKIP
        'Volodymyr Zelenskyy'
        """
        snapshot = self._current()
        table = self._tables.entities
        if table is None:
            return []
        facets = self._bound(snapshot, None)
        counts = {}
        for spec in facetspec.NAME_FACETS:
            if kind not in (None, spec.entity_kind):
                continue
            facet = facets[spec.name]
            everything = facet.count(snapshot.live, np.zeros(0, np.int64), None)
            by_value = {v.value: v.count for v in everything}
            for entity_id in getattr(facet, "entity_ids", []):
                if entity_id in table.entities:  # (values the table does not know yet are not listed)
                    entity = table.get(entity_id)
                    counts[entity_id] = (entity, by_value.get(entity.value, 0))
        rows = [{"id": e.id, "kind": e.kind, "value": e.value, "articles": n,
                 "variants": dict(e.variants)} for e, n in counts.values() if n]
        return sorted(rows, key=lambda r: (-r["articles"], r["value"]))

    def doc_count(self) -> int:
        """How many articles the index holds."""
        return self._current().live_count

    def stats(self) -> dict[str, Any]:
        """Article count, distinct values per facet, segments and size on disk."""
        snapshot = self._current()
        everything = self.run(SearchRequest(limit=0, facet_limit=None))
        values = {name: sum(1 for v in vs if v.count) for name, vs in everything.facets.items()}
        size = sum(p.stat().st_size for p in snapshot.store.rglob("*") if p.is_file())
        return {"index": str(self.dir), "articles": snapshot.live_count, "facet_values": values,
                "dated_articles": int(((snapshot.days >= 0) & snapshot.live).sum()),
                "segments": len(snapshot.segments), "size_bytes": size}

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._settle_hits()
        if self._snapshot is not None:
            self._snapshot.articles.close()
        self._snapshot, self._state, self._facets = None, None, {}
        self._tables, self._clusters = None, None

    # ------------------------------------------------------------ internals

    def _current(self):
        """The snapshot of the newest generation (reopened when a writer committed)."""
        state = store.state_of(self.dir)
        if self._snapshot is None or state != self._state:
            self.close()
            self._snapshot = store.open_snapshot(self.dir)
            self._state = state  # taken before opening: a commit in between reopens next time
            self._tables = ReadTables(self._snapshot.store, self._snapshot.manifest)
            self._suggester = None
        return self._snapshot

    def _bound(self, snapshot, min_confidence) -> Facets:
        """The facets bound to a confidence threshold (the last few kept: each holds
        per-snapshot arrays, and a script may try many thresholds)."""
        facets = self._facets.pop(min_confidence, None)
        if facets is None:
            facets = Facets(snapshot, min_confidence, self._tables)
        self._facets[min_confidence] = facets  # most recently used last
        while len(self._facets) > FACETS_KEPT:
            del self._facets[next(iter(self._facets))]
        return facets

    def _match(self, request: SearchRequest) -> "_Matched":
        """Evaluate a request's query and filters: everything but paging and counting."""
        snapshot = self._current()
        facets = self._bound(snapshot, request.min_confidence)
        evaluator = Evaluator(snapshot, facets)
        try:
            q = self._query(request, snapshot)
            matched, scores = evaluator.evaluate(q)
            terms = {text for field, text in evaluator.positive_terms(q) if field in TEXT_FIELDS}
            if request.like:
                scores = scores + self._shared_entities(request.like, snapshot, facets, matched)
        except SearchkitError:
            raise
        except (RecursionError, MemoryError, ValueError, TypeError, KeyError, IndexError,
                NotImplementedError, AttributeError, UnicodeError) as exc:
            raise limits.refuse(f"cannot run the query: {type(exc).__name__}: {exc}") from None
        m = _Matched(snapshot, facets, q, matched & self._ranges(request, facets), scores, terms,
                     warnings=list(evaluator.warnings))
        currency = facets["amounts"].currency_warning(request.currency)
        if currency:
            m.warnings.append(currency)
        for name, values in request.filters.items():
            m.selections[name], found = facets[name].select(values)
            m.warnings.extend(found)
            m.masks[name] = facets[name].mask(m.selections[name])
        m.final = m.ranged.copy()
        for mask in m.masks.values():
            m.final &= mask
        return m

    def _query(self, request: SearchRequest, snapshot) -> wq.Query:
        if request.like:
            return self._like_query(request.like, snapshot)
        return build_query(request)

    def _like_query(self, article_id: str, snapshot) -> wq.Query:
        """The article's most telling words (tf-idf over its text, its boilerplate left out:
        a shared newsletter sign-up must not make articles alike), minus the article."""
        found = snapshot.find([article_id])
        if found[0] < 0:
            raise SearchkitError(f"no article with id {article_id!r} in the index", exit_code=2)
        article = row_codec.restore_article(snapshot.payload(int(found[0])))
        text = blank(article.text, self._boilerplate(snapshot, int(found[0]), article))
        counts: dict[str, int] = {}
        for term in analysis.analyse(f"{article.title}\n{text}"):
            counts[term] = counts.get(term, 0) + 1
        view = snapshot.fields["text"]
        weighted = []
        for term, count in counts.items():
            df = len(view.lookup(term)[0])
            if df:
                weighted.append((count * math.log(1 + snapshot.live_count / df), term))
        best = sorted(weighted, reverse=True)[:LIKE_TERMS]
        if not best:
            return wq.NullQuery
        top = best[0][0]
        similar = wq.Or([wq.Term("text", term, boost=weight / top) for weight, term in best])
        return wq.AndNot(similar, wq.Term("id", article_id))

    @staticmethod
    def _shared_entities(article_id: str, snapshot, facets: Facets, matched: np.ndarray) -> np.ndarray:
        """More-like-this bonus: the people, places and organisations a document shares with
        the article, each weighted by its rarity (idf), scaled to the text score's range."""
        doc = int(snapshot.find([article_id])[0])
        bonus = np.zeros(snapshot.size, dtype=np.float32)
        for spec in facetspec.NAME_FACETS:
            facet = facets[spec.name]
            for value in facet.hit_values(doc):
                groups = np.array([g for g, v in enumerate(facet.values) if v == value], dtype=np.int64)
                mask = facet.mask(groups)
                df = int(mask.sum())
                if df > 1:
                    bonus[mask] += math.log(1 + snapshot.live_count / df)
        bonus[doc] = 0.0
        return np.where(matched, bonus * ENTITY_WEIGHT, 0.0).astype(np.float32)

    @staticmethod
    def _ranges(request: SearchRequest, facets: Facets) -> np.ndarray:
        """Documents inside the date and amount ranges of the request (all when none)."""
        snapshot = facets.snapshot
        mask = snapshot.live.copy()
        if request.date_from or request.date_to:
            days = snapshot.days
            mask &= days >= 0
            if request.date_from:
                mask &= days >= parse_day(request.date_from)
            if request.date_to:
                mask &= days <= parse_day(request.date_to, end=True)
        if request.amount_min is not None or request.amount_max is not None or request.currency:
            mask &= facets["amounts"].range_mask(request.amount_min, request.amount_max,
                                                 request.currency)
        return mask

    @staticmethod
    def _ranked(request: SearchRequest, m: "_Matched", wanted: int | None,
                among: np.ndarray | None = None) -> np.ndarray:
        """Docnums of the best `wanted` matches (None: all), best first; ties by id.
        `among`: order only these matches, once the best of all were ranked (their scores
        then hold the proximity bonus already)."""
        if request.sort == "relevance" and m.scores.any():
            if among is not None:
                return top_documents(among, m.scores, wanted, m.snapshot.id_rank)
            # Proximity re-ranks the best BM25F hits (not for --like: its words are no phrase).
            return relevance_order(m.snapshot, m.final, m.scores, wanted,
                                   None if request.like else m.query)
        # Newest first when asked, or when there is nothing to rank by; undated last.
        dates = m.snapshot.dates
        if request.sort == "oldest":
            dates = np.where(dates == row_codec.NO_DATE, np.iinfo(np.int64).max, dates)
        return top_documents(m.final if among is None else among, dates, wanted,
                             m.snapshot.id_rank, descending=request.sort != "oldest")

    @staticmethod
    def _count(m: "_Matched", name: str, limit: int | None) -> tuple[FacetValue, ...]:
        """Counts of one facet under every filter except its own (multi-select)."""
        docs = m.ranged.copy()
        for other, mask in m.masks.items():
            if other != name:
                docs &= mask
        nothing = np.zeros(0, np.int64) if facetspec.spec(name).column else ()
        return m.facets[name].count(docs, m.selections.get(name, nothing), limit)

    def _folded(self, request: SearchRequest, m: "_Matched", wanted: int | None):
        """(docnums of the hits up to `wanted`, {hit: docnums folded under it}).

        Near-identical articles (one duplicate cluster) fold under the best-ranked of them
        unless the request asks for no collapsing; `total` and facet counts still count
        articles."""
        clusters = self._cluster_ordinals(m.snapshot) if request.collapse else None
        copies = m.final & clusters[1] if clusters is not None else None
        if copies is None or not copies.any():
            return self._ranked(request, m, wanted), {}
        # At most one hit per cluster is shown, so `wanted` hits lie within the best
        # `wanted` + (matches with copies) of all: no need to rank every match.
        extra = int(copies.sum())
        order = self._ranked(request, m, None if wanted is None else wanted + extra)
        ords = clusters[0][order]
        _, first = np.unique(ords, return_index=True)
        keep = np.zeros(len(order), dtype=bool)
        keep[first] = True
        shown = order[keep][:wanted]
        rep_of_cluster = dict(zip(ords[keep][:len(shown)].tolist(), shown.tolist()))
        # The copies of a shown hit may rank anywhere below it: find them among all matches.
        with_copies = np.flatnonzero(copies)
        members = np.zeros_like(copies)
        members[with_copies[np.isin(clusters[0][with_copies], list(rep_of_cluster))]] = True
        members[shown] = False
        folded: dict[int, list[int]] = {}
        for doc in self._ranked(request, m, None, among=members).tolist():
            folded.setdefault(rep_of_cluster[int(clusters[0][doc])], []).append(doc)
        return shown, folded

    def _cluster_ordinals(self, snapshot):
        """(cluster ordinal per document, whether its cluster has other live members), or
        None when the index keeps no duplicate clusters."""
        if self._clusters is None:
            if not snapshot.segments or not all("dup.npy" in s.files for s in snapshot.segments):
                self._clusters = (None,)
            else:
                keys = snapshot.concat(lambda s: np.asarray(s.array("dup"))).astype("S")
                frm, into = self._tables.merges
                for _ in range(64):  # follow merges (chains are short)
                    if not len(frm):
                        break
                    at = np.minimum(np.searchsorted(frm, keys), len(frm) - 1)
                    moved = frm[at] == keys
                    if not moved.any():
                        break
                    keys = np.where(moved, into[at], keys)
                _, ords = np.unique(keys, return_inverse=True)
                counts = np.bincount(ords[snapshot.live], minlength=ords.max() + 1 if len(ords) else 0)
                self._clusters = (ords, counts[ords] > 1)
        return None if self._clusters[0] is None else self._clusters

    def _hit(self, m: "_Matched", doc: int, folded=()) -> Hit:
        """A hit with its cheap fields filled (from the heads column where the segment has
        one); snippet, facet values and amounts are computed when first read (`Hit.deferred`)."""
        snapshot = m.snapshot
        copies = [row_codec.restore_article(snapshot.payload(d)) for d in folded]
        head = snapshot.head(doc)
        article = text = None
        if head is None or not head[0]:  # an untitled article is named by its text
            article = row_codec.restore_article(snapshot.payload(doc))
            head = [article.title, article.source, article.url]
            if not article.title:  # ... not by its boilerplate
                text = blank(article.text, self._boilerplate(snapshot, doc, article))
        title, source, url = head

        def fill() -> dict[str, Any]:
            return self._deferred_fields(m, doc, article, text)

        hit = Hit.deferred(
            fill, id=snapshot.id_of(doc), title=display_title(title, text or ""),
            date=row_codec.date_text(int(snapshot.dates[doc])), source=source, url=url,
            score=round(float(m.scores[doc]), 4), duplicates=tuple(c.id for c in copies),
            duplicate_titles=tuple(c.source or display_title(c.title, c.text, 40) for c in copies))
        self._pending[id(hit)] = hit
        return hit

    def _deferred_fields(self, m: "_Matched", doc: int, article, text) -> dict[str, Any]:
        """The fields of a hit that a search leaves until they are read."""
        payload = m.snapshot.payload(doc)
        if article is None:
            article = row_codec.restore_article(payload)
        if text is None:
            text = blank(article.text, self._boilerplate(m.snapshot, doc, article))
        listed = {s.hit_field: tuple(m.facets[s.name].hit_values(doc)) for s in facetspec.FACETS
                  if s.kind in ("names", "events") or s is facetspec.TAGS}
        events = m.facets[facetspec.EVENTS.name]
        return dict(snippet=make_snippet(text, m.terms), **listed,
                    main_event=events.main_event(doc, listed[facetspec.EVENTS.hit_field]),
                    amounts=row_codec.stored_amounts(payload))

    def _settle_hits(self) -> None:
        """Fill the hits still holding deferred fields, before the snapshot they read goes."""
        for hit in list(self._pending.values()):
            hit._fill_deferred()
        self._pending.clear()

    def _boilerplate(self, snapshot, doc: int, article) -> list[tuple[int, int]]:
        """A document's boilerplate spans: stored with it, else from the index's model."""
        spans = snapshot.boilerplate(doc)
        if spans is None:
            spans = self._tables.boilerplate_spans(article.source, article.url, article.text)
        return spans

    def _suggest(self, snapshot, text: str) -> str | None:
        if self._suggester is None:
            self._suggester = Suggester(*snapshot.words)
        return self._suggester.suggest(text)


@dataclass
class _Matched:
    """A request evaluated up to its final mask of documents."""

    snapshot: Any
    facets: Facets
    query: wq.Query
    ranged: np.ndarray  # the query's matches inside the date and amount ranges
    scores: np.ndarray
    terms: set[str]  # index terms the snippets mark
    warnings: list[str]
    selections: dict[str, Any] = field(default_factory=dict)
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    final: np.ndarray | None = None


def display_title(title: str, text: str, width: int = 90) -> str:
    """The title, or the opening words of the text for articles that came without one."""
    if title:
        return title
    first = " ".join(text.split())
    return first if len(first) <= width else first[:width].rsplit(" ", 1)[0] + "…"
