"""Term proximity: a score for how close together a document holds the query's words.

It follows Büttcher, Clarke & Lushman, "Term proximity scoring for ad-hoc retrieval on very
large text collections" (SIGIR 2006), itself a variant of Rasolofo & Savoy's BM25TP (ECIR
2003). Walking a document's occurrences of query words in order, each pair of neighbouring
occurrences of two different words at distance d adds idf(other word) / d² to an
accumulator of each of the two words; each word's accumulator is then saturated like a BM25
term frequency and weighted by min(1, idf):

    prox(D) = sum over words t of  min(1, idf_t) * acc_t * (k1 + 1) / (acc_t + K_D)

The ranking adds prox to BM25. One change: a pair counts only when its two words are next
to each other in the query (after stop words), as in Metzler & Croft's sequential dependence
model ("A Markov random field model for term dependencies", SIGIR 2005); for two-word queries
nothing changes, for long questions it keeps chance neighbours of unrelated query words out
(on Cranfield and CISI it ranked better than counting every pair: benchmarks/README.md). As for term frequencies in ranking.Evaluator (BM25F), the
accumulators of the title and the text are length-normalised per field and weighted by the
field's weight before one saturation. A document that holds one query word, or holds them
far apart, gets nothing or nearly nothing, so the score also rewards matching more words.

Positions come from the per-document token streams of the store (stop words are not in them,
so "exchange of prisoners" is distance 1). Only the documents given are read, and only those
holding two or more of the words in a field have their token stream scanned, all of them in
one vectorised pass per segment.
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
    """BM25's idf of each word, its document frequency taken in the field that holds it most
    often (a cheap stand-in for the union over fields: here idf only weighs neighbours)."""
    per_field = []
    for field, per_segment in ordinals.items():
        df = np.zeros(len(per_segment[0]) if per_segment else 0, dtype=np.int64)
        for segment, found in zip(snapshot.segments, per_segment):
            offsets = segment.array(f"{field}.term_offsets")
            held = found >= 0
            df[held] += offsets[found[held] + 1] - offsets[found[held]]
        per_field.append(df)
    df = np.max(per_field, axis=0).astype(np.float64)
    n = max(snapshot.live_count, 1)
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _accumulators(snapshot, field: str, docs: np.ndarray, ordinals: list[np.ndarray],
                  idf: np.ndarray) -> np.ndarray | None:
    """Büttcher's accumulator of every (document, word) in one field; None when no
    document holds two of the words in it."""
    out = None
    segment_of = np.searchsorted(snapshot.bases, docs, side="right") - 1
    for i in np.unique(segment_of):
        if (ordinals[i] >= 0).sum() < 2:
            continue
        chosen = np.flatnonzero(segment_of == i)
        segment = snapshot.segments[i]
        rows = docs[chosen] - snapshot.bases[i]
        several = _holding_two_or_more(segment, field, rows, ordinals[i])
        if not several.any():
            continue
        chosen, rows = chosen[several], rows[several]
        doc, position, word = _occurrences(segment, field, rows, ordinals[i])
        if out is None:
            out = np.zeros((len(docs), len(idf)))
        _add_neighbours(out, chosen[doc], position, word, idf)
    return out


def _holding_two_or_more(segment, field: str, rows: np.ndarray, ordinals: np.ndarray) -> np.ndarray:
    """Which of `rows` hold at least two distinct words in the field (from the postings, so
    token streams are read only where a neighbouring pair can exist)."""
    held = np.zeros(len(rows), dtype=np.int64)
    for ordinal in ordinals[ordinals >= 0]:
        posting_rows, _ = segment.postings(field, int(ordinal))
        if len(posting_rows) == 0:
            continue
        at = np.minimum(np.searchsorted(posting_rows, rows), len(posting_rows) - 1)
        held += posting_rows[at] == rows
    return held >= 2


def _occurrences(segment, field: str, rows: np.ndarray, ordinals: np.ndarray):
    """(index into rows, position, word index) of every query-word token of the rows, in
    row order then position order."""
    offsets = segment.array(f"{field}.offsets")
    starts = np.asarray(offsets[rows], dtype=np.int64)
    lengths = np.asarray(offsets[rows + 1], dtype=np.int64) - starts
    run_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    position = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(run_starts, lengths)
    tokens = np.asarray(segment.array(f"{field}.values")[np.repeat(starts, lengths) + position])
    present = np.flatnonzero(ordinals >= 0)
    order = np.argsort(ordinals[present])
    sorted_ordinals, word_index = ordinals[present][order], present[order]
    at = np.minimum(np.searchsorted(sorted_ordinals, tokens), len(sorted_ordinals) - 1)
    hit = np.flatnonzero(sorted_ordinals[at] == tokens)
    doc = np.repeat(np.arange(len(rows)), lengths)[hit]
    return doc, position[hit], word_index[at[hit]]


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
