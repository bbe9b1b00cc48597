"""Candidate name spans: the model's entities trimmed, grown over given names, and filtered.

Rules, each general (no list of article-specific names):
- leading "the", titles ("President", "foreign minister") and quotes are trimmed off, and
  trailing possessives and punctuation ("Donald Trump's" -> "Donald Trump");
- a person span grows leftwards over untagged capitalised proper nouns that are neither
  titles nor English words ("Valerii" + PERSON "Zaluzhnyi" -> "Valerii Zaluzhnyi");
- non-names are dropped: pronouns, month/day names and other `not_names`, lowercase words,
  single letters, digits in person names, and sentence-initial English words the model only
  calls a name because of their capital ("Debris was scattered..."): the recogniser is run
  again on the sentence with that capital lowered;
- a leading news dateline ("NEW YORK, March 3 -") is a place candidate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .canonical import AliasTable
from .context import is_speaker
from .places import Gazetteer, Place, resolve_dateline

#: Model labels read as candidates, and the kind each suggests.
LABEL_KIND = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place",
              "FAC": "place", "DATELINE": "place", "NAME": None}
#: Lowercase particles that may start a name ("de Gaulle", "von der Leyen").
PARTICLES = frozenset("de da di du van von der den al el la le bin ibn ben dos das del".split())

#: Tokens of the text's start that can hold a dateline (places.resolve_dateline's pattern:
#: up to 4 words of place, 3 of region and a date, with their spaces and punctuation).
DATELINE_TOKENS = 64

#: "In this sentence, is the word starting at this character still part of a name?"
Recheck = Callable[[str, int], bool]


@dataclass
class Cand:
    """A candidate mention: tokens [start, end), its source label, and what it became."""

    start: int
    end: int
    label: str  # a model label, "DATELINE", or "NAME" (found untagged)
    kind: str | None = None
    canonical: str | None = None
    place: Place | None = None


class SpanRules:
    """Trim, extend and filter candidate spans (see the module docstring)."""

    def __init__(self, aliases: AliasTable, gazetteer: Gazetteer,
                 dictionary: frozenset[str], recheck: Recheck | None = None):
        self.aliases = aliases
        self.gaz = gazetteer
        self.dictionary = dictionary  # lowercase English words (the lemmatizer's index)
        self.recheck = recheck

    def candidates(self, doc) -> list[Cand]:
        """The model's name entities, trimmed and extended, without non-names."""
        cands = [c for c in (self.trim(doc, Cand(e.start, e.end, e.label_))
                             for e in doc.ents if e.label_ in LABEL_KIND) if c]
        cands = [part for c in cands for part in self.split_country_name(doc, c)]
        cands = [part for c in cands for part in split_list(doc, c)]
        cands = self._with_dateline(doc, cands)
        for c in cands:
            if c.label == "PERSON":
                self.extend_given_names(doc, c, set())
                self._complete_particle(doc, c)
                if c.end - c.start == 1 and c.end < len(doc) \
                        and self.is_given_name(doc[c.end], set()):
                    c.end += 1  # "Jaime" + untagged "Ongpin": the surname the model left out
        cands = _without_overlaps(cands)
        return [c for c in cands if not self.is_junk(doc, c)]

    @staticmethod
    def _complete_particle(doc, c: Cand) -> None:
        """ "Ursula von der" + "Leyen": a name cut after its particle takes the next word."""
        if doc[c.end - 1].lower_ in PARTICLES and c.end < len(doc) \
                and doc[c.end].pos_ == "PROPN" and doc[c.end].text[:1].isupper():
            c.end += 1

    def trim(self, doc, c: Cand) -> Cand | None:
        """Strip leading "the"/titles/quotes and trailing possessives/punctuation."""
        while c.start < c.end and self._strip_front(doc[c.start], c, more=c.end - c.start > 1):
            c.start += 1
        while c.end > c.start and _strip_back(doc[c.end - 1]):
            c.end -= 1
        _cut_debris(doc, c)
        _complete_linked_name(doc, c)
        if not self.aliases.is_title(doc[max(c.start, c.end - 2)].text):
            _complete_of_phrase(doc, c)  # not "Commanding General of" + "U.S. Army Europe"
        while c.end - c.start > 1 and _lowercase_tail(doc, c):
            c.end -= 1
        return c if c.end > c.start else None

    def split_country_name(self, doc, c: Cand) -> list[Cand]:
        """ "Ukraine Wołodymyr Zelanski" -> place "Ukraine" + person "Wołodymyr Zelanski".

        A country ending the first part of an ORG or PERSON span and followed by two or
        three capitalised words that are neither English words nor titles: a caption or
        a title ("President of Ukraine ...") run into the person's name.
        """
        if c.label not in ("ORG", "PERSON") or c.end - c.start < 3:
            return [c]
        for i in range(c.start, c.end - 2):
            place = self.gaz.lookup(doc[i].text, primary=True)
            if place is None or place.kind != "country" or c.end - i - 1 > 3:
                continue
            tail = doc[i + 1:c.end]
            if all(t.is_alpha and t.is_title and not self.is_word(t)
                   and not self.aliases.is_title(t.text) for t in tail):
                head = Cand(c.start, i + 1, "GPE" if i == c.start else c.label)
                return [head, Cand(i + 1, c.end, "PERSON")]
        return [c]

    def _strip_front(self, tok, c: Cand, *, more: bool) -> bool:
        if tok.lower_ in ("the", "a", "an") or (tok.is_punct and tok.text != ".") or tok.is_quote:
            return True
        return c.label == "PERSON" and more and self.aliases.is_title(tok.text)

    def _with_dateline(self, doc, cands: list[Cand]) -> list[Cand]:
        """A leading all-caps dateline place replaces whatever the model made of it."""
        # A dateline spans a few dozen tokens at most: no need to join the whole text.
        found = resolve_dateline(doc[:DATELINE_TOKENS].text, self.gaz)
        if not found:
            return cands
        start, end, place = found
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return cands
        kept = [c for c in cands if c.end <= span.start or c.start >= span.end]
        return [Cand(span.start, span.end, "DATELINE", "place", place.name, place), *kept]

    def extend_given_names(self, doc, c: Cand, taken: set[int]) -> None:
        """Grow a person span leftwards over up to two untagged given names."""
        for _ in range(2):
            if c.start == 0 or not self.is_given_name(doc[c.start - 1], taken):
                return
            c.start -= 1

    def is_given_name(self, tok, taken: set[int]) -> bool:
        """An untagged capitalised proper noun that is neither a title nor an English word."""
        return (tok.ent_iob_ == "O" and tok.i not in taken and tok.pos_ == "PROPN"
                and tok.is_alpha and tok.is_title and len(tok) > 1
                and not self.aliases.is_title(tok.text) and not self.aliases.is_not_name(tok.text)
                and not self.is_word(tok) and self.gaz.lookup(tok.text, primary=True) is None)

    def is_word(self, tok) -> bool:
        """True for an English word (the lemmatizer's index): "Market", "Debris", "Baker"."""
        return tok.lower_ in self.dictionary or tok.lemma_.lower() in self.dictionary

    def is_junk(self, doc, c: Cand) -> bool:
        """Pronouns, dates, lowercase words, single letters and other non-names."""
        span = doc[c.start:c.end]
        text = span.text
        if len(text) < 2 or not any(ch.isalpha() for ch in text):
            return True
        if all(self.aliases.is_not_name(t.text) or t.like_num or t.is_punct for t in span):
            return True
        first = span[0].text
        if c.label == "PERSON" and len(span) > 1 and text.islower() \
                and all(t.is_alpha for t in span) and len(span[-1]) > 2 \
                and not self.is_word(span[-1]) and not self.aliases.is_not_name(span[-1].text):
            return False  # "prime minister edward seaga" in a lowercased wire: still a name
        if first.islower() and first not in PARTICLES or not any(ch.isupper() for ch in text):
            # Lowercase junk ("cts", "the treasury"); a lowercased place the model tagged as
            # one ("jamaica", "paris") is still that place.
            place = self.gaz.lookup(text, primary=True)
            return place is None or c.label not in ("GPE", "LOC") or (
                place.kind == "city" and place.population < 100_000)
        if c.label == "PERSON" and span[-1].lower_.rstrip(".") in _NOT_NAME_ENDS:
            return True  # "N.Z. Dlrs", "Buckhorn Inc": a unit or a company word ends no name
        return c.label == "PERSON" and any(ch.isdigit() for ch in text)

    def is_capital_artifact(self, span, label: str) -> bool:
        """An English word the model calls a name only for its capital ("Debris was...").

        Checked for one-word PERSON and ORG spans at a sentence start, where every word has
        a capital. (Inside a sentence the capital is the writer's: "Hitler" and "Rice" are
        dictionary words too.) The recogniser runs again on the sentence with that word
        lowercased; if it no longer sees a name there, the capital was the only cue. Acronyms
        and non-words ("Zaluzhnyi", "Yeutter") are kept: lowercased, a rare name loses its
        only cue, so the test would say nothing. A plural PERSON ("Newsletters") is no one.
        """
        tok = span[0]
        if len(span) > 1 or tok.is_upper or not self.is_word(tok) or is_speaker(span):
            return False  # "Rice said", "Flowers said": whoever speaks is a name
        if label == "PERSON" and tok.tag_ in ("NNS", "NNPS") and tok.lower_.endswith("s"):
            return True
        if not tok.is_sent_start or self.recheck is None:
            return False
        if tok.i > 0 and self.aliases.is_title(tok.doc[tok.i - 1].text):
            return False  # "President Suharto": a title says it is a name
        sent = tok.sent
        at = tok.idx - sent.start_char
        text = sent.text
        lowered = text[:at] + text[at:at + 1].lower() + text[at + 1:]
        return not self.recheck(lowered, at)


