"""Facet kinds and fast facet counting.

Counting reads no postings at query time: `FacetCache` turns the facet fields' postings into
numpy arrays once per index generation (kept beside the index as `facets_<gen>.npz`), and each
facet kind counts a boolean mask of matching documents with `np.bincount`. whoosh's own
`FieldFacet(allow_overlap=True)` re-reads every posting per query and is ~50x slower.

A facet kind is one small class with a uniform interface (`mask`, `count`, `hit_keys`);
adding a facet is one class and one line in `FACETS`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .models import FacetValue, Hit, SearchkitError, SearchResult

#: Facet name -> the KEYWORD/ID field whose terms are its values.
LIST_FIELDS = {
    "people": "people", "places": "places", "orgs": "orgs",
    "event_types": "event_types", "tags": "tags", "sources": "source",
}
#: Money magnitude buckets: upper bounds and the key suffix / display text of each.
AMOUNT_BUCKETS = ((1e6, "<1M", "under 1 million"), (1e9, "1M-1B", "1 million to 1 billion"),
                  (float("inf"), "1B+", "1 billion and over"))
#: A date histogram by month when the matching articles span at most this many months.
MONTHLY_SPAN = 36
_EPOCH_YEAR = 1970


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


class FacetCache:
    """Per-document facet values of one index generation as numpy arrays."""

    def __init__(self, size: int, live: np.ndarray, lists: dict[str, ValueColumn],
                 days: np.ndarray, money: MoneyColumn):
        self.size, self.live, self.lists, self.days, self.money = size, live, lists, days, money

    @classmethod
    def load(cls, reader, index_dir: Path, generation: int) -> "FacetCache":
        """The cache for this generation: from its file when present, else built and saved."""
        path = Path(index_dir) / f"facets_{generation}.npz"
        if path.exists():
            try:
                return cls._from_arrays(dict(np.load(path, allow_pickle=False)))
            except (OSError, ValueError, KeyError):
                pass  # a damaged or old cache file is rebuilt below
        cache = cls.build(reader)
        cache._save(path)
        return cache

    @classmethod
    def build(cls, reader) -> "FacetCache":
        """Read every facet field's postings once."""
        size = reader.doc_count_all()
        live = np.zeros(size, dtype=bool)
        live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        lists = {name: _value_column(reader, field) for name, field in LIST_FIELDS.items()}
        days = np.full(size, -1, dtype=np.int32)
        day_column = _value_column(reader, "day")
        if len(day_column.vocab):
            as_days = day_column.vocab.astype("datetime64[D]").astype(np.int32)
            days[day_column.docs] = as_days[day_column.ords]
        return cls(size, live, lists, days, _money_column(reader))

    def _save(self, path: Path) -> None:
        arrays = {"live": self.live, "days": self.days, "money_currencies": self.money.currencies,
                  "money_docs": self.money.docs, "money_cur": self.money.cur,
                  "money_values": self.money.values}
        for name, col in self.lists.items():
            arrays.update({f"{name}.vocab": col.vocab, f"{name}.docs": col.docs,
                           f"{name}.ords": col.ords})
        try:
            for old in path.parent.glob("facets_*.npz"):
                old.unlink()
            with open(path, "wb") as fh:
                np.savez(fh, **arrays)
        except OSError:
            pass  # a read-only index still answers; the cache is rebuilt per process

    @classmethod
    def _from_arrays(cls, a: dict) -> "FacetCache":
        lists = {name: ValueColumn(a[f"{name}.vocab"], a[f"{name}.docs"], a[f"{name}.ords"])
                 for name in LIST_FIELDS}
        money = MoneyColumn(a["money_currencies"], a["money_docs"], a["money_cur"],
                            a["money_values"])
        return cls(len(a["live"]), a["live"], lists, a["days"], money)

    def docs_with(self, docs: np.ndarray) -> np.ndarray:
        """A boolean document mask with `docs` set."""
        mask = np.zeros(self.size, dtype=bool)
        mask[docs] = True
        return mask


def _terms(reader, field: str) -> list[str]:
    if field not in reader.schema:
        return []
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(field)]


