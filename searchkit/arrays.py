"""numpy copies of an index generation: facet values, dates, sums and text postings.

whoosh answers a term's postings one Python object at a time; walking 15,000 postings costs
~9 ms, and its faceting re-reads every posting per query. So after each commit the index's
facet fields and searchable text fields are copied once into flat arrays, saved beside the
index in `arrays_<generation>/`, and every query matches, scores and counts on those
arrays. whoosh stays the store of record, the analyser, the query parser and the highlighter.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Facet name -> the KEYWORD/ID field whose terms are its values.
LIST_FIELDS = {
    "people": "people", "places": "places", "orgs": "orgs",
    "event_types": "event_types", "tags": "tags", "sources": "source",
}
#: Analysed fields a plain query matches and ranks on (field prefixes reach the others).
POSTING_FIELDS = ("title", "text", "people_text", "places_text", "orgs_text", "event_text",
                  "tags_text", "source")
#: Folder name prefix of the arrays of one generation, beside whoosh's files.
ARRAYS_PREFIX = "arrays_"
COMPLETE_MARK = "COMPLETE"


@dataclass
class ValueColumn:
    """(document, value ordinal) pairs of one multi-valued facet field."""

    vocab: np.ndarray  # value strings, ordinal -> value
    docs: np.ndarray  # int32 docnum per pair
    ords: np.ndarray  # int32 ordinal per pair


@dataclass
class MoneyColumn:
    """(document, currency ordinal, value) triples of every sum of money."""

    currencies: np.ndarray
    docs: np.ndarray
    cur: np.ndarray
    values: np.ndarray


@dataclass
class FieldPostings:
    """The inverted list of one text field: sorted terms, their documents and frequencies."""

    terms: np.ndarray  # sorted term strings
    offsets: np.ndarray  # int64, len(terms) + 1: postings of term i are [offsets[i], offsets[i+1])
    docs: np.ndarray  # int32 docnums
    freqs: np.ndarray  # float32 term frequency in the document
    lengths: np.ndarray  # float32 field length of every document

    def lookup(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The documents and frequencies of one term (empty arrays when absent)."""
        i = int(np.searchsorted(self.terms, term))
        if i < len(self.terms) and self.terms[i] == term:
            start, end = self.offsets[i], self.offsets[i + 1]
            return self.docs[start:end], self.freqs[start:end]
        return self.docs[:0], self.freqs[:0]


class IndexArrays:
    """Everything the query path reads per document, for one index generation."""

    def __init__(self, live: np.ndarray, lists: dict[str, ValueColumn], days: np.ndarray,
                 date_keys: np.ndarray, money: MoneyColumn, postings: dict[str, FieldPostings]):
        self.size = len(live)
        self.live, self.lists, self.days, self.money = live, lists, days, money
        self.date_keys, self.postings = date_keys, postings

    def docs_with(self, docs: np.ndarray) -> np.ndarray:
        """A boolean document mask with `docs` set."""
        mask = np.zeros(self.size, dtype=bool)
        mask[docs] = True
        return mask

    # ------------------------------------------------------------ building and storing

    @classmethod
    def load(cls, reader, index_dir: str | Path, generation: int) -> "IndexArrays":
        """This generation's arrays: memory-mapped from their folder when present, else
        built and saved (a query process then reads only the pages it touches)."""
        folder = arrays_path(index_dir, generation)
        if (folder / COMPLETE_MARK).exists():
            try:
                return cls._from_arrays(_MappedFolder(folder))
            except (OSError, ValueError, KeyError):
                pass  # a damaged or old folder is rebuilt below
        arrays = cls.build(reader)
        arrays.save(folder)
        return arrays

    @classmethod
    def build(cls, reader) -> "IndexArrays":
        """Read every facet field's and text field's postings once."""
        size = reader.doc_count_all()
        live = np.zeros(size, dtype=bool)
        live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        lists = {name: _value_column(reader, field) for name, field in LIST_FIELDS.items()}
        postings = {field: _field_postings(reader, field, size) for field in POSTING_FIELDS}
        return cls(live, lists, _days(reader, size), _date_keys(reader, size),
                   _money_column(reader), postings)

    def save(self, folder: Path) -> None:
        """Write the arrays beside the index as .npy files (skipped on a read-only index)."""
        try:
            for old in folder.parent.glob(f"{ARRAYS_PREFIX}*"):
                shutil.rmtree(old, ignore_errors=True)
            folder.mkdir()
            for name, array in self._to_arrays().items():
                np.save(folder / f"{name}.npy", array, allow_pickle=False)
            (folder / COMPLETE_MARK).touch()  # written last: a half-written folder is rebuilt
        except OSError:
            pass  # a read-only index still answers; the arrays are rebuilt per process

    def _to_arrays(self) -> dict[str, np.ndarray]:
        out = {"live": self.live, "days": self.days, "date_keys": self.date_keys,
               "money.currencies": self.money.currencies, "money.docs": self.money.docs,
               "money.cur": self.money.cur, "money.values": self.money.values}
        for name, col in self.lists.items():
            out.update({f"list.{name}.vocab": col.vocab, f"list.{name}.docs": col.docs,
                        f"list.{name}.ords": col.ords})
        for field, p in self.postings.items():
            for part in ("terms", "offsets", "docs", "freqs", "lengths"):
                out[f"post.{field}.{part}"] = getattr(p, part)
        return out

    @classmethod
    def _from_arrays(cls, a: dict) -> "IndexArrays":
        lists = {name: ValueColumn(*(a[f"list.{name}.{part}"] for part in ("vocab", "docs", "ords")))
                 for name in LIST_FIELDS}
        money = MoneyColumn(*(a[f"money.{part}"] for part in ("currencies", "docs", "cur", "values")))
        postings = {
            field: FieldPostings(*(a[f"post.{field}.{part}"] for part in
                                   ("terms", "offsets", "docs", "freqs", "lengths")))
            for field in POSTING_FIELDS}
        return cls(a["live"], lists, a["days"], a["date_keys"], money, postings)


