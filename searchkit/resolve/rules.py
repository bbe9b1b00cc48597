"""The rules of entity resolution, read from `extraction/data/resolution.json` and checked.

Thresholds (`thresholds` in the file):
- token_similarity: two name words are spellings of one word when their romanised forms
  are at least this similar (normalised Levenshtein similarity, rapidfuzz);
- name_similarity: and the whole names, folded but not romanised, at least this similar;
- surname_similarity / surname_min_letters: a surname alone joins a full name when its
  romanised form is this similar to the full name's surname and has this many letters
  (shorter ones must be equal);
- short_token: words shorter than this must match exactly (after romanisation);
- given_prefix: a given name may be a short form of another when their romanised forms
  share at least this many leading letters ("Volodya", "Volodymyr");
- min_support: a full name needs this many articles before a surname alone joins it;
- dominance: a surname alone joins the most used full name that ends with it when that one
  has at least this many times the articles of the next ("Trump" -> Donald Trump, not
  Ivanka Trump); otherwise it stays apart;
- acronym_min_letters / acronym_max_letters: the length of a word read as an acronym;
- common_word_share / common_word_min_articles: a one-word value is a common word (not
  listed) when the articles writing its word lowercase are at least this share of those
  and the value's own articles, and at least this many (`wordcase.py`);
- name_share: unless the articles using the word as a name, as a title after a capital
  "The" mid-sentence ("The Times") or as a speaker opening a clause ("Shell said", with a
  word of `agent_words` after it), are at least this share of the value's articles;
- owned_share / owned_min_articles: a one-word organisation or place is a product or a
  work (not listed) when at least this many articles, and this share of its count, name
  it as one of their organisations' ("Apple's iPod");
- work_share / work_min_articles: a value is a work's title (not listed) when at least
  this many articles, and this share of its count, write it after a word of `work_nouns`
  ("the film Vera Drake");
- determined_share / determined_min_articles: a one-word person is no one's name (not
  listed) when at least this many articles, and this share of its count, write it after a
  determiner as a whole noun phrase ("an Oscar for", "the Beatles and").
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..models import SearchkitError

RULES_FILE = Path(__file__).resolve().parents[1] / "extraction" / "data" / "resolution.json"
_THRESHOLDS = {"token_similarity": float, "name_similarity": float,
               "surname_similarity": float, "surname_min_letters": int,
               "short_token": int, "given_prefix": int,
               "min_support": int, "dominance": float, "acronym_min_letters": int,
               "acronym_max_letters": int, "common_word_share": float,
               "common_word_min_articles": int, "name_share": float,
               "owned_share": float, "owned_min_articles": int,
               "work_share": float, "work_min_articles": int,
               "determined_share": float, "determined_min_articles": int}


@dataclass(frozen=True)
class Rules:
    """Validated resolution rules (see the module docstring)."""

    romanisation: tuple[tuple[str, str], ...]
    final: tuple[tuple[str, str], ...]
    vowels: frozenset[str]
    particles: frozenset[str]
    org_generic: frozenset[str]
    acronym_skip: frozenset[str]
    agent_words: frozenset[str]
    determiners: frozenset[str]
    work_nouns: frozenset[str]
    phrase_ends: frozenset[str]
    pronouns: frozenset[str]
    token_similarity: float
    name_similarity: float
    surname_similarity: float
    surname_min_letters: int
    short_token: int
    given_prefix: int
    min_support: int
    dominance: float
    acronym_min_letters: int
    acronym_max_letters: int
    common_word_share: float
    common_word_min_articles: int
    name_share: float
    owned_share: float
    owned_min_articles: int
    work_share: float
    work_min_articles: int
    determined_share: float
    determined_min_articles: int


def _fail(what: str) -> None:
    raise SearchkitError(f"{RULES_FILE}: {what}")


def _pairs(data: dict, name: str) -> tuple[tuple[str, str], ...]:
    value = data.get(name)
    if not isinstance(value, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p)
            and p[0] for p in value):
        _fail(f"{name}: expected a list of [from, to] string pairs")
    return tuple((a, b) for a, b in value)


def _words(data: dict, name: str) -> frozenset[str]:
    value = data.get(name)
    if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
        _fail(f"{name}: expected a list of non-empty strings")
    return frozenset(w.casefold() for w in value)


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """The built-in rules (read once)."""
    try:
        data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SearchkitError(f"{RULES_FILE}: cannot read resolution rules: {exc}") from exc
    limits = data.get("thresholds")
    if not isinstance(limits, dict) or set(limits) != set(_THRESHOLDS):
        _fail(f"thresholds: expected exactly {sorted(_THRESHOLDS)}")
    for name, typ in _THRESHOLDS.items():
        if isinstance(limits[name], bool) or not isinstance(limits[name], (int, float)) \
                or limits[name] < 0:
            _fail(f"thresholds.{name}: expected a non-negative number")
        limits[name] = typ(limits[name])
    if not isinstance(data.get("vowels"), str):
        _fail("vowels: expected a string of letters")
    return Rules(romanisation=_pairs(data, "romanisation"), final=_pairs(data, "final"),
                 vowels=frozenset(data["vowels"]), particles=_words(data, "particles"),
                 org_generic=_words(data, "org_generic"),
                 acronym_skip=_words(data, "acronym_skip"),
                 agent_words=_words(data, "agent_words"),
                 determiners=_words(data, "determiners"),
                 work_nouns=_words(data, "work_nouns"),
                 phrase_ends=_words(data, "phrase_ends"),
                 pronouns=_words(data, "pronouns"), **limits)