def _value_column(reader, field: str) -> ValueColumn:
    vocab, docs, ords = [], [], []
    for ordinal, term in enumerate(_terms(reader, field)):
        ids = np.fromiter(reader.postings(field, term).all_ids(), dtype=np.int32)
        vocab.append(term)
        docs.append(ids)
        ords.append(np.full(len(ids), ordinal, dtype=np.int32))
    return ValueColumn(
        np.array(vocab, dtype=str),
        np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32),
        np.concatenate(ords) if ords else np.zeros(0, dtype=np.int32),
    )


def _money_column(reader) -> MoneyColumn:
    col = _value_column(reader, "money")
    split = [term.split(":", 1) for term in col.vocab.tolist()]
    currencies = sorted({cur for cur, _ in split})
    cur_of_term = np.array([currencies.index(cur) for cur, _ in split], dtype=np.int32)
    value_of_term = np.array([float(v) for _, v in split], dtype=np.float64)
    return MoneyColumn(np.array(currencies, dtype=str), col.docs,
                       cur_of_term[col.ords] if len(split) else col.ords,
                       value_of_term[col.ords] if len(split) else col.ords.astype(np.float64))


# ---------------------------------------------------------------- facet kinds


def _top(values: list[FacetValue], selected: Sequence[str], limit: int | None) -> tuple:
    """Most frequent first; selected values always listed, even below the cut-off."""
    values.sort(key=lambda v: (-v.count, v.value))
    shown = values if limit is None else values[:limit]
    chosen = {v.value for v in shown}
    missing = [v for v in values if v.selected and v.value not in chosen]
    return tuple(shown + missing)


class EntityFacet:
    """A multi-valued list of names: people, places, orgs, event types, tags, sources."""

    def __init__(self, name: str):
        self.name = name

    def mask(self, cache: FacetCache, selected: Sequence[str]) -> np.ndarray:
        col = cache.lists[self.name]
        wanted = np.flatnonzero(np.isin(col.vocab, list(selected)))
        return cache.docs_with(col.docs[np.isin(col.ords, wanted)])

    def count(self, cache, docs: np.ndarray, selected: Sequence[str], limit: int | None):
        col = cache.lists[self.name]
        counts = np.bincount(col.ords[docs[col.docs]], minlength=len(col.vocab))
        nonzero = set(np.flatnonzero(counts).tolist())
        chosen = set(selected)
        values = [FacetValue(str(col.vocab[i]), int(counts[i]), col.vocab[i] in chosen)
                  for i in nonzero]
        values += [FacetValue(v, 0, True) for v in chosen - {x.value for x in values}]
        return _top(values, selected, limit)

    def hit_keys(self, hit: Hit, values: Sequence[FacetValue]) -> list[str]:
        if self.name == "sources":
            return [hit.source] if hit.source else []
        return list(getattr(hit, self.name))


