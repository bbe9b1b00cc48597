"""Match and rank a parsed whoosh query on the store's columns.

`Evaluator.evaluate(q)` walks the query tree once and returns a boolean mask of matching
documents and a BM25F score per document. Words are looked up in each segment's sorted
vocabulary; phrases are checked on the token streams (positions); prefix, wildcard, fuzzy
and range terms expand over the index's vocabulary within the limits of limits.py; facet
prefixes (person:, place:, event:, month:, ...) become facet filters. An OR of words
(`match="any"`) sums its words' scores, and can scale the sum by the share of the query's
word weight a document matches (COORDINATION, off as shipped). `relevance_order()` then adds
a term-proximity score (proximity.py) to the best BM25F documents and orders them: more
matched words, and words close together, rank higher unless one word's evidence is
overwhelming.
"""
from __future__ import annotations

import copy
import math
import re
import weakref
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh import query as wq

from . import facetspec, limits
from .models import SearchkitError
from .proximity import proximity_scores
from .request_schema import parse_day
from .store.columns import TEXT_FIELDS, decode

#: BM25F parameters, chosen on Cranfield, CISI and Reuters topics at once, leave one
#: collection out (benchmarks/bench_ranking.py --tune; the grid, the rule and the figures
#: are in benchmarks/README.md, "Ranking quality").
K1 = 1.5
B = 0.75
#: How much a word in each field weighs against the same word in the body text.
FIELD_WEIGHTS = {"title": 4.0, "text": 1.0}
#: Coordination: an OR of words multiplies a document's score by (matched share of the
#: words' idf) ** COORDINATION. Off: on all three collections it only lowered the figures
#: (long questions match no document fully); BM25's sum and proximity already rank more
#: words, and words close together, first.
COORDINATION = 0.0
#: Term proximity (proximity.py) added to BM25F, times this weight; 0 turns it off.
PROXIMITY_WEIGHT = 0.5
#: How many of the best BM25F documents get the proximity score (the rest keep BM25F
#: order below them): proximity reads token streams, so it is kept to the top.
PROXIMITY_CANDIDATES = 50


