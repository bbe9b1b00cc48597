"""Term proximity: a score for how close together a document holds the query's words.

It follows Büttcher, Clarke & Lushman, "Term proximity scoring for ad-hoc retrieval on very
large text collections" (SIGIR 2006), itself a variant of Rasolofo & Savoy's BM25TP (ECIR
2003). Walking a document's occurrences of query words in order, each pair of neighbouring
occurrences of two different words at distance d adds idf(other word) / d² to an
accumulator of each of the two words; each word's accumulator is then saturated like a BM25
term frequency and weighted by min(1, idf):

    prox(D) = sum over words t of  min(1, idf_t) * acc_t * (k1 + 1) / (acc_t + K_D)

The ranking adds prox to BM25 (times ranking.PROXIMITY_WEIGHT). One change: a pair counts
only when its two words are next to each other in the query (after stop words), as in
Metzler & Croft's sequential dependence model ("A Markov random field model for term
dependencies", SIGIR 2005); for two-word queries nothing changes, for long questions it
keeps chance neighbours of unrelated query words out (on Cranfield and CISI it ranked better
than counting every pair: benchmarks/README.md). As for term frequencies in
ranking.Evaluator (BM25F), the accumulators of the title and the text are length-normalised
per field and weighted by the field's weight before one saturation. A document that holds
one query word, or holds them far apart, gets nothing or nearly nothing, so the score also
rewards matching more words.

Positions come from the per-document token streams of the store (stop words are not in them,
so "exchange of prisoners" is distance 1). Only the documents given are read: their token
streams are gathered and matched against the query's words in one vectorised pass per
segment and field.
"""
from __future__ import annotations

import numpy as np


def proximity_scores(snapshot, docs: np.ndarray, words: list[str], *, k1: float, b: float,
                     field_weights: dict[str, float], avg_lengths: dict[str, float]) -> np.ndarray:
    """The proximity score of each of `docs` (global docnums) for the query's `words`.

    >>> proximity_scores(snapshot, np.array([3, 7]), ["prison", "exchang"], k1=1.2, b=0.75,
    ...                  field_weights={"text": 1.0}, avg_lengths={"text": 250.0})  # doctest: +SKIP
    array([1.83, 0.  ])
    """
    docs = np.asarray(docs, dtype=np.int64)
    if len(words) < 2 or len(docs) == 0:
        return np.zeros(len(docs))
    # Each word's ordinal in every segment's vocabulary of every field, looked up once.
    ordinals = {field: [np.array([s.term_ordinal(field, w) for w in words], dtype=np.int64)
                        for s in snapshot.segments] for field in field_weights}
    idf = _idf(snapshot, ordinals)
    acc = np.zeros((len(docs), len(words)))
    for field, weight in field_weights.items():
        raw = _accumulators(snapshot, field, docs, ordinals[field], idf)
        if raw is None:
            continue
        lengths = snapshot.fields[field].lengths[docs]
        norm = 1.0 - b + b * lengths / avg_lengths[field]
        acc += weight * raw / norm[:, None]
    saturated = acc * (k1 + 1.0) / (acc + k1)
    return saturated @ np.minimum(1.0, idf)


def _idf(snapshot, ordinals: dict[str, list[np.ndarray]]) -> np.ndarray:
    """BM25's idf of each word over the live documents, its document frequency taken in the
    field that holds it most often (a cheap stand-in for the union over fields: here idf
    only weighs neighbours)."""
    per_field = []
    for field, per_segment in ordinals.items():
        df = np.zeros(len(per_segment[0]), dtype=np.int64)
        for i, (segment, found) in enumerate(zip(snapshot.segments, per_segment)):
            present = np.flatnonzero(found >= 0)
            offsets = np.asarray(segment.array(f"{field}.term_offsets"))
            starts, ends = offsets[found[present]], offsets[found[present] + 1]
            df[present] += ends - starts
            gone = snapshot.deleted_mask(i)
            if gone.any():  # deleted rows stay in a segment's postings until a merge
                docs = np.asarray(segment.array(f"{field}.docs"))
                for word, start, end in zip(present.tolist(), starts.tolist(), ends.tolist()):
                    df[word] -= int(np.count_nonzero(gone[docs[start:end]]))
        per_field.append(df)
    df = np.max(per_field, axis=0).astype(np.float64)
    n = max(snapshot.live_count, 1)
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _accumulators(snapshot, field: str, docs: np.ndarray, ordinals: list[np.ndarray],
                  idf: np.ndarray) -> np.ndarray | None:
    """Büttcher's accumulator of every (document, word) in one field; None when no
    segment holds two of the words in it."""
    # Each segment only gathers its documents' tokens (its own vocabulary); the matching
    # is one pass over all of them: the numpy calls per segment, not the tokens, were the
    # cost (50 candidates of a 4-segment index: ~30 us a segment).
    by_doc = np.argsort(docs, kind="stable")
    bounds = np.searchsorted(docs[by_doc], snapshot.bases).tolist()  # segments are docnum ranges
    words, lengths, chosen = [], [], []
    for i, (lo, hi) in enumerate(zip(bounds, bounds[1:])):
        if hi > lo and np.count_nonzero(ordinals[i] >= 0) >= 2:
            rows = by_doc[lo:hi]
            word, length = _query_words_in(snapshot.segments[i], field,
                                           docs[rows] - snapshot.bases[i], ordinals[i])
            words.append(word)
            lengths.append(length)
            chosen.append(rows)
    if not words:
        return None
    word, lengths, chosen = np.concatenate(words), np.concatenate(lengths), np.concatenate(chosen)
    at = np.flatnonzero(word >= 0)  # query-word tokens, in row order then position order
    ends = np.cumsum(lengths)
    row = np.searchsorted(ends, at, side="right")
    out = np.zeros((len(docs), len(idf)))
    _add_neighbours(out, chosen[row], at - (ends - lengths)[row], word[at], idf)
    return out


def _query_words_in(segment, field: str, rows: np.ndarray, ordinals: np.ndarray):
    """(the query word index of every token of the rows, -1 for other words; the rows'
    token counts), the rows' tokens one after another."""
    # Plain views of the memory maps: slicing a memmap object costs more than the work here.
    offsets = np.asarray(segment.array(f"{field}.offsets"))
    tokens = np.asarray(segment.array(f"{field}.values"))
    starts, ends = offsets[rows], offsets[rows + 1]
    stream = np.concatenate([tokens[a:b] for a, b in zip(starts.tolist(), ends.tolist())])
    word = np.full(len(stream), -1, dtype=np.int64)
    for w in np.flatnonzero(ordinals >= 0).tolist():
        word[stream == ordinals[w]] = w
    return word, ends - starts


def _add_neighbours(out: np.ndarray, doc: np.ndarray, position: np.ndarray, word: np.ndarray,
                    idf: np.ndarray) -> None:
    """Add idf(other) / distance² to both words of every neighbouring pair of occurrences of
    different words in the same document."""
    # Only words next to each other in the query make a pair (Metzler & Croft's sequential
    # dependence): in a long query, two of its words close together in a document is no
    # evidence unless the query put them together too.
    pair = (doc[1:] == doc[:-1]) & (np.abs(word[1:] - word[:-1]) == 1)
    left, right = word[:-1][pair], word[1:][pair]
    where = doc[1:][pair]
    closeness = 1.0 / (position[1:][pair] - position[:-1][pair]).astype(np.float64) ** 2
    np.add.at(out, (where, left), idf[right] * closeness)
    np.add.at(out, (where, right), idf[left] * closeness)


__all__ = ["proximity_scores"]
