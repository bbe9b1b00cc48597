"""The entities table's rules that read the corpus-level word counts (`wordcase.py`).

`WordEvidence` is a mixin of `EntityTable`: it reads the table's counts (`counts`,
`lowercase`, `named`, `owned`, `titles`, `determined`, `venues`, `placed`), its rules and its
`_value_articles`, `_named` and `_a_surname`. Per value it sets flags (`_word_flags`: a
common word, a product, a work's title, no one's name, a venue); per cluster it gives the
reason to keep it out of the list (`_word_evidence_reason`), and `kind_of` asks `_venue` and `_placed`.
`_count_case` applies a change of the counts and returns the values whose flags it flips,
which is what keeps an incrementally built table equal to one built from scratch.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from .names import fold, is_acronym

if TYPE_CHECKING:
    from .entities import Observations

#: Why a one-word value whose word the corpus mostly writes lowercase is not listed.
COMMON_WORD = "a common word: the corpus mostly writes it lowercase"
#: Why a one-word "organisation" or "place" named as an organisation's is not listed.
PRODUCT = "a product or work: articles name it as an organisation's"
#: Why a value that follows a word naming a work ("the film Vera Drake") is not listed.
WORK = "a work's title: articles write it after a word for a work"
#: Why a one-word "person" that articles write after a determiner is not listed.
NO_ONE = "no one's name: articles write it after a determiner ('an Oscar')"
#: The per-word (per-title) article counts an inventory carries (see `wordcase.py`).
WORD_COUNTS = ("lowercase", "named", "owned", "titles", "determined", "venues", "placed")


@lru_cache(maxsize=1)
def _gazetteer():
    from ..extraction.places import get_gazetteer

    return get_gazetteer()


class WordEvidence:
    """The word-count rules of `EntityTable` (see the module docstring)."""

    def _word_evidence_reason(self, cluster: list[str], kind: str, surnames: set[str]) -> str:
        """Why the word counts keep a cluster out of the list, or "" when they do not."""
        return (self._common_word_reason(cluster, kind, surnames)
                or self._product_reason(cluster, kind)
                or self._work_reason(cluster)
                or self._no_one_reason(cluster, kind))

    def _common_word_reason(self, cluster: list[str], kind: str, surnames: set[str]) -> str:
        """Why a cluster is a common word and no name, or "" when it may be a name.

        Every value of it is one word that the corpus writes lowercase in many more
        articles than it names the value ("Budget", "Digital", "Closer"; see
        `_common_word`). Kept: names the alias data or the user's edits list, places the
        gazetteer knows ("Reading", "Nice", "Bath") and a person's word that is the surname
        of a full name in the index ("Brown").
        """
        if not all(self._common_word(v) for v in cluster) or self._named(cluster):
            return ""
        if kind == "place" and any(_gazetteer().lookup(v) for v in cluster):
            return ""
        if kind == "person" and self._a_surname(cluster, surnames):
            return ""
        return COMMON_WORD

    def _common_word(self, value: str) -> bool:
        """A one-word value whose word at least `common_word_share` of the articles that
        write it or name the value write lowercase (and at least `common_word_min_articles`
        of them), unless articles using the word as a name ("The Times", "Shell said") are
        a `name_share` of its count. Only a word written as words are (capital, then
        lowercase): acronyms and camel case ("LeT", "iPod") are no common words."""
        words = fold(value).split()
        letters = value.strip(".,;:'\"")
        if len(words) != 1 or not (letters[:1].isupper() and letters[1:].islower()):
            return False
        rules, articles = self.rules, self._value_articles(value)
        low = self.lowercase.get(words[0], 0)
        if low < rules.common_word_min_articles or low < rules.common_word_share * (low + articles):
            return False
        return self.named.get(words[0], 0) < rules.name_share * articles

    def _product_reason(self, cluster: list[str], kind: str) -> str:
        """Why a cluster is a product or a work and no organisation or place, or "".

        Every value of it is one word that articles name as one of their organisations'
        ("Apple's iPod", "Microsoft's Xbox": see `_product`); the alias data, the user's
        edits and the gazetteer's places keep theirs.
        """
        if kind == "person" or not all(self._product(v) for v in cluster) or self._named(cluster):
            return ""
        if kind == "place" and any(_gazetteer().lookup(v) for v in cluster):
            return ""
        return PRODUCT

    def _product(self, value: str) -> bool:
        """A one-word value named as an organisation's in at least `owned_min_articles`
        articles and an `owned_share` of its count."""
        words = fold(value).split()
        if len(words) != 1:
            return False
        return self._often(self.owned.get(words[0], 0), value, "owned")

    def _work_reason(self, cluster: list[str]) -> str:
        """Why a cluster is the title of a work, or "": every value of it follows a word
        naming a work ("the film Vera Drake", "the album Hopes and Fears") in at least
        `work_min_articles` articles and a `work_share` of its count (see `_work`); the alias
        data and the user's edits keep theirs."""
        if not all(self._work(v) for v in cluster) or self._named(cluster):
            return ""
        return WORK

    def _work(self, value: str) -> bool:
        return self._often(self.titles.get(fold(value), 0), value, "work")

    def _no_one_reason(self, cluster: list[str], kind: str) -> str:
        """Why a one-word "person" is no one's name, or "": every value of it is written
        after a determiner as a whole noun phrase ("an Oscar for", "the Beatles and") in at
        least `determined_min_articles` articles and a `determined_share` of its count
        (see `_determined`); the alias data and the user's edits keep theirs."""
        if kind != "person" or not all(self._determined(v) for v in cluster) \
                or self._named(cluster):
            return ""
        return NO_ONE

    def _determined(self, value: str) -> bool:
        words = fold(value).split()
        if len(words) != 1:
            return False
        return self._often(self.determined.get(words[0], 0), value, "determined")

    def _venue(self, value: str) -> bool:
        """A one-word value (no acronym: "in NATO" is membership) that articles write after
        a preposition of place with no determiner ("at Murrayfield") in at least
        `venue_min_articles` articles and a `venue_share` of its count: where things
        happen, so a place."""
        words = fold(value).split()
        if len(words) != 1 or is_acronym(value.strip(".,;:'\""), self.rules):
            return False
        return self._often(self.venues.get(words[0], 0), value, "venue")

    def _placed(self, value: str) -> bool:
        """A value that articles write after "the", a word for a kind of place and "of"
        ("the town of Chasiv Yar") in at least `placed_min_articles` articles and a
        `placed_share` of its count: a place, whatever the model called it."""
        return self._often(self.placed.get(fold(value), 0), value, "placed")

    def _often(self, found: int, value: str, rule: str) -> bool:
        """Whether `found` articles write `value` the telling way often enough: at least
        `<rule>_min_articles` of them and a `<rule>_share` of the value's articles."""
        rules = self.rules
        return (found >= getattr(rules, f"{rule}_min_articles")
                and found >= getattr(rules, f"{rule}_share") * self._value_articles(value))

    def _common_tail(self, value: str) -> bool:
        """A value of three words or more whose last word the corpus writes lowercase in at
        least `tail_lowercase_min_articles` articles: it ends in a common noun ("Savings and
        Loan Association", "Asset Management"), not in a surname."""
        words = fold(value).split()
        return len(words) >= 3 and \
            self.lowercase.get(words[-1], 0) >= self.rules.tail_lowercase_min_articles

    def _word_flags(self, value: str) -> tuple[bool, ...]:
        return (self._common_word(value), self._product(value), self._work(value),
                self._determined(value), self._venue(value), self._placed(value),
                self._common_tail(value))

    def _count_case(self, delta: Observations) -> set[str]:
        """Apply the delta's word counts; return the values whose common-word or product
        flag they flip (those need re-resolving, like values whose own counts changed)."""
        changes = [(getattr(self, name), getattr(delta, name)) for name in WORD_COUNTS]
        words = {w for _counts, change in changes for w, n in change.items() if n}
        by_word = self._values_by_word() if words else {}
        values = {v for w in words for v in by_word.get(w, ())}
        before = {v: self._word_flags(v) for v in values}
        for counts, change in changes:
            for word, n in change.items():
                add_count(counts, word, n)
        return {v for v in values if self._word_flags(v) != before[v]}

    def _values_by_word(self) -> dict[str, set[str]]:
        """Folded form -> the values written so (kept current by `update`); a one-word
        value's folded form is its word key; a value of three words or more is also under
        its last word."""
        if self._by_word is None:
            self._by_word = {}
            for value in self.counts:
                self._index_word(value)
        return self._by_word

    def _index_word(self, value: str) -> None:
        if self._by_word is None:
            return
        words = fold(value).split()
        # Its whole form, and a long value's last word (`_common_tail`).
        for key in {" ".join(words), *(words[-1:] if len(words) >= 3 else ())}:
            holders = self._by_word.setdefault(key, set())
            if value in self.counts:
                holders.add(value)
            else:
                holders.discard(value)
                if not holders:
                    del self._by_word[key]


def add_count(counts: dict, key, n: int) -> None:
    """Add `n` to `counts[key]`, dropping the key when it reaches zero."""
    total = counts.get(key, 0) + n
    if total > 0:
        counts[key] = total
    else:
        counts.pop(key, None)
