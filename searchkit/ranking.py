"""Match and rank a parsed whoosh query on the store's columns.

`Evaluator.evaluate(q)` walks the query tree once and returns a boolean mask of matching
documents and a BM25F score per document. Words are looked up in each segment's sorted
vocabulary; phrases are checked on the token streams (positions); prefix, wildcard, fuzzy
and range terms expand over the index's vocabulary within the limits of limits.py; facet
prefixes (person:, place:, event:, month:, ...) become facet filters.
"""
from __future__ import annotations

import math
import re

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh import query as wq

from . import facetspec, limits
from .models import SearchkitError
from .request_schema import parse_day
from .store.columns import TEXT_FIELDS, decode

#: BM25F parameters, tuned on Cranfield and checked on Reuters topics
#: (benchmarks/bench_ranking.py): per-word BM25F wants a larger K1 than the usual 1.2.
K1 = 2.0
B = 0.75
#: How much a word in each field weighs against the same word in the body text.
FIELD_WEIGHTS = {"title": 4.0, "text": 1.0}


class Evaluator:
    """Evaluates whoosh queries against one snapshot (with its bound facets)."""

    def __init__(self, snapshot, facets):
        self.snapshot, self.facets = snapshot, facets
        self.n_live = max(snapshot.live_count, 1)
        self._avg_length: dict[str, float] = {}
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
            return self._any(self._or_parts(q.subqueries))
        raise limits.refuse(f"this query uses a construct searchkit cannot run ({type(q).__name__})")

    def _or_parts(self, queries):
        """Score an Or's children, one BM25F per word across the fields it is sought in.

        whoosh flattens `(title:a OR text:a) OR (title:b OR text:b)` into one Or of four
        terms, so the plain terms are regrouped by word here.
        """
        words: dict[str, list[tuple[str, str, float]]] = {}
        for q in queries:
            if type(q) is wq.Term and q.fieldname in TEXT_FIELDS:
                words.setdefault(q.text, []).append((q.fieldname, q.text, q.boost))
            else:
                yield self._node(q)
        for terms in words.values():
            yield self._bm25f(terms)

    def _bm25f(self, terms: list[tuple[str, str, float]]) -> tuple[np.ndarray, np.ndarray]:
        """BM25F of one word over several fields: field frequencies are length-normalised,
        weighted and summed before one saturation, so a word found in both title and text
        is not counted as two words."""
        pseudo = self._zeros()
        for field, text, boost in terms:
            docs, freqs = self.snapshot.fields[field].lookup(_text(text))
            if len(docs):
                lengths = self.snapshot.fields[field].lengths[docs]
                norm = 1.0 - B + B * lengths / self._avg(field)
                pseudo[docs] += boost * FIELD_WEIGHTS.get(field, 1.0) * freqs / norm
        mask = (pseudo > 0) & self.snapshot.live
        df = int(mask.sum())
        idf = math.log(1.0 + (self.n_live - df + 0.5) / (df + 0.5))
        return mask, (idf * (K1 + 1.0) * pseudo / (pseudo + K1)).astype(np.float32)

    def _avg(self, field: str) -> float:
        """Average length of the field over the live documents that have it (titles are
        often missing; counting those as zero would punish every titled document)."""
        if field not in self._avg_length:
            lengths = self.snapshot.fields[field].lengths[self.snapshot.live]
            present = lengths[lengths > 0]
            self._avg_length[field] = float(present.mean()) if len(present) else 1.0
        return self._avg_length[field]

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


__all__ = ["B", "Evaluator", "FIELD_WEIGHTS", "K1", "SearchkitError", "top_documents"]