_OPENING, _CLOSING, _DASHES = "([{", ")]}", ("-", "\u2013", "\u2014", "--")
_HYPHENS = ("-", "\u2010", "\u2011")


def _cut_debris(doc, c: Cand) -> None:
    """End the span before an opening bracket or a spaced dash; start it after a closing one."""
    for i in range(c.start + 1, c.end):
        tok = doc[i]
        spaced_dash = tok.text in _DASHES and tok.whitespace_ and doc[i - 1].whitespace_
        if tok.text in _OPENING or spaced_dash:
            c.end = i
            break
    for i in range(c.end - 2, c.start - 1, -1):
        if doc[i].text in _CLOSING:
            c.start = i + 1
            break


#: Lowercase words after which the model sometimes cuts an organisation's name.
CONNECTORS = frozenset("of for the".split())
#: Last words of company names: "X Inc of Miami" is a company and a place.
_COMPANY_ENDS = frozenset("inc inc. corp corp. co co. ltd ltd. plc llc".split())
#: Words that end no person's name: company words and the units of wire copy.
_NOT_NAME_ENDS = _COMPANY_ENDS | frozenset("dlrs dlr cts pct mln bln stg".split())
#: Company words, for rules elsewhere that must not read a firm as a person.
COMPANY_WORDS = _COMPANY_ENDS


