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
- given_typo_similarity / given_typo_min_letters: a given name may be a misspelling of
  another ("Alaxandr", "Alexander") when both have this many letters, start alike and
  their romanised forms are this similar (full names joined so still need the loose
  forms' dominance: the misspelling joins the most used name only);
- min_support: a full name needs this many articles before a surname alone joins it;
- surname_kind_min_articles: a one-word value the model called an organisation or a place
  is a surname (a person) when full names ending in it have at least this many articles,
  and `dominance` times the value's own ("Putin" tagged an organisation in an article that
  names no one in full; not a place the gazetteer knows: "Jordan");
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
  determiner as a whole noun phrase ("an Oscar for", "the Beatles and");
- venue_share / venue_min_articles: a one-word organisation is a place (a venue) when at
  least this many articles, and this share of its count, write it right after a word of
  `venue_preps` with no determiner ("at Murrayfield");
- placed_share / placed_min_articles: a person or an organisation is a place when at least
  this many articles, and this share of its count, write it after "the" and a word of
  `place_nouns` and "of" ("the town of Chasiv Yar");
- tail_lowercase_min_articles: a value's last word written lowercase in at least this many
  articles is a common noun ("Savings and Loan Association"), no surname: the value is not
  read as a name glued after something else (`names.person_part`).

Word lists: `inverted_heads` (a body's "<head> of <name>" is its "<name> <head>":
"Department of State", "State Department"; `names.inverted`), `honorifics` ("Ms Sandu": a person's name) and `not_surnames` (last words of
names of places, bodies and documents: "Edward Island", "Jacob Zuma Foundation"), which
`names.person_part` reads.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from ..models import SearchkitError

RULES_FILE = Path(__file__).resolve().parents[1] / "extraction" / "data" / "resolution.json"
_THRESHOLDS = {"token_similarity": float, "name_similarity": float,
               "surname_similarity": float, "surname_min_letters": int,
               "short_token": int, "given_prefix": int,
               "given_typo_similarity": float, "given_typo_min_letters": int,
               "min_support": int, "surname_kind_min_articles": int, "dominance": float, "acronym_min_letters": int,
               "acronym_max_letters": int, "common_word_share": float,
               "common_word_min_articles": int, "name_share": float,
               "owned_share": float, "owned_min_articles": int,
               "work_share": float, "work_min_articles": int,
               "determined_share": float, "determined_min_articles": int,
               "venue_share": float, "venue_min_articles": int,
               "placed_share": float, "placed_min_articles": int,
               "tail_lowercase_min_articles": int}


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
    venue_preps: frozenset[str]
    place_nouns: frozenset[str]
    off_map: frozenset[str]
    honorifics: frozenset[str]
    inverted_heads: frozenset[str]
    not_surnames: frozenset[str]
    demonyms: tuple[tuple[str, str], ...]
    token_similarity: float
    name_similarity: float
    surname_similarity: float
    surname_min_letters: int
    short_token: int
    given_prefix: int
    given_typo_similarity: float
    given_typo_min_letters: int
    min_support: int
    surname_kind_min_articles: int
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
    venue_share: float
    venue_min_articles: int
    placed_share: float
    placed_min_articles: int
    tail_lowercase_min_articles: int

    def canonical(self) -> dict:
        """The rules as plain data in a fixed order: what a saved table's rules digest is
        made of. (`repr` lists a frozenset in hash order, which changes from one process to
        the next: every writer took its own saved table for outdated and re-resolved it.)"""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = sorted(value) if isinstance(value, frozenset) else value
        return out


def _fail(source: Path, what: str) -> None:
    raise SearchkitError(f"{source}: {what}")


def _pairs(source: Path, data: dict, name: str) -> tuple[tuple[str, str], ...]:
    value = data.get(name)
    if not isinstance(value, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p)
            and p[0] for p in value):
        _fail(source, f"{name}: expected a list of [from, to] string pairs")
    return tuple((a, b) for a, b in value)


def _words(source: Path, data: dict, name: str) -> frozenset[str]:
    value = data.get(name)
    if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
        _fail(source, f"{name}: expected a list of non-empty strings")
    return frozenset(w.casefold() for w in value)


@lru_cache(maxsize=4)
def load_rules(path: Path | str = RULES_FILE) -> Rules:
    """The rules of `path` (the built-in file by default; read once)."""
    source = Path(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SearchkitError(f"{source}: cannot read resolution rules: {exc}") from exc
    limits = data.get("thresholds")
    if not isinstance(limits, dict) or set(limits) != set(_THRESHOLDS):
        _fail(source, f"thresholds: expected exactly {sorted(_THRESHOLDS)}")
    for name, typ in _THRESHOLDS.items():
        if isinstance(limits[name], bool) or not isinstance(limits[name], (int, float)) \
                or limits[name] < 0:
            _fail(source, f"thresholds.{name}: expected a non-negative number")
        if name.endswith("_share") and limits[name] > 1:
            _fail(source, f"thresholds.{name}: a share is at most 1")
        limits[name] = typ(limits[name])
    if not isinstance(data.get("vowels"), str):
        _fail(source, "vowels: expected a string of letters")
    words = lambda name: _words(source, data, name)  # noqa: E731
    return Rules(romanisation=_pairs(source, data, "romanisation"),
                 final=_pairs(source, data, "final"), vowels=frozenset(data["vowels"]),
                 particles=words("particles"), org_generic=words("org_generic"),
                 acronym_skip=words("acronym_skip"), agent_words=words("agent_words"),
                 determiners=words("determiners"), work_nouns=words("work_nouns"),
                 phrase_ends=words("phrase_ends"), pronouns=words("pronouns"),
                 venue_preps=words("venue_preps"), place_nouns=words("place_nouns"),
                 off_map=words("off_map"), honorifics=words("honorifics"), inverted_heads=words("inverted_heads"),
                 not_surnames=words("not_surnames"), demonyms=_pairs(source, data, "demonyms"),
                 **limits)
