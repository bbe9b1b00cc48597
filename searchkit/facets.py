"""Facet kinds: filtering and counting over the store's columns.

Counting reads no postings at query time: each kind counts a boolean mask of matching
documents over (document, value) pairs with `np.bincount`. A facet kind is one small class
with a uniform interface:

    select(values) -> (selection, warnings)   the user's values, forgivingly resolved
    mask(selection) -> bool[docs]             documents with any selected value
    count(docs, selection, limit)             FacetValues under a mask of documents
    hit_values(doc) -> [str]                  one document's values (for its Hit)

`FACET_KINDS` maps the kind names of facetspec.py to the classes; `Facets(snapshot,
min_confidence)` makes one bound object per facet for a search.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Sequence

import numpy as np
from rapidfuzz import fuzz, process

from . import facetspec
from .facetspec import AMOUNT_BUCKETS, amount_key, amount_label
from .models import FacetValue, Hit, SearchResult
from .request_schema import parse_day
from .store.columns import decode, encode

#: A date histogram by month when the matching articles span at most this many months.
MONTHLY_SPAN = 36
#: Suggestions offered for a filter value that matches nothing.
HINTS = 3
_EPOCH_YEAR = 1970
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """A matching key: case, diacritics, punctuation and spacing ignored.

    >>> fold("  Wołodymyr  ZELENSKYY ") == fold("wolodymyr zelenskyy")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


def _best_ordinals(counts: np.ndarray, limit: int | None) -> np.ndarray:
    """Ordinals of the `limit` highest non-zero counts, most first, ties by ordinal."""
    present = np.flatnonzero(counts)
    if limit is not None and len(present) > limit:
        cut = np.partition(counts[present], len(present) - limit)[len(present) - limit]
        present = present[counts[present] >= cut]
    order = np.lexsort((present, -counts[present]))
    return present[order][:limit]


class Grouping:
    """Values of a list column grouped into entities: `of[raw ordinal]` -> group, and the
    display name of each group. The default groups spellings that differ only in case,
    accents and punctuation, named by their most used spelling; entity resolution
    (resolve/) gives the names facets a better one."""

    def __init__(self, of: np.ndarray, names: list[str]):
        self.of, self.names = of, names

    @classmethod
    def by_fold(cls, raw: list[str], uses: np.ndarray) -> "Grouping":
        keys: dict[str, int] = {}
        of = np.array([keys.setdefault(fold(v) or v, len(keys)) for v in raw], dtype=np.int64)
        best: dict[int, int] = {}
        for i, group in enumerate(of.tolist()):
            j = best.get(group)
            if j is None or (uses[i], raw[j]) > (uses[j], raw[i]):
                best[group] = i
        return cls(of, [raw[best[g]] for g in range(len(keys))])


