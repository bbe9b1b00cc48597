"""Text analysis for the index: the terms of a title or text, and its surface words.

The index and the query parser must cut text into the same terms. Queries are parsed by
whoosh with its `StemmingAnalyzer`; this module produces exactly the terms that analyzer
produces (tests/test_store.py compares the two on random text), but in one regular
expression pass and a cached stemmer instead of whoosh's chain of per-token generators,
which is about three times faster and is most of the cost of indexing without NLP.
"""
from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem

#: whoosh's RegexTokenizer expression of StemmingAnalyzer (it keeps "*" for wildcards).
WORD = re.compile(r"[\w*]+(?:\.?[\w*]+)*")
#: Words shorter than this are dropped, as whoosh's StopFilter(minsize=2) does.
MIN_WORD = 2
#: Longer words (URL fragments, base64, run-together junk) are not indexed; the query
#: limits refuse longer terms, so both sides agree.
MAX_TERM_CHARS = 64
STOPS = frozenset(STOP_WORDS)

stem_word = lru_cache(maxsize=300_000)(stem)


def surface_words(text: str) -> list[str]:
    """The lower-cased words of `text` that become terms, in order, before stemming.

    >>> surface_words("The prisoners were exchanged in Kyiv.")
    ['prisoners', 'were', 'exchanged', 'kyiv']
    """
    return [w for w in map(str.lower, WORD.findall(text))
            if MIN_WORD <= len(w) <= MAX_TERM_CHARS and w not in STOPS]


def terms(words: list[str]) -> list[str]:
    """The index terms (stems) of surface words, position for position.

    >>> terms(surface_words("The prisoners were exchanged"))
    ['prison', 'were', 'exchang']
    """
    return [stem_word(word) for word in words]


def analyse(text: str) -> list[str]:
    """The index terms of a text, in order (stop words removed, positions renumbered)."""
    return terms(surface_words(text))
