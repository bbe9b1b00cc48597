"""One generation of an index as the query path reads it: segments side by side.

Documents are numbered across segments in manifest order (segment i's rows start at
`bases[i]`). Global views (live mask, dates, the pairs of a list column with one
vocabulary for the whole index) are built once per snapshot from the memory-mapped
segment arrays and cached; term lookups go to each segment's own sorted vocabulary.
Nothing here writes a file.
"""
from __future__ import annotations

import bisect
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from . import layout
from .columns import EXTRAS, TEXT_FIELDS, Segment, decode, encode
from .rows import NO_DATE
from .whoosh_store import StoredArticles


class ListView:
    """A list column over the whole snapshot: (doc, value) pairs with one vocabulary."""

    def __init__(self, docs: np.ndarray, values: np.ndarray, vocab: np.ndarray,
                 extras: dict[str, np.ndarray]):
        self.docs, self.values, self.vocab, self.extras = docs, values, vocab, extras

    def strings(self) -> list[str]:
        return [decode(v) for v in self.vocab]


class FieldView:
    """A text field over the whole snapshot: postings per term and field lengths."""

    def __init__(self, snapshot: "Snapshot", field: str):
        self.snapshot, self.field = snapshot, field

    def lookup(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Global docnums and frequencies of one term (in docnum order)."""
        docs, freqs = [], []
        for base, segment in zip(self.snapshot.bases, self.snapshot.segments):
            ordinal = segment.term_ordinal(self.field, term)
            if ordinal >= 0:
                rows, f = segment.postings(self.field, ordinal)
                docs.append(rows.astype(np.int64) + base)
                freqs.append(f)
        if not docs:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        return np.concatenate(docs), np.concatenate(freqs)

    @cached_property
    def lengths(self) -> np.ndarray:
        """Number of terms of the field in every document."""
        return self.snapshot.concat(lambda s: np.diff(s.array(f"{self.field}.offsets")))

    @cached_property
    def vocab(self) -> np.ndarray:
        """Every term of the field in the index, sorted, as UTF-8 bytes."""
        return np.unique(np.concatenate([s.array(f"{self.field}.vocab") for s in self.snapshot.segments]
                                        or [np.zeros(0, "S1")]))

    @cached_property
    def strings(self) -> list[str]:
        """The vocabulary decoded (fuzzy and wildcard terms scan it)."""
        return [decode(t) for t in self.vocab]

    def positions(self, doc: int, terms: list[str]) -> list[np.ndarray]:
        """The positions of each of `terms` in document `doc` (empty where absent)."""
        segment, row = self.snapshot.locate(doc)
        tokens = segment.tokens(self.field, row)
        out = []
        for term in terms:
            ordinal = segment.term_ordinal(self.field, term)
            out.append(np.flatnonzero(tokens == ordinal) if ordinal >= 0 else np.zeros(0, np.int64))
        return out


class Snapshot:
    """The segments of one generation, the stored articles, and cached global views."""

    def __init__(self, index_dir: Path, store: Path, articles: StoredArticles,
                 generation: int, manifest: dict[str, Any]):
        self.index_dir, self.store, self.articles = index_dir, store, articles
        self.generation, self.manifest = generation, manifest
        self.segments = [Segment(store / e["name"], e["docs"], e["files"])
                         for e in manifest["segments"]]
        sizes = [s.docs for s in self.segments]
        self.bases = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self._starts = [int(b) for b in self.bases[:-1]] or [0]
        self.size = int(self.bases[-1])
        self._deleted = [self._load_deleted(e) for e in manifest["segments"]]
        self._lists: dict[str, ListView] = {}
        self.fields = {f: FieldView(self, f) for f in TEXT_FIELDS}

    # ------------------------------------------------------------ checks

    def problems(self) -> list[str]:
        """Missing or truncated column and whoosh files (sizes only; `check` reads
        everything)."""
        found = [p for s in self.segments for p in s.problems()]
        return found + layout.size_problems(self.store, layout.whoosh_sizes(self.store, self.generation))

    def load_all(self) -> None:
        """Map every array now, so a writer sweeping replaced files cannot pull them away."""
        for segment in self.segments:
            for name in segment.files:
                segment.array(name[:-len(".npy")])

    # ------------------------------------------------------------ per-document views

    def concat(self, per_segment) -> np.ndarray:
        parts = [np.asarray(per_segment(s)) for s in self.segments]
        return np.concatenate(parts) if parts else np.zeros(0)

    @cached_property
    def live(self) -> np.ndarray:
        return np.concatenate([~d for d in self._deleted] or [np.zeros(0, bool)])

    @cached_property
    def live_count(self) -> int:
        return int(self.live.sum())

    @cached_property
    def dates(self) -> np.ndarray:
        """Seconds since 1970 per document (rows.NO_DATE when undated)."""
        return self.concat(lambda s: s.array("dates")).astype(np.int64)

    @cached_property
    def days(self) -> np.ndarray:
        """Days since 1970 per document, -1 when undated."""
        dates = self.dates
        return np.where(dates == NO_DATE, -1, dates // 86400).astype(np.int32)

    @cached_property
    def id_rank(self) -> np.ndarray:
        """Each document's position in id order: the tie-break of every ranking, so results
        do not depend on which run wrote which segment."""
        ids = self.concat(lambda s: s.array("ids"))
        rank = np.empty(len(ids), dtype=np.int64)
        rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
        return rank

    def list_view(self, column: str) -> ListView:
        view = self._lists.get(column)
        if view is None:
            view = self._lists[column] = self._build_list(column)
        return view

    def _build_list(self, column: str) -> ListView:
        vocabs = [s.array(f"{column}.vocab") for s in self.segments]
        vocab = np.unique(np.concatenate(vocabs)) if vocabs else np.zeros(0, "S1")
        docs, values = [], []
        for base, segment, own in zip(self.bases, self.segments, vocabs):
            rows, ordinals = segment.pairs(column)
            docs.append(rows + base)
            values.append(np.searchsorted(vocab, own).astype(np.int32)[ordinals])
        extras = {e: self.concat(lambda s, e=e: s.array(f"{column}.{e}"))
                  for e in EXTRAS.get(column, {})}
        empty = np.zeros(0, np.int64)
        return ListView(np.concatenate(docs) if docs else empty,
                        np.concatenate(values) if values else empty.astype(np.int32), vocab, extras)

    def doc_values(self, column: str, doc: int) -> list[str]:
        """The values of one document in a list column, in the order they were written."""
        segment, row = self.locate(doc)
        offsets = segment.array(f"{column}.offsets")
        vocab = segment.array(f"{column}.vocab")
        return [decode(vocab[o]) for o in segment.array(f"{column}.values")[offsets[row]:offsets[row + 1]]]

    def doc_extras(self, column: str, doc: int, extra: str) -> np.ndarray:
        segment, row = self.locate(doc)
        offsets = segment.array(f"{column}.offsets")
        return segment.array(f"{column}.{extra}")[offsets[row]:offsets[row + 1]]

    @cached_property
    def words(self) -> tuple[np.ndarray, np.ndarray]:
        """Every surface word of the index (sorted, UTF-8 bytes) and its document count."""
        vocab, where = np.unique(self.concat(lambda s: s.array("words.vocab")).astype("S"),
                                 return_inverse=True)
        df = np.zeros(len(vocab), dtype=np.int64)
        np.add.at(df, where, self.concat(lambda s: s.array("words.df")).astype(np.int64))
        return vocab, df

    # ------------------------------------------------------------ documents by id

    def locate(self, doc: int) -> tuple[Segment, int]:
        """The segment holding global document `doc`, and its row there."""
        i = bisect.bisect_right(self._starts, doc) - 1
        return self.segments[i], doc - self._starts[i]

    def id_of(self, doc: int) -> str:
        segment, row = self.locate(doc)
        return decode(segment.array("ids")[row])

    def hash_of(self, doc: int) -> str:
        segment, row = self.locate(doc)
        return decode(segment.array("hashes")[row])

    def find(self, ids: list[str]) -> np.ndarray:
        """The live docnum of each id, -1 where the index does not hold it."""
        keys = encode(ids) if ids else np.zeros(0, "S1")
        found = np.full(len(ids), -1, dtype=np.int64)
        for base, segment, deleted in zip(self.bases, self.segments, self._deleted):
            rows = segment.lookup(keys)
            hit = rows >= 0
            hit[hit] &= ~deleted[rows[hit]]
            found[hit] = rows[hit] + base
        return found

    def boilerplate(self, doc: int) -> list[tuple[int, int]] | None:
        """A document's boilerplate spans as stored with it (None: not stored)."""
        segment, row = self.locate(doc)
        return segment.boilerplate(row)

    def head(self, doc: int) -> list[str] | None:
        """[title, source, url] of a document (None: its segment keeps no heads)."""
        segment, row = self.locate(doc)
        return segment.head(row)

    def payload(self, doc: int) -> dict[str, Any] | None:
        """The stored article and extraction of a document: from its segment's payload
        column, else (segments written without one) from whoosh by its id."""
        segment, row = self.locate(doc)
        found = segment.payload(row)
        return found if found is not None else self.articles.get(self.id_of(doc))

    # ------------------------------------------------------------ internals

    def _load_deleted(self, entry: dict[str, Any]) -> np.ndarray:
        if not entry.get("deleted"):
            return np.zeros(entry["docs"], dtype=bool)
        path = self.store / entry["deleted"]
        try:
            deleted = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise layout.DamagedIndex(self.index_dir, [f"{path}: unreadable ({exc})"]) from None
        if deleted.shape != (entry["docs"],) or deleted.dtype != bool:
            raise layout.DamagedIndex(self.index_dir, [f"{path}: not a deletion mask of {entry['docs']} rows"])
        return deleted

    def deleted_mask(self, i: int) -> np.ndarray:
        return self._deleted[i]
