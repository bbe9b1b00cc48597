"""How an article writes its words: the evidence, counted over the corpus, that a "name"
is a common word, a product, a work's title, no one's name or a venue.

The small model tags capitalised common words as names when an article capitalises them
("the Budget", "Digital", "the House", "Closer"), and an article that never writes the
word lowercase gives extraction nothing to doubt. The rest of the corpus does: the same
word is written lowercase in prose in many other articles ("the budget was cut"), which a
real name's word seldom is ("labour", "apple" are, a little). The entities table counts,
per word, the articles that write it

- lowercase ("budget"): `lowercase_words(text)`;
- as a name (`named_words(text)`): as a title mid-sentence, after a capitalised "The"
  ("told The Times", "in The Sun"; newspapers, bands and works are named with common words
  on purpose, and that capital "The" says so), as the speaker of a clause it opens with
  no determiner ("Shell said", "Rank's chairman": a company named with a common word), or
  as an owner with no determiner before it ("of Total's refining"; "the Budget's" is not);
- as owned by one of the article's organisations (`owned_words(text, orgs)`): "Apple's
  iPod", "Microsoft's Xbox", "BBC One's Breakfast" name a product or a work. Owners that
  are places ("Russia's Interfax") or people do not count: only the article's own
  organisation values;
- a work's title: a run of capitalised words after a word naming a work ("the film Vera
  Drake", "the album Hopes and Fears"): `work_titles(text)`, keyed by the folded run;
- after a determiner, as a whole noun phrase ("an Oscar.", "the Beatles and", "his Oscar
  for"): `determined_words(text)`. A person's name takes none; a title, an award, a team
  or a band does;
- after a preposition of place with no determiner ("at Murrayfield", "in Gleneagles"):
  `venue_words(text)`. An organisation that is mostly where things happen is a place;
- after "the", a word for a kind of place and "of" ("the town of Chasiv Yar"):
  `placed_names(text)`, keyed by the folded run. A "person" or an organisation written so
  is a place (a town too small for the gazetteer).

Words are keyed by `names.fold` (case and diacritics folded), as the table keys values.

    >>> sorted(lowercase_words("The Budget: see www.budget.gov, #budget or e-budget"))
    ['or', 'see']
    >>> sorted(named_words("He told The Times. The House sat; in The Sun. Shell said so"))
    ['shell', 'sun', 'times']
    >>> sorted(named_words("the Budget's aims, a boss of Total's unit"))
    ['total']
    >>> sorted(owned_words("Apple's iPod beat Russia's Interfax", ["Apple"]))
    ['ipod']
    >>> sorted(work_titles("the film The Aviator, the album Hopes and Fears of Keane"))
    ['aviator', 'hopes and fears of keane']
    >>> sorted(determined_words("He won an Oscar. The Blair government and the Beatles in 1964"))
    ['beatles', 'oscar']
    >>> sorted(placed_names("took the town of Chasiv Yar and the city of Kharkiv's north"))
    ['chasiv yar']
    >>> sorted(venue_words("at Murrayfield, at the Stadium, in Gleneagles' hotel, at New York"))
    ['murrayfield']
"""
from __future__ import annotations

import re
from functools import lru_cache

from .names import fold
from .rules import load_rules

#: A word of two letters or more, not glued to a web address, a handle or a hashtag
#: ("www.budget.gov", "@budget", "#budget") nor the tail of a hyphenated word.
_WORD = re.compile(r"(?<![\w@#/.\-])[^\W\d_]{2,}(?![\w@/]|\.\w)")
#: "The Word" after a letter or a comma, semicolon or colon: mid-sentence (after a
#: capitalised word it is a title-case headline: `named_words` checks).
_TITLED = re.compile(r"(?:(?<=[^\W\d_] )|(?<=[,;:] ))The ([^\W\d_]{2,})")
#: A capitalised word no word comes before (it opens a sentence or a clause) followed by a
#: word of speech or office ("Shell said", "Rank's chairman"): the words are data.
_AGENT = r"(?<![^\W\d_] )\b([A-Z][^\W\d_]+)(?:['\u2019]s)? (?:{})\b"
#: A capitalised word with a possessive; and the word right before a match (if any).
_OWNER = re.compile(r"\b([A-Z][^\W\d_]+)['\u2019]s\b")
_WORD_BEFORE = re.compile(r"([^\W\d_]+) $")
#: A word for a work, then a capitalised run (its connectors lowercase) without a leading
#: "The": the run is the work's title. The nouns are data (`work_nouns`).
_CAPITALISED = r"(?:[A-Z][\w'\u2019&-]*|[a-z][A-Z]\w*)"
_WORK = (r"\b(?:{})\b,? (?:[Tt]he )?(" + _CAPITALISED
         + r"(?: (?:" + _CAPITALISED + r"|of|the|and|in|on|a))*)")
