""""Did you mean": each word the index does not know, replaced by its closest word.

Bounded whatever the input: words longer than limits.MAX_SUGGEST_CHARS get no suggestion,
only the first limits.MAX_SUGGEST_WORDS distinct unknown words of a query are looked up,
and candidates are compared with rapidfuzz's Levenshtein distance (C, with a cut-off), a
linear scan over the index's words instead of an automaton that grows with the word.
"""
from __future__ import annotations

import re

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from . import limits
from .store.analysis import STOPS

#: Edits a suggested word may differ by.
MAX_EDITS = 2
#: Candidates at the best distance compared by how many articles use them.
CANDIDATES = 8
#: Shorter words get no suggestion (two edits would make them any word).
MIN_CHARS = 3
_WORD = re.compile(r"\w+")


class Suggester:
    """Suggestions from one snapshot's surface words (sorted bytes and document counts)."""

    def __init__(self, vocab: np.ndarray, df: np.ndarray):
        self.vocab, self.df = vocab, df
        self._words: list[str] | None = None

    def known(self, word: str) -> bool:
        key = word.encode("utf-8", "surrogatepass")
        i = int(np.searchsorted(self.vocab, key))
        return i < len(self.vocab) and self.vocab[i] == key

    def closest(self, word: str) -> str | None:
        """The index's word nearest to `word` (fewest edits, then most used), or None."""
        if not _worth_looking_up(word):
            return None
        if self._words is None:
            self._words = [w.decode("utf-8", "surrogatepass") for w in self.vocab]
        found = process.extract(word, self._words, scorer=Levenshtein.distance,
                                score_cutoff=MAX_EDITS, limit=CANDIDATES)
        if not found:
            return None
        best = min(found, key=lambda f: (f[1], -int(self.df[f[2]]), f[0]))
        return best[0]

    def suggest(self, text: str) -> str | None:
        """The query text with unknown words replaced, or None when nothing changes."""
        words = _WORD.findall((text or "").lower())
        unknown = [w for w in dict.fromkeys(words) if _worth_looking_up(w) and not self.known(w)]
        fixes = {w: self.closest(w) or w for w in unknown[:limits.MAX_SUGGEST_WORDS]}
        suggestion = " ".join(fixes.get(w, w) for w in words)
        return suggestion if words and suggestion != " ".join(words) else None


def _worth_looking_up(word: str) -> bool:
    """Stop words are never indexed, so never "unknown"; too short or long words have no
    useful neighbours."""
    return MIN_CHARS <= len(word) <= limits.MAX_SUGGEST_CHARS and word not in STOPS
