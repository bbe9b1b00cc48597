"""Boilerplate: passages a source repeats across many of its articles (sign-ups, credits, notices).

A passage is a line of the text, or a sentence when the text has no line break. The model
counts, per source, in how many distinct articles each normalised passage occurs; a passage
is boilerplate for that source once the count passes the thresholds of
`extraction/data/boilerplate.json` (an absolute number of articles and a share of the
source's articles, larger for short passages). Only 64-bit fingerprints are kept, never text.

Counting needs the source's articles seen first, so an indexing run should pre-scan: observe
every article of the run, then ask for spans. In a later incremental run the model already
knows the source's boilerplate; a passage that only becomes frequent later is flagged from
then on, and articles indexed before keep their spans until they are re-extracted.

Copies must not make news text look like boilerplate: an article whose `group` (by default
its exact text; pass the near-duplicate cluster id from `resolve.duplicates`) was already
observed for the source is not counted again.

>>> model = BoilerplateModel()
>>> for i in range(30):
...     _ = model.observe("site", f"Story {i} about topic {i}.\\nSign up for our newsletter")
>>> text = "A new story.\\nSign up for our newsletter"
>>> model.spans("site", text)
[(13, 39)]
>>> blank(text, model.spans("site", text)) == "A new story.\\n" + " " * 26
True
"""
from __future__ import annotations

import hashlib
import math
import re
import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from ..models import SearchkitError
from .datafile import load_settings

RULES_FILE = Path(__file__).resolve().parents[1] / "extraction" / "data" / "boilerplate.json"
#: Counts held in dicts before they are merged into the sorted arrays (see `_flush_at`).
MAX_PENDING = 1 << 17


# stripped from both ends of a passage: "CNN —" and "CNN -" are the same line
_EDGE_CHARS = (" \t" + string.punctuation + "\u00a0\u00ab\u00b7\u00bb\u3000"
               + "".join(map(chr, range(0x2010, 0x2028)))      # dashes, quotes, bullets, ellipsis
               + "".join(map(chr, range(0x2030, 0x205F))))     # per mille, primes, guillemets
# a sentence ends at . ! ? (and closing quotes or brackets) before a space and a capital/digit
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")


@dataclass(frozen=True)
class BoilerplateRules:
    """Thresholds (see the data file for their meaning); validated when made."""

    min_articles: int = 3
    share_by_length: tuple[tuple[int, float], ...] = ((4, 0.1), (20, 0.01))
    max_entries: int = 2_000_000
    max_seen: int = 1_000_000

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.min_articles, int) and self.min_articles >= 2):
            problems.append(f"min_articles must be an integer >= 2, not {self.min_articles!r}")
        tiers = self.share_by_length
        if not tiers or not all(isinstance(c, int) and c >= 1 and isinstance(s, (int, float))
                                and 0 < s <= 1 for c, s in tiers):
            problems.append("share_by_length needs tiers with min_chars >= 1 and 0 < min_share <= 1")
        elif [c for c, _ in tiers] != sorted({c for c, _ in tiers}):
            problems.append("share_by_length tiers must have distinct, rising min_chars")
        for name in ("max_entries", "max_seen"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1000):
                problems.append(f"{name} must be an integer >= 1000, not {value!r}")
        if problems:
            raise SearchkitError("boilerplate rules: " + "; ".join(problems))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "BoilerplateRules":
        """Read and validate a rules file (default: the built-in `boilerplate.json`)."""
        return load_settings(cls, path or RULES_FILE, "boilerplate rules", _tiers_as_tuples)

    def needed(self, n_chars: int, n_articles: int) -> int | None:
        """Articles a passage of `n_chars` normalised characters needs, or None (never boilerplate)."""
        share = None
        for min_chars, min_share in self.share_by_length:
            if n_chars >= min_chars:
                share = min_share
        if share is None:
            return None
        return max(self.min_articles, math.ceil(share * n_articles))

    @property
    def shortest(self) -> int:
        return self.share_by_length[0][0]


def _tiers_as_tuples(data: dict) -> dict:
    if "share_by_length" in data:
        data["share_by_length"] = tuple((t["min_chars"], t["min_share"]) for t in data["share_by_length"])
    return data


# --------------------------------------------------------------------------- passages

def passages(text: str) -> list[tuple[int, int]]:
    """Character spans of the passages of `text`: its lines, or its sentences if it has no line break.

    Spans exclude surrounding whitespace and never contain a line break.

    >>> passages("One.\\n\\n  Two  \\nThree")
    [(0, 4), (8, 11), (14, 19)]
    >>> passages("First sentence. Second one!")
    [(0, 15), (16, 27)]
    """
    if "\n" in text:
        out, pos = [], 0
        for line in text.split("\n"):
            stripped = line.strip()
            if stripped:
                start = pos + len(line) - len(line.lstrip())
                out.append((start, start + len(stripped)))
            pos += len(line) + 1
        return out
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    out = []
    for start, end in zip([0] + cuts, cuts + [len(text)]):
        chunk = text[start:end]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            out.append((start + lead, start + lead + len(stripped)))
    return out


