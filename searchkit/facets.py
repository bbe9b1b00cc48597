"""Facet kinds and fast facet counting.

Counting reads no postings at query time: each facet kind counts a boolean mask of matching
documents over the per-document value arrays of `arrays.IndexArrays` with `np.bincount`.
whoosh's own `FieldFacet(allow_overlap=True)` re-reads every posting per query instead.

A facet kind is one small class with a uniform interface (`mask`, `count`, `hit_keys`);
adding a facet is one class and one line in `FACETS`.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .arrays import LIST_FIELDS, IndexArrays
from .models import FacetValue, Hit, SearchkitError, SearchResult

#: Money magnitude buckets: upper bounds and the key suffix / display text of each.
AMOUNT_BUCKETS = ((1e6, "<1M", "under 1 million"), (1e9, "1M-1B", "1 million to 1 billion"),
                  (float("inf"), "1B+", "1 billion and over"))
#: A date histogram by month when the matching articles span at most this many months.
MONTHLY_SPAN = 36
_EPOCH_YEAR = 1970


# ---------------------------------------------------------------- facet kinds


def _top(values: list[FacetValue], selected: Sequence[str], limit: int | None) -> tuple:
    """Most frequent first; selected values always listed, even below the cut-off."""
    values.sort(key=lambda v: (-v.count, v.value))
    shown = values if limit is None else values[:limit]
    chosen = {v.value for v in shown}
    missing = [v for v in values if v.selected and v.value not in chosen]
    return tuple(shown + missing)


def _best_ordinals(counts: np.ndarray, limit: int | None) -> np.ndarray:
    """Ordinals of the `limit` highest non-zero counts, most first, ties by ordinal."""
    present = np.flatnonzero(counts)
    if limit is not None and len(present) > limit:
        cut = np.partition(counts[present], len(present) - limit)[len(present) - limit]
        present = present[counts[present] >= cut]
    order = np.lexsort((present, -counts[present]))
    return present[order][:limit]


class EntityFacet:
    """A multi-valued list of names: people, places, orgs, event types, tags, sources."""

    def __init__(self, name: str):
        self.name = name

    def mask(self, cache: IndexArrays, selected: Sequence[str]) -> np.ndarray:
        col = cache.lists[self.name]
        wanted = np.flatnonzero(np.isin(col.vocab, list(selected)))
        return cache.docs_with(col.docs[np.isin(col.ords, wanted)])

    def count(self, cache, docs: np.ndarray, selected: Sequence[str], limit: int | None):
        col = cache.lists[self.name]
        counts = np.bincount(col.ords[docs[col.docs]], minlength=len(col.vocab))
        chosen = set(selected)
        # Only the values that can make the cut become objects: the vocabulary is sorted,
        # so ordinal order is the alphabetical tie-break.
        best = _best_ordinals(counts, limit)
        values = [FacetValue(str(col.vocab[i]), int(counts[i]), col.vocab[i] in chosen)
                  for i in best]
        shown = {v.value for v in values}
        for value in sorted(chosen - shown):
            where = np.flatnonzero(col.vocab == value)
            values.append(FacetValue(value, int(counts[where[0]]) if len(where) else 0, True))
        return tuple(values)

    def hit_keys(self, hit: Hit, values: Sequence[FacetValue]) -> list[str]:
        if self.name == "sources":
            return [hit.source] if hit.source else []
        return list(getattr(hit, self.name))


class DateFacet:
    """A histogram of article dates, by month or by year depending on the span."""

    name = "dates"

    def mask(self, cache: IndexArrays, selected: Sequence[str]) -> np.ndarray:
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

    def mask(self, cache: IndexArrays, selected: Sequence[str]) -> np.ndarray:
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


def _money_keys(cache: IndexArrays) -> np.ndarray:
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
