"""Match and rank a parsed whoosh query on the index's numpy postings (see arrays.py).

`evaluate(q)` walks the query tree once and returns a boolean mask of matching documents
and a BM25 score per document. Term, And, Or, AndNot, Not and multi-term nodes (fuzzy,
prefix, wildcard: expanded to their index terms) run on the arrays; a phrase is matched by
whoosh (it needs positions) and scored as the sum of its words.
"""
from __future__ import annotations

import math

import numpy as np
from whoosh import query as wq

from .arrays import IndexArrays

#: BM25F parameters, tuned on Cranfield and checked on Reuters topics
#: (benchmarks/bench_ranking.py): per-word BM25F wants a larger K1 than the usual 1.2.
K1 = 2.0
B = 0.75
#: How much a word in each field weighs against the same word in the body text (4x beat
#: 2x and 6x for titles on both collections).
FIELD_WEIGHTS = {"title": 4.0, "text": 1.0}


class Evaluator:
    """Evaluates whoosh queries against one generation's arrays."""

    def __init__(self, arrays: IndexArrays, searcher):
        self.arrays = arrays
        self.searcher = searcher
        self.n_live = max(int(arrays.live.sum()), 1)
        self._avg_length: dict[str, float] = {}

    def evaluate(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """(mask of matching live documents, score per document) for a query."""
        mask, scores = self._node(q)
        return mask & self.arrays.live, scores

    def positive_terms(self, q: wq.Query) -> set[tuple[str, str]]:
        """The (field, text) terms that make a document match: what snippets highlight."""
        if isinstance(q, (wq.Not,)):
            return set()
        if isinstance(q, wq.AndNot):
            return self.positive_terms(q.a)
        if isinstance(q, wq.Term):
            return {(q.fieldname, q.text)}
        if isinstance(q, wq.MultiTerm):
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
            return self.arrays.live.copy(), self._zeros()
        if q is wq.NullQuery:
            return self._none()
        if isinstance(q, wq.Term):
            return self._term(q.fieldname, q.text, q.boost)
        if isinstance(q, wq.MultiTerm):
            return self._any(self._term(q.fieldname, t, q.boost) for t in self._expanded(q))
        if isinstance(q, wq.Phrase):
            return self._phrase(q)
        if isinstance(q, wq.AndNot):
            (pos, score), (neg, _) = self._node(q.a), self._node(q.b)
            return pos & ~neg, score
        if isinstance(q, wq.Not):
            neg, _ = self._node(q.query)
            return self.arrays.live & ~neg, self._zeros()
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
        return self._by_whoosh(q)

    def _or_parts(self, queries):
        """Score an Or's children, one BM25F per word across the fields it is sought in.

        whoosh flattens `(title:a OR text:a) OR (title:b OR text:b)` into one Or of four
        terms, so the plain terms are regrouped by word here.
        """
        words: dict[str, list[wq.Term]] = {}
        for q in queries:
            if type(q) is wq.Term and q.fieldname in self.arrays.postings:
                words.setdefault(q.text, []).append(q)
            else:
                yield self._node(q)
        for terms in words.values():
            yield self._bm25f(terms)

    def _term(self, field: str, text, boost: float) -> tuple[np.ndarray, np.ndarray]:
        if field not in self.arrays.postings:
            return self._by_whoosh(wq.Term(field, text, boost=boost))
        return self._bm25f([wq.Term(field, text, boost=boost)])

    def _bm25f(self, terms: list[wq.Term]) -> tuple[np.ndarray, np.ndarray]:
        """BM25F of one word over several fields: field frequencies are length-normalised,
        weighted and summed before one saturation, so a word found in both title and text
        is not counted as two words."""
        pseudo = self._zeros()
        for term in terms:
            text = term.text.decode("utf-8") if isinstance(term.text, bytes) else term.text
            docs, freqs = self.arrays.postings[term.fieldname].lookup(text)
            if len(docs):
                lengths = self.arrays.postings[term.fieldname].lengths[docs]
                norm = 1.0 - B + B * lengths / self._avg(term.fieldname)
                weight = term.boost * FIELD_WEIGHTS.get(term.fieldname, 1.0)
                pseudo[docs] += weight * freqs / norm
        mask = (pseudo > 0) & self.arrays.live
        df = int(mask.sum())
        idf = math.log(1.0 + (self.n_live - df + 0.5) / (df + 0.5))
        return mask, (idf * (K1 + 1.0) * pseudo / (pseudo + K1)).astype(np.float32)

    def _avg(self, field: str) -> float:
        """Average length of the field over the documents that have it (titles are often
        missing; counting those as zero would punish every titled document)."""
        if field not in self._avg_length:
            lengths = self.arrays.postings[field].lengths[self.arrays.live]
            present = lengths[lengths > 0]
            self._avg_length[field] = float(present.mean()) if len(present) else 1.0
        return self._avg_length[field]

    def _phrase(self, q: wq.Phrase):
        words = self._all(self._term(q.fieldname, w, q.boost) for w in q.words)
        exact, _ = self._by_whoosh(q)
        return words[0] & exact, words[1]

    def _expanded(self, q: wq.MultiTerm) -> list[str]:
        return [t.decode("utf-8") if isinstance(t, bytes) else t
                for t in q._btexts(self.searcher.reader())]

    def _by_whoosh(self, q: wq.Query):
        docs = np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)
        return self.arrays.docs_with(docs), self._zeros()

    def _all(self, parts):
        mask, scores = None, self._zeros()
        for part_mask, part_scores in parts:
            mask = part_mask if mask is None else mask & part_mask
            scores += part_scores
        return (self.arrays.live.copy() if mask is None else mask), scores

    def _any(self, parts):
        mask, scores = np.zeros(self.arrays.size, dtype=bool), self._zeros()
        for part_mask, part_scores in parts:
            mask |= part_mask
            scores += part_scores
        return mask, scores

    def _zeros(self) -> np.ndarray:
        return np.zeros(self.arrays.size, dtype=np.float32)

    def _none(self):
        return np.zeros(self.arrays.size, dtype=bool), self._zeros()


def top_documents(mask: np.ndarray, keys: np.ndarray, count: int,
                  descending: bool = True) -> np.ndarray:
    """The docnums of the `count` best documents in `mask` by `keys`, ties by docnum."""
    candidates = np.flatnonzero(mask)
    if len(candidates) == 0 or count <= 0:
        return candidates[:0]
    values = keys[candidates]
    order_keys = -values if descending else values
    if count < len(candidates):
        # argpartition finds the best `count` cheaply; ties at the cut are resolved below.
        cut = np.partition(order_keys, count - 1)[count - 1]
        keep = order_keys <= cut
        candidates, order_keys = candidates[keep], order_keys[keep]
    order = np.lexsort((candidates, order_keys))
    return candidates[order][:count]
