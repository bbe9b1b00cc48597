"""People, places and organisations in a parsed Doc: the model's entities, repaired.

What is repaired, each by a general rule (never a list of article-specific names):
- titles, leading "the", possessives and edge punctuation are trimmed off spans;
- a PERSON span grows leftwards over an untagged capitalised given name the model missed
  ("Valerii" + PERSON "Zaluzhnyi"), and untagged repeats of a known surname become people;
- a one-word PERSON/ORG/GPE that is the surname of a full name in the article is a person;
- PERSON/ORG/FAC spans that name a known city or country (gazetteer) become places when the
  evidence is strong: a country, a big city, a location preposition ("in Lipetsk"), or the
  same name used as a place elsewhere in the article; untagged place names likewise;
- a news dateline ("NEW YORK, March 3 -") is a place;
- obvious non-names are dropped: pronouns, month and day names, lowercase words, single
  letters, and sentence-initial words the model only calls a name because of their capital
  (checked by re-running the recogniser on the sentence with that capital lowered).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..models import Mention
from .canonical import AliasTable, join_surnames, key
from .places import Gazetteer, Place, find_dateline

#: Model labels we read and the kind each suggests.
LABEL_KIND = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place",
              "FAC": "place", "DATELINE": "place", "NAME": None}
#: Prepositions whose object is usually a place ("in Lipetsk", "near Kyiv").
LOCATION_PREPS = frozenset("""in at near from to into outside around across toward towards
through throughout inside within via beyond off outskirts""".split())
#: Lowercase particles that may start a name ("de Gaulle", "von der Leyen", "al-Assad").
PARTICLES = frozenset("de da di du van von der den al el la le bin ibn ben dos das del".split())
#: Words after a place name that make it a larger area ("Lipetsk region").
AREA_WORDS = frozenset("""region oblast province city state county district area krai
republic governorate prefecture""".split())
#: A city at least this big is a place even without other evidence.
SURE_CITY = 1_000_000
#: A city at least this big may turn a one-word PERSON into a place (with more evidence).
LIKELY_CITY = 100_000

Recheck = Callable[[str], bool]


@dataclass
class Cand:
    """A candidate mention: a token range [start, end) with its source label and verdict."""

    start: int
    end: int
    label: str
    kind: str | None = None
    canonical: str | None = None
    place: Place | None = None


class EntityFinder:
    """Find person/place/org Mentions in a Doc (see the module docstring for the rules)."""

    def __init__(self, aliases: AliasTable, gazetteer: Gazetteer,
                 dictionary: frozenset[str], recheck: Recheck | None = None):
        self.aliases = aliases
        self.gaz = gazetteer
        self.dictionary = dictionary  # lowercase English words (the lemmatizer's index)
        self.recheck = recheck  # "is the first word of this sentence still a name?"

    def __call__(self, doc) -> list[Mention]:
        cands = [c for c in (self._trim(doc, c) for c in self._model_cands(doc)) if c]
        cands = self._add_dateline(doc, cands)
        for c in cands:
            if c.label == "PERSON":
                self._extend_given_names(doc, c, set())
        cands = [c for c in cands if not self._is_junk(doc, c)]
        self._decide_kinds(doc, cands)
        cands = [c for c in cands if c.kind is not None]
        cands += self._propagate(doc, cands)
        self._canonicalise(doc, cands)
        return [self._mention(doc, c) for c in sorted(cands, key=lambda c: c.start)]

    # -- candidates -----------------------------------------------------------------
    @staticmethod
    def _model_cands(doc) -> Iterable[Cand]:
        for ent in doc.ents:
            if ent.label_ in LABEL_KIND:
                yield Cand(ent.start, ent.end, ent.label_)

    def _trim(self, doc, c: Cand) -> Cand | None:
        """Strip leading "the"/titles/quotes and trailing possessives/punctuation."""
        while c.start < c.end and self._strip_front(doc[c.start], c, more=c.end - c.start > 1):
            c.start += 1
        while c.end > c.start and _strip_back(doc[c.end - 1]):
            c.end -= 1
        return c if c.end > c.start else None

    def _strip_front(self, tok, c: Cand, *, more: bool) -> bool:
        if tok.lower_ == "the" or (tok.is_punct and tok.text not in ".") or tok.is_quote:
            return True
        return c.label == "PERSON" and more and self.aliases.is_title(tok.text)

    def _add_dateline(self, doc, cands: list[Cand]) -> list[Cand]:
        """A leading all-caps dateline place replaces whatever the model made of it."""
        found = find_dateline(doc.text)
        if not found:
            return cands
        span = doc.char_span(*found, alignment_mode="expand")
        if span is None or self.gaz.lookup(span.text) is None:
            return cands
        kept = [c for c in cands if c.end <= span.start or c.start >= span.end]
        return [Cand(span.start, span.end, "DATELINE"), *kept]

    def _extend_given_names(self, doc, c: Cand, taken: set[int]) -> None:
        """Grow a person span leftwards over up to two untagged given names."""
        for _ in range(2):
            if c.start == 0 or not self._is_given_name(doc[c.start - 1], taken):
                return
            c.start -= 1

    def _is_given_name(self, tok, taken: set[int]) -> bool:
        """An untagged capitalised proper noun that is neither a title nor an English word."""
        return (tok.ent_iob_ == "O" and tok.i not in taken and tok.pos_ == "PROPN"
                and tok.is_alpha and tok.is_title and len(tok) > 1
                and not self.aliases.is_title(tok.text) and not self.aliases.is_not_name(tok.text)
                and tok.lower_ not in self.dictionary and self.gaz.lookup(tok.text) is None)

    # -- filtering ------------------------------------------------------------------
    def _is_junk(self, doc, c: Cand) -> bool:
        """Pronouns, dates, lowercase words, single letters and other non-names."""
        span = doc[c.start:c.end]
        text = span.text
        if len(text) < 2 or not any(ch.isalpha() for ch in text):
            return True
        if not any(ch.isupper() for ch in text):
            return True  # lowercase junk ("the government")
        first = span[0].text
        if first[0].islower() and first.lower() not in PARTICLES and first.islower():
            return True
        if all(self.aliases.is_not_name(t.text) or t.like_num or t.is_punct for t in span):
            return True
        return c.label == "PERSON" and any(ch.isdigit() for ch in text)

    # -- kinds ----------------------------------------------------------------------
    def _decide_kinds(self, doc, cands: list[Cand]) -> None:
        surnames = {key(doc[c.end - 1].text) for c in cands
                    if c.label == "PERSON" and c.end - c.start > 1}
        place_words = {key(doc[c.start:c.end].text) for c in cands
                       if c.label in ("GPE", "LOC", "DATELINE")}
        for c in cands:
            c.kind = self._kind(doc, c, surnames, place_words)

    def _kind(self, doc, c: Cand, surnames: set[str], place_words: set[str]) -> str | None:
        span = doc[c.start:c.end]
        text, one_word = span.text, len(span) == 1
        label_kind = LABEL_KIND[c.label]
        found = self.aliases.find(text, label_kind)
        if found:
            return found[0]
        if one_word and key(text) in surnames and c.label != "DATELINE":
            return "person"
        if c.label in ("GPE", "LOC", "DATELINE"):
            return "place"
        place = self.gaz.lookup(text)
        if c.label == "FAC":
            return "place" if place is not None else None
        if place is not None and self._is_place_here(span, c.label, place, place_words):
            return "place"
        if c.label == "PERSON" or c.label == "ORG":
            if one_word and span[0].is_sent_start and not self._still_name(span):
                return None
            return label_kind
        return None

    def _is_place_here(self, span, label: str, place: Place, place_words: set[str]) -> bool:
        """Whether a PERSON/ORG span naming a known place is used as that place here."""
        if place.kind in ("country", "continent") or key(span.text) in place_words:
            return True
        if span.text.isupper() and len(span.text) <= 4:
            return False  # acronyms ("IBM") are organisations, not towns
        prep = _after_location_prep(span)
        if label == "PERSON":
            if len(span) > 1 or place.population < LIKELY_CITY:
                return False
            return prep or place.population >= SURE_CITY
        return prep or place.population >= SURE_CITY

    def _still_name(self, span) -> bool:
        """Re-run the recogniser with the sentence's first capital lowered ("Debris was...")."""
        if self.recheck is None:
            return True
        sent = span[0].sent
        text = sent.text
        return self.recheck(text[:1].lower() + text[1:])

    # -- untagged names -------------------------------------------------------------
    def _propagate(self, doc, cands: list[Cand]) -> list[Cand]:
        """Untagged repeats of names found elsewhere in the article, and missed places."""
        taken = {i for c in cands for i in range(c.start, c.end)}
        taken |= {t.i for t in doc if t.ent_iob_ != "O"}
        people = {key(doc[c.end - 1].text) for c in cands if c.kind == "person"}
        places = {key(doc[c.start:c.end].text) for c in cands if c.kind == "place"}
        out: list[Cand] = []
        i = 0
        while i < len(doc):
            c = self._untagged_name(doc, i, taken, people, places)
            if c is None:
                i += 1
                continue
            out.append(c)
            taken.update(range(c.start, c.end))
            i = c.end
        return out

    def _untagged_name(self, doc, i: int, taken: set[int], people: set[str],
                       places: set[str]) -> Cand | None:
        tok = doc[i]
        if i in taken or tok.pos_ != "PROPN" or not tok.text[:1].isupper() or not tok.is_alpha:
            return None
        if key(tok.text) in people and not self.aliases.is_title(tok.text):
            c = Cand(i, i + 1, "NAME", "person")
            self._extend_given_names(doc, c, taken)
            return c
        end = i + 1
        while end < len(doc) and end - i < 3 and end not in taken and doc[end].pos_ == "PROPN" \
                and doc[end].text[:1].isupper():
            end += 1
        for stop in range(end, i, -1):
            c = self._untagged_place(doc[i:stop], places)
            if c is not None:
                return c
        return None

    def _untagged_place(self, span, places: set[str]) -> Cand | None:
        text = span.text
        found = self.aliases.find(text, "place")
        if found and found[0] == "place":
            return Cand(span.start, span.end, "NAME", "place")
        if key(text) in places:
            return Cand(span.start, span.end, "NAME", "place")
        place = self.gaz.lookup(text)
        if place is None or (len(span) == 1 and self.aliases.is_not_name(text)):
            return None
        if place.kind == "country" or (place.kind in ("city", "state")
                                       and (_after_location_prep(span)
                                            or place.population >= SURE_CITY)):
            return Cand(span.start, span.end, "NAME", "place")
        return None

    # -- canonical names ------------------------------------------------------------
    def _canonicalise(self, doc, cands: list[Cand]) -> None:
        texts = {id(c): doc[c.start:c.end].text for c in cands}
        person_names = [texts[id(c)] for c in cands if c.kind == "person"]
        joined = join_surnames(person_names)
        for c in cands:
            text = texts[id(c)]
            if c.kind == "person":
                c.canonical = self._canonical("person", joined.get(text, text))
            elif c.kind == "org":
                c.canonical = self._canonical("org", text)
            else:
                c.canonical, c.place = self._resolve_place(doc, c, text)

    def _canonical(self, kind: str, text: str) -> str:
        found = self.aliases.find(text, kind)
        return found[1] if found and found[0] == kind else " ".join(text.split())

    def _resolve_place(self, doc, c: Cand, text: str) -> tuple[str, Place | None]:
        found = self.aliases.find(text, "place")
        name = found[1] if found and found[0] == "place" else text
        place = self.gaz.lookup(name)
        if place is not None:
            return place.name, place
        # "Lipetsk region": keep the area as the value, take country and position from the city.
        words = name.split()
        if len(words) > 1 and words[-1].lower() in AREA_WORDS:
            base = self.gaz.lookup(" ".join(words[:-1]))
            if base is not None:
                return " ".join(words), base
        return " ".join(words), None

    @staticmethod
    def _mention(doc, c: Cand) -> Mention:
        span = doc[c.start:c.end]
        start, end = span.start_char, span.end_char
        p = c.place
        return Mention(c.kind, doc.text[start:end], c.canonical, start, end,
                       p.country if p else None, p.lat if p else None, p.lon if p else None)


def _strip_back(tok) -> bool:
    return tok.tag_ == "POS" or tok.text in ("'s", "\u2019s", "'", "\u2019") or \
        (tok.is_punct and tok.text not in (".", ")")) or tok.is_quote


def _after_location_prep(span) -> bool:
    """True when the span is the object of a place preposition ("in Lipetsk")."""
    root = span.root
    return root.dep_ == "pobj" and root.head.lower_ in LOCATION_PREPS