def arrays_path(index_dir: str | Path, generation: int) -> Path:
    """The folder holding one generation's arrays."""
    return Path(index_dir) / f"{ARRAYS_PREFIX}{generation}"


class _MappedFolder:
    """name -> array, memory-mapped from `folder/name.npy` on first use."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __getitem__(self, name: str) -> np.ndarray:
        return np.load(self.folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)


def _terms(reader, field: str) -> list[str]:
    if field not in reader.schema:
        return []
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(field)]


def _postings(reader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Documents and frequencies of one term, read a block at a time where possible."""
    matcher = reader.postings(field, term)
    if not hasattr(matcher, "_read_ids"):  # inlined or combined postings: the public way
        items = [(matcher.id(), matcher.weight()) for _ in _each(matcher)]
        return (np.array([d for d, _ in items], dtype=np.int32),
                np.array([w for _, w in items], dtype=np.float32))
    # whoosh's W3LeafMatcher keeps a whole block of ids and weights; taking them together
    # is ~20x faster than asking posting by posting.
    ids, weights = [], []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.append(np.asarray(matcher._ids, dtype=np.int32))
        weights.append(np.asarray(matcher._weights, dtype=np.float32))
        matcher._next_block()
    return np.concatenate(ids), np.concatenate(weights)


def _each(matcher):
    while matcher.is_active():
        yield
        matcher.next()


def _field_postings(reader, field: str, size: int) -> FieldPostings:
    terms = _terms(reader, field)
    docs, freqs, offsets = [], [], [0]
    for term in terms:
        d, f = _postings(reader, field, term)
        docs.append(d)
        freqs.append(f)
        offsets.append(offsets[-1] + len(d))
    lengths = np.zeros(size, dtype=np.float32)
    if field in reader.schema and reader.schema[field].scorable:
        for docnum in reader.all_doc_ids():
            lengths[docnum] = reader.doc_field_length(docnum, field, 0)
    return FieldPostings(
        np.array(terms, dtype=str), np.array(offsets, dtype=np.int64),
        np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32),
        np.concatenate(freqs) if freqs else np.zeros(0, dtype=np.float32), lengths)


def _value_column(reader, field: str) -> ValueColumn:
    vocab, docs, ords = [], [], []
    for ordinal, term in enumerate(_terms(reader, field)):
        ids, _ = _postings(reader, field, term)
        vocab.append(term)
        docs.append(ids)
        ords.append(np.full(len(ids), ordinal, dtype=np.int32))
    return ValueColumn(
        np.array(vocab, dtype=str),
        np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32),
        np.concatenate(ords) if ords else np.zeros(0, dtype=np.int32),
    )


def _days(reader, size: int) -> np.ndarray:
    """Days since 1970-01-01 of every document's date (-1 when undated)."""
    days = np.full(size, -1, dtype=np.int32)
    column = _value_column(reader, "day")
    if len(column.vocab):
        as_days = column.vocab.astype("datetime64[D]").astype(np.int32)
        days[column.docs] = as_days[column.ords]
    return days


def _date_keys(reader, size: int) -> np.ndarray:
    """A sortable integer of every document's full date and time (0 when undated)."""
    keys = np.zeros(size, dtype=np.int64)
    if size and reader.has_column("date"):
        raw = reader.column_reader("date", translate=False)
        # An unsigned column: undated documents hold its maximum, kept out of the ordering.
        values = np.fromiter(raw, dtype=np.uint64, count=size)
        keys[:] = np.where(values == np.iinfo(np.uint64).max, 0, values).astype(np.int64)
    return keys


def _money_column(reader) -> MoneyColumn:
    col = _value_column(reader, "money")
    split = [term.split(":", 1) for term in col.vocab.tolist()]
    currencies = sorted({cur for cur, _ in split})
    cur_of_term = np.array([currencies.index(cur) for cur, _ in split], dtype=np.int32)
    value_of_term = np.array([float(v) for _, v in split], dtype=np.float64)
    if not split:
        return MoneyColumn(np.zeros(0, dtype=str), col.docs, col.ords,
                           col.ords.astype(np.float64))
    return MoneyColumn(np.array(currencies, dtype=str), col.docs, cur_of_term[col.ords],
                       value_of_term[col.ords])