def split_list(doc, c: Cand) -> list[Cand]:
    """ "Waterreus, Hutton" inside "Kyrgiakos, Andrews, Ball": a PERSON or ORG span holding
    commas, itself inside a comma list, is several names (each capitalised part one)."""
    if c.label not in ("PERSON", "ORG") or not any(t.text == "," for t in doc[c.start:c.end]):
        return [c]
    before = doc[c.start - 1].text if c.start > 0 else ""
    after = doc[c.end].text if c.end < len(doc) else ""
    if before not in (",", ";", ":") and after not in (",", ";") and after.lower() != "and":
        return [c]
    parts, start = [], c.start
    for i in range(c.start, c.end + 1):
        if i == c.end or doc[i].text == ",":
            parts.append(Cand(start, i, c.label))
            start = i + 1
    # Only lists of short plain names: not "Ministry of Agriculture, Animal Husbandry and
    # Fisheries", "Snocap, Inc.", "the UN's Women, Peace and Security Agenda".
    plain = all(0 < p.end - p.start <= 3 and all(
        t.is_alpha and t.text[:1].isupper() or t.text in (".", "'") or "'" in t.text
        for t in doc[p.start:p.end]) and doc[p.end - 1].lower_.rstrip(".") not in _COMPANY_ENDS
        for p in parts)
    return parts if plain and len(parts) > 1 else [c]