def normalise(passage: str) -> str:
    """The form passages are compared in: NFKC, case-folded, spacing collapsed, edge punctuation off.

    Punctuation inside is kept: removing it everywhere costs a regex pass over every text
    (30x the rest of the work on non-ASCII text) and buys little, since boilerplate repeats
    verbatim.

    >>> normalise("  CNN  —")
    'cnn'
    """
    if not passage.isascii():
        passage = unicodedata.normalize("NFKC", passage)
    return " ".join(passage.casefold().split()).strip(_EDGE_CHARS)


def fingerprint(source: str, normalised: str) -> int:
    """A stable 64-bit fingerprint of a normalised passage within one source."""
    hasher = _source_hasher(source).copy()
    hasher.update(normalised.encode("utf-8"))
    return int.from_bytes(hasher.digest(), "little")


@lru_cache(maxsize=4096)
def _source_hasher(source: str):
    return hashlib.blake2b(f"{source}\x00".encode("utf-8"), digest_size=8)


def passage_forms(text: str) -> list[tuple[int, int, str]]:
    """`passages(text)` with each passage's normalised form: (start, end, normalised)."""
    return [(start, end, normalise(text[start:end])) for start, end in passages(text)]


def blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with every character inside `spans` replaced by a space, line breaks kept.

    Same length as `text`, so offsets found in the result point into the original.

    >>> blank("Keep. Drop this.", [(6, 16)])
    'Keep.           '
    """
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(text), end)):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


# --------------------------------------------------------------------------- the model

class BoilerplateModel:
    """Per-source counts of passage fingerprints over the articles observed so far.

    State: sorted numpy arrays (fingerprint, count, first-seen clock) plus a small dict of
    counts not yet merged; articles per source; fingerprints of the articles already counted.
    Memory is bounded by 1.25 x `max_entries` (16 bytes each in the arrays, about 100 in the
    pending dict, which holds at most a quarter) and `max_seen` (about 60 bytes each):
    when the table outgrows max_entries, the passages seen in the fewest articles, oldest
    first, are dropped. Most passages are news text seen once, so the dropped ones are
    singletons; a dropped passage that recurs starts counting again (it can only be missed,
    never flagged wrongly, because counts never exceed the true number of articles).
    """

    def __init__(self, rules: BoilerplateRules | None = None) -> None:
        self.rules = rules or BoilerplateRules.load()
        self._articles: dict[str, int] = {}
        self._seen: dict[int, None] = {}            # insertion-ordered set of article fingerprints
        self._clock = 0
        self._keys = np.empty(0, dtype=np.uint64)
        self._counts = np.empty(0, dtype=np.uint32)
        self._born = np.empty(0, dtype=np.uint32)
        self._pending: dict[int, int] = {}
        self._pending_born: dict[int, int] = {}

    # ---- public interface
    def articles(self, source: str) -> int:
        """How many distinct articles of `source` were counted."""
        return self._articles.get(source, 0)

    def observe(self, source: str, text: str, *, group: str | int | None = None) -> bool:
        """Count the passages of one article; False (nothing counted) if its group was seen.

        `group` names what counts once per source: by default the exact text; pass the
        article's near-duplicate cluster id so that syndicated copies count once.
        """
        ident = text.strip() if group is None else f"\x01{group}"
        article = fingerprint(source, ident)
        if article in self._seen:
            return False
        self._remember(article)
        self._articles[source] = self._articles.get(source, 0) + 1
        self._clock += 1
        pending, born = self._pending, self._pending_born
        for key in {key for _, _, key, _ in self._fingerprints(source, text)}:
            if key in pending:
                pending[key] += 1
            else:
                pending[key] = 1
                born[key] = self._clock
        if len(pending) > self._flush_at():
            self._flush()
        return True

    def spans(self, source: str, text: str) -> list[tuple[int, int]]:
        """The boilerplate passages of `text` as (start, end) character spans, in text order."""
        return [(start, end) for start, end, count, needed in self.explain(source, text)
                if count >= needed]

    def explain(self, source: str, text: str) -> list[tuple[int, int, int, int]]:
        """Passages long enough to count, as (start, end, articles seen with it, articles needed)."""
        found = self._fingerprints(source, text)
        if not found:
            return []
        counts = self._count([key for _, _, key, _ in found])
        n_articles = self.articles(source)
        return [(start, end, count, self.rules.needed(size, n_articles))
                for (start, end, _, size), count in zip(found, counts.tolist())]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The state as named numpy arrays (for `np.savez`; loads without pickling)."""
        self._flush()
        return {
            "keys": self._keys.copy(), "counts": self._counts.copy(), "born": self._born.copy(),
            "sources": np.array(list(self._articles), dtype=str),
            "source_articles": np.array(list(self._articles.values()), dtype=np.int64),
            "seen": np.fromiter(self._seen, dtype=np.uint64, count=len(self._seen)),
            "clock": np.array(self._clock, dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays, rules: BoilerplateRules | None = None) -> "BoilerplateModel":
        """Rebuild a model from `to_arrays()` output (or the `np.load` of its .npz)."""
        model = cls(rules)
        model._keys = np.asarray(arrays["keys"], dtype=np.uint64).copy()
        model._counts = np.asarray(arrays["counts"], dtype=np.uint32).copy()
        model._born = np.asarray(arrays["born"], dtype=np.uint32).copy()
        if np.any(model._keys[1:] <= model._keys[:-1]):
            raise SearchkitError("boilerplate state: fingerprints are not sorted and unique")
        model._articles = {str(s): int(n) for s, n in zip(arrays["sources"], arrays["source_articles"])}
        model._seen = dict.fromkeys(int(k) for k in arrays["seen"])
        model._clock = int(arrays["clock"])
        return model

    # ---- internals
    def _fingerprints(self, source: str, text: str) -> list[tuple[int, int, int, int]]:
        """(start, end, fingerprint, normalised length) of the passages long enough to count."""
        shortest = self.rules.shortest
        hasher = _source_hasher(source)
        out = []
        for start, end in passages(text):
            form = normalise(text[start:end])
            if len(form) >= shortest:
                h = hasher.copy()
                h.update(form.encode("utf-8"))
                out.append((start, end, int.from_bytes(h.digest(), "little"), len(form)))
        return out

    def _count(self, keys: list[int]) -> np.ndarray:
        query = np.array(keys, dtype=np.uint64)
        counts = np.zeros(len(query), dtype=np.int64)
        if len(self._keys):
            at = np.minimum(np.searchsorted(self._keys, query), len(self._keys) - 1)
            hit = self._keys[at] == query
            counts[hit] = self._counts[at[hit]]
        if self._pending:
            counts += np.array([self._pending.get(k, 0) for k in keys], dtype=np.int64)
        return counts

    def _remember(self, article: int) -> None:
        self._seen[article] = None
        if len(self._seen) > self.rules.max_seen:
            # forget the oldest tenth: a copy arriving that much later may count twice, once
            for old in list(self._seen)[: self.rules.max_seen // 10]:
                del self._seen[old]

    def _flush_at(self) -> int:
        """Pending entries that trigger a merge: a quarter of the table (so merging is amortised
        O(log n) an entry), at least 4096, at most MAX_PENDING (two dicts of ~100 bytes an
        entry: a quarter of max_entries held 100 MB while indexing 200k articles)."""
        return max(4096, min(len(self._keys) // 4, MAX_PENDING))

    def _flush(self) -> None:
        """Merge the pending counts into the sorted arrays, then evict if over max_entries."""
        if not self._pending:
            return
        keys = np.fromiter(self._pending, dtype=np.uint64, count=len(self._pending))
        counts = np.fromiter(self._pending.values(), dtype=np.uint32, count=len(keys))
        born = np.fromiter((self._pending_born[k] for k in self._pending), dtype=np.uint32,
                           count=len(keys))
        self._pending, self._pending_born = {}, {}
        at = np.minimum(np.searchsorted(self._keys, keys), max(0, len(self._keys) - 1))
        known = (self._keys[at] == keys) if len(self._keys) else np.zeros(len(keys), bool)
        np.add.at(self._counts, at[known], counts[known])
        keys, counts, born = keys[~known], counts[~known], born[~known]
        all_keys = np.concatenate([self._keys, keys])
        order = np.argsort(all_keys, kind="stable")
        self._keys = all_keys[order]
        self._counts = np.concatenate([self._counts, counts])[order]
        self._born = np.concatenate([self._born, born])[order]
        if len(self._keys) > self.rules.max_entries:
            self._evict(int(self.rules.max_entries * 0.75))

    def _evict(self, target: int) -> None:
        """Keep the `target` entries seen in most articles (the most recent among equals)."""
        rank = np.lexsort((self._born, self._counts))      # fewest articles, oldest first
        keep = np.sort(rank[len(rank) - target:])
        self._keys, self._counts, self._born = self._keys[keep], self._counts[keep], self._born[keep]