#: "Owner's Word" where Word is one capitalised or camel-case word ("Apple's iPod"), not
#: the first word of a longer name ("Microsoft's Windows XP").
_OWNED = re.compile(r"\b([^\W\d_][\w.&-]*)['\u2019]s ((?:[A-Z]|[a-z][A-Z])[^\W_]*)\b(?!['\u2019]| [A-Z])")


@lru_cache(maxsize=100_000)
def word_key(word: str) -> str:
    """The key a word is counted under (the table's `fold`)."""
    return fold(word)


def lowercase_words(text: str) -> set[str]:
    """The keys of the words `text` writes all in lowercase."""
    return {word_key(w) for w in set(_WORD.findall(text)) if w.islower()}


def named_words(text: str) -> set[str]:
    """The keys of the words `text` uses as names: "The Word" in the middle of a sentence,
    "Word said" opening a clause, "of Word's" (see the module docstring)."""
    pronouns = load_rules().pronouns
    found = {word_key(w) for w in _agent_pattern().findall(text) if w.lower() not in pronouns}
    determiners = load_rules().determiners
    for m in _OWNER.finditer(text):
        before = _WORD_BEFORE.search(text, max(0, m.start() - 40), m.start())
        if before is None or (before.group(1).islower() and before.group(1) not in determiners):
            found.add(word_key(m.group(1)))
    for m in _TITLED.finditer(text):
        before = _WORD_BEFORE.search(text, max(0, m.start() - 40), m.start())
        if before is not None and before.group(1)[0].isupper():
            continue  # "Says The Budget": a title-case headline, not a title
        found.add(word_key(m.group(1)))
    return found


@lru_cache(maxsize=1)
def _agent_pattern() -> re.Pattern:
    words = sorted(load_rules().agent_words, key=len, reverse=True)
    return re.compile(_AGENT.format("|".join(map(re.escape, words))))


def owned_words(text: str, orgs) -> set[str]:
    """The keys of the words `text` names as belonging to one of `orgs` (its organisation
    values): "Apple's iPod" when "Apple" is one of them."""
    owners = {word_key(o) for o in orgs}
    if not owners:
        return set()
    return {word_key(w) for owner, w in _OWNED.findall(text) if word_key(owner) in owners}


def work_titles(text: str) -> set[str]:
    """The folded titles `text` writes after a word naming a work (`work_nouns`)."""
    found = set()
    for run in _work_pattern().findall(text):
        words = run.split()
        while words and words[-1].islower():  # "Lord of the Rings and": connectors
            words.pop()
        if words:
            found.add(fold(" ".join(words)))
    return found


@lru_cache(maxsize=1)
def _work_pattern() -> re.Pattern:
    nouns = "|".join(map(re.escape, sorted(load_rules().work_nouns, key=len, reverse=True)))
    return re.compile(_WORK.format(nouns))


def determined_words(text: str) -> set[str]:
    """The keys of the capitalised words `text` writes as a whole noun phrase after a
    determiner: followed by punctuation or a word of `phrase_ends` ("an Oscar for")."""
    return {word_key(w) for w in _determined_pattern().findall(text)}


@lru_cache(maxsize=1)
def _determined_pattern() -> re.Pattern:
    rules = load_rules()
    alternatives = lambda words: "|".join(map(re.escape, sorted(words)))  # noqa: E731
    # Lowercase determiners only: "A Foley" in a line-up is an initial.
    return re.compile(r"\b(?:{})\s([A-Z][^\W\d_]+)(?=[.,;:!?)]|\s(?:{})\b)".format(
        alternatives(rules.determiners), alternatives(rules.phrase_ends)))


def placed_names(text: str) -> set[str]:
    """The folded names `text` writes after "the", a word for a kind of place and "of"
    (`place_nouns`): "the town of Chasiv Yar", "the city of Kharkiv"."""
    return {fold(run) for run in _placed_pattern().findall(text)}


@lru_cache(maxsize=1)
def _placed_pattern() -> re.Pattern:
    nouns = "|".join(map(re.escape, sorted(load_rules().place_nouns, key=len, reverse=True)))
    # The whole capitalised run or nothing: "the city of New York's mayor" names no "New".
    return re.compile(r"\b[Tt]he (?:{}) of ([A-Z][^\W\d_]+(?:[ -][A-Z][^\W\d_]+){{0,3}})"
                      r"\b(?!['\u2019]|[ -][A-Z])".format(nouns))


def venue_words(text: str) -> set[str]:
    """The keys of the capitalised words `text` writes right after a preposition of place
    (`venue_preps`), alone: not the first word of a longer name, not possessive."""
    return {word_key(w) for w in _venue_pattern().findall(text)}


@lru_cache(maxsize=1)
def _venue_pattern() -> re.Pattern:
    preps = "|".join(map(re.escape, sorted(load_rules().venue_preps)))
    return re.compile(r"\b(?:{})\s([A-Z][^\W\d_]+)\b(?![ \u00a0][A-Z]|['\u2019-])".format(preps))