class DateFacet:
    """A histogram of article dates, by month or by year depending on the span."""

    name = "dates"

    def mask(self, cache: FacetCache, selected: Sequence[str]) -> np.ndarray:
        mask = np.zeros(cache.size, dtype=bool)
        dated = cache.days >= 0
        months = _months(cache.days)
        for key in selected:
            year, month = _parse_bucket(key)
            hit = (months // 12 + _EPOCH_YEAR == year)
            if month is not None:
                hit &= (months % 12 + 1 == month)
            mask |= hit & dated
        return mask

    def count(self, cache, docs: np.ndarray, selected: Sequence[str], limit: int | None):
        days = cache.days[docs & (cache.days >= 0)]
        monthly = self._monthly(days, selected)
        months = _months(days)
        keys = months if monthly else months // 12
        uniq, counts = np.unique(keys, return_counts=True)
        values = [FacetValue(_bucket_key(int(k), monthly), int(c)) for k, c in zip(uniq, counts)]
        chosen = set(selected)
        values = [FacetValue(v.value, v.count, v.value in chosen) for v in values]
        values += [FacetValue(v, 0, True) for v in chosen - {x.value for x in values}]
        # A histogram reads in time order, and shows every bucket.
        return tuple(sorted(values, key=lambda v: v.value))

    @staticmethod
    def _monthly(days: np.ndarray, selected: Sequence[str]) -> bool:
        if selected:
            return any(len(s) > 4 for s in selected)
        if len(days) == 0:
            return True
        span = _months(np.array([days.max()])) - _months(np.array([days.min()]))
        return int(span[0]) < MONTHLY_SPAN

    def hit_keys(self, hit: Hit, values: Sequence[FacetValue]) -> list[str]:
        if not hit.date:
            return []
        width = len(values[0].value) if values else 7
        return [hit.date[:width]]


class AmountFacet:
    """Sums of money in magnitude buckets, per currency ("EUR:1B+")."""

    name = "amounts"

    def mask(self, cache: FacetCache, selected: Sequence[str]) -> np.ndarray:
        keys = _money_keys(cache)
        return cache.docs_with(cache.money.docs[np.isin(keys, list(selected))])

    def count(self, cache, docs: np.ndarray, selected: Sequence[str], limit: int | None):
        vocab, key_ords = np.unique(_money_keys(cache), return_inverse=True)
        inside = docs[cache.money.docs]
        # An article counts once per bucket even when it names several sums in it.
        doc_key = np.unique(cache.money.docs[inside].astype(np.int64) * len(vocab)
                            + key_ords[inside])
        counts = np.bincount(doc_key % max(len(vocab), 1), minlength=len(vocab))
        chosen = set(selected)
        values = [FacetValue(str(vocab[i]), int(c), vocab[i] in chosen, amount_label(vocab[i]))
                  for i, c in enumerate(counts) if c]
        values += [FacetValue(v, 0, True, amount_label(v))
                   for v in chosen - {x.value for x in values}]
        return _top(values, selected, limit)

    def hit_keys(self, hit: Hit, values: Sequence[FacetValue]) -> list[str]:
        keys = [amount_key(a["unit"], a["value"]) for a in hit.amounts if a["kind"] == "money"]
        return sorted(set(keys))


def amount_key(currency: str, value: float) -> str:
    """The bucket key of a sum: amount_key("EUR", 1.5e11) == "EUR:1B+"."""
    for bound, suffix, _ in AMOUNT_BUCKETS:
        if value < bound:
            return f"{currency}:{suffix}"
    raise AssertionError("the last bucket is unbounded")


def amount_label(key: str) -> str:
    """Display text of a bucket key: "EUR:1B+" -> "EUR 1 billion and over"."""
    currency, _, suffix = key.partition(":")
    for _, bucket, text in AMOUNT_BUCKETS:
        if bucket == suffix:
            return f"{currency} {text}"
    return key


def _money_keys(cache: FacetCache) -> np.ndarray:
    money = cache.money
    bucket = np.searchsorted([b for b, _, _ in AMOUNT_BUCKETS[:-1]], money.values, side="right")
    suffixes = np.array([s for _, s, _ in AMOUNT_BUCKETS])
    if len(money.docs) == 0:
        return np.zeros(0, dtype=str)
    return np.char.add(np.char.add(money.currencies[money.cur], ":"), suffixes[bucket])


def _months(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _bucket_key(key: int, monthly: bool) -> str:
    if monthly:
        return f"{key // 12 + _EPOCH_YEAR:04d}-{key % 12 + 1:02d}"
    return f"{key + _EPOCH_YEAR:04d}"


def _parse_bucket(key: str) -> tuple[int, int | None]:
    """"2024" -> (2024, None); "2024-05" -> (2024, 5)."""
    try:
        parts = [int(p) for p in key.split("-")]
        if len(parts) == 1:
            return parts[0], None
        if len(parts) == 2 and 1 <= parts[1] <= 12:
            return parts[0], parts[1]
    except ValueError:
        pass
    raise SearchkitError(f"invalid date facet value {key!r}: use YYYY or YYYY-MM", exit_code=2)


#: Every facet kind by name: adding a facet is one class and one line here.
FACETS = {
    **{name: EntityFacet(name) for name in LIST_FIELDS},
    "dates": DateFacet(),
    "amounts": AmountFacet(),
}


def hit_facet_keys(hit: Hit, result: SearchResult) -> dict[str, list[str]]:
    """The facet values a hit carries, for every facet counted in `result`.

    A page uses these to recompute the counts of `result.facets` without the index.
    """
    return {name: FACETS[name].hit_keys(hit, values) for name, values in result.facets.items()}
