"""Acronyms an article defines: "International Criminal Court (ICC)" -> ("ICC", long name).

An organisation mention followed by a bracketed capitalised word whose letters are the
initials of the name's words (in order, skipping small words; a word may give more than
one letter: "Organisation for Security and Co-operation in Europe (OSCE)"). Entity
resolution reads these pairs to join acronyms and names over the whole index.

    >>> from searchkit.models import Mention
    >>> text = "the International Criminal Court (ICC) said"
    >>> find_acronyms(text, [Mention("org", "International Criminal Court",
    ...                              "International Criminal Court", 4, 32)])
    (('ICC', 'International Criminal Court'),)
"""
from __future__ import annotations

import re
from typing import Iterable

from ..models import Mention

_BRACKETED = re.compile(r"\s*\(\s*([A-Z][A-Za-z&.\-]{1,9})\s*\)")
_SMALL = frozenset("of the and for on in at to de du des la le".split())


def find_acronyms(text: str, mentions: Iterable[Mention]) -> tuple[tuple[str, str], ...]:
    """(short, canonical long name) for each acronym the text defines after an org."""
    found: dict[tuple[str, str], None] = {}
    for m in mentions:
        if m.kind != "org":
            continue
        hit = _BRACKETED.match(text, m.end)
        if hit and _abbreviates(hit.group(1), m.text):
            found[hit.group(1), m.canonical] = None
    return tuple(found)


def _abbreviates(short: str, long: str) -> bool:
    """Whether the capitals of `short` are initials of `long`'s words, in order."""
    letters = [ch.lower() for ch in short if ch.isupper()]
    words = long.split()
    if len(letters) < 2 or len(words) < 2:
        return False
    return _match(letters, [w.lower() for w in words])


def _match(letters: list[str], words: list[str]) -> bool:
    """Every letter from the start of some word or the next letters of the current one."""
    if not letters:
        return all(w in _SMALL for w in words)
    if not words:
        return False
    word, rest = words[0], words[1:]
    # A word gives its first letter, or one per hyphenated part ("Co-operation": "co").
    for given in {word[0], "".join(part[0] for part in word.split("-") if part)}:
        if letters[:len(given)] == list(given) and _match(letters[len(given):], rest):
            return True
    return word in _SMALL and _match(letters, rest)
