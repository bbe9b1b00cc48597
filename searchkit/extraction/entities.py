"""People, places and organisations in a parsed Doc: the model's entities, repaired.

Candidates come from `spans.SpanRules` (trimmed, extended, non-names dropped); this module
decides what each one is, per article, by general rules:
- the alias data decides the kind of any name it lists ("Kiev" is a place, "EU" an org);
- a one-word name that is the surname or given name of a full name in the article is a
  person, and joins that full name ("Zaluzhnyi" -> "Valerii Zaluzhnyi");
- nationalities ("Ukrainian", "Moldovan") are neither places nor people;
- a PERSON/ORG/FAC span naming a known city or country is a place when the evidence holds
  (see `is_place_here`), and cities listed with places are places ("Kharkiv, Sumy and
  Poltava");
- untagged names are added by `untagged.UntaggedNames`; facet values come from
  `canonical.Namer`.
"""
from __future__ import annotations

from ..models import Mention
from .canonical import AliasTable, Namer, join_surnames, key
from .context import (after_location_prep, before_area_word, has_place_head, inside_place,
                      is_speaker, listed_with)
from .places import Gazetteer, Place, looks_like_demonym
from .spans import LABEL_KIND, Cand, Recheck, SpanRules
from .untagged import SURE_CITY, UntaggedNames

#: A city this big turns a one-word PERSON that is no name used in the article into a place.
LIKELY_CITY = 100_000
#: An ORG tagged as a place elsewhere in the article is a place when its city is this big.
ORG_CITY = 200_000
#: A town this big is a place when the article names its country and nobody speaks as it.
SMALL_CITY = 50_000
_PLACE_LABELS = ("GPE", "LOC", "DATELINE")


class EntityFinder:
    """Find person/place/org Mentions in a Doc (see the module docstring for the rules).

    >>> finder = EntityFinder(load_aliases(), gazetteer, dictionary)   # doctest: +SKIP
    >>> [m.canonical for m in finder(nlp("Kiev was hit."))]            # doctest: +SKIP
    ['Kyiv']
    """

    def __init__(self, aliases: AliasTable, gazetteer: Gazetteer,
                 dictionary: frozenset[str], recheck: Recheck | None = None):
        self.aliases = aliases
        self.gaz = gazetteer
        self.rules = SpanRules(aliases, gazetteer, dictionary, recheck)
        self.untagged = UntaggedNames(aliases, gazetteer, self.rules)
        self.namer = Namer(aliases, gazetteer)

    def __call__(self, doc) -> list[Mention]:
        p = _Pass(self, doc)
        cands = [c for c in p.decide_kinds(self.rules.candidates(doc)) if c.kind is not None]
        cands += self.untagged(doc, cands, p.place_tokens_of(cands))
        p.settle_lists(cands)
        text = doc.text  # spaCy rebuilds Doc.text from every token on each read: read it once
        return [self._mention(doc, text, c) for c in self._named(doc, cands)]

    def _named(self, doc, cands: list[Cand]) -> list[Cand]:
        """Fill in canonical names (and places), in text order."""
        texts = {id(c): doc[c.start:c.end].text for c in cands}
        joined = join_surnames(texts[id(c)] for c in cands if c.kind == "person")
        for c in cands:
            text = texts[id(c)]
            if c.place is not None:
                continue  # resolved already (a dateline read within its region)
            if c.kind == "place":
                c.canonical, c.place = self.namer.place(text)
            elif c.kind == "person":
                c.canonical = self.namer.name("person", joined.get(text, text))
            else:
                c.canonical = self.namer.name(c.kind, text)
        return sorted(cands, key=lambda c: c.start)

    @staticmethod
    def _mention(doc, text: str, c: Cand) -> Mention:
        span = doc[c.start:c.end]
        start, end = span.start_char, span.end_char
        p = c.place
        return Mention(c.kind, text[start:end], c.canonical, start, end,
                       p.country if p else None, p.lat if p else None, p.lon if p else None)