def _lowercase_tail(doc, c: Cand) -> bool:
    """A trailing lowercase word after a capitalised name ("Interfax news agency").

    Not a word glued to the name by a hyphen ("Ban Ki-moon", "Co-operation"), nor a surname
    after a particle ("Osama bin laden").
    """
    last, prev = doc[c.end - 1], doc[c.end - 2]
    if prev.text in _HYPHENS and not prev.whitespace_ or prev.lower_ in PARTICLES:
        return False
    return c.label in ("ORG", "PERSON") and last.is_alpha and last.is_lower \
        and last.lower_ not in PARTICLES and any(t.text[:1].isupper() for t in doc[c.start:c.end - 1]) \
        and doc[c.start].text[:1].isupper()


def _complete_linked_name(doc, c: Cand) -> None:
    """ "Tehrik" + "-i-Taliban", "Lashkar" + "-e-Toiba": a name the model cut before a
    short lowercase link between hyphens takes the capitalised word after it."""
    if c.label not in ("ORG", "PERSON"):
        return
    while c.end + 3 < len(doc) and _linked(doc[c.end - 1:c.end + 4]):
        c.end += 4


def _linked(toks) -> bool:
    """Name, hyphen, short lowercase link, hyphen, capitalised word, with no spaces."""
    name, dash, link, dash2, word = toks
    return not any(t.whitespace_ for t in (name, dash, link, dash2)) \
        and dash.text in _HYPHENS and dash2.text in _HYPHENS \
        and link.is_alpha and link.is_lower and len(link) <= 3 \
        and word.is_alpha and word.text[:1].isupper()


def _complete_of_phrase(doc, c: Cand) -> None:
    """ "Ministry of Foreign Affairs of" + "Ukraine": an organisation's name the model cut
    after "of"/"for"/"the" takes the capitalised proper nouns that follow (up to four) when
    they end a noun phrase (not "of British intelligence", "of DIY stores")."""
    if c.label != "ORG" or c.end - c.start < 2 or doc[c.end - 1].lower_ not in CONNECTORS:
        return
    before = c.end - 1
    while before > c.start and doc[before].lower_ in CONNECTORS:
        before -= 1
    if doc[before].lower_ in _COMPANY_ENDS:
        return
    end = c.end
    while end < len(doc) and end - c.end < 4 and doc[end].pos_ == "PROPN" \
            and doc[end].text[:1].isupper() and not doc[end].is_sent_start:
        end += 1
    if end > c.end and doc[end - 1].head.i < end:  # its head is inside: the phrase ends here
        c.end = end


def _strip_back(tok) -> bool:
    return tok.tag_ == "POS" or tok.text in ("'s", "\u2019s", "'", "\u2019") or \
        (tok.is_punct and tok.text not in (".", ")")) or tok.is_quote


def _without_overlaps(cands: list[Cand]) -> list[Cand]:
    """Drop candidates overlapping an earlier-listed, longer one (after growing spans)."""
    kept: list[Cand] = []
    for c in sorted(cands, key=lambda c: (c.start - c.end, c.start)):
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)