class Evaluator:
    """Evaluates whoosh queries against one snapshot (with its bound facets)."""

    def __init__(self, snapshot, facets):
        self.snapshot, self.facets = snapshot, facets
        self.n_live = max(snapshot.live_count, 1)
        self.warnings: list[str] = []
        self.expansions = limits.Expansions()  # of the one query this evaluator evaluates

    def evaluate(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """(mask of matching live documents, score per document) for a query."""
        mask, scores = self._node(q)
        return mask & self.snapshot.live, scores

    def positive_terms(self, q: wq.Query) -> set[tuple[str, str]]:
        """The (field, term) pairs that make a document match: what snippets highlight."""
        if isinstance(q, wq.Not):
            return set()
        if isinstance(q, wq.AndNot):
            return self.positive_terms(q.a)
        if isinstance(q, wq.Term):
            return {(q.fieldname, q.text)}
        if isinstance(q, wq.MultiTerm) and q.fieldname in TEXT_FIELDS:
            return {(q.fieldname, t) for t in self._expanded(q)}
        if isinstance(q, wq.Phrase):
            return {(q.fieldname, w) for w in q.words}
        terms: set[tuple[str, str]] = set()
        for child in q.children():
            terms |= self.positive_terms(child)
        return terms

    # ------------------------------------------------------------ query nodes

    def _node(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(q, wq.Every):
            return self.snapshot.live.copy(), self._zeros()
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return self._none()
        field = getattr(q, "fieldname", None)
        if field is not None and field not in TEXT_FIELDS and not isinstance(q, wq.Phrase):
            return self._filter(q), self._zeros()
        if isinstance(q, wq.Term):
            return self._bm25f([(q.fieldname, q.text, q.boost)])
        if isinstance(q, wq.MultiTerm):
            return self._any(self._bm25f([(q.fieldname, t, q.boost)]) for t in self._expanded(q))
        if isinstance(q, wq.Phrase):
            return self._phrase(q)
        if isinstance(q, wq.AndNot):
            (pos, score), (neg, _) = self._node(q.a), self._node(q.b)
            return pos & ~neg, score
        if isinstance(q, wq.Not):
            neg, _ = self._node(q.query)
            return self.snapshot.live & ~neg, self._zeros()
        if isinstance(q, wq.AndMaybe):
            (req, score), (_, bonus) = self._node(q.a), self._node(q.b)
            return req, score + bonus
        if isinstance(q, wq.Require):
            (req, score), (must, _) = self._node(q.a), self._node(q.b)
            return req & must, score
        if isinstance(q, wq.And):
            return self._all(self._node(c) for c in q.subqueries)
        if isinstance(q, (wq.Or, wq.DisjunctionMax)):
            return self._coordinated(list(self._or_parts(q.subqueries)))
        raise limits.refuse(f"this query uses a construct searchkit cannot run ({type(q).__name__})")

    def _or_parts(self, queries):
        """Score an Or's children, one BM25F per word across the fields it is sought in;
        yields (mask, scores, weight), the weight being what coordination counts.

        whoosh flattens `(title:a OR text:a) OR (title:b OR text:b)` into one Or of four
        terms, so the plain terms are regrouped by word here.
        """
        words: dict[str, list[tuple[str, str, float]]] = {}
        for q in queries:
            if type(q) is wq.Term and q.fieldname in TEXT_FIELDS:
                words.setdefault(q.text, []).append((q.fieldname, q.text, q.boost))
            else:
                mask, scores = self._node(q)
                # Not a plain word (a phrase, a group): weighs what it can add, in idf units.
                yield mask, scores, float(scores.max(initial=0.0)) / (K1 + 1.0)
        for terms in words.values():
            yield self._weighted_bm25f(terms)

    def _coordinated(self, parts):
        """Combine an Or's parts: summed scores times the matched share of the parts'
        weights to the power COORDINATION (Lucene's classic coord factor, weighted by idf
        so that a rare word still outweighs a common one)."""
        mask, scores = self._any((m, s) for m, s, _ in parts)
        if COORDINATION == 0 or len(parts) < 2:
            return mask, scores
        matched, total = self._zeros(), 0.0
        for part_mask, _, weight in parts:
            matched += np.float32(weight) * part_mask
            total += weight
        if total > 0:
            scores *= (matched / np.float32(total)) ** np.float32(COORDINATION)
        return mask, scores

    def _bm25f(self, terms: list[tuple[str, str, float]]) -> tuple[np.ndarray, np.ndarray]:
        mask, scores, _ = self._weighted_bm25f(terms)
        return mask, scores

    def _weighted_bm25f(self, terms: list[tuple[str, str, float]]):
        """BM25F of one word over several fields: (mask, scores, idf times boost).

        Field frequencies are length-normalised, weighted and summed before one saturation,
        so a word found in both title and text is not counted as two words."""
        # A boost multiplies the word's score (whoosh's and Lucene's meaning; a word repeated
        # in the query counts that many times); boosts that differ between the fields of
        # one word act inside, like field weights.
        boost = max(b for _, _, b in terms)
        pseudo = self._zeros()
        for field, text, field_boost in terms:
            docs, freqs = self.snapshot.fields[field].lookup(_text(text))
            if len(docs) and field_boost > 0:
                lengths = self.snapshot.fields[field].lengths[docs]
                norm = 1.0 - B + B * lengths / average_length(self.snapshot, field)
                pseudo[docs] += field_boost / boost * FIELD_WEIGHTS.get(field, 1.0) * freqs / norm
        mask = (pseudo > 0) & self.snapshot.live
        df = int(np.count_nonzero(mask))
        idf = math.log(1.0 + (self.n_live - df + 0.5) / (df + 0.5))
        # boost * idf * (K1 + 1) * pseudo / (pseudo + K1), in float32, without temporaries
        scores = pseudo * (boost * idf * (K1 + 1.0))
        np.divide(scores, pseudo + K1, out=scores)
        return mask, scores, boost * idf

    def _phrase(self, q: wq.Phrase):
        words = [_text(w) for w in q.words]
        if not words:
            return self._none()
        mask, scores = self._all(self._bm25f([(q.fieldname, w, q.boost)]) for w in words)
        view = self.snapshot.fields[q.fieldname]
        # whoosh reads any number after "..."~; no gap in a document is longer than 2**31
        slop = min(max(int(getattr(q, "slop", 1)), 1), 2 ** 31)
        distinct = list(dict.fromkeys(words))
        for doc in np.flatnonzero(mask):
            found = dict(zip(distinct, view.positions(int(doc), distinct)))
            if not _in_sequence([found[w] for w in words], slop):
                mask[doc] = False
        return mask, np.where(mask, scores, 0).astype(np.float32)

    # ------------------------------------------------------------ expansions

    def _expanded(self, q: wq.MultiTerm) -> list[str]:
        """The index terms a prefix, wildcard, fuzzy or range term stands for, within the
        query's limits (limits.Expansions); each term is expanded once per query."""
        key, what = repr(q), str(q)
        known = self.expansions.known(key)
        if known is not None:
            return known
        view = self.snapshot.fields[q.fieldname]
        if isinstance(q, wq.FuzzyTerm):
            terms = self._fuzzy(q, view)
        elif isinstance(q, wq.TermRange):
            lo = 0 if q.start is None else np.searchsorted(view.vocab, _key(q.start), side="right" if q.startexcl else "left")
            hi = len(view.vocab) if q.end is None else np.searchsorted(view.vocab, _key(q.end), side="left" if q.endexcl else "right")
            self.expansions.check(max(hi - lo, 0), what)
            terms = [decode(t) for t in view.vocab[lo:max(hi, lo)]]
        elif isinstance(q, wq.Prefix):
            lo, hi = _prefix_span(view.vocab, _text(q.text))
            self.expansions.check(hi - lo, what)
            terms = [decode(t) for t in view.vocab[lo:hi]]
        elif isinstance(q, wq.Wildcard):
            text = _text(q.text)
            head = re.split(r"[*?]", text, maxsplit=1)[0]
            pattern = _wildcard_pattern(text)
            terms = [t for t in _scanned(view, head, self.expansions, what) if pattern.fullmatch(t)]
        else:
            raise limits.refuse(f"this query uses a construct searchkit cannot run ({type(q).__name__})")
        return self.expansions.add(key, terms, what)

    def _fuzzy(self, q: wq.FuzzyTerm, view) -> list[str]:
        text, prefix = _text(q.text), int(q.prefixlength)
        candidates = _scanned(view, text[:prefix], self.expansions, str(q))
        found = process.extract(text, candidates, scorer=Levenshtein.distance,
                                score_cutoff=int(q.maxdist), limit=limits.MAX_FUZZY_EXPANSIONS)
        return [term for term, _, _ in found]

    # ------------------------------------------------------------ facet prefixes

    def _filter(self, q: wq.Query) -> np.ndarray:
        """A facet prefix (person:, month:, source:, ...), `id:` or `date:` as a filter."""
        field = q.fieldname
        if field == "id" and isinstance(q, wq.Term):
            found = self.snapshot.find([_text(q.text)])
            return self._docs(found[found >= 0])
        if field in ("date", "dates"):
            return self._dates(q)
        if field not in facetspec.BY_NAME:
            return self._none()[0]
        facet = self.facets[field]
        # a value not found as spelled is sought among all the facet's values
        self.expansions.scan(len(getattr(facet, "values", ())), str(q))
        if isinstance(q, wq.Term):
            selection, warnings = facet.select([_text(q.text)])
            self.warnings.extend(warnings)
            return facet.mask(selection)
        if isinstance(q, wq.Prefix) and hasattr(facet, "values"):
            start = _text(q.text).lower()
            chosen = np.array([i for i, v in enumerate(facet.values) if v.lower().startswith(start)
                               or any(w.startswith(start) for w in v.lower().split())], dtype=np.int64)
            return facet.mask(chosen)
        if hasattr(facet, "values"):
            raise limits.refuse(f"{field}: only a value or a prefix (value*) can follow it")
        raise limits.refuse(f"{field}: only a whole value can follow it, not {q}")

    def _dates(self, q: wq.Query) -> np.ndarray:
        days = self.snapshot.days
        try:
            if isinstance(q, wq.Term):
                low, high = parse_day(_text(q.text)), parse_day(_text(q.text), end=True)
            elif isinstance(q, wq.TermRange):
                low = parse_day(q.start) if q.start else -10 ** 9
                high = parse_day(q.end, end=True) if q.end else 10 ** 9
            else:
                raise ValueError
        except ValueError:
            raise limits.refuse(f"{q}: dates are written YYYY, YYYY-MM or YYYY-MM-DD, "
                                "and ranges date:[2024-01 TO 2024-03]") from None
        return (days >= 0) & (days >= low) & (days <= high)

    # ------------------------------------------------------------ combining

    def _docs(self, docs: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.snapshot.size, dtype=bool)
        mask[docs] = True
        return mask

    def _all(self, parts):
        mask, scores = None, self._zeros()
        for part_mask, part_scores in parts:
            mask = part_mask if mask is None else mask & part_mask
            scores += part_scores
        return (self.snapshot.live.copy() if mask is None else mask), scores

    def _any(self, parts):
        mask, scores = np.zeros(self.snapshot.size, dtype=bool), self._zeros()
        for part_mask, part_scores in parts:
            mask |= part_mask
            scores += part_scores
        return mask, scores

    def _zeros(self) -> np.ndarray:
        return np.zeros(self.snapshot.size, dtype=np.float32)

    def _none(self):
        return np.zeros(self.snapshot.size, dtype=bool), self._zeros()


def _in_sequence(positions: list[np.ndarray], slop: int) -> bool:
    """True when the words occur in order, each within `slop` positions of the one before.

    Positions are sorted, so each step is a binary search per position: memory and time
    stay linear in the positions (a pairwise matrix grew with the square of a word's
    repetitions).
    """
    starts = positions[0]
    for following in positions[1:]:
        if not len(starts) or not len(following):
            return False
        # a following position f continues a sequence when some start s has f - slop <= s < f
        first = np.searchsorted(starts, following - slop, side="left")
        nearest = starts[np.minimum(first, len(starts) - 1)]
        starts = following[(first < len(starts)) & (nearest < following)]
    return bool(len(starts))


def _prefix_span(vocab: np.ndarray, prefix: str) -> tuple[int, int]:
    """The slice of the sorted `vocab` whose words start with `prefix`."""
    key = _key(prefix)
    return int(np.searchsorted(vocab, key)), int(np.searchsorted(vocab, key + b"\xff"))


def _scanned(view, head: str, expansions: limits.Expansions, what: str) -> list[str]:
    """The words of a field that a fuzzy or wildcard term starting with `head` compares
    itself with, charged to the query's budget before they are decoded."""
    if not head:
        expansions.scan(len(view.vocab), what)
        return view.strings
    lo, hi = _prefix_span(view.vocab, head)
    expansions.scan(hi - lo, what)
    return [decode(t) for t in view.vocab[lo:hi]]


def _wildcard_pattern(text: str) -> re.Pattern:
    """A wildcard (* any run of characters, ? one) as an expression for `fullmatch` that
    cannot backtrack badly: each part between stars is taken at its first occurrence, in
    an atomic group, which is always right for a glob. (`.*a.*a.*a.*c` backtracks for
    minutes on a long run of a's.)"""
    def part(chars: str) -> str:
        return ".".join(re.escape(piece) for piece in chars.split("?"))

    parts = text.split("*")
    if len(parts) == 1:
        return re.compile(part(text), re.DOTALL)
    middle = "".join(f"(?>.*?{part(p)})" for p in parts[1:-1] if p)
    return re.compile(part(parts[0]) + middle + ".*" + part(parts[-1]), re.DOTALL)


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _key(value) -> bytes:
    return _text(value).encode("utf-8", "surrogatepass")


def top_documents(mask: np.ndarray, keys: np.ndarray, count: int | None, tiebreak: np.ndarray,
                  descending: bool = True) -> np.ndarray:
    """The docnums of the `count` (None: all) best documents in `mask` by `keys`; ties go
    to the lower `tiebreak` (the id order, so results do not depend on segment order)."""
    candidates = np.flatnonzero(mask)
    if len(candidates) == 0 or (count is not None and count <= 0):
        return candidates[:0]
    values = keys[candidates]
    if descending:  # ~x, not -x, for integers: -(-2**63) overflows
        order_keys = ~values if values.dtype.kind in "iu" else -values
    else:
        order_keys = values
    if count is not None and count < len(candidates):
        # argpartition finds the best `count` cheaply; ties at the cut are resolved below.
        cut = np.partition(order_keys, count - 1)[count - 1]
        keep = order_keys <= cut
        candidates, order_keys = candidates[keep], order_keys[keep]
    order = np.lexsort((tiebreak[candidates], order_keys))
    return candidates[order][:count]


def relevance_order(snapshot, mask: np.ndarray, scores: np.ndarray, count: int | None,
                    q: wq.Query | None) -> np.ndarray:
    """The docnums of the `count` (None: all) best documents in `mask`, best first.

    The best PROXIMITY_CANDIDATES by BM25F (`scores`) get the proximity score of the
    query's words added (in place in `scores`, so hits show the score they were ranked by)
    and are ordered by it; the rest follow in BM25F order, which the bonus cannot cross.
    The set re-ranked does not depend on `count`, so pages agree. Ties go to the id order.

    >>> relevance_order(snapshot, m.final, m.scores, 10, build_query(request))  # doctest: +SKIP
    """
    words = query_words(q) if q is not None else []
    if len(words) < 2 or PROXIMITY_WEIGHT <= 0 or PROXIMITY_CANDIDATES <= 0:
        return top_documents(mask, scores, count, snapshot.id_rank)
    if count is not None and count <= 0:
        return np.zeros(0, dtype=np.int64)
    head = top_documents(mask, scores, PROXIMITY_CANDIDATES, snapshot.id_rank)
    bonus = proximity_scores(snapshot, head, words, k1=K1, b=B, field_weights=FIELD_WEIGHTS,
                             avg_lengths={f: average_length(snapshot, f) for f in FIELD_WEIGHTS})
    scores[head] += (PROXIMITY_WEIGHT * bonus).astype(scores.dtype)
    head = head[np.lexsort((snapshot.id_rank[head], -scores[head]))]
    if count is not None and count <= len(head):
        return head[:count]
    rest = mask.copy()
    rest[head] = False
    more = None if count is None else count - len(head)
    return np.concatenate([head, top_documents(rest, scores, more, snapshot.id_rank)])


def weigh_repeats(q: wq.Query) -> wq.Query:
    """An unnormalised whoosh query with repeated alternatives merged into one whose words
    are boosted by the count: BM25's query term frequency, which normalising would drop
    ("titles ... titles" weighs a word twice in FTS5, bm25s and the BM25 papers).

    >>> str(weigh_repeats(parser.parse("war of wars", normalize=False)).normalize())  # doctest: +SKIP
    '(title:war^2.0 OR text:war^2.0)'
    """
    if not q.is_leaf():
        q = q.apply(weigh_repeats)
    if type(q) not in (wq.And, wq.Or):
        return q
    repeats: dict[Any, list] = {}  # key -> [first child, count], in query order
    for child in q.subqueries:
        seen = repeats.setdefault(_repeat_key(child), [child, 0])
        seen[1] += 1
    merged = copy.copy(q)  # keeps the group's own settings (boost, minmatch, scale)
    merged.subqueries = [_scaled(child, n) for child, n in repeats.values()]
    return merged


def _repeat_key(q: wq.Query) -> Any:
    """What makes two alternatives the same: a word, or a group of words (a word sought
    in title and text). Deeper groups are never merged: whoosh compares and hashes them
    by walking the whole subtree, which a hostile query nests thousands deep."""
    if q.is_leaf():
        return q
    children = tuple(q.children())
    if all(child.is_leaf() for child in children):
        return (type(q), q.boost, children)
    return id(q)


def _scaled(q: wq.Query, factor: float) -> wq.Query:
    """The query with the boost of every leaf multiplied (the evaluator reads leaf boosts)."""
    if factor == 1:
        return q
    if not q.is_leaf():
        return q.apply(lambda child: _scaled(child, factor))
    return q.with_boost(q.boost * factor)


def query_words(q: wq.Query) -> list[str]:
    """The distinct plain words a document must or may hold for the query (in query
    order): what proximity measures. Excluded words, expansions and facet prefixes are not."""
    if isinstance(q, (wq.Not, wq.AndNot)):
        return query_words(q.a) if isinstance(q, wq.AndNot) else []
    if isinstance(q, wq.Term):
        return [_text(q.text)] if q.fieldname in TEXT_FIELDS else []
    if isinstance(q, wq.Phrase):
        return [_text(w) for w in q.words] if q.fieldname in TEXT_FIELDS else []
    if isinstance(q, wq.MultiTerm):
        return []
    words = []
    for child in q.children():
        words.extend(w for w in query_words(child) if w not in words)
    return words


#: Average field lengths per snapshot (a snapshot's documents never change).
_AVERAGES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def average_length(snapshot, field: str) -> float:
    """Average length of the field over the live documents that have it (titles are
    often missing; counting those as zero would punish every titled document)."""
    cached = _AVERAGES.setdefault(snapshot, {})
    if field not in cached:
        lengths = snapshot.fields[field].lengths[snapshot.live]
        present = lengths[lengths > 0]
        cached[field] = float(present.mean()) if len(present) else 1.0
    return cached[field]


__all__ = ["B", "COORDINATION", "Evaluator", "FIELD_WEIGHTS", "K1", "PROXIMITY_CANDIDATES",
           "PROXIMITY_WEIGHT", "SearchkitError", "average_length", "query_words",
           "relevance_order", "top_documents", "weigh_repeats"]