class ValueList:
    """A facet whose articles carry a list of string values (names, types, tags, sources),
    counted per group of values (see Grouping): an article counts once per group."""

    def __init__(self, spec, snapshot, min_confidence: float | None):
        self.spec, self.snapshot = spec, snapshot
        self.view = snapshot.list_view(spec.column)
        self.raw = _strings(self.view)
        keep = self._kept_pairs(min_confidence)
        uses = np.bincount(self.view.values[keep], minlength=len(self.raw))
        self.grouping = Grouping.by_fold(self.raw, uses)
        self.values = self.grouping.names
        groups = max(len(self.values), 1)
        pairs = np.unique(self.view.docs[keep] * groups + self.grouping.of[self.view.values[keep]])
        self.docs, self.groups = pairs // groups, pairs % groups
        self._fold_table: dict[str, list[int]] | None = None

    def _kept_pairs(self, min_confidence) -> np.ndarray:
        """Pairs that count (all live ones; event types also filter by confidence)."""
        return self.snapshot.live[self.view.docs]

    # ------------------------------------------------------------ the interface

    def select(self, wanted: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """Groups the user means; a warning naming close values for each that matches none."""
        found, warnings = [], []
        for text in wanted:
            groups = self.match(text)
            if len(groups):
                found.append(groups)
            else:
                warnings.append(self._no_match(text))
        selection = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
        return selection, warnings

    def match(self, text: str) -> np.ndarray:
        """Forgiving: groups with a spelling of the same fold as `text`, else groups with a
        spelling whose words include all of the text's words (a surname finds a name)."""
        key = fold(text)
        exact = self._folds().get(key, [])
        if exact or not key:
            return np.array(sorted(set(exact)), dtype=np.int64)
        words = set(key.split())
        hits = {g for k, groups in self._folds().items() if words <= set(k.split()) for g in groups}
        return np.array(sorted(hits), dtype=np.int64)

    def mask(self, selection: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.snapshot.size, dtype=bool)
        mask[self.docs[np.isin(self.groups, selection)]] = True
        return mask

    def count(self, docs: np.ndarray, selection: np.ndarray, limit: int | None):
        counts = np.bincount(self.groups[docs[self.docs]], minlength=len(self.values))
        chosen = set(selection.tolist())
        best = _best_ordinals(counts, limit)
        shown = [FacetValue(self.values[i], int(counts[i]), i in chosen) for i in best]
        listed = set(best.tolist())
        shown += [FacetValue(self.values[i], int(counts[i]), True) for i in sorted(chosen - listed)]
        return tuple(shown)

    def hit_values(self, doc: int) -> list[str]:
        """The document's values, each as its group's name, first seen first."""
        docs = self.view.docs  # pairs in document order, each document's in written order
        lo, hi = docs.searchsorted(doc), docs.searchsorted(doc, side="right")
        groups = self.grouping.of[self.view.values[lo:hi]]
        return list(dict.fromkeys(self.values[g] for g in groups.tolist()))

    def group_names(self, spellings: np.ndarray) -> list[str]:
        """Group names of encoded spellings of this column, first seen first, unique."""
        raw = np.searchsorted(self.view.vocab, spellings)
        return list(dict.fromkeys(self.values[g] for g in self.grouping.of[raw]))

    # ------------------------------------------------------------ helpers

    def _folds(self) -> dict[str, list[int]]:
        """fold(spelling) -> groups, made on first use (filters are rarer than counts)."""
        if self._fold_table is None:
            self._fold_table = {}
            for raw, group in zip(self.raw, self.grouping.of.tolist()):
                self._fold_table.setdefault(fold(raw), []).append(group)
        return self._fold_table

    def _no_match(self, text: str) -> str:
        close = process.extract(fold(text), list(self._folds()), scorer=fuzz.WRatio, limit=HINTS,
                                score_cutoff=60)
        names = list(dict.fromkeys(self.values[self._folds()[key][0]] for key, _, _ in close))
        hint = f"; did you mean {', '.join(repr(n) for n in names)}?" if names else ""
        return f"no {self.spec.singular} {text!r} in the index{hint}"


def _strings(view) -> list[str]:
    return [decode(v) for v in view.vocab]


class Names(ValueList):
    """People, places or organisations: the names of all three name columns grouped into
    the index's entities (resolve/entities.py) and counted under each entity's kind by vote,
    so a name tagged a person in most of its articles is a person everywhere. Filters
    match any spelling, alias or unambiguous short form of an entity."""

    def __init__(self, spec, snapshot, min_confidence: float | None, tables=None):
        self.table = tables.entities if tables is not None else None
        if self.table is None:  # an index without an entities table: spellings by fold
            super().__init__(spec, snapshot, min_confidence)
            return
        self.spec, self.snapshot = spec, snapshot
        self.kind = spec.entity_kind
        self.columns = [spec.column, *(s.column for s in facetspec.NAME_FACETS if s.column != spec.column)]
        self.entity_ids: list[str] = []
        group_of_id: dict[str, int] = {}
        docs, groups = [], []
        self.raw_groups = {}
        # Per column, every (doc, group) pair in written order: a hit's names are a slice.
        self._pair_groups: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        kind_of_column = {s.column: s.entity_kind for s in facetspec.NAME_FACETS}
        for column in self.columns:
            view = snapshot.list_view(column)
            of = np.array([self._group(decode(v), kind_of_column[column], group_of_id)
                           for v in view.vocab], dtype=np.int64)
            self.raw_groups[column] = (view.vocab, of)
            pair_groups = of[view.values] if len(view.values) else np.zeros(0, np.int64)
            self._pair_groups[column] = (view.docs, pair_groups)
            keep = (pair_groups >= 0) & snapshot.live[view.docs]
            docs.append(view.docs[keep])
            groups.append(pair_groups[keep])
        self.values = [i[len("value:"):] if i.startswith("value:") else self.table.get(i).value
                       for i in self.entity_ids]
        n = max(len(self.values), 1)
        pairs = np.unique(np.concatenate(docs) * n + np.concatenate(groups))
        self.docs, self.groups = pairs // n, pairs % n

    def _group(self, value: str, column_kind: str, group_of_id: dict[str, int]) -> int:
        """The facet's group of a value: its entity's, when the entity is of this kind; a
        value the table does not know yet (a run still writing it) stands for itself.
        Junk and values the table does not list (a common word, a product...) are none."""
        entity = self.table.entity(value)
        if entity is not None:
            key, kind = entity.id, entity.kind
        elif value not in self.table.junk and value not in self.table.unlisted:
            key, kind = f"value:{value}", column_kind
        else:
            return -1
        if kind != self.kind:
            return -1
        if key not in group_of_id:
            group_of_id[key] = len(self.entity_ids)
            self.entity_ids.append(key)
        return group_of_id[key]

    def match(self, text: str) -> np.ndarray:
        if self.table is None:
            return super().match(text)
        wanted = set(self.table.match(self.kind, text)) | {f"value:{v}" for v in self._folds_raw(text)}
        return np.array([g for g, i in enumerate(self.entity_ids) if i in wanted], dtype=np.int64)

    def _folds_raw(self, text: str) -> list[str]:
        """Values the table does not know yet that fold like `text`."""
        key = fold(text)
        return [i[len("value:"):] for i in self.entity_ids
                if i.startswith("value:") and fold(i[len("value:"):]) == key]

    def hit_values(self, doc: int) -> list[str]:
        if self.table is None:
            return super().hit_values(doc)
        names = []
        for column in self.columns:
            docs, groups = self._pair_groups[column]
            lo, hi = docs.searchsorted(doc), docs.searchsorted(doc, side="right")
            names += [self.values[g] for g in groups[lo:hi].tolist() if g >= 0]
        return list(dict.fromkeys(names))

    def _no_match(self, text: str) -> str:
        if self.table is None:
            return super()._no_match(text)
        close = [e.value for e in self.table.closest(self.kind, text, n=HINTS)]
        hint = f"; did you mean {', '.join(repr(n) for n in close)}?" if close else ""
        return f"no {self.spec.singular} {text!r} in the index{hint}"


class EventList(ValueList):
    """Event types: a pair counts when extraction attached the type to the article, or,
    with `min_confidence`, when its confidence reaches it. The main event comes first."""

    def __init__(self, spec, snapshot, min_confidence: float | None):
        self.min_confidence = min_confidence
        super().__init__(spec, snapshot, min_confidence)

    def _kept_pairs(self, min_confidence) -> np.ndarray:
        live = self.snapshot.live[self.view.docs]
        if min_confidence is None:
            return live & self.view.extras["attached"].astype(bool)
        return live & (self.view.extras["confidence"] >= min_confidence)

    def hit_values(self, doc: int) -> list[str]:
        """The types that count for the article, the main event first."""
        names = self.snapshot.doc_values("events", doc)
        conf = self.snapshot.doc_extras("events", doc, "confidence")
        attached = self.snapshot.doc_extras("events", doc, "attached")
        main = self.snapshot.doc_extras("events", doc, "main")
        keep = attached if self.min_confidence is None else conf >= self.min_confidence
        order = [i for i in sorted(range(len(names)), key=lambda i: (not main[i], -conf[i], names[i]))
                 if keep[i]]
        return self.group_names(encode([names[i] for i in order])) if order else []

    def main_event(self, doc: int, values: Sequence[str] | None = None) -> str | None:
        """The article's main event when it counts (`values`: its hit_values, if known)."""
        values = self.hit_values(doc) if values is None else values
        main = self.snapshot.doc_extras("events", doc, "main")
        names = self.snapshot.doc_values("events", doc)
        return next((n for n, m in zip(names, main) if m and n in values), None)


class Dates:
    """A histogram of article dates, by month or by year depending on the span."""

    def __init__(self, spec, snapshot, min_confidence=None):
        self.spec, self.snapshot = spec, snapshot

    def select(self, wanted: Sequence[str]):
        """The periods asked for; a warning for each that no live article is dated in."""
        warnings = []
        days = self.snapshot.days[self.snapshot.live & (self.snapshot.days >= 0)]
        for key in wanted:
            inside = (days >= parse_day(key)) & (days <= parse_day(key, end=True))
            if not inside.any():
                span = (f"; the articles are dated {np.datetime64(int(days.min()), 'D')} to "
                        f"{np.datetime64(int(days.max()), 'D')}") if len(days) else "; no article has a date"
                warnings.append(f"no {self.spec.singular} {key!r} in the index{span}")
        return tuple(wanted), warnings

    def mask(self, selection) -> np.ndarray:
        days = self.snapshot.days
        mask = np.zeros(self.snapshot.size, dtype=bool)
        for key in selection:
            start, end = parse_day(key), parse_day(key, end=True)
            mask |= (days >= start) & (days <= end)
        return mask & (days >= 0)

    def count(self, docs: np.ndarray, selection, limit: int | None):
        days = self.snapshot.days[docs & (self.snapshot.days >= 0)]
        monthly = self._monthly(days, selection)
        months = _months(days)
        uniq, counts = np.unique(months if monthly else months // 12, return_counts=True)
        chosen = set(selection)
        values = [FacetValue(_bucket_key(int(k), monthly), int(c)) for k, c in zip(uniq, counts)]
        values = [FacetValue(v.value, v.count, v.value in chosen) for v in values]
        values += [FacetValue(v, 0, True) for v in chosen - {x.value for x in values}]
        if limit is not None and len(values) > limit:  # the busiest periods, and the chosen
            busiest = {v.value for v in sorted(values, key=lambda v: (-v.count, v.value))[:limit]}
            values = [v for v in values if v.value in busiest or v.selected]
        return tuple(sorted(values, key=lambda v: v.value))  # a histogram reads in time order

    @staticmethod
    def _monthly(days: np.ndarray, selection) -> bool:
        if selection:
            return any(len(s) > 4 for s in selection)
        if len(days) == 0:
            return True
        return int(_months(days.max()) - _months(days.min())) < MONTHLY_SPAN

    def hit_values(self, doc: int) -> list[str]:
        day = int(self.snapshot.days[doc])
        return [] if day < 0 else [str(np.datetime64(day, "D"))]


class Amounts:
    """Sums of money in magnitude buckets, per currency ("EUR:1B+")."""

    def __init__(self, spec, snapshot, min_confidence=None):
        self.spec, self.snapshot = spec, snapshot
        view = snapshot.list_view("money")
        self.docs, self.amounts = view.docs, view.extras["amount"]
        currencies = np.array(_strings(view) or [""], dtype=object)
        suffixes = np.array([s for _, s, _ in AMOUNT_BUCKETS], dtype=object)
        bucket = np.searchsorted([b for b, _, _ in AMOUNT_BUCKETS[:-1]], self.amounts, side="right")
        keys = currencies[view.values] + ":" + suffixes[bucket] if len(view.values) else np.zeros(0, object)
        self.vocab, self.key_ords = np.unique(keys.astype(str), return_inverse=True)
        self.currency = currencies[view.values] if len(view.values) else np.zeros(0, object)
        self.keep = snapshot.live[self.docs]

    def select(self, wanted: Sequence[str]):
        """The buckets asked for; a warning naming the index's buckets for each it lacks."""
        held = set(self.vocab[np.unique(self.key_ords[self.keep])].tolist()) if self.keep.any() else set()
        warnings = []
        for key in wanted:
            if key not in held:
                close = sorted(held, key=lambda k: (k.split(":")[0] != key.split(":")[0], k))[:HINTS]
                hint = f"; the index has {', '.join(repr(k) for k in close)}" if close else ""
                warnings.append(f"no {self.spec.singular} {key!r} in the index{hint}")
        return tuple(wanted), warnings

    def currency_warning(self, currency: str | None) -> str | None:
        """A warning when no amount in the index is in `currency`."""
        if not currency:
            return None
        held = sorted(set(self.currency[self.keep].tolist()))
        if currency.upper() in held:
            return None
        return (f"no amount in currency {currency!r} in the index; its currencies: "
                f"{', '.join(held[:8]) or 'none'}")

    def mask(self, selection) -> np.ndarray:
        return self.docs_with(self.keep & np.isin(self.vocab[self.key_ords], list(selection)))

    def docs_with(self, pairs: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.snapshot.size, dtype=bool)
        mask[self.docs[pairs]] = True
        return mask

    def range_mask(self, low: float | None, high: float | None, currency: str | None) -> np.ndarray:
        pairs = self.keep.copy()
        if currency:
            pairs &= self.currency == currency.upper()
        if low is not None:
            pairs &= self.amounts >= low
        if high is not None:
            pairs &= self.amounts <= high
        return self.docs_with(pairs)

    def count(self, docs: np.ndarray, selection, limit: int | None):
        inside = self.keep & docs[self.docs]
        n = max(len(self.vocab), 1)
        # An article counts once per bucket even when it names several sums in it.
        doc_key = np.unique(self.docs[inside].astype(np.int64) * n + self.key_ords[inside])
        counts = np.bincount(doc_key % n, minlength=len(self.vocab))
        chosen = set(selection)
        values = [FacetValue(str(self.vocab[i]), int(c), self.vocab[i] in chosen, amount_label(self.vocab[i]))
                  for i, c in enumerate(counts) if c]
        values += [FacetValue(v, 0, True, amount_label(v)) for v in chosen - {x.value for x in values}]
        values.sort(key=lambda v: (-v.count, v.value))
        shown = values if limit is None else values[:limit]
        return tuple(shown + [v for v in values[len(shown):] if v.selected])

    def hit_values(self, doc: int) -> list[str]:
        names = self.snapshot.doc_values("money", doc)
        amounts = self.snapshot.doc_extras("money", doc, "amount")
        return sorted({amount_key(c, float(a)) for c, a in zip(names, amounts)})


FACET_KINDS = {"names": Names, "values": ValueList, "events": EventList, "dates": Dates,
               "amounts": Amounts}


class Facets(dict):
    """name -> bound facet kind, for one snapshot, its index-level tables (entities) and a
    confidence threshold (each made on first use)."""

    def __init__(self, snapshot, min_confidence: float | None = None, tables=None):
        super().__init__()
        self.snapshot, self.min_confidence, self.tables = snapshot, min_confidence, tables

    def __missing__(self, name: str):
        spec = facetspec.spec(name)
        kind = FACET_KINDS[spec.kind]
        if kind is Names:
            facet = kind(spec, self.snapshot, self.min_confidence, self.tables)
        else:
            facet = kind(spec, self.snapshot, self.min_confidence)
        self[name] = facet
        return facet


def _months(days):
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _bucket_key(key: int, monthly: bool) -> str:
    if monthly:
        return f"{key // 12 + _EPOCH_YEAR:04d}-{key % 12 + 1:02d}"
    return f"{key + _EPOCH_YEAR:04d}"


def hit_facet_keys(hit: Hit, result: SearchResult) -> dict[str, list[str]]:
    """The facet values a hit carries, for every facet counted in `result`, as the facet
    lists them (a report page recomputes counts from these without the index)."""
    keys = {}
    for name, values in result.facets.items():
        spec = facetspec.spec(name)
        if spec.kind == "dates":
            width = len(values[0].value) if values else 7
            keys[name] = [hit.date[:width]] if hit.date else []
        elif spec.kind == "amounts":
            keys[name] = sorted({amount_key(a["unit"], a["value"]) for a in hit.amounts
                                 if a.get("kind") == "money"})
        else:
            value = getattr(hit, spec.hit_field)
            keys[name] = [value] if isinstance(value, str) else list(value)
            if isinstance(value, str) and not value:
                keys[name] = []
    return keys


__all__ = ["FACET_KINDS", "Facets", "amount_key", "amount_label", "fold", "hit_facet_keys"]