class _Pass:
    """One article's kind decisions, with what they share: its full names, places, orgs."""

    def __init__(self, finder: EntityFinder, doc):
        self.aliases, self.gaz, self.rules = finder.aliases, finder.gaz, finder.rules
        self.doc = doc
        self.surnames: set[str] = set()  # last words of multi-word person names
        self.given: set[str] = set()  # first words of multi-word person names
        self.org_heads: set[str] = set()  # first words of multi-word organisation names
        self.countries: set[str] = set()  # countries of the places the model tagged
        self.place_words: set[str] = set()  # texts the model tagged as places
        self.place_tokens: set[int] = set()

    def place_tokens_of(self, cands: list[Cand]) -> set[int]:
        return {i for c in cands if c.kind == "place" for i in range(c.start, c.end)}

    def decide_kinds(self, cands: list[Cand]) -> list[Cand]:
        """Set each candidate's kind (None: not a facet value)."""
        doc = self.doc
        texts = [key(doc[c.start:c.end].text) for c in cands]
        full = [c for c in cands if c.label == "PERSON" and c.end - c.start > 1]
        self.surnames = {key(doc[c.end - 1].text) for c in full}
        self.given = {key(doc[c.start].text) for c in full}
        self.org_heads = {key(doc[c.start].text) for c in cands
                          if c.label == "ORG" and c.end - c.start > 1}
        placed = [(c, t) for c, t in zip(cands, texts) if c.label in _PLACE_LABELS]
        self.place_words = {t for _c, t in placed}
        for c, _t in placed:
            place = c.place or self.gaz.lookup(doc[c.start:c.end].text)
            if place is not None and place.country:
                self.countries.add(place.country)
        self.place_tokens = {i for c, _t in placed for i in range(c.start, c.end)}
        for c in cands:
            c.kind = self.kind(c)
            if c.kind == "place":
                self.place_tokens.update(range(c.start, c.end))
        return cands

    def kind(self, c: Cand) -> str | None:
        span = self.doc[c.start:c.end]
        text, one_word = span.text, len(span) == 1
        if c.label == "DATELINE":
            return "place"
        found = self.aliases.find(text, LABEL_KIND[c.label])
        if found:
            return found[0]
        if one_word and key(text) in self.surnames | self.given:
            return "person"
        # Alternate names ("Kiev") resolve places the model tagged, but never turn a person
        # or an organisation into a place.
        place = self.gaz.lookup(text, primary=c.label not in _PLACE_LABELS)
        if place is None and one_word and self.is_nationality(span[0], c.label):
            return None  # "Ukrainian troops", "the Moldovan government": not a place or name
        if c.label in _PLACE_LABELS:
            return "place"
        if place is not None and self.is_place_here(span, c.label, place):
            return "place"
        if self.names_a_site(span, c.label):
            return "place"
        if c.label == "FAC" or self.in_job_title(span) \
                or self.rules.is_capital_artifact(span, c.label):
            return None
        if c.label == "PERSON" and one_word and text[-2:].isupper() and not text.isupper():
            return "org"  # "BelTA": a camel-case acronym is an agency, not a person
        return LABEL_KIND[c.label]

    def names_a_site(self, span, label: str) -> bool:
        """A name ending in a place word ("Tribal Areas", "Government Palace"), or a
        "person" nobody in the article is, named as where something is ("in Khan Younis")."""
        if has_place_head(span) and label in ("ORG", "FAC", "PERSON"):
            return True
        if label != "PERSON" or is_speaker(span):
            return False
        words = {key(t.text) for t in span}
        return not words & (self.surnames | self.given) and inside_place(span)

    def is_nationality(self, tok, label: str) -> bool:
        """A demonym of a country name ("Ukrainian", "Iraqi"), or an adjective tagged a place."""
        return (tok.tag_ == "JJ" and label in _PLACE_LABELS) or \
            looks_like_demonym(tok.text, self.gaz.country_names())

    def in_job_title(self, span) -> bool:
        """ "Secretary of State", "Defense Secretary": a word of a job title, not an org.

        Only English words count ("Defense"): "CME Chairman" is an organisation's chairman.
        """
        doc, i = self.doc, span.start
        if len(span) != 1 or not self.rules.is_word(span[0]):
            return False
        after = span.end < len(doc) and self.aliases.is_title(doc[span.end].text) \
            and doc[span.end].text[:1].isupper()
        return after or (i >= 2 and doc[i - 1].lower_ == "of"
                         and self.aliases.is_title(doc[i - 2].text))

    def is_place_here(self, span, label: str, place: Place) -> bool:
        """Whether a PERSON/ORG/FAC span naming a known place is used as that place here.

        For: a country; a location preposition, a list with places or an area word
        ("Kherson region"); a city of a million. Against: an acronym, the head word of a
        longer organisation name in the article, the subject of "said". Then: a big-enough
        city, or a city of a country the article names ("Mariupol" with "Ukraine").
        """
        if place.kind in ("country", "continent"):
            return True
        text = span.text
        if (text.isupper() and len(text) <= 4) or key(text) in self.org_heads:
            return False  # "IBM"; "Goodyear" short for "Goodyear Tire and Rubber Co"
        if label == "PERSON" and len(span) > 1:
            return False
        if after_location_prep(span) or before_area_word(span) \
                or listed_with(span, self.place_tokens) or place.population >= SURE_CITY:
            return True
        if is_speaker(span):
            return False  # "Rogers said": a person (or an organisation) speaking
        in_country = place.kind == "city" and place.country in self.countries
        if label == "PERSON":
            return place.population >= LIKELY_CITY or (
                in_country and place.population >= SMALL_CITY)
        return (in_country and place.population >= LIKELY_CITY) or (
            key(text) in self.place_words and place.population >= ORG_CITY)

    def settle_lists(self, cands: list[Cand]) -> None:
        """Known cities listed with places ("Kharkiv, Sumy and Poltava") are places too."""
        tokens = self.place_tokens_of(cands)
        changed = True
        while changed:
            changed = False
            for c in cands:
                span = self.doc[c.start:c.end]
                if c.label not in ("PERSON", "ORG") or c.kind == "place" \
                        or key(span.text) in self.surnames or self.aliases.find(span.text):
                    continue
                place = self.gaz.lookup(span.text, primary=True)
                if place is not None and place.population >= LIKELY_CITY \
                        and listed_with(span, tokens):
                    c.kind = "place"
                    tokens.update(range(c.start, c.end))
                    changed = True
