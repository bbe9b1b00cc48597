"""Per-segment column files: what the query path reads, one numpy file per array.

A segment is a folder written once, from Rows (`segment_arrays`) or by merging segments
(`merge_columns`), and then only read (memory-mapped). Every array is per document or per
(document, value) pair, in the segment's own document order:

- scalars: `ids` (UTF-8 bytes), `ids.order` (argsort of ids, for lookups), `hashes`,
  `dates` (int64 seconds, rows.NO_DATE when undated);
- list columns (a CSR layout: `X.offsets` per document, `X.values` ordinals into the
  sorted `X.vocab`, optional per-pair extras `X.<extra>`): `sources`, `origins`,
  `names.person`, `names.place`, `names.org`, `events` (+ confidence, attached, main),
  `tags`, `money` (+ amount), and the token streams `title` and `text` (terms in order,
  the positions phrase and proximity scoring need);
- postings derived from the token streams: `X.term_offsets`, `X.docs`, `X.freqs`;
- `words.vocab`/`words.df`: surface words for "did you mean";
- ragged columns (`X.offsets` per row, `X.data`): `payload`, each row's stored payload
  (the article and its extraction, zlib-compressed JSON), so that a hit is read from the
  segment it was found in (looking it up by id in whoosh's stored articles was a quarter
  of a query's time); `boilerplate`, the (start, end) spans of each text's boilerplate as
  the index knew it when the row was written (snippets and more-like-this leave them out);
  `heads`, each row's title, source and url as plain JSON, what a hit shows at once
  (decompressing the whole payload for them was the largest single cost of a query).

Strings are stored as UTF-8 bytes (numpy "S"), whose byte order is code point order, so a
sorted vocabulary is searched with `np.searchsorted` on the encoded query string.
"""
from __future__ import annotations

import errno
import json
import os
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .. import facetspec
from .rows import Row

#: Fields whose terms are indexed with positions (token streams + postings).
TEXT_FIELDS = ("title", "text")
#: List columns of names, one per kind (the facet table names them).
NAME_COLUMNS = {spec.entity_kind: spec.column for spec in facetspec.NAME_FACETS}
#: Per-pair extras of the list columns, with their dtypes.
EXTRAS = {
    "events": {"confidence": np.float32, "attached": np.bool_, "main": np.bool_},
    "money": {"amount": np.float64},
}
#: Every list column of a segment (acronyms.short and acronyms.long pair up value by value).
LIST_COLUMNS = ("sources", "origins", *NAME_COLUMNS.values(), "events", "tags", "money",
                "acronyms.short", "acronyms.long", *TEXT_FIELDS)
#: Arrays with one row per document (some segments may lack the optional ones: the
#: MinHash signatures and duplicate cluster the index-level tables add).
PER_DOC = ("ids", "hashes", "dates", "dup", "minhash")
#: Ragged per-row columns (X.offsets, X.data), merged by copying each kept row's slice.
RAGGED = ("payload", "heads", "boilerplate")


def encode(values: Iterable[str]) -> np.ndarray:
    """Strings as a numpy array of UTF-8 bytes (width of the longest; at least 1)."""
    data = [v.encode("utf-8", "surrogatepass") for v in values]
    return np.array(data, dtype=f"S{max((len(d) for d in data), default=1) or 1}")


def decode(value: bytes) -> str:
    return value.decode("utf-8", "surrogatepass")


# ---------------------------------------------------------------- writing from rows


def segment_arrays(rows: Sequence[Row]) -> dict[str, np.ndarray]:
    """Every array of a segment holding `rows`, in their order."""
    ids = encode(r.id for r in rows)
    arrays = {
        "ids": ids,
        "ids.order": np.argsort(ids, kind="stable").astype(np.int32),
        "hashes": encode(r.content_hash for r in rows),
        "dates": np.array([r.date for r in rows], dtype=np.int64),
    }
    arrays.update(_list_column("sources", [[r.source] if r.source else [] for r in rows]))
    arrays.update(_list_column("origins", [[r.origin_path] if r.origin_path else [] for r in rows]))
    for kind, column in NAME_COLUMNS.items():
        arrays.update(_list_column(column, [[v for v, k in r.names if k == kind] for r in rows]))
    arrays.update(_list_column("events", [[e[0] for e in r.events] for r in rows], extras={
        "confidence": [[e[1] for e in r.events] for r in rows],
        "attached": [[e[2] for e in r.events] for r in rows],
        "main": [[e[3] for e in r.events] for r in rows]}))
    arrays.update(_list_column("tags", [list(r.tags) for r in rows]))
    arrays.update(_list_column("money", [[c for c, _ in r.money] for r in rows],
                               extras={"amount": [[a for _, a in r.money] for r in rows]}))
    arrays.update(_list_column("acronyms.short", [[s for s, _ in r.acronyms] for r in rows]))
    arrays.update(_list_column("acronyms.long", [[l for _, l in r.acronyms] for r in rows]))
    for field in TEXT_FIELDS:
        arrays.update(_list_column(field, [getattr(r, f"{field}_terms") for r in rows]))
        arrays.update(postings(arrays, field, len(rows)))
    arrays.update(_words([r.words for r in rows]))
    arrays.update(_bytes_column("payload", [pack_payload(r.payload) for r in rows]))
    arrays.update(_bytes_column("heads", [pack_head(r.payload) for r in rows]))
    return arrays


def _bytes_column(name: str, blobs: Sequence[bytes]) -> dict[str, np.ndarray]:
    """A ragged column of one byte string per row."""
    return {f"{name}.offsets": _offsets([len(b) for b in blobs]),
            f"{name}.data": np.frombuffer(b"".join(blobs), dtype=np.uint8).copy()}


def pack_head(payload) -> bytes:
    """The [title, source, url] of a payload's article, as the `heads` column stores it."""
    article = payload["article"]
    head = [article.get("title") or "", article.get("source") or "", article.get("url") or ""]
    return json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def span_column(name: str, per_row: Sequence[Sequence[tuple[int, int]]]) -> dict[str, np.ndarray]:
    """A ragged column of (start, end) spans per row."""
    flat = [span for spans in per_row for span in spans]
    return {f"{name}.offsets": _offsets([len(spans) for spans in per_row]),
            f"{name}.data": np.array(flat, dtype=np.int32).reshape(len(flat), 2)}


def pack_payload(payload) -> bytes:
    """A payload as stored in the column: zlib of its JSON (values JSON cannot hold as str)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 1)


def unpack_payload(blob: bytes):
    return json.loads(zlib.decompress(blob).decode("utf-8", "surrogatepass"))


def _list_column(name: str, per_doc: Sequence[Sequence[str]],
                 extras: dict[str, Sequence[Sequence[Any]]] | None = None) -> dict[str, np.ndarray]:
    """The CSR arrays of one list column (values in document order, vocabulary sorted)."""
    ordinal: dict[str, int] = {}
    flat = [ordinal.setdefault(v, len(ordinal)) for values in per_doc for v in values]
    vocab = list(ordinal)
    order = sorted(range(len(vocab)), key=lambda i: vocab[i].encode("utf-8", "surrogatepass"))
    rank = np.empty(len(vocab), dtype=np.int32)
    rank[order] = np.arange(len(vocab), dtype=np.int32)
    out = {
        f"{name}.offsets": _offsets([len(values) for values in per_doc]),
        f"{name}.values": rank[np.array(flat, dtype=np.int64)] if flat else np.zeros(0, np.int32),
        f"{name}.vocab": encode(vocab[i] for i in order),
    }
    for extra, dtype in EXTRAS.get(name, {}).items():
        values = [x for per in (extras or {})[extra] for x in per]
        out[f"{name}.{extra}"] = np.array(values, dtype=dtype)
    return out


def _offsets(lengths) -> np.ndarray:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def postings(arrays: dict[str, np.ndarray], field: str, n_docs: int) -> dict[str, np.ndarray]:
    """The inverted lists of a field, derived from its token stream: for term i, the
    documents `docs[term_offsets[i]:term_offsets[i+1]]` (ascending) and their `freqs`.

    Documents are inverted in runs of about POSTING_RUN tokens, twice: once to count each
    term's documents, once to place each run's (term, document) pairs straight into their
    final slots. Memory stays a run's pairs beside the output (keeping every run's pairs
    between the passes took 80 MB in a 40,000-article merge; a whole-field sort, 480 MB)."""
    offsets, tokens = arrays[f"{field}.offsets"], arrays[f"{field}.values"]
    n_terms = len(arrays[f"{field}.vocab"])
    runs = list(_runs(offsets, POSTING_RUN))
    one_run = [_invert(offsets, tokens, *runs[0])] if len(runs) == 1 else None
    per_term = np.zeros(n_terms, dtype=np.int64)
    for run in runs:
        terms = (one_run or [_invert(offsets, tokens, *run)])[0][0]
        per_term += np.bincount(terms, minlength=n_terms)
    term_offsets = _offsets(per_term)
    docs = np.empty(int(term_offsets[-1]), dtype=np.int32)
    freqs_out = np.empty(len(docs), dtype=np.int32)
    cursor = term_offsets[:-1].copy()
    for run in runs:  # runs ascend by document: slots fill in order
        terms, run_docs, run_freqs = (one_run or [_invert(offsets, tokens, *run)])[0]
        first_of_term = np.searchsorted(terms, terms)  # pairs of a run are sorted by term
        slots = cursor[terms] + (np.arange(len(terms)) - first_of_term)
        docs[slots], freqs_out[slots] = run_docs, run_freqs
        cursor += np.bincount(terms, minlength=n_terms)
    return {f"{field}.term_offsets": term_offsets, f"{field}.docs": docs,
            f"{field}.freqs": freqs_out}


def _invert(offsets: np.ndarray, tokens: np.ndarray, first: int, last: int):
    """(term, document, frequency) of the documents first..last-1, sorted by term then
    document, as int32 arrays."""
    lo, hi = int(offsets[first]), int(offsets[last])
    width = max(last - first, 1)
    local = np.repeat(np.arange(last - first, dtype=np.int64), np.diff(offsets[first:last + 1]))
    keys, freqs = np.unique(tokens[lo:hi].astype(np.int64) * width + local, return_counts=True)
    return ((keys // width).astype(np.int32), (keys % width + first).astype(np.int32),
            freqs.astype(np.int32))


#: Tokens inverted at a time by `postings`.
POSTING_RUN = 1_000_000


def _runs(offsets: np.ndarray, size: int):
    """(first, last) document ranges holding about `size` tokens each (at least one doc)."""
    n_docs = len(offsets) - 1
    first = 0
    while first < n_docs:
        last = int(np.searchsorted(offsets, offsets[first] + size, side="right")) - 1
        last = min(max(last, first + 1), n_docs)
        yield first, last
        first = last


def _words(per_doc: Sequence[frozenset[str]]) -> dict[str, np.ndarray]:
    df: dict[str, int] = {}
    for words in per_doc:
        for word in words:
            df[word] = df.get(word, 0) + 1
    vocab = sorted(df, key=lambda w: w.encode("utf-8", "surrogatepass"))
    return {"words.vocab": encode(vocab), "words.df": np.array([df[w] for w in vocab], np.int32)}


# ---------------------------------------------------------------- merging segments


def merge_columns(segments: Sequence["Segment"], keeps: Sequence[np.ndarray]) -> Iterator[dict[str, np.ndarray]]:
    """The arrays of one segment holding the kept documents of `segments`, in order, a few
    columns at a time. The caller writes each part before asking for the next, and the input
    arrays a part read are released once it is made, so a merge holds about one column's
    inputs and outputs at a time instead of the whole segment twice (a 40,000-article merge:
    ~350 MB of inputs and outputs)."""
    per_doc: dict[str, np.ndarray] = {}
    for name in PER_DOC:
        if all(f"{name}.npy" in s.files for s in segments):
            per_doc[name] = _concat([np.asarray(s.array(name))[k] for s, k in zip(segments, keeps)])
    per_doc["ids.order"] = np.argsort(per_doc["ids"], kind="stable").astype(np.int32)
    n_docs = len(per_doc["ids"])
    yield per_doc
    del per_doc
    _release(segments, PER_DOC)
    for name in RAGGED:
        if all(f"{name}.data.npy" in s.files for s in segments):
            yield _merge_ragged(name, segments, keeps)
            _release(segments, (name,))
    for column in LIST_COLUMNS:
        part = _merge_list(column, segments, keeps)
        _release(segments, (column,))
        if column in TEXT_FIELDS:
            part.update(postings(part, column, n_docs))
        yield part
        del part
    # Word counts of deleted documents cannot be taken out (only their sum is kept); they
    # only rank "did you mean" candidates, so the small excess is harmless.
    vocab, where = np.unique(_concat([s.array("words.vocab") for s in segments]),
                             return_inverse=True)
    df = np.zeros(len(vocab), dtype=np.int64)
    np.add.at(df, where, _concat([s.array("words.df") for s in segments]))
    yield {"words.vocab": vocab, "words.df": df.astype(np.int32)}


def _release(segments: Sequence["Segment"], columns: Iterable[str]) -> None:
    for segment in segments:
        for column in columns:
            segment.release(column)


def _merge_list(name: str, segments, keeps) -> dict[str, np.ndarray]:
    vocab = np.unique(_concat([s.array(f"{name}.vocab") for s in segments]))
    extras = {e: [] for e in EXTRAS.get(name, {})}
    per_docs = [np.diff(segment.array(f"{name}.offsets")) for segment in segments]
    offsets = _offsets(_concat([per_doc[keep] for per_doc, keep in zip(per_docs, keeps)]))
    # The merged values are written into one array, segment by segment, then renumbered in
    # place a chunk at a time: the text column of a 40,000-article merge is 43 MB, and
    # concatenating copies of it cost three times that.
    merged = np.empty(int(offsets[-1]), dtype=np.int32)
    at = 0
    for segment, keep, per_doc in zip(segments, keeps, per_docs):
        remap = np.searchsorted(vocab, segment.array(f"{name}.vocab")).astype(np.int32)
        values = segment.uncached(f"{name}.values")  # its pages leave with it (RSS)
        kept_pairs = None if keep.all() else np.repeat(keep, per_doc)
        for lo in range(0, len(values), CHUNK):
            part = values[lo:lo + CHUNK]
            if kept_pairs is not None:
                part = part[kept_pairs[lo:lo + CHUNK]]
            merged[at:at + len(part)] = remap[part]
            at += len(part)
        for extra in extras:
            column = segment.array(f"{name}.{extra}")
            extras[extra].append(column if kept_pairs is None else column[kept_pairs])
    # Values only deleted rows had leave the vocabulary (a mark per value: no sort, and no
    # int64 copy of the values as np.bincount would make).
    used = np.zeros(len(vocab), dtype=bool)
    used[merged] = True
    renumber = (np.cumsum(used) - 1).astype(np.int32)
    for lo in range(0, len(merged), CHUNK):
        merged[lo:lo + CHUNK] = renumber[merged[lo:lo + CHUNK]]
    out = {f"{name}.offsets": offsets, f"{name}.values": merged,
           f"{name}.vocab": vocab[used] if used.any() else encode([])}
    for extra, parts in extras.items():
        out[f"{name}.{extra}"] = _concat(parts).astype(EXTRAS[name][extra])
    return out


#: Values copied or renumbered at a time by a merge.
CHUNK = 1 << 20


def _merge_ragged(name: str, segments, keeps) -> dict[str, "np.ndarray | Pieces"]:
    """A ragged per-row column of the kept rows, their slices copied as they are: the data
    goes to the new file piece by piece from the inputs' memory maps (payloads are the
    biggest column: a whole copy, its byte mask and the concatenation took 170 MB at 40k)."""
    lengths, data = [], []
    for segment, keep in zip(segments, keeps):
        per_row = np.diff(segment.array(f"{name}.offsets"))
        lengths.append(per_row[keep])
        rows = segment.array(f"{name}.data")
        data.append(rows if keep.all() else rows[np.repeat(keep, per_row)])
    return {f"{name}.offsets": _offsets(_concat(lengths)), f"{name}.data": Pieces(data)}


class Pieces:
    """An array written as the concatenation of its pieces, never made whole in memory."""

    def __init__(self, pieces: list[np.ndarray]):
        self.pieces = pieces
        self.dtype = pieces[0].dtype
        self.shape = (sum(len(p) for p in pieces), *pieces[0].shape[1:])

    def __len__(self) -> int:
        return self.shape[0]

    def write(self, f) -> None:
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": self.shape}
        np.lib.format.write_array_header_1_0(f, header)
        for piece in self.pieces:
            if piece.size:
                f.write(memoryview(np.ascontiguousarray(piece)).cast("B"))


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


# ---------------------------------------------------------------- files


def write_segment(folder: Path, parts: dict[str, np.ndarray] | Iterable[dict[str, np.ndarray]]) -> dict[str, int]:
    """Write the arrays of `parts` (one dict, or dicts made one after the other) into a new
    folder; returns each file's size (the manifest keeps them so that a truncated or missing
    file is noticed when the segment is opened)."""
    folder.mkdir(parents=True)
    sizes = {}
    for arrays in ([parts] if isinstance(parts, dict) else parts):
        for name, array in arrays.items():
            path = folder / f"{name}.npy"
            with open(path, "wb") as f:
                if isinstance(array, Pieces):
                    array.write(f)
                else:
                    np.save(f, np.ascontiguousarray(array), allow_pickle=False)
                f.flush()
                os.fsync(f.fileno())
            sizes[path.name] = path.stat().st_size
    return sizes


class Segment:
    """One segment folder, its arrays memory-mapped on first use."""

    def __init__(self, folder: Path, docs: int, files: dict[str, int]):
        self.folder, self.docs, self.files = folder, docs, files
        self._arrays: dict[str, np.ndarray] = {}
        self._sorted_ids: np.ndarray | None = None

    def array(self, name: str) -> np.ndarray:
        """An array of this segment, mapped on first use and kept."""
        array = self._arrays.get(name)
        if array is None:
            array = self._arrays[name] = self.uncached(name)
        return array

    def _column_added_later(self, name: str) -> np.ndarray:
        """A list column this segment's manifest never listed: the segment was written by a
        version of searchkit without it, so each of its documents has no value there (a
        file the manifest lists but the folder lacks is damage, which `problems` reports)."""
        column, _, part = name.rpartition(".")
        if column not in LIST_COLUMNS or column in TEXT_FIELDS:
            raise FileNotFoundError(errno.ENOENT, "missing column file", str(self.folder / f"{name}.npy"))
        if part == "vocab":
            return encode([])
        if part == "offsets":
            return np.zeros(self.docs + 1, dtype=np.int64)
        dtype = EXTRAS.get(column, {}).get(part, np.int32)
        return np.zeros(0, dtype=dtype)

    def uncached(self, name: str) -> np.ndarray:
        """An array mapped for one use: its pages count in the process's memory only while
        the caller holds it (a merge reads each input once)."""
        if self.files and f"{name}.npy" not in self.files:
            return self._column_added_later(name)
        mapped = np.load(self.folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        # A plain ndarray view of the map: slicing a numpy.memmap costs ~4 us in its
        # Python hooks, and a hit slices its columns dozens of times.
        return np.asarray(mapped)

    def release(self, column: str) -> None:
        """Drop the arrays of `column` read so far (their memory maps close when unused)."""
        for name in [n for n in self._arrays if n == column or n.startswith(column + ".")]:
            del self._arrays[name]

    def problems(self) -> list[str]:
        """Missing or truncated files, named (a cheap check: sizes only)."""
        from .layout import size_problems

        return size_problems(self.folder, self.files)

    def payload(self, row: int):
        """The stored payload of a row (None when this segment keeps no payloads)."""
        blob = self._row_bytes("payload", row)
        return None if blob is None else unpack_payload(blob)

    def head(self, row: int) -> list[str] | None:
        """[title, source, url] of a row (None when this segment keeps no heads)."""
        blob = self._row_bytes("heads", row)
        return None if blob is None else json.loads(blob.decode("utf-8", "surrogatepass"))

    def _row_bytes(self, column: str, row: int) -> bytes | None:
        """A row's bytes of a ragged bytes column (None when this segment lacks it)."""
        if f"{column}.data.npy" not in self.files:
            return None
        offsets = self.array(f"{column}.offsets")
        return self.array(f"{column}.data")[offsets[row]:offsets[row + 1]].tobytes()

    def boilerplate(self, row: int) -> list[tuple[int, int]] | None:
        """The boilerplate spans of a row's text (None when this segment keeps none)."""
        if "boilerplate.data.npy" not in self.files:
            return None
        offsets = self.array("boilerplate.offsets")
        return [tuple(span) for span in self.array("boilerplate.data")[offsets[row]:offsets[row + 1]].tolist()]

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """Row of each of the encoded `ids` in this segment, -1 where absent."""
        own, order = self.array("ids"), self.array("ids.order")
        if len(own) == 0 or len(ids) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        if self._sorted_ids is None:
            self._sorted_ids = own[order]
        at = np.searchsorted(self._sorted_ids, ids)
        at = np.minimum(at, len(own) - 1)
        rows = order[at].astype(np.int64)
        return np.where(own[rows] == ids, rows, -1)

    def pairs(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(row, value ordinal) of every pair of a list column."""
        offsets = self.array(f"{column}.offsets")
        rows = np.repeat(np.arange(self.docs, dtype=np.int64), np.diff(offsets))
        return rows, self.array(f"{column}.values")

    def tokens(self, field: str, row: int) -> np.ndarray:
        offsets = self.array(f"{field}.offsets")
        return self.array(f"{field}.values")[offsets[row]:offsets[row + 1]]

    def term_ordinal(self, field: str, term: str) -> int:
        """The ordinal of a term in this segment's vocabulary of `field`, -1 if absent."""
        vocab = self.array(f"{field}.vocab")
        key = term.encode("utf-8", "surrogatepass")
        i = int(np.searchsorted(vocab, key))
        return i if i < len(vocab) and vocab[i] == key else -1

    def postings(self, field: str, ordinal: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and frequencies of term `ordinal` of `field`."""
        offsets = self.array(f"{field}.term_offsets")
        start, end = offsets[ordinal], offsets[ordinal + 1]
        return self.array(f"{field}.docs")[start:end], self.array(f"{field}.freqs")[start:end]


ArrayMaker = Callable[[], dict[str, np.ndarray]]
